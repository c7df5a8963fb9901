// Package resendfake is an in-process Resend API server speaking the
// documented wire format (providers.md A17): "Authorization: Bearer re_…",
// GET /domains, POST /emails with Idempotency-Key, GET /emails/{id}, and
// errors as {"statusCode","message","name"} — 401 missing_api_key, 403
// invalid_api_key, 401 restricted_api_key for a sending-only key on
// /domains, 422 missing_required_field, 403 validation_error for a sender
// whose domain is not verified, 409 invalid_idempotent_request. It backs the
// resend tests and the demo mode, so it is deterministic and imports no
// testing packages.
package resendfake

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used when Options leaves a value empty.
const (
	// FullKey is a full-access API key.
	FullKey = "re_FuLLaCCe55Key0123456789abcdef"
	// SendingKey is a sending-only API key.
	SendingKey = "re_SeNDoNLyKey0123456789abcdefgh"
)

// Domain is one domain served by GET /domains.
type Domain struct {
	ID, Name, Status, Region, CreatedAt string
}

// DefaultDomains returns the seeded domains: example.com verified and
// example.org pending.
func DefaultDomains() []Domain {
	return []Domain{
		{ID: "d91cd9bd-1176-453e-8fc1-35364d380206", Name: "example.com", Status: "verified", Region: "us-east-1", CreatedAt: "2023-04-26T20:21:26.347412+00:00"},
		{ID: "e169aa45-1ecf-4183-9955-b1499d5701d3", Name: "example.org", Status: "pending", Region: "eu-west-1", CreatedAt: "2024-01-10T08:00:00.000000+00:00"},
	}
}

