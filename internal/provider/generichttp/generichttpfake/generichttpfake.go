// Package generichttpfake is an in-process JSON API for the generic HTTP
// provider: a small "items" resource behind one of the auth styles the
// provider supports (none, bearer, basic, a custom header, a query
// parameter), answering wrong credentials with 401 and a JSON error body.
// It backs the generichttp tests, the demo mode and the proxy benchmark, so
// it is an ordinary package (not a _test file), imports no testing packages,
// and is deterministic: ids count up from the seeded items, nothing depends
// on the clock.
package generichttpfake

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The auth styles (the provider's authMode values).
const (
	AuthNone   = "none"
	AuthBearer = "bearer"
	AuthBasic  = "basic"
	AuthHeader = "header"
	AuthQuery  = "query"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultToken      = "ghf_live_4f1c2a9e7b3d45c8a0e6b2d9f7c1a3e5"
	DefaultUsername   = "ihub"
	DefaultPassword   = "correct-horse-battery-staple"
	DefaultHeaderName = "X-API-Key"
	DefaultQueryParam = "api_key"
)

// Item is one record of the items resource.
type Item struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// DefaultItems returns the items a server starts with when Options.Items is
// nil. The slice is the caller's.
func DefaultItems() []Item {
	return []Item{
		{ID: 1, Name: "Welcome email", Status: "done"},
		{ID: 2, Name: "Provision hosting account", Status: "open"},
		{ID: 3, Name: "Verify identity", Status: "open"},
	}
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value requires a bearer token
// (DefaultToken) and serves DefaultItems.
type Options struct {
	// Auth is the style the server requires: AuthNone, AuthBearer (the
	// default), AuthBasic, AuthHeader or AuthQuery.
	Auth string
	// Token is the token of the bearer, header and query styles; Username
	// and Password the basic credentials; HeaderName and QueryParam where
	// the header and query styles expect the token. Empty values take the
	// defaults above.
	Token, Username, Password, HeaderName, QueryParam string
	// Items are the records the server starts with; nil means DefaultItems.
	Items []Item
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
	mux      *http.ServeMux
	requests atomic.Int64

	mu     sync.Mutex
	items  []Item
	nextID int
}

// New starts a fake API. Close it when done. Routes (all behind the auth
// check):
//
//	GET    /health       {"status":"ok"}
//	GET    /items        {"items":[...],"total":n}; ?status= filters
//	POST   /items        creates from {"name","status"}: 201, Location
//	GET    /items/{id}   the item, or 404 {"error":"not_found","message":...}
//	PUT    /items/{id}   replaces name and status
//	PATCH  /items/{id}   updates the fields given
//	DELETE /items/{id}   204
//	GET    /ping         text/plain "pong"
//	*      /echo         {"method","path","query","body"} (the query
//	                     without the auth parameter)
func New(opts Options) *Server {
	if opts.Auth == "" {
		opts.Auth = AuthBearer
	}
	opts.Token = orDefault(opts.Token, DefaultToken)
	opts.Username = orDefault(opts.Username, DefaultUsername)
	opts.Password = orDefault(opts.Password, DefaultPassword)
	opts.HeaderName = orDefault(opts.HeaderName, DefaultHeaderName)
	opts.QueryParam = orDefault(opts.QueryParam, DefaultQueryParam)
	items := opts.Items
	if items == nil {
		items = DefaultItems()
	}
	s := &Server{opts: opts, items: slices.Clone(items), mux: http.NewServeMux()}
	for _, it := range s.items {
		s.nextID = max(s.nextID, it.ID)
	}
	s.nextID++
	s.routes()
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

// Items returns a copy of the current items.
func (s *Server) Items() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.items)
}

// Unauthorized is the answer to missing or wrong credentials: 401 with a
// WWW-Authenticate challenge for the bearer and basic styles.
func Unauthorized(auth string) *Reply {
	h := jsonHeader()
	switch auth {
	case AuthBearer:
		h.Set("WWW-Authenticate", `Bearer realm="fake", error="invalid_token"`)
	case AuthBasic:
		h.Set("WWW-Authenticate", `Basic realm="fake"`)
	}
	return &Reply{Status: http.StatusUnauthorized, Header: h, Body: `{"error":"unauthorized","message":"Invalid or missing credentials"}`}
}

// JSONError is an error answer in the fake's format.
func JSONError(status int, code, message string) *Reply {
	b, _ := json.Marshal(map[string]string{"error": code, "message": message}) // cannot fail: strings only
	return &Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

// HTMLPage is an HTML page, as a proxy, a login form or a maintenance page
// sends.
func HTMLPage(status int, title, text string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html>\n<html><head><title>" + title +
		"</title></head><body><h1>" + title + "</h1><p>" + text + "</p></body></html>"}
}

// TooManyRequests is a 429 with Retry-After in whole seconds.
func TooManyRequests(retryAfter time.Duration) *Reply {
	h := jsonHeader()
	h.Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: `{"error":"rate_limited","message":"Too many requests"}`}
}

