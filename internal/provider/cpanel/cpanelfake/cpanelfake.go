// Package cpanelfake is an in-process cPanel UAPI server speaking the
// documented wire format (providers.md A2): GET or POST
// /execute/<Module>/<function>, "Authorization: cpanel user:token" or HTTP
// Basic with the account password, JSON answers
// {apiversion, func, module, result: {data, errors, messages, metadata,
// status, warnings}}, HTTP 200 with result.status 0 and result.errors for
// failures, and HTTP 401 with a cPanel-API-2 "Access denied" body for bad
// credentials [?: cPanel answers 401 or 403; the body may be HTML]. It
// backs the cpanel tests and the demo mode, so it is an ordinary package
// that imports no testing packages, and it is deterministic.
package cpanelfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultUser     = "example"
	DefaultToken    = "9ZQXH1CPANEL0TOKEN7A2B4C6D8E0F1G3"
	DefaultPassword = "correct-horse-battery"
)

// Domains is what DomainInfo::list_domains serves.
type Domains struct {
	Main                string
	Addon, Parked, Subs []string
}

// DefaultDomains are the domains served when Options.Domains is nil.
func DefaultDomains() *Domains {
	return &Domains{
		Main:   "example.com",
		Addon:  []string{"example.net", "shop.example"},
		Parked: []string{"example.org"},
		Subs:   []string{"blog.example.com"},
	}
}

// Quota is what Quota::get_local_quota_info serves; a zero limit is
// unlimited.
type Quota struct {
	BytesUsed, ByteLimit, InodesUsed, InodeLimit int64
}

// DefaultQuota is served when Options.Quota is nil: 256 MiB of a 1 GiB
// quota, inodes unlimited.
func DefaultQuota() *Quota {
	return &Quota{BytesUsed: 268435456, ByteLimit: 1073741824, InodesUsed: 5120}
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value serves DefaultUser with
// DefaultToken and DefaultPassword and the default domains and quota.
type Options struct {
	// User, Token and Password are the account and its credentials; empty
	// means the defaults. Set NoPassword to refuse Basic auth entirely.
	User, Token, Password string
	NoPassword            bool
	Domains               *Domains
	Quota                 *Quota
	// Flat answers with the result fields at the top level instead of the
	// documented result wrapper [?: seen in some integrations].
	Flat bool
	// Fail, when set, sees every request first (after counting); a non-nil
	// Reply is sent instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
	// TLS serves HTTPS with httptest's self-signed certificate; use
	// Server.Client to talk to it.
	TLS bool
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
	mu       sync.Mutex
	calls    map[string]int
	auths    map[string]int
}

// New starts a fake cPanel server. Close it when done.
func New(opts Options) *Server {
	if opts.User == "" {
		opts.User = DefaultUser
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Password == "" && !opts.NoPassword {
		opts.Password = DefaultPassword
	}
	if opts.Domains == nil {
		opts.Domains = DefaultDomains()
	}
	if opts.Quota == nil {
		opts.Quota = DefaultQuota()
	}
	s := &Server{opts: opts, calls: map[string]int{}, auths: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	return s
}

// URL is the base URL to configure (scheme://127.0.0.1:port, no path).
func (s *Server) URL() string { return s.srv.URL }

// Client returns an *http.Client that trusts the server (needed with TLS).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, including rejected ones.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of authenticated calls of "Module/function".
func (s *Server) Calls(fn string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[fn]
}

// AuthCalls is the number of authenticated calls made with method "token"
// or "basic".
func (s *Server) AuthCalls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths[method]
}

// AccessDenied is the answer to bad or missing credentials: HTTP 401 with a
// cPanel-API-2 style body.
func AccessDenied() *Reply {
	return &Reply{
		Status: http.StatusUnauthorized,
		Header: jsonHeader(),
		Body:   `{"cpanelresult":{"apiversion":"2","error":"Access denied","data":{"reason":"Access denied","result":"0"},"type":"text"}}`,
	}
}

// Failure is a UAPI failure: HTTP 200 with result.status 0 and errors.
func Failure(module, fn string, errs ...string) *Reply {
	return &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(mustJSON(answer(module, fn, false, nil, errs)))}
}

// HTMLPage is an HTML error page, as a proxy or a misconfigured port sends.
func HTMLPage(status int, title, text string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html>\n<html><head><title>" + title +
		"</title></head><body><h1>" + title + "</h1><p>" + text + "</p></body></html>"}
}

