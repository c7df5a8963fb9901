// Package slackfake is an in-process Slack server speaking the documented
// wire formats (providers.md A11). Incoming webhooks: POST
// /services/{T}/{B}/{secret} with JSON, answered 200 "ok" or a plain-text
// code — 400 invalid_payload / no_text, 403 invalid_token, 404 no_service,
// 410 channel_is_archived. Web API: POST /api/auth.test and
// /api/chat.postMessage with "Authorization: Bearer xoxb-…" (or a token form
// field), answered HTTP 200 with {"ok":true,…} or {"ok":false,"error":…}
// (not_authed, invalid_auth, missing_scope with needed/provided,
// channel_not_found, no_text), an x-oauth-scopes header, and 429 with
// Retry-After and {"ok":false,"error":"ratelimited"}. It backs the slack
// tests and the demo mode, so it is deterministic and imports no testing
// packages.
package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultBotToken    = "xoxb-0000000001-0000000002-FaKeBoTtOkEnAbCdEf0123"
	DefaultWebhookPath = "/services/T0001FAKE/B0001FAKE/FaKeWeBhOoKsEcReT01234567"
	DefaultTeam        = "Acme Ops"
	DefaultTeamID      = "T0001FAKE"
	DefaultBotUser     = "ihub"
	// AlertsChannel is the id of #alerts, the seeded channel.
	AlertsChannel = "C0123ALERTS"
	// ArchivedChannel is the id of #old-alerts, an archived channel.
	ArchivedChannel = "C0456ARCHIV"
)

