// Package pleskfake is an in-process Plesk REST API v2 server speaking the
// documented wire format (providers.md A3): JSON under /api/v2/,
// authentication with X-API-Key or HTTP Basic as the administrator, errors
// as {"code": <int>, "message": "<text>"} with ordinary HTTP statuses (401
// for bad credentials), GET /api/v2/server, /api/v2/clients and
// /api/v2/domains (?name= filter) returning complete arrays. The exact
// error texts are not verified against real Plesk [?]. It backs the plesk
// tests and the demo mode, so it is an ordinary package that imports no
// testing packages, and it is deterministic.
package pleskfake

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultLogin    = "admin"
	DefaultPassword = "Adm1n-setup-password"
	DefaultAPIKey   = "5c7f0e3a-1b2d-4e6f-8a9b-0c1d2e3f4a5b"
	DefaultVersion  = "18.0.62"
	DefaultHostname = "plesk.example.test"
)

// Client is one Plesk client (customer or reseller).
type Client struct {
	ID                                  int64
	Name, Company, Login, Email, Type   string
	Status                              int
	OwnerLogin, ExternalID, Description string
	Created, Locale, GUID               string
}

// Domain is one Plesk domain.
type Domain struct {
	ID                         int64
	Name, HostingType, WWWRoot string
	BaseDomainID               int64
	Created, GUID              string
}

// DefaultClients are served when Options.Clients is nil.
func DefaultClients() []Client {
	return []Client{
		{ID: 1, Name: "Ada Lovelace", Company: "Analytical Engines Ltd", Login: "ada", Email: "ada@example.com",
			Type: "customer", OwnerLogin: "admin", ExternalID: "crm-1001", Created: "2025-01-15", Locale: "en-GB",
			GUID: "8f14e45f-ceea-467f-a8f2-0a1b2c3d4e01"},
		{ID: 2, Name: "Grace Hopper", Login: "grace", Email: "grace@example.net", Type: "reseller",
			OwnerLogin: "admin", Created: "2025-03-02", Locale: "en-US", GUID: "8f14e45f-ceea-467f-a8f2-0a1b2c3d4e02"},
		{ID: 3, Name: "Alan Turing", Login: "alan", Email: "alan@example.org", Type: "customer", Status: 16,
			OwnerLogin: "grace", Created: "2025-06-30", Locale: "en-GB", GUID: "8f14e45f-ceea-467f-a8f2-0a1b2c3d4e03"},
	}
}

