// Package discordfake is an in-process Discord webhook server speaking the
// documented wire format (providers.md A12): GET and POST on
// /api[/v10]/webhooks/{id}/{token}; GET answers the webhook object, POST
// answers 204, or 200 with the message object when wait=true; errors are
// {"message","code"} — 404 Unknown Webhook (10015), 401 Invalid Webhook
// Token (50027), 400 Cannot send an empty message (50006), 400 Invalid Form
// Body (50035); 429 carries Retry-After, X-RateLimit-* headers and a body
// with retry_after. It backs the discord tests and the demo mode, so it is
// deterministic and imports no testing packages.
package discordfake

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultID        = "123456789012345678"
	DefaultToken     = "dIsCoRdWeBhOoKtOkEn_0123456789-abcdefghijklmnopqrstuvwxyzABCDEFGH"
	DefaultName      = "Hub"
	DefaultChannelID = "223456789012345678"
	DefaultGuildID   = "323456789012345678"
	// ThreadID is the one thread of the channel.
	ThreadID = "423456789012345678"
)

// Message is one message posted through the webhook.
type Message struct {
	ID, ChannelID, Content, Username, AvatarURL string
	// AllowedMentions is the allowed_mentions.parse list, nil when absent.
	AllowedMentions []string
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value serves one webhook with
// DefaultID and DefaultToken.
type Options struct {
	// ID, Token and Name describe the webhook.
	ID, Token, Name string
	// RateLimitAfter, when positive, answers 429 to every POST after that
	// many accepted messages.
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

// New starts a fake Discord webhook server. Close it when done.
func New(opts Options) *Server {
	if opts.ID == "" {
		opts.ID = DefaultID
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Name == "" {
		opts.Name = DefaultName
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the server root (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// WebhookURL is the full webhook URL, the credential to configure.
func (s *Server) WebhookURL() string {
	return s.srv.URL + "/api/webhooks/" + s.opts.ID + "/" + s.opts.Token
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Messages returns the messages posted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Error is Discord's error answer.
func Error(status, code int, message string) *Reply {
	b, _ := json.Marshal(map[string]any{"message": message, "code": code}) // cannot fail
	return &Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

// TooManyRequests is Discord's per-route 429.
func TooManyRequests(retryAfter time.Duration) *Reply {
	secs := retryAfter.Seconds()
	b, _ := json.Marshal(map[string]any{"message": "You are being rate limited.", "retry_after": secs, "global": false})
	h := jsonHeader()
	h.Set("Retry-After", strconv.Itoa(int(secs+0.999)))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "fake-webhook-bucket")
	h.Set("X-RateLimit-Scope", "shared")
	return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: string(b)}
}

// Hang is a Fail hook that blocks until the client gives up. It reads the
// request body first: the server only notices a client hanging up once the
// body is consumed.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // best effort
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

var pathRE = regexp.MustCompile(`^/api(?:/v[0-9]+)?/webhooks/([0-9]+)/([^/]+)/?$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	switch {
	case m == nil:
		write(w, Error(http.StatusNotFound, 0, "404: Not Found"))
		return
	case m[1] != s.opts.ID:
		write(w, Error(http.StatusNotFound, 10015, "Unknown Webhook"))
		return
	case m[2] != s.opts.Token:
		write(w, Error(http.StatusUnauthorized, 50027, "Invalid Webhook Token"))
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{
			"application_id": nil, "avatar": nil, "channel_id": DefaultChannelID, "guild_id": DefaultGuildID,
			"id": s.opts.ID, "name": s.opts.Name, "type": 1, "token": s.opts.Token,
		})
	case http.MethodPost:
		s.execute(w, r)
	default:
		write(w, Error(http.StatusMethodNotAllowed, 0, "405: Method Not Allowed"))
	}
}

func (s *Server) execute(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Content         string           `json:"content"`
		Username        string           `json:"username"`
		AvatarURL       string           `json:"avatar_url"`
		Embeds          []map[string]any `json:"embeds"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		write(w, Error(http.StatusBadRequest, 50109, "The request body contains invalid JSON."))
		return
	}
	if body.Content == "" && len(body.Embeds) == 0 {
		write(w, Error(http.StatusBadRequest, 50006, "Cannot send an empty message"))
		return
	}
	if utf8.RuneCountInString(body.Content) > 2000 {
		write(w, &Reply{Status: http.StatusBadRequest, Header: jsonHeader(),
			Body: `{"message":"Invalid Form Body","code":50035,"errors":{"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 2000 or fewer in length."}]}}}`})
		return
	}
	channel := DefaultChannelID
	if t := r.URL.Query().Get("thread_id"); t != "" {
		if t != ThreadID {
			write(w, Error(http.StatusBadRequest, 10003, "Unknown Channel")) // exact status for an unknown thread [?]
			return
		}
		channel = ThreadID
	}
	s.mu.Lock()
	if s.opts.RateLimitAfter > 0 && len(s.messages) >= s.opts.RateLimitAfter {
		s.mu.Unlock()
		write(w, TooManyRequests(1500*time.Millisecond))
		return
	}
	msg := Message{
		ID: fmt.Sprintf("5%017d", len(s.messages)+1), ChannelID: channel, Content: body.Content,
		Username: body.Username, AvatarURL: body.AvatarURL,
	}
	if body.AllowedMentions != nil {
		msg.AllowedMentions = append([]string{}, body.AllowedMentions.Parse...)
	}
	s.messages = append(s.messages, msg)
	n := len(s.messages)
	s.mu.Unlock()

	w.Header().Set("X-RateLimit-Limit", "5")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(max(0, 5-n%5)))
	w.Header().Set("X-RateLimit-Reset-After", "2.000")
	if r.URL.Query().Get("wait") != "true" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	name := body.Username
	if name == "" {
		name = s.opts.Name
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": msg.ID, "type": 0, "channel_id": channel, "content": body.Content,
		"timestamp":  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(n) * time.Second).Format("2006-01-02T15:04:05.000000+00:00"),
		"author":     map[string]any{"id": s.opts.ID, "username": name, "bot": true},
		"webhook_id": s.opts.ID, "embeds": []any{}, "attachments": []any{},
	})
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return h
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	write(w, &Reply{Status: status, Header: jsonHeader(), Body: string(b)})
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
