// Package githubfake is an in-process GitHub REST API server speaking the
// documented wire format (providers.md A8): Bearer (or "token") auth with a
// 401 "Bad credentials" document, GET /user with X-OAuth-Scopes for classic
// tokens, GET /user/repos paginated with per_page/page and an RFC 8288 Link
// header, X-RateLimit-* headers on every answer, primary and secondary rate
// limiting (403 or 429 with x-ratelimit-remaining: 0 or Retry-After), the
// 403 for a missing User-Agent and the 400 for an unsupported API version,
// GET /repos/{owner}/{repo}/commits (sha, since, until, Link with next but
// no last) and POST /repos/{owner}/{repo}/hooks (201 with the secret masked,
// 422 "Validation Failed" for a missing URL or a duplicate hook; see
// repos.go).
// It backs the github tests, the demo mode and benchmarks, so it is an
// ordinary package and imports no testing packages.
package githubfake

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
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

// DefaultToken is the token accepted when Options.Tokens is empty; it
// belongs to the octocat user with classic scopes "repo, read:org" and three
// repositories.
const DefaultToken = "ghp_FakeGitHubToken0123456789abcdefABCD"

// User is a GitHub account.
type User struct {
	Login string
	ID    int64
	Name  string
	// Type is "User" (default), "Bot" or "Organization".
	Type  string
	Email string
}

// Repository is a repository owned by the token's user.
type Repository struct {
	Name          string
	Private       bool
	DefaultBranch string // "main" when empty
	// Commits on the default branch, newest first; nil seeds three
	// deterministic commits derived from the name, empty means none.
	Commits []Commit
}

// Token is what one access token can see.
type Token struct {
	User User
	// Scopes are sent as X-OAuth-Scopes. nil omits the header, as for
	// fine-grained personal access tokens and app tokens.
	Scopes []string
	Repos  []Repository
}

// RateLimitMode makes the server answer every authenticated request as rate
// limited.
type RateLimitMode int

// The rate-limit modes.
const (
	// NotLimited answers normally (the primary limit still applies once a
	// token's RateLimit requests are used up).
	NotLimited RateLimitMode = iota
	// Primary answers 403 with x-ratelimit-remaining: 0 and a reset time
	// RetryAfter from now, and no Retry-After header.
	Primary
	// Secondary answers 403 with Retry-After and the secondary-limit message.
	Secondary
	// TooMany answers 429 with Retry-After and x-ratelimit-remaining: 0.
	TooMany
)

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultToken.
type Options struct {
	// Tokens maps access tokens to what they see. Empty means DefaultToken
	// for octocat.
	Tokens map[string]Token
	// RateLimit is the primary limit per token and hour; 0 means 5000.
	RateLimit int
	// RateLimited switches rate limiting on for every authenticated request;
	// SetRateLimited changes it while running.
	RateLimited RateLimitMode
	// RetryAfter is the delay announced when rate limited; 0 means 60 s.
	RetryAfter time.Duration
	// PathPrefix mounts the API under a prefix, "/api/v3" to look like GitHub
	// Enterprise Server; URL includes it.
	PathPrefix string
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
	mode     atomic.Int64

	mu    sync.Mutex
	used  map[string]int // requests per token in the current window
	reset time.Time
	calls map[string]int // "GET /user" → count
	hooks map[string][]Hook
	// hookSeq numbers created hooks.
	hookSeq int64
}

// New starts a fake GitHub API. Close it when done.
func New(opts Options) *Server {
	if len(opts.Tokens) == 0 {
		opts.Tokens = map[string]Token{DefaultToken: {
			User:   User{Login: "octocat", ID: 583231, Name: "The Octocat", Type: "User"},
			Scopes: []string{"repo", "read:org"},
			Repos:  []Repository{{Name: "Hello-World"}, {Name: "Spoon-Knife"}, {Name: "secret-plans", Private: true}},
		}}
	}
	opts.Tokens = maps.Clone(opts.Tokens)
	if opts.RateLimit == 0 {
		opts.RateLimit = 5000
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Minute
	}
	opts.PathPrefix = strings.TrimRight(opts.PathPrefix, "/")
	s := &Server{opts: opts, used: map[string]int{}, calls: map[string]int{}, reset: time.Now().Add(time.Hour), hooks: map[string][]Hook{}}
	s.mode.Store(int64(opts.RateLimited))
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // rejected TLS handshakes are an expected scenario
	if opts.TLS {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	return s
}

// URL is the API root to configure as the base URL.
func (s *Server) URL() string { return s.srv.URL + s.opts.PathPrefix }

// Client returns an *http.Client that trusts the server (needed with TLS).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, including rejected ones.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of authenticated requests for "METHOD /path" (path
// without the prefix and query), e.g. Calls("GET /user").
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// SetRateLimited switches rate limiting while the server runs.
func (s *Server) SetRateLimited(m RateLimitMode) { s.mode.Store(int64(m)) }

// BadCredentials is GitHub's 401 for an unknown or revoked token.
func BadCredentials() *Reply {
	return jsonReply(http.StatusUnauthorized, errDoc("Bad credentials", "https://docs.github.com/rest", "401"))
}

// HTMLPage is an HTML error page (a proxy, or GitHub's own "unicorn" page).
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
		"</title><style>body{background:#f1f1f1;font-family:sans-serif}</style></head><body><div class=\"c\"><h1>" +
		title + "</h1><p>We're having a really bad day.</p>" + strings.Repeat("<div>&nbsp;</div>\n", 300) +
		"</div></body></html>"}
}