// DefaultDomains are served when Options.Domains is nil.
func DefaultDomains() []Domain {
	return []Domain{
		{ID: 1, Name: "example.com", HostingType: "virtual", WWWRoot: "/var/www/vhosts/example.com/httpdocs",
			Created: "2025-01-15", GUID: "d0d0e45f-ceea-467f-a8f2-0a1b2c3d4e01"},
		{ID: 2, Name: "shop.example.com", HostingType: "virtual", BaseDomainID: 1,
			WWWRoot: "/var/www/vhosts/example.com/shop.example.com", Created: "2025-02-01", GUID: "d0d0e45f-ceea-467f-a8f2-0a1b2c3d4e02"},
		{ID: 3, Name: "example.org", HostingType: "none", Created: "2025-06-30", GUID: "d0d0e45f-ceea-467f-a8f2-0a1b2c3d4e03"},
	}
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultAPIKey and
// DefaultLogin/DefaultPassword and serves the default clients and domains.
type Options struct {
	Login, Password, APIKey string
	Version, Hostname       string
	// Clients and Domains are served as given; nil means the defaults, an
	// empty slice none.
	Clients []Client
	Domains []Domain
	// Fail, when set, sees every request first (after counting); a non-nil
	// Reply is sent instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
	// TLS serves HTTPS with httptest's self-signed certificate.
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

// New starts a fake Plesk server. Close it when done.
func New(opts Options) *Server {
	if opts.Login == "" {
		opts.Login = DefaultLogin
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.Hostname == "" {
		opts.Hostname = DefaultHostname
	}
	if opts.Clients == nil {
		opts.Clients = DefaultClients()
	} else {
		opts.Clients = slices.Clone(opts.Clients)
	}
	if opts.Domains == nil {
		opts.Domains = DefaultDomains()
	} else {
		opts.Domains = slices.Clone(opts.Domains)
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

// Calls is the number of authenticated calls of "METHOD /api/v2/path".
func (s *Server) Calls(endpoint string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[endpoint]
}

// AuthCalls is the number of authenticated calls made with "api_key" or
// "basic".
func (s *Server) AuthCalls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auths[method]
}

// Error is a Plesk error answer: status with {"code", "message"}.
func Error(status, code int, message string) *Reply {
	b, _ := json.Marshal(map[string]any{"code": code, "message": message}) // cannot fail
	return &Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

// Unauthorized is the answer to bad or missing credentials [?: text].
func Unauthorized() *Reply { return Error(http.StatusUnauthorized, 0, "Authentication failed") }

// HTMLPage is an HTML error page, as a proxy or a misconfigured port sends.
func HTMLPage(status int, title, text string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html>\n<html><head><title>" + title +
		"</title></head><body><h1>" + title + "</h1><p>" + text + "</p></body></html>"}
}

// TooManyRequests is a 429 with Retry-After in whole seconds, as a rate
// limiting proxy in front of Plesk would send (Plesk documents none).
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

func (s *Server) authenticate(r *http.Request) string {
	if k := r.Header.Get("X-API-Key"); k != "" {
		if k == s.opts.APIKey {
			return "api_key"
		}
		return ""
	}
	if u, p, ok := r.BasicAuth(); ok && u == s.opts.Login && p == s.opts.Password {
		return "basic"
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
	path, ok := strings.CutPrefix(r.URL.Path, "/api/v2/")
	if !ok {
		write(w, HTMLPage(http.StatusNotFound, "404 Not Found", "The requested URL was not found on this server."))
		return
	}
	method := s.authenticate(r)
	if method == "" {
		write(w, Unauthorized())
		return
	}
	endpoint := r.Method + " /api/v2/" + path
	s.mu.Lock()
	s.calls[endpoint]++
	s.auths[method]++
	s.mu.Unlock()
	switch endpoint {
	case "GET /api/v2/server":
		writeJSON(w, map[string]any{
			"platform": "Unix", "hostname": s.opts.Hostname, "guid": "5b0a1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d",
			"panel_version": s.opts.Version, "panel_revision": "a3c1b2d", "panel_build_date": "2024-06-01",
			"panel_update_version": "3", "extension_version": "1.0.0", "extension_release": "1",
		})
	case "GET /api/v2/clients":
		out := []map[string]any{}
		for _, c := range s.opts.Clients {
			var ext any
			if c.ExternalID != "" {
				ext = c.ExternalID
			}
			out = append(out, map[string]any{
				"id": c.ID, "created": c.Created, "name": c.Name, "company": c.Company, "login": c.Login,
				"status": c.Status, "email": c.Email, "locale": c.Locale, "guid": c.GUID, "owner_login": c.OwnerLogin,
				"external_id": ext, "description": c.Description, "type": c.Type,
			})
		}
		writeJSON(w, out)
	case "GET /api/v2/domains":
		// A name that matches nothing answers an empty array [?].
		name := r.URL.Query().Get("name")
		out := []map[string]any{}
		for _, d := range s.opts.Domains {
			if name != "" && !strings.EqualFold(d.Name, name) {
				continue
			}
			out = append(out, map[string]any{
				"id": d.ID, "name": d.Name, "ascii_name": d.Name, "hosting_type": d.HostingType,
				"base_domain_id": d.BaseDomainID, "www_root": d.WWWRoot, "guid": d.GUID, "created": d.Created,
				"aliases": []string{},
			})
		}
		writeJSON(w, out)
	default:
		write(w, Error(http.StatusNotFound, 0, "Not Found"))
	}
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return h
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	write(w, &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(b)})
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