// Hang is a Fail hook that blocks until the client gives up (the request's
// context is done), to test that callers honour their context.
//
// It reads the request body first: the server only notices that the client
// went away (and cancels r's context) once the body has been consumed.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // a read error ends the wait just the same
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if !s.authorized(r) {
		write(w, Unauthorized(s.opts.Auth))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	switch s.opts.Auth {
	case AuthNone:
		return true
	case AuthBearer:
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && eq(tok, s.opts.Token)
	case AuthBasic:
		u, p, ok := r.BasicAuth()
		return ok && eq(u, s.opts.Username) && eq(p, s.opts.Password)
	case AuthHeader:
		return eq(r.Header.Get(s.opts.HeaderName), s.opts.Token)
	case AuthQuery:
		vs := r.URL.Query()[s.opts.QueryParam]
		return len(vs) == 1 && eq(vs[0], s.opts.Token)
	}
	return false
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		h := http.Header{}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		write(w, &Reply{Status: http.StatusOK, Header: h, Body: "pong\n"})
	})
	s.mux.HandleFunc("/echo", s.echo)
	s.mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		status := r.URL.Query().Get("status")
		s.mu.Lock()
		out := []Item{}
		for _, it := range s.items {
			if status == "" || it.Status == status {
				out = append(out, it)
			}
		}
		s.mu.Unlock()
		h := jsonHeader()
		h.Set("X-Total-Count", strconv.Itoa(len(out)))
		b, _ := json.Marshal(map[string]any{"items": out, "total": len(out)}) // cannot fail
		write(w, &Reply{Status: http.StatusOK, Header: h, Body: string(b)})
	})
	s.mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name   *string `json:"name"`
			Status *string `json:"status"`
		}
		if !decode(w, r, &in) {
			return
		}
		if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
			write(w, JSONError(http.StatusUnprocessableEntity, "validation_failed", "name is required"))
			return
		}
		it := Item{Name: *in.Name, Status: "open"}
		if in.Status != nil {
			it.Status = *in.Status
		}
		s.mu.Lock()
		it.ID = s.nextID
		s.nextID++
		s.items = append(s.items, it)
		s.mu.Unlock()
		w.Header().Set("Location", "/items/"+strconv.Itoa(it.ID))
		writeJSON(w, http.StatusCreated, it)
	})
	s.mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		s.withItem(w, r, func(it *Item) (any, int) { return *it, http.StatusOK })
	})
	update := func(replace bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var in struct {
				Name   *string `json:"name"`
				Status *string `json:"status"`
			}
			if !decode(w, r, &in) {
				return
			}
			if replace && (in.Name == nil || in.Status == nil) {
				write(w, JSONError(http.StatusUnprocessableEntity, "validation_failed", "name and status are required"))
				return
			}
			s.withItem(w, r, func(it *Item) (any, int) {
				if in.Name != nil {
					it.Name = *in.Name
				}
				if in.Status != nil {
					it.Status = *in.Status
				}
				return *it, http.StatusOK
			})
		}
	}
	s.mux.HandleFunc("PUT /items/{id}", update(true))
	s.mux.HandleFunc("PATCH /items/{id}", update(false))
	s.mux.HandleFunc("DELETE /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.Atoi(r.PathValue("id"))
		s.mu.Lock()
		i := slices.IndexFunc(s.items, func(it Item) bool { return it.ID == id })
		if i >= 0 {
			s.items = slices.Delete(s.items, i, i+1)
		}
		s.mu.Unlock()
		if i < 0 {
			write(w, notFound(r.PathValue("id")))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		write(w, JSONError(http.StatusNotFound, "not_found", "No route for "+r.Method+" "+r.URL.Path))
	})
}

// withItem runs fn on the item named by the {id} path value under the lock
// and writes its result, or a 404.
func (s *Server) withItem(w http.ResponseWriter, r *http.Request, fn func(*Item) (any, int)) {
	id, err := strconv.Atoi(r.PathValue("id"))
	s.mu.Lock()
	i := slices.IndexFunc(s.items, func(it Item) bool { return it.ID == id })
	var (
		v      any
		status int
	)
	if err == nil && i >= 0 {
		v, status = fn(&s.items[i])
	}
	s.mu.Unlock()
	if err != nil || i < 0 {
		write(w, notFound(r.PathValue("id")))
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) echo(w http.ResponseWriter, r *http.Request) {
	q := url.Values{}
	for k, vs := range r.URL.Query() {
		if s.opts.Auth == AuthQuery && k == s.opts.QueryParam {
			continue // never echo a credential
		}
		q[k] = vs
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		write(w, JSONError(http.StatusBadRequest, "bad_request", "cannot read the body"))
		return
	}
	var jb any
	if len(body) > 0 && json.Unmarshal(body, &jb) != nil {
		jb = string(body)
	}
	writeJSON(w, http.StatusOK, map[string]any{"method": r.Method, "path": r.URL.Path, "query": q, "body": jb})
}

func notFound(id string) *Reply {
	return JSONError(http.StatusNotFound, "not_found", fmt.Sprintf("Item %q not found", id))
}

// decode reads a JSON body into v, answering 400 itself when it cannot.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		write(w, JSONError(http.StatusBadRequest, "bad_request", "The body must be a JSON object"))
		return false
	}
	return true
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
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
	_, _ = w.Write([]byte(rep.Body)) // the client may have gone; nothing to do about it
}