// Hang is a Fail hook that blocks until the client gives up (the request's
// context is done), to test that callers honour their context.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

func errDoc(msg, docs, status string) map[string]any {
	return map[string]any{"message": msg, "documentation_url": docs, "status": status}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	path, ok := strings.CutPrefix(r.URL.Path, s.opts.PathPrefix)
	if !ok {
		write(w, jsonReply(http.StatusNotFound, errDoc("Not Found", "https://docs.github.com/rest", "404")))
		return
	}
	if r.Header.Get("User-Agent") == "" {
		write(w, &Reply{Status: http.StatusForbidden, Header: textHeader(), Body: "Request forbidden by administrative rules. " +
			"Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). " +
			"Check https://developer.github.com for other possible causes.\n"})
		return
	}
	if v := r.Header.Get("X-GitHub-Api-Version"); v != "" && v != "2022-11-28" && v != "2026-03-10" {
		write(w, jsonReply(http.StatusBadRequest, errDoc(fmt.Sprintf("API version %s is not supported.", v),
			"https://docs.github.com/rest/overview/api-versions", "400")))
		return
	}

	tokenStr, hasAuth := bearer(r.Header.Get("Authorization"))
	tok, known := s.opts.Tokens[tokenStr]
	if !hasAuth || !known {
		rep := BadCredentials()
		if !hasAuth {
			rep = jsonReply(http.StatusUnauthorized, errDoc("Requires authentication", "https://docs.github.com/rest/users/users#get-the-authenticated-user", "401"))
		}
		s.rateHeaders(rep.Header, 60, 59, 1)
		write(w, rep)
		return
	}

	s.mu.Lock()
	if time.Now().After(s.reset) {
		s.used, s.reset = map[string]int{}, time.Now().Add(time.Hour)
	}
	route := r.Method + " " + path
	s.calls[route]++
	exhausted := s.used[tokenStr] >= s.opts.RateLimit
	if !exhausted {
		s.used[tokenStr]++
	}
	used := s.used[tokenStr]
	s.mu.Unlock()

	h := jsonHeader()
	if tok.Scopes != nil {
		h.Set("X-OAuth-Scopes", strings.Join(tok.Scopes, ", "))
		h.Set("X-Accepted-OAuth-Scopes", "")
	}
	h.Set("X-GitHub-Media-Type", "github.v3; format=json")
	h.Set("X-GitHub-Request-Id", fmt.Sprintf("FAKE:%X", s.requests.Load()))

	mode := RateLimitMode(s.mode.Load())
	if exhausted && mode == NotLimited {
		mode = Primary
	}
	if rep := s.rateLimited(mode, h, tok.User.ID, used); rep != nil {
		write(w, rep)
		return
	}
	s.rateHeaders(h, s.opts.RateLimit, s.opts.RateLimit-used, used)

	switch {
	case r.Method == http.MethodGet && path == "/user":
		write(w, &Reply{Status: http.StatusOK, Header: h, Body: mustJSON(s.userJSON(r, tok.User))})
	case r.Method == http.MethodGet && path == "/user/repos":
		s.serveRepos(w, r, h, tok)
	case strings.HasPrefix(path, "/repos/"):
		s.serveRepo(w, r, h, tok, path)
	case r.Method == http.MethodGet && path == "/rate_limit":
		core := map[string]any{"limit": s.opts.RateLimit, "remaining": s.opts.RateLimit - used, "used": used, "reset": s.resetUnix(), "resource": "core"}
		write(w, &Reply{Status: http.StatusOK, Header: h, Body: mustJSON(map[string]any{"resources": map[string]any{"core": core}, "rate": core})})
	default:
		rep := jsonReply(http.StatusNotFound, errDoc("Not Found", "https://docs.github.com/rest", "404"))
		maps.Copy(rep.Header, h)
		write(w, rep)
	}
}