// Email is one email accepted by POST /emails.
type Email struct {
	ID      string   `json:"id"`
	From    string   `json:"from"`
	To      []string `json:"to"`
	Cc      []string `json:"cc,omitempty"`
	Bcc     []string `json:"bcc,omitempty"`
	ReplyTo []string `json:"reply_to,omitempty"`
	Subject string   `json:"subject"`
	HTML    string   `json:"html,omitempty"`
	Text    string   `json:"text,omitempty"`
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts FullKey and
// SendingKey and serves DefaultDomains.
type Options struct {
	// FullKeys and SendingKeys are the accepted keys; both empty means
	// {FullKey} and {SendingKey}.
	FullKeys, SendingKeys []string
	// Domains is what GET /domains lists; nil means DefaultDomains(). Mail
	// is accepted only from a verified domain.
	Domains []Domain
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options

	mu     sync.Mutex
	emails []Email
	idem   map[string]idemEntry
}

type idemEntry struct {
	body string
	id   string
}

// New starts a fake Resend API. Close it when done.
func New(opts Options) *Server {
	if len(opts.FullKeys) == 0 && len(opts.SendingKeys) == 0 {
		opts.FullKeys, opts.SendingKeys = []string{FullKey}, []string{SendingKey}
	}
	if opts.Domains == nil {
		opts.Domains = DefaultDomains()
	}
	s := &Server{opts: opts, idem: map[string]idemEntry{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the base URL to configure (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Emails returns the emails accepted so far, oldest first.
func (s *Server) Emails() []Email {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.emails)
}

// Error is Resend's error answer.
func Error(status int, name, message string) *Reply {
	b, _ := json.Marshal(map[string]any{"statusCode": status, "message": message, "name": name}) // strings only
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return &Reply{Status: status, Header: h, Body: string(b)}
}

// TooManyRequests is Resend's rate-limit answer with retry-after seconds.
func TooManyRequests(retryAfter time.Duration) *Reply {
	r := Error(http.StatusTooManyRequests, "rate_limit_exceeded", "Too many requests. You can only make 2 requests per second.")
	r.Header.Set("Retry-After", fmt.Sprint(int(retryAfter.Seconds())))
	r.Header.Set("Ratelimit-Limit", "2")
	r.Header.Set("Ratelimit-Remaining", "0")
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
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Bearer ")
	switch {
	case auth == "" || !ok || key == "":
		write(w, Error(http.StatusUnauthorized, "missing_api_key", "Missing API key in the authorization header. Include the following header Authorization: Bearer YOUR_API_KEY in the request."))
		return
	case !slices.Contains(s.opts.FullKeys, key) && !slices.Contains(s.opts.SendingKeys, key):
		write(w, Error(http.StatusForbidden, "invalid_api_key", "API key is invalid"))
		return
	}
	full := slices.Contains(s.opts.FullKeys, key)
	switch {
	case r.URL.Path == "/domains" && r.Method == http.MethodGet:
		if !full {
			write(w, Error(http.StatusUnauthorized, "restricted_api_key", "This API key is restricted to only send emails"))
			return
		}
		s.listDomains(w)
	case r.URL.Path == "/emails" && r.Method == http.MethodPost:
		s.sendEmail(w, r, key)
	case strings.HasPrefix(r.URL.Path, "/emails/") && r.Method == http.MethodGet:
		if !full {
			write(w, Error(http.StatusUnauthorized, "restricted_api_key", "This API key is restricted to only send emails"))
			return
		}
		s.getEmail(w, strings.TrimPrefix(r.URL.Path, "/emails/"))
	case r.URL.Path == "/domains" || r.URL.Path == "/emails":
		write(w, Error(http.StatusMethodNotAllowed, "method_not_allowed", "Method is not allowed for the requested path."))
	default:
		write(w, Error(http.StatusNotFound, "not_found", "The requested endpoint does not exist."))
	}
}

func (s *Server) listDomains(w http.ResponseWriter) {
	data := make([]map[string]any, 0, len(s.opts.Domains))
	for _, d := range s.opts.Domains {
		data = append(data, map[string]any{
			"id": d.ID, "name": d.Name, "status": d.Status, "created_at": d.CreatedAt, "region": d.Region,
			"capabilities": map[string]any{"sending": "enabled", "receiving": "disabled"},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "has_more": false, "data": data})
}

func (s *Server) sendEmail(w http.ResponseWriter, r *http.Request, key string) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 40<<20))
	if err != nil {
		write(w, Error(http.StatusBadRequest, "validation_error", "Could not read the request body."))
		return
	}
	var e Email
	if err := json.Unmarshal(raw, &e); err != nil {
		write(w, Error(http.StatusUnprocessableEntity, "validation_error", "Invalid JSON body."))
		return
	}
	switch {
	case e.From == "":
		write(w, Error(http.StatusUnprocessableEntity, "missing_required_field", "Missing `from` field."))
		return
	case len(e.To) == 0:
		write(w, Error(http.StatusUnprocessableEntity, "missing_required_field", "Missing `to` field."))
		return
	case e.Subject == "":
		write(w, Error(http.StatusUnprocessableEntity, "missing_required_field", "Missing `subject` field."))
		return
	}
	addr, err := mail.ParseAddress(e.From)
	if err != nil {
		write(w, Error(http.StatusUnprocessableEntity, "invalid_from_address", "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."))
		return
	}
	for _, to := range slices.Concat(e.To, e.Cc, e.Bcc) {
		if _, err := mail.ParseAddress(to); err != nil {
			write(w, Error(http.StatusUnprocessableEntity, "validation_error", "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format."))
			return
		}
	}
	domain := addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	if !s.verified(domain) {
		write(w, Error(http.StatusForbidden, "validation_error", "The "+domain+" domain is not verified. Please, add and verify your domain on https://resend.com/domains"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ik := r.Header.Get("Idempotency-Key")
	if ik != "" {
		if prev, ok := s.idem[key+"\x00"+ik]; ok {
			if prev.body != string(raw) {
				write(w, Error(http.StatusConflict, "invalid_idempotent_request", "Same idempotency key used with a different request payload. Change your idempotency key or payload."))
				return
			}
			writeJSON(w, http.StatusOK, map[string]string{"id": prev.id})
			return
		}
	}
	e.ID = fmt.Sprintf("49a3999c-0ce1-4ea6-ab68-%012d", len(s.emails)+1)
	s.emails = append(s.emails, e)
	if ik != "" {
		s.idem[key+"\x00"+ik] = idemEntry{body: string(raw), id: e.ID}
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": e.ID})
}

func (s *Server) getEmail(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.emails {
		if e.ID == id {
			writeJSON(w, http.StatusOK, map[string]any{
				"object": "email", "id": e.ID, "from": e.From, "to": e.To, "subject": e.Subject,
				"html": e.HTML, "text": e.Text, "last_event": "delivered",
			})
			return
		}
	}
	write(w, Error(http.StatusNotFound, "not_found", "Email not found"))
}

func (s *Server) verified(domain string) bool {
	for _, d := range s.opts.Domains {
		if strings.EqualFold(d.Name, domain) && d.Status == "verified" {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	write(w, &Reply{Status: status, Header: h, Body: string(b)})
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
