// Package smswebhookfake is an in-process generic SMS gateway: one send
// URL taking the recipient, message and sender as JSON, form fields or
// query parameters, guarded by one of the auth modes the smswebhook adapter
// supports (none, bearer, basic, header, query). It answers
// {"success":true,"id":"sms-000001"} on success, 401 JSON for bad
// credentials, 400 for missing parameters, HTTP 200 with "success":false
// for numbers it refuses (the in-body failure many gateways use), and a
// configurable status to HEAD. It backs the smswebhook tests and the demo
// mode, so it is deterministic, self-contained and imports no testing
// packages.
package smswebhookfake

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultPath       = "/api/sms/send"
	DefaultToken      = "smsgw-token-7f3a9c2e5b1d4068"
	DefaultHeaderName = "X-API-Key"
	DefaultQueryParam = "api_key"
)

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value takes POST JSON
// {"to","message","from"} at DefaultPath without authentication.
type Options struct {
	// Path is the send URL's path.
	Path string
	// Method is POST or GET; BodyFormat is json or form (POST only).
	Method, BodyFormat string
	// ToParam, MessageParam and FromParam name the parameters.
	ToParam, MessageParam, FromParam string
	// AuthMode is none, bearer, basic, header or query. Token is the
	// bearer/header/query token (DefaultToken when empty), Username and
	// Password the basic credentials, HeaderName and QueryParam where the
	// token goes.
	AuthMode                  string
	Token, Username, Password string
	HeaderName, QueryParam    string
	// HeadStatus is the answer to an authenticated HEAD (405 when zero);
	// an unauthenticated HEAD gets 401 like any other request.
	HeadStatus int
	// Refuse maps recipients to the text of a HTTP 200 "success":false
	// answer (no credit, blocked number).
	Refuse map[string]string
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Sent is one accepted message.
type Sent struct {
	ID, To, Message, From string
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	opts  Options
	mu    sync.Mutex
	sent  []Sent
	heads int
}

// New starts a fake gateway. Close it when done.
func New(opts Options) *Server {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&opts.Path, DefaultPath)
	def(&opts.Method, http.MethodPost)
	def(&opts.BodyFormat, "json")
	def(&opts.ToParam, "to")
	def(&opts.MessageParam, "message")
	def(&opts.FromParam, "from")
	def(&opts.AuthMode, "none")
	def(&opts.Token, DefaultToken)
	def(&opts.HeaderName, DefaultHeaderName)
	def(&opts.QueryParam, DefaultQueryParam)
	if opts.HeadStatus == 0 {
		opts.HeadStatus = http.StatusMethodNotAllowed
	}
	opts.Refuse = maps.Clone(opts.Refuse)
	s := &Server{opts: opts}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the send URL to configure as the integration's base URL.
func (s *Server) URL() string { return s.srv.URL + s.opts.Path }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Sent returns the accepted messages, oldest first.
func (s *Server) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Heads is the number of HEAD requests received.
func (s *Server) Heads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heads
}

// Hang is a Fail hook that never answers until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// JSONReply is an answer with a JSON body.
func JSONReply(status int, v any) *Reply {
	b, _ := json.Marshal(v) // plain values: cannot fail
	return &Reply{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: string(b)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Read the body first: only then does net/http notice a client that
	// hangs up, which a blocking Fail hook (Hang) relies on.
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		write(w, JSONReply(http.StatusBadRequest, map[string]any{"success": false, "message": "unreadable body"}))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if r.URL.Path != s.opts.Path {
		write(w, JSONReply(http.StatusNotFound, map[string]any{"success": false, "message": "Not found"}))
		return
	}
	if !s.authorized(r) {
		write(w, JSONReply(http.StatusUnauthorized, map[string]any{"success": false, "message": "Invalid API credentials"}))
		return
	}
	if r.Method == http.MethodHead {
		s.mu.Lock()
		s.heads++
		s.mu.Unlock()
		w.Header().Set("Allow", s.opts.Method)
		w.WriteHeader(s.opts.HeadStatus)
		return
	}
	if r.Method != s.opts.Method {
		w.Header().Set("Allow", s.opts.Method)
		write(w, JSONReply(http.StatusMethodNotAllowed, map[string]any{"success": false, "message": "Use " + s.opts.Method}))
		return
	}
	params, ok := s.params(r, body)
	if !ok {
		write(w, JSONReply(http.StatusBadRequest, map[string]any{"success": false, "message": "Malformed request body"}))
		return
	}
	to, msg, from := params[s.opts.ToParam], params[s.opts.MessageParam], params[s.opts.FromParam]
	switch {
	case to == "":
		write(w, JSONReply(http.StatusBadRequest, map[string]any{"success": false, "message": "Missing parameter: " + s.opts.ToParam}))
		return
	case msg == "":
		write(w, JSONReply(http.StatusBadRequest, map[string]any{"success": false, "message": "Missing parameter: " + s.opts.MessageParam}))
		return
	}
	if why, refused := s.opts.Refuse[to]; refused {
		write(w, JSONReply(http.StatusOK, map[string]any{"success": false, "message": why}))
		return
	}
	s.mu.Lock()
	id := fmt.Sprintf("sms-%06d", len(s.sent)+1)
	s.sent = append(s.sent, Sent{ID: id, To: to, Message: msg, From: from})
	s.mu.Unlock()
	write(w, JSONReply(http.StatusOK, map[string]any{"success": true, "id": id}))
}

func (s *Server) authorized(r *http.Request) bool {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	switch s.opts.AuthMode {
	case "bearer":
		return eq(r.Header.Get("Authorization"), "Bearer "+s.opts.Token)
	case "header":
		return eq(r.Header.Get(s.opts.HeaderName), s.opts.Token)
	case "query":
		return eq(r.URL.Query().Get(s.opts.QueryParam), s.opts.Token)
	case "basic":
		u, p, ok := r.BasicAuth()
		return ok && eq(u, s.opts.Username) && eq(p, s.opts.Password)
	default:
		return true
	}
}

// params extracts the message parameters the way the gateway is configured.
func (s *Server) params(r *http.Request, body []byte) (map[string]string, bool) {
	out := map[string]string{}
	if s.opts.Method == http.MethodGet {
		for k, v := range r.URL.Query() {
			out[k] = v[0]
		}
		return out, true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch s.opts.BodyFormat {
	case "form":
		if mt != "application/x-www-form-urlencoded" {
			return nil, false
		}
		f, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, false
		}
		for k, v := range f {
			out[k] = v[0]
		}
	default:
		if mt != "application/json" {
			return nil, false
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return nil, false
		}
	}
	return out, true
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