// rateLimited builds the answer for a rate-limit mode, or nil.
func (s *Server) rateLimited(mode RateLimitMode, h http.Header, userID int64, used int) *Reply {
	secs := strconv.Itoa(int(s.opts.RetryAfter.Seconds()))
	switch mode {
	case Primary:
		s.rateHeaders(h, s.opts.RateLimit, 0, s.opts.RateLimit)
		h.Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(s.opts.RetryAfter).Unix(), 10))
		return &Reply{Status: http.StatusForbidden, Header: h, Body: mustJSON(errDoc(
			fmt.Sprintf("API rate limit exceeded for user ID %d. If you reach out to GitHub Support for help, please include the request ID %s.", userID, h.Get("X-GitHub-Request-Id")),
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", "403"))}
	case Secondary:
		s.rateHeaders(h, s.opts.RateLimit, s.opts.RateLimit-used, used)
		h.Set("Retry-After", secs)
		return &Reply{Status: http.StatusForbidden, Header: h, Body: mustJSON(errDoc(
			"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits", "403"))}
	case TooMany:
		s.rateHeaders(h, s.opts.RateLimit, 0, s.opts.RateLimit)
		h.Set("Retry-After", secs)
		return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: mustJSON(errDoc(
			"API rate limit exceeded. Please wait before you try again.",
			"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", "429"))}
	}
	return nil
}

func (s *Server) rateHeaders(h http.Header, limit, remaining, used int) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(remaining, 0)))
	h.Set("X-RateLimit-Used", strconv.Itoa(used))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.resetUnix(), 10))
	h.Set("X-RateLimit-Resource", "core")
}

func (s *Server) resetUnix() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reset.Unix()
}

func (s *Server) serveRepos(w http.ResponseWriter, r *http.Request, h http.Header, tok Token) {
	q := r.URL.Query()
	perPage := 30
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	repos := slices.Clone(tok.Repos)
	slices.SortFunc(repos, func(a, b Repository) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	switch q.Get("visibility") {
	case "public":
		repos = slices.DeleteFunc(repos, func(r Repository) bool { return r.Private })
	case "private":
		repos = slices.DeleteFunc(repos, func(r Repository) bool { return !r.Private })
	}
	last := max((len(repos)+perPage-1)/perPage, 1)
	from := min((page-1)*perPage, len(repos))
	to := min(from+perPage, len(repos))
	out := make([]map[string]any, 0, to-from)
	for i, repo := range repos[from:to] {
		out = append(out, s.repoJSON(r, tok.User, repo, int64(1000+from+i)))
	}
	if last > 1 {
		link := func(p int, rel string) string {
			u := s.absURL(r)
			qq := u.Query()
			qq.Set("page", strconv.Itoa(p))
			qq.Set("per_page", strconv.Itoa(perPage))
			u.RawQuery = qq.Encode()
			return "<" + u.String() + `>; rel="` + rel + `"`
		}
		var links []string
		if page > 1 {
			links = append(links, link(min(page-1, last), "prev"))
		}
		if page < last {
			links = append(links, link(page+1, "next"), link(last, "last"))
		}
		if page > 1 {
			links = append(links, link(1, "first"))
		}
		h.Set("Link", strings.Join(links, ", "))
	}
	write(w, &Reply{Status: http.StatusOK, Header: h, Body: mustJSON(out)})
}

func (s *Server) absURL(r *http.Request) *url.URL {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery}
}

func (s *Server) apiBase(r *http.Request) string {
	u := s.absURL(r)
	return u.Scheme + "://" + u.Host + s.opts.PathPrefix
}

func (s *Server) userJSON(r *http.Request, u User) map[string]any {
	typ := u.Type
	if typ == "" {
		typ = "User"
	}
	var name, email any
	if u.Name != "" {
		name = u.Name
	}
	if u.Email != "" {
		email = u.Email
	}
	return map[string]any{
		"login": u.Login, "id": u.ID, "node_id": fmt.Sprintf("MDQ6VXNlcj%d", u.ID), "type": typ,
		"site_admin": false, "name": name, "email": email,
		"html_url": "https://github.com/" + u.Login, "url": s.apiBase(r) + "/users/" + u.Login,
		"avatar_url": fmt.Sprintf("https://avatars.githubusercontent.com/u/%d?v=4", u.ID),
	}
}

func (s *Server) repoJSON(r *http.Request, owner User, repo Repository, id int64) map[string]any {
	branch := repo.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	full := owner.Login + "/" + repo.Name
	vis := "public"
	if repo.Private {
		vis = "private"
	}
	return map[string]any{
		"id": id, "node_id": fmt.Sprintf("R_kgDO%d", id), "name": repo.Name, "full_name": full,
		"private": repo.Private, "visibility": vis, "default_branch": branch,
		"owner":    map[string]any{"login": owner.Login, "id": owner.ID, "type": "User"},
		"html_url": "https://github.com/" + full, "clone_url": "https://github.com/" + full + ".git",
		"url": s.apiBase(r) + "/repos/" + full,
	}
}

// bearer extracts the token from "Bearer <t>" or "token <t>".
func bearer(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || (!strings.EqualFold(scheme, "bearer") && !strings.EqualFold(scheme, "token")) {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

func jsonReply(status int, v any) *Reply {
	return &Reply{Status: status, Header: jsonHeader(), Body: mustJSON(v)}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("githubfake: " + err.Error()) // only maps of plain values are marshalled
	}
	return string(b)
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return h
}

func textHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
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
	_, _ = io.WriteString(w, rep.Body) // the client may have gone; nothing to do about it
}
