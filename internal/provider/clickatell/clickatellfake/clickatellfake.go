// Package clickatellfake is an in-process Clickatell One API server speaking
// the wire format of providers.md A15: the raw API key in the Authorization
// header, GET /v1/balance, POST /v1/message answering 202 when every message
// was accepted and 207 with per-message errors otherwise, GET
// /v1/message/{id}, and 401 {"error":{"code":1,...}} for a bad key. It backs
// the clickatell tests and the demo mode, so it is deterministic,
// self-contained and imports no testing packages.
package clickatellfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultAPIKey   = "cK7mQ2xVbN9pL4tR8wZ3yH6jD1fG5sA0"
	DefaultCurrency = "ZAR"
	DefaultBalance  = 123.45
)

// Error codes the fake uses (Clickatell's numbering [?] beyond 1 and 23,
// which providers.md quotes).
const (
	CodeAuth         = 1
	CodeInvalidParam = 23
	CodeOptedOut     = 301 // [?] the real code for a blocked recipient is not documented here
)

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultAPIKey and
// reports DefaultBalance in DefaultCurrency.
type Options struct {
	// APIKey is the integration API key the server accepts.
	APIKey string
	// Currency and Balance are what GET /v1/balance reports; a zero Balance
	// means DefaultBalance unless ZeroBalance is set.
	Currency    string
	Balance     float64
	ZeroBalance bool
	// Blocked lists recipients whose messages are not accepted (an
	// opted-out or unroutable number): they get accepted=false and a 207.
	Blocked []string
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Sent is one message the fake accepted.
type Sent struct {
	ID      string
	To      string
	From    string
	Content string
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options
	mu   sync.Mutex
	sent []Sent
	next int
}

// New starts a fake Clickatell server. Close it when done.
func New(opts Options) *Server {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Currency == "" {
		opts.Currency = DefaultCurrency
	}
	if opts.Balance == 0 && !opts.ZeroBalance {
		opts.Balance = DefaultBalance
	}
	opts.Blocked = slices.Clone(opts.Blocked)
	s := &Server{opts: opts}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the base URL to configure: the One API root, <server>/v1.
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Sent returns the messages accepted so far, oldest first.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Hang is a Fail hook that never answers until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// Unauthorized is Clickatell's answer to a bad or missing key.
func Unauthorized() *Reply {
	return ErrorReply(http.StatusUnauthorized, CodeAuth, "Invalid or missing integration API Key")
}

// ErrorReply is an answer with Clickatell's error document.
func ErrorReply(status, code int, description string) *Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "description": description}}) // cannot fail
	return &Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

var (
	msisdn    = regexp.MustCompile(`^[1-9][0-9]{6,14}$`)
	messageID = regexp.MustCompile(`^/v1/message/([0-9a-f]{32})$`)
)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Read the body first: only then does net/http notice a client that
	// hangs up, which a blocking Fail hook (Hang) relies on.
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		write(w, ErrorReply(http.StatusBadRequest, CodeInvalidParam, "Could not read the request body"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	// Clickatell wants the raw key: "Bearer <key>" is rejected like a wrong key.
	if r.Header.Get("Authorization") != s.opts.APIKey {
		write(w, Unauthorized())
		return
	}
	switch {
	case r.URL.Path == "/v1/balance" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]any{"currency": s.opts.Currency, "balance": s.opts.Balance})
	case r.URL.Path == "/v1/message" && r.Method == http.MethodPost:
		s.send(w, r)
	case messageID.MatchString(r.URL.Path) && r.Method == http.MethodGet:
		s.status(w, messageID.FindStringSubmatch(r.URL.Path)[1])
	case r.URL.Path == "/v1/balance" || r.URL.Path == "/v1/message":
		write(w, ErrorReply(http.StatusMethodNotAllowed, 0, "Method not allowed"))
	default:
		write(w, ErrorReply(http.StatusNotFound, 0, "Not found"))
	}
}

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		write(w, ErrorReply(http.StatusBadRequest, CodeInvalidParam, "Invalid or missing parameter: Content-Type must be application/json ."))
		return
	}
	var req struct {
		Messages []struct {
			Channel string `json:"channel"`
			To      string `json:"to"`
			Content string `json:"content"`
			From    string `json:"from"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || len(req.Messages) == 0 {
		write(w, ErrorReply(http.StatusBadRequest, CodeInvalidParam, "Invalid or missing parameter: messages ."))
		return
	}
	if len(req.Messages) >= 100 {
		write(w, ErrorReply(http.StatusBadRequest, CodeInvalidParam, "Invalid or missing parameter: too many messages ."))
		return
	}
	type result struct {
		APIMessageID *string `json:"apiMessageId"`
		Accepted     bool    `json:"accepted"`
		To           string  `json:"to"`
		Error        any     `json:"error"`
	}
	out := make([]result, 0, len(req.Messages))
	all := true
	s.mu.Lock()
	for _, m := range req.Messages {
		code, desc := 0, ""
		switch {
		case m.Channel != "sms":
			code, desc = CodeInvalidParam, "Invalid or missing parameter: channel ."
		case !msisdn.MatchString(m.To):
			code, desc = CodeInvalidParam, "Invalid or missing parameter: to ."
		case strings.TrimSpace(m.Content) == "":
			code, desc = CodeInvalidParam, "Invalid or missing parameter: content ."
		case slices.Contains(s.opts.Blocked, m.To):
			code, desc = CodeOptedOut, "Recipient opted out or cannot be reached."
		}
		if code != 0 {
			all = false
			out = append(out, result{To: m.To, Error: map[string]any{"code": code, "description": desc}})
			continue
		}
		s.next++
		id := fmt.Sprintf("%032x", 0xc11c0000+s.next)
		s.sent = append(s.sent, Sent{ID: id, To: m.To, From: m.From, Content: m.Content})
		out = append(out, result{APIMessageID: &id, Accepted: true, To: m.To})
	}
	s.mu.Unlock()
	status := http.StatusAccepted
	if !all {
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, map[string]any{"messages": out, "error": nil})
}

func (s *Server) status(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.sent {
		if m.ID == id {
			writeJSON(w, http.StatusOK, map[string]any{"apiMessageId": id, "status": "RECEIVED_BY_RECIPIENT", "to": m.To})
			return
		}
	}
	write(w, ErrorReply(http.StatusNotFound, 0, "Message not found"))
}

func write(w http.ResponseWriter, rep *Reply) {
	for k, vs := range rep.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, rep.Body) // the client may have gone away
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v) // maps of plain values: cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client may have gone away
}