// Message is one posted message.
type Message struct {
	// Via is "webhook" or "bot".
	Via      string
	Channel  string
	Text     string
	ThreadTS string
	TS       string
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultBotToken with
// scopes chat:write and channels:read, and one webhook at
// DefaultWebhookPath posting to #alerts.
type Options struct {
	// BotToken and Scopes describe the one valid token.
	BotToken string
	Scopes   []string
	// WebhookPath is the path of the one live webhook.
	WebhookPath string
	// WebhookArchived makes the webhook's channel archived (410).
	WebhookArchived bool
	// RateLimitAfter, when positive, answers 429 to posts after that many
	// accepted messages.
	RateLimitAfter int
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options

	mu       sync.Mutex
	messages []Message
}

// New starts a fake Slack. Close it when done.
func New(opts Options) *Server {
	if opts.BotToken == "" {
		opts.BotToken = DefaultBotToken
	}
	if opts.Scopes == nil {
		opts.Scopes = []string{"chat:write", "channels:read"}
	}
	if opts.WebhookPath == "" {
		opts.WebhookPath = DefaultWebhookPath
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the server root (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// APIURL is the Web API base URL to configure (URL()+"/api").
func (s *Server) APIURL() string { return s.srv.URL + "/api" }

// WebhookURL is the incoming webhook URL, the credential to configure.
func (s *Server) WebhookURL() string { return s.srv.URL + s.opts.WebhookPath }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Messages returns the messages posted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Text is a plain-text answer (the webhook's error format).
func Text(status int, body string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: body}
}

// APIError is a Web API failure: HTTP 200 with ok=false.
func APIError(code string) *Reply {
	return jsonReply(http.StatusOK, map[string]any{"ok": false, "error": code})
}

// RateLimited is Slack's 429 with Retry-After in seconds.
func RateLimited(seconds int) *Reply {
	r := jsonReply(http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
	r.Header.Set("Retry-After", strconv.Itoa(seconds))
	return r
}

// Hang is a Fail hook that blocks until the client gives up. It reads the
// request body first: the server only notices a client hanging up once the
// body is consumed.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // best effort
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/services/"):
		s.webhook(w, r)
	case strings.HasPrefix(r.URL.Path, "/api/"):
		s.api(w, r, strings.TrimPrefix(r.URL.Path, "/api/"))
	default:
		write(w, Text(http.StatusNotFound, "Not Found"))
	}
}

func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/services/"), "/")
	want := strings.Split(strings.TrimPrefix(s.opts.WebhookPath, "/services/"), "/")
	switch {
	case r.Method != http.MethodPost:
		write(w, Text(http.StatusMethodNotAllowed, "invalid_method"))
		return
	case len(parts) != 3 || len(want) != 3 || parts[0] != want[0] || parts[1] != want[1]:
		write(w, Text(http.StatusNotFound, "no_service"))
		return
	case parts[2] != want[2]:
		write(w, Text(http.StatusForbidden, "invalid_token"))
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var body struct {
		Text   string          `json:"text"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if ct != "application/json" || json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body) != nil {
		write(w, Text(http.StatusBadRequest, "invalid_payload"))
		return
	}
	if body.Text == "" && (len(body.Blocks) == 0 || string(body.Blocks) == "[]" || string(body.Blocks) == "null") {
		write(w, Text(http.StatusBadRequest, "no_text"))
		return
	}
	if s.opts.WebhookArchived {
		write(w, Text(http.StatusGone, "channel_is_archived"))
		return
	}
	if _, limited := s.add(Message{Via: "webhook", Channel: AlertsChannel, Text: body.Text}); limited {
		rep := Text(http.StatusTooManyRequests, "rate_limited")
		rep.Header.Set("Retry-After", "1")
		write(w, rep)
		return
	}
	h := http.Header{}
	h.Set("Content-Type", "text/html") // what Slack sends with its "ok"
	write(w, &Reply{Status: http.StatusOK, Header: h, Body: "ok"})
}

// add records m unless the rate limit is reached; it returns the ts.
func (s *Server) add(m Message) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.RateLimitAfter > 0 && len(s.messages) >= s.opts.RateLimitAfter {
		return "", true
	}
	m.TS = fmt.Sprintf("1767225600.%06d", len(s.messages)+1)
	s.messages = append(s.messages, m)
	return m.TS, false
}

var channels = map[string]string{"alerts": AlertsChannel, "old-alerts": ArchivedChannel}

func (s *Server) api(w http.ResponseWriter, r *http.Request, method string) {
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		write(w, APIError("method_not_supported_for_channel_type"))
		return
	}
	params := map[string]any{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&params); err != nil {
			write(w, APIError("invalid_json"))
			return
		}
	} else if err := r.ParseForm(); err == nil {
		for k := range r.Form {
			params[k] = r.Form.Get(k)
		}
	}
	token, hasBearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !hasBearer {
		token, _ = params["token"].(string)
	}
	switch {
	case token == "":
		write(w, APIError("not_authed"))
		return
	case token != s.opts.BotToken:
		write(w, APIError("invalid_auth"))
		return
	}
	scopes := strings.Join(s.opts.Scopes, ",")
	switch method {
	case "auth.test":
		rep := jsonReply(http.StatusOK, map[string]any{
			"ok": true, "url": "https://acme-ops.slack.com/", "team": DefaultTeam, "user": DefaultBotUser,
			"team_id": DefaultTeamID, "user_id": "U0001BOT", "bot_id": "B0001BOT", "is_enterprise_install": false,
		})
		rep.Header.Set("X-Oauth-Scopes", scopes)
		write(w, rep)
	case "chat.postMessage":
		s.postMessage(w, params, scopes)
	default:
		write(w, APIError("unknown_method"))
	}
}

func (s *Server) postMessage(w http.ResponseWriter, params map[string]any, scopes string) {
	if !slices.Contains(s.opts.Scopes, "chat:write") {
		write(w, jsonReply(http.StatusOK, map[string]any{"ok": false, "error": "missing_scope", "needed": "chat:write", "provided": scopes}))
		return
	}
	ch, _ := params["channel"].(string)
	text, _ := params["text"].(string)
	thread, _ := params["thread_ts"].(string)
	id := ch
	if name, ok := strings.CutPrefix(ch, "#"); ok {
		id = channels[name]
	} else if v, ok := channels[ch]; ok {
		id = v
	}
	switch {
	case ch == "":
		write(w, APIError("channel_not_found"))
		return
	case id != AlertsChannel && id != ArchivedChannel:
		write(w, APIError("channel_not_found"))
		return
	case id == ArchivedChannel:
		write(w, APIError("is_archived"))
		return
	case text == "" && params["blocks"] == nil:
		write(w, APIError("no_text"))
		return
	}
	ts, limited := s.add(Message{Via: "bot", Channel: id, Text: text, ThreadTS: thread})
	if limited {
		write(w, RateLimited(1))
		return
	}
	rep := jsonReply(http.StatusOK, map[string]any{
		"ok": true, "channel": id, "ts": ts,
		"message": map[string]any{"type": "message", "text": text, "user": "U0001BOT", "bot_id": "B0001BOT", "ts": ts},
	})
	rep.Header.Set("X-Oauth-Scopes", scopes)
	write(w, rep)
}

func jsonReply(status int, v any) *Reply {
	b, _ := json.Marshal(v) // maps of plain values only
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: string(b)}
}

func write(w http.ResponseWriter, rep *Reply) {
	for k, vs := range rep.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, rep.Body) // the client may have gone
}