// TooManyRequests is a 429 with Retry-After in whole seconds, as a rate
// limiting proxy in front of cPanel would send (cPanel documents none).
func TooManyRequests(retryAfter time.Duration) *Reply {
	h := http.Header{}
	h.Set("Retry-After", fmt.Sprint(int(retryAfter.Seconds())))
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: "Too Many Requests"}
}

// Hang is a Fail hook that blocks until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

var (
	tokenRE = regexp.MustCompile(`^(?i:cpanel)\s+([^:\s]+):(\S+)$`)
	pathRE  = regexp.MustCompile(`^/execute/([A-Za-z][A-Za-z0-9_]*)/([A-Za-z][A-Za-z0-9_]*)$`)
)

// authenticate returns "token" or "basic", or "" when the credentials are
// wrong.
func (s *Server) authenticate(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if m := tokenRE.FindStringSubmatch(h); m != nil {
		if m[1] == s.opts.User && m[2] == s.opts.Token {
			return "token"
		}
		return ""
	}
	if scheme, enc, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "basic") {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if err != nil {
			return ""
		}
		u, p, _ := strings.Cut(string(b), ":")
		if s.opts.Password != "" && u == s.opts.User && p == s.opts.Password {
			return "basic"
		}
	}
	return ""
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		write(w, HTMLPage(http.StatusNotFound, "404 Not Found", "The requested URL was not found on this server."))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		write(w, HTMLPage(http.StatusMethodNotAllowed, "405 Method Not Allowed", "Use GET or POST."))
		return
	}
	method := s.authenticate(r)
	if method == "" {
		write(w, AccessDenied())
		return
	}
	if err := r.ParseForm(); err != nil {
		write(w, Failure(m[1], m[2], "Invalid request."))
		return
	}
	module, fn := m[1], m[2]
	s.mu.Lock()
	s.calls[module+"/"+fn]++
	s.auths[method]++
	s.mu.Unlock()

	var data any
	switch module + "/" + fn {
	case "DomainInfo/list_domains":
		d := s.opts.Domains
		data = map[string]any{
			"main_domain": d.Main, "addon_domains": nonNil(d.Addon), "parked_domains": nonNil(d.Parked),
			"sub_domains": nonNil(d.Subs),
		}
	case "Quota/get_local_quota_info":
		q := s.opts.Quota
		data = map[string]any{
			"bytes_used": q.BytesUsed, "byte_limit": q.ByteLimit, "inodes_used": q.InodesUsed,
			"inode_limit": q.InodeLimit, "megabytes_used": float64(q.BytesUsed) / (1 << 20),
			"megabyte_limit": float64(q.ByteLimit) / (1 << 20),
		}
	case "Variables/get_user_information":
		data = map[string]any{"user": s.opts.User, "domain": s.opts.Domains.Main}
	default:
		// The exact text of real cPanel is not verified [?].
		write(w, Failure(module, fn, fmt.Sprintf("Failed to load module “%s”: Unknown function “%s”.", module, fn)))
		return
	}
	ans := answer(module, fn, true, data, nil)
	if s.opts.Flat {
		ans = ans["result"].(map[string]any)
	}
	write(w, &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(mustJSON(ans))})
}

func answer(module, fn string, ok bool, data any, errs []string) map[string]any {
	status := 0
	var e any
	if ok {
		status = 1
	} else {
		e = errs
	}
	return map[string]any{
		"apiversion": 3, "func": fn, "module": module,
		"result": map[string]any{
			"data": data, "errors": e, "messages": nil, "metadata": map[string]any{}, "status": status, "warnings": nil,
		},
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return b
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return h
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
	_, _ = w.Write([]byte(rep.Body)) // the client may have gone; nothing to do about it
}
