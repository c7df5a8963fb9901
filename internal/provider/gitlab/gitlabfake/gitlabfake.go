// Package gitlabfake is an in-process GitLab REST API v4 server speaking the
// documented wire format (providers.md A9): PRIVATE-TOKEN or "Authorization:
// Bearer" auth with GitLab's {"message":"401 Unauthorized"}, scope checks
// answered with the OAuth-style insufficient_scope 403, GET /user, /version
// and /personal_access_tokens/self, GET /projects with offset pagination
// headers (X-Page, X-Next-Page, X-Total, Link), GET
// /projects/:id/repository/commits (no X-Total, as GitLab), POST
// /projects/:id/hooks (JSON or form body) with GitLab's validation errors,
// project ids given as numbers or URL-encoded paths, and 429 with
// Retry-After and RateLimit-* headers. It backs the gitlab tests and the demo
// mode, so it is deterministic and imports no testing packages.
package gitlabfake

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"mime"
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

// DefaultToken is the token accepted when Options.Tokens is empty: user
// jdoe, scopes api and read_api, three projects.
const DefaultToken = "glpat-FakeGitLabToken0123456789"

// DefaultVersion is the version GET /version reports.
const DefaultVersion = "17.5.2-ee"

// Epoch dates the seeded records, so the fake is deterministic.
var Epoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// User is a GitLab account.
type User struct {
	ID       int64
	Username string
	Name     string
	IsAdmin  bool
	Bot      bool
}

// Commit is a commit on a project's default branch.
type Commit struct {
	Message     string // first line is the title
	AuthorName  string
	AuthorEmail string
	Date        time.Time
}

// Project is a project the token's user is a member of.
type Project struct {
	ID            int64
	Namespace     string // "jdoe" or "group/sub"
	Path          string
	Name          string // Path when empty
	Visibility    string // "private" when empty
	DefaultBranch string // "main" when empty
	Archived      bool
	// Commits on the default branch, newest first; nil seeds three.
	Commits []Commit
}

// Token is what one access token is and can see.
type Token struct {
	User User
	// Name and Scopes are reported by /personal_access_tokens/self.
	Name   string
	Scopes []string
	// ExpiresAt is YYYY-MM-DD; empty reports null.
	ExpiresAt string
	// OAuth marks an OAuth token: only accepted as Bearer, and
	// /personal_access_tokens/self answers 404 [?].
	OAuth    bool
	Projects []Project
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultToken.
type Options struct {
	Tokens map[string]Token
	// Version is reported by GET /version; DefaultVersion when empty.
	Version string
	// RateLimited answers every authenticated request with 429.
	RateLimited bool
	// RetryAfter is the delay announced when rate limited; 0 means 30 s.
	RetryAfter time.Duration
	// PathPrefix is where the API is mounted; "/api/v4" when empty. URL
	// includes it.
	PathPrefix string
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64

	mu      sync.Mutex
	calls   map[string]int
	hooks   map[int64][]Hook
	hookSeq int64
}

// Hook is a stored project webhook (Token in clear, for tests).
type Hook struct {
	ID                     int64
	ProjectID              int64
	URL                    string
	Token                  string
	Events                 map[string]bool // push_events, merge_requests_events, ...
	EnableSSLVerification  bool
	PushEventsBranchFilter string
	CreatedAt              time.Time
}

// New starts a fake GitLab. Close it when done.
func New(opts Options) *Server {
	if len(opts.Tokens) == 0 {
		opts.Tokens = map[string]Token{DefaultToken: {
			User:   User{ID: 1001, Username: "jdoe", Name: "J Doe"},
			Name:   "ihub",
			Scopes: []string{"api", "read_api"}, ExpiresAt: "2027-06-30",
			Projects: []Project{
				{ID: 42, Namespace: "acme", Path: "website", Name: "Website", Visibility: "internal"},
				{ID: 43, Namespace: "acme/infra", Path: "terraform-modules"},
				{ID: 44, Namespace: "jdoe", Path: "dotfiles", Visibility: "public", Archived: true},
			},
		}}
	}
	opts.Tokens = maps.Clone(opts.Tokens)
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 30 * time.Second
	}
	if opts.PathPrefix == "" {
		opts.PathPrefix = "/api/v4"
	}
	opts.PathPrefix = strings.TrimRight(opts.PathPrefix, "/")
	s := &Server{opts: opts, calls: map[string]int{}, hooks: map[int64][]Hook{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the API root to configure as the base URL (with /api/v4).
func (s *Server) URL() string { return s.srv.URL + s.opts.PathPrefix }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of authenticated requests for "METHOD /route", with
// the route's template: "GET /user", "GET /projects/:id/repository/commits".
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// Hooks returns the hooks of a project, oldest first.
func (s *Server) Hooks(projectID int64) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hooks[projectID])
}

// Hang is a Fail hook that blocks until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// HTMLPage is an HTML error page, like GitLab's 502 "Whoops" page.
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html>\n<html><head><title>" + title +
		"</title><style>body{color:#666}</style></head><body><h1>" + title + "</h1><p>Whoops, GitLab is taking too much time to respond.</p></body></html>"}
}

// Message is a GitLab {"message": ...} error reply.
func Message(status int, msg any) *Reply {
	return jsonReply(status, map[string]any{"message": msg})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), s.opts.PathPrefix+"/")
	if !ok {
		write(w, &Reply{Status: http.StatusNotFound, Header: textHeader(), Body: "404 page not found"})
		return
	}
	var segs []string
	for _, p := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			write(w, Message(http.StatusBadRequest, "400 Bad request"))
			return
		}
		segs = append(segs, u)
	}

	tok, ok := s.auth(r)
	if !ok {
		write(w, Message(http.StatusUnauthorized, "401 Unauthorized"))
		return
	}
	route := r.Method + " " + template(segs)
	s.mu.Lock()
	s.calls[route]++
	s.mu.Unlock()

	h := jsonHeader()
	h.Set("RateLimit-Limit", "2000")
	h.Set("RateLimit-Observed", "1")
	h.Set("RateLimit-Remaining", "1999")
	h.Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
	if s.opts.RateLimited {
		h.Set("Retry-After", strconv.Itoa(int(s.opts.RetryAfter.Seconds())))
		h.Set("RateLimit-Remaining", "0")
		write(w, withHeader(Message(http.StatusTooManyRequests, map[string]any{
			"error": "This endpoint has been requested too many times. Try again later."}), h))
		return
	}
	if r.Method != http.MethodGet && !slices.Contains(tok.Scopes, "api") {
		write(w, withHeader(jsonReply(http.StatusForbidden, map[string]any{
			"error":             "insufficient_scope",
			"error_description": "The request requires higher privileges than provided by the access token.",
			"scope":             "api",
		}), h))
		return
	}
	if r.Method == http.MethodGet && !slices.Contains(tok.Scopes, "api") && !slices.Contains(tok.Scopes, "read_api") &&
		!(route == "GET /user" && slices.Contains(tok.Scopes, "read_user")) {
		write(w, withHeader(jsonReply(http.StatusForbidden, map[string]any{
			"error":             "insufficient_scope",
			"error_description": "The request requires higher privileges than provided by the access token.",
			"scope":             "read_api api",
		}), h))
		return
	}

	switch route {
	case "GET /user":
		u := tok.User
		body := map[string]any{"id": u.ID, "username": u.Username, "name": u.Name, "state": "active",
			"locked": false, "bot": u.Bot, "web_url": "https://gitlab.example.com/" + u.Username,
			"avatar_url": "https://gitlab.example.com/uploads/-/system/user/avatar/" + strconv.FormatInt(u.ID, 10) + "/avatar.png",
			"email":      u.Username + "@example.com", "created_at": Epoch.AddDate(-3, 0, 0).Format(time.RFC3339)}
		if u.IsAdmin {
			body["is_admin"] = true
		}
		write(w, withHeader(jsonReply(http.StatusOK, body), h))
	case "GET /version":
		write(w, withHeader(jsonReply(http.StatusOK, map[string]any{"version": s.opts.Version, "revision": "6f0a1b2c3d4", "kas": map[string]any{"enabled": false}}), h))
	case "GET /personal_access_tokens/self":
		if tok.OAuth {
			write(w, withHeader(Message(http.StatusNotFound, "404 Not Found"), h))
			return
		}
		var exp any
		if tok.ExpiresAt != "" {
			exp = tok.ExpiresAt
		}
		write(w, withHeader(jsonReply(http.StatusOK, map[string]any{"id": 9001, "name": tok.Name, "revoked": false,
			"created_at": Epoch.Format(time.RFC3339), "scopes": tok.Scopes, "user_id": tok.User.ID,
			"last_used_at": Epoch.Format(time.RFC3339), "active": true, "expires_at": exp}), h))
	case "GET /projects":
		s.listProjects(w, r, h, tok)
	case "GET /projects/:id/repository/commits":
		p, ok := findProject(tok, segs[1])
		if !ok {
			write(w, withHeader(Message(http.StatusNotFound, "404 Project Not Found"), h))
			return
		}
		s.listCommits(w, r, h, p)
	case "POST /projects/:id/hooks":
		p, ok := findProject(tok, segs[1])
		if !ok {
			write(w, withHeader(Message(http.StatusNotFound, "404 Project Not Found"), h))
			return
		}
		s.addHook(w, r, h, p)
	default:
		write(w, withHeader(Message(http.StatusNotFound, "404 Not Found"), h))
	}
}

// auth finds the token in PRIVATE-TOKEN or Authorization: Bearer.
func (s *Server) auth(r *http.Request) (Token, bool) {
	if v := r.Header.Get("PRIVATE-TOKEN"); v != "" {
		t, ok := s.opts.Tokens[v]
		return t, ok && !t.OAuth
	}
	scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return Token{}, false
	}
	t, ok := s.opts.Tokens[strings.TrimSpace(v)]
	return t, ok
}

func template(segs []string) string {
	switch {
	case len(segs) == 4 && segs[0] == "projects" && segs[2] == "repository" && segs[3] == "commits":
		return "/projects/:id/repository/commits"
	case len(segs) == 3 && segs[0] == "projects" && segs[2] == "hooks":
		return "/projects/:id/hooks"
	}
	return "/" + strings.Join(segs, "/")
}

func fullPath(p Project) string { return p.Namespace + "/" + p.Path }

func findProject(tok Token, id string) (Project, bool) {
	for _, p := range tok.Projects {
		if strconv.FormatInt(p.ID, 10) == id || strings.EqualFold(fullPath(p), id) {
			return p, true
		}
	}
	return Project{}, false
}

func (s *Server) projectJSON(p Project) map[string]any {
	name, vis, branch := p.Name, p.Visibility, p.DefaultBranch
	if name == "" {
		name = p.Path
	}
	if vis == "" {
		vis = "private"
	}
	if branch == "" {
		branch = "main"
	}
	full := fullPath(p)
	return map[string]any{
		"id": p.ID, "name": name, "path": p.Path, "path_with_namespace": full,
		"name_with_namespace": strings.ReplaceAll(full, "/", " / "), "default_branch": branch,
		"web_url": "https://gitlab.example.com/" + full, "visibility": vis, "archived": p.Archived,
		"http_url_to_repo": "https://gitlab.example.com/" + full + ".git",
		"created_at":       Epoch.AddDate(0, 0, -int(p.ID)).Format(time.RFC3339),
		"last_activity_at": Epoch.Format(time.RFC3339),
	}
}

func (s *Server) listProjects(w http.ResponseWriter, r *http.Request, h http.Header, tok Token) {
	q := r.URL.Query()
	ps := slices.Clone(tok.Projects)
	if v := strings.ToLower(q.Get("search")); v != "" {
		ps = slices.DeleteFunc(ps, func(p Project) bool {
			return !strings.Contains(strings.ToLower(p.Path), v) && !strings.Contains(strings.ToLower(p.Name), v)
		})
	}
	if v := q.Get("archived"); v == "true" || v == "false" {
		ps = slices.DeleteFunc(ps, func(p Project) bool { return p.Archived != (v == "true") })
	}
	items := make([]any, len(ps))
	for i, p := range ps {
		items[i] = s.projectJSON(p)
	}
	s.page(w, r, h, items, true)
}

func commitID(p Project, i int, c Commit) string {
	sum := sha1.Sum(fmt.Appendf(nil, "%d\x00%d\x00%s", p.ID, i, c.Message))
	return hex.EncodeToString(sum[:])
}

func seeded() []Commit {
	msgs := []string{"Update the deploy script\n\nUse the new runner tags.", "Add CI configuration", "Initial commit"}
	out := make([]Commit, len(msgs))
	for i, m := range msgs {
		out[i] = Commit{Message: m, AuthorName: "J Doe", AuthorEmail: "jdoe@example.com", Date: Epoch.AddDate(0, 0, -i)}
	}
	return out
}

func (s *Server) listCommits(w http.ResponseWriter, r *http.Request, h http.Header, p Project) {
	q := r.URL.Query()
	commits := p.Commits
	if commits == nil {
		commits = seeded()
	}
	branch := p.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	var items []any
	if ref := q.Get("ref_name"); ref == "" || ref == branch {
		var since, until time.Time
		for k, t := range map[string]*time.Time{"since": &since, "until": &until} {
			if v := q.Get(k); v != "" {
				parsed, err := time.Parse(time.RFC3339, v)
				if err != nil {
					write(w, withHeader(jsonReply(http.StatusBadRequest, map[string]any{"error": k + " is invalid"}), h))
					return
				}
				*t = parsed
			}
		}
		for i, c := range commits {
			if (!since.IsZero() && c.Date.Before(since)) || (!until.IsZero() && c.Date.After(until)) {
				continue
			}
			id := commitID(p, i, c)
			title, _, _ := strings.Cut(c.Message, "\n")
			items = append(items, map[string]any{
				"id": id, "short_id": id[:8], "title": title, "message": c.Message,
				"author_name": c.AuthorName, "author_email": c.AuthorEmail, "authored_date": c.Date.Format(time.RFC3339),
				"committer_name": c.AuthorName, "committer_email": c.AuthorEmail, "committed_date": c.Date.Format(time.RFC3339),
				"created_at": c.Date.Format(time.RFC3339), "parent_ids": []string{},
				"web_url": "https://gitlab.example.com/" + fullPath(p) + "/-/commit/" + id,
			})
		}
	}
	// An unknown ref answers an empty list [?].
	s.page(w, r, h, items, false)
}

// page writes one page of items with GitLab's offset pagination headers;
// totals only when withTotal (the commits endpoint omits them).
func (s *Server) page(w http.ResponseWriter, r *http.Request, h http.Header, items []any, withTotal bool) {
	q := r.URL.Query()
	perPage := 20
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	from := min((page-1)*perPage, len(items))
	to := min(from+perPage, len(items))
	out := items[from:to]
	if out == nil {
		out = []any{}
	}
	next, prev := "", ""
	if to < len(items) {
		next = strconv.Itoa(page + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(page - 1)
	}
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)
	link := func(p int, rel string) string {
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		qq := r.URL.Query()
		qq.Set("page", strconv.Itoa(p))
		qq.Set("per_page", strconv.Itoa(perPage))
		u.RawQuery = qq.Encode()
		return "<" + u.String() + `>; rel="` + rel + `"`
	}
	links := []string{link(1, "first")}
	if next != "" {
		links = append(links, link(page+1, "next"))
	}
	if prev != "" {
		links = append(links, link(page-1, "prev"))
	}
	if withTotal {
		pages := max((len(items)+perPage-1)/perPage, 1)
		h.Set("X-Total", strconv.Itoa(len(items)))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
		links = append(links, link(pages, "last"))
	}
	h.Set("Link", strings.Join(links, ", "))
	write(w, withHeader(jsonReply(http.StatusOK, out), h))
}

var hookEvents = []string{"push_events", "tag_push_events", "merge_requests_events", "issues_events",
	"confidential_issues_events", "note_events", "confidential_note_events", "pipeline_events", "job_events",
	"wiki_page_events", "deployment_events", "releases_events"}

// addHook accepts a JSON or form body, as GitLab does.
func (s *Server) addHook(w http.ResponseWriter, r *http.Request, h http.Header, p Project) {
	params := map[string]any{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	switch ct {
	case "application/json":
		if json.Unmarshal(b, &params) != nil {
			write(w, withHeader(jsonReply(http.StatusBadRequest, map[string]any{"error": "400 Bad request - invalid JSON"}), h))
			return
		}
	default:
		form, _ := url.ParseQuery(string(b))
		for k := range form {
			params[k] = form.Get(k)
		}
	}
	str := func(k string) string {
		if v, ok := params[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	boolean := func(k string, def bool) (bool, bool) {
		switch str(k) {
		case "":
			return def, true
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
		return false, false
	}
	hookURL := str("url")
	if hookURL == "" {
		write(w, withHeader(jsonReply(http.StatusBadRequest, map[string]any{"error": "url is missing"}), h))
		return
	}
	if u, err := url.Parse(hookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		write(w, withHeader(Message(http.StatusUnprocessableEntity, map[string]any{
			"url": []string{"is blocked: Only allowed schemes are http, https"}}), h))
		return
	}
	hk := Hook{ProjectID: p.ID, URL: hookURL, Token: str("token"), Events: map[string]bool{},
		PushEventsBranchFilter: str("push_events_branch_filter")}
	for _, e := range hookEvents {
		v, ok := boolean(e, e == "push_events")
		if !ok {
			write(w, withHeader(jsonReply(http.StatusBadRequest, map[string]any{"error": e + " is invalid"}), h))
			return
		}
		hk.Events[e] = v
	}
	ssl, ok := boolean("enable_ssl_verification", true)
	if !ok {
		write(w, withHeader(jsonReply(http.StatusBadRequest, map[string]any{"error": "enable_ssl_verification is invalid"}), h))
		return
	}
	hk.EnableSSLVerification = ssl
	s.mu.Lock()
	s.hookSeq++
	hk.ID = 7000 + s.hookSeq
	hk.CreatedAt = Epoch.Add(time.Duration(s.hookSeq) * time.Minute)
	s.hooks[p.ID] = append(s.hooks[p.ID], hk)
	s.mu.Unlock()
	body := map[string]any{"id": hk.ID, "url": hk.URL, "project_id": p.ID, "name": nil, "description": nil,
		"enable_ssl_verification": hk.EnableSSLVerification, "push_events_branch_filter": nilIfEmpty(hk.PushEventsBranchFilter),
		"alert_status": "executable", "created_at": hk.CreatedAt.Format("2006-01-02T15:04:05.000Z")}
	for _, e := range hookEvents {
		body[e] = hk.Events[e]
	}
	write(w, withHeader(jsonReply(http.StatusCreated, body), h))
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func jsonReply(status int, v any) *Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic("gitlabfake: " + err.Error()) // only plain values are marshalled
	}
	return &Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	return h
}

func textHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return h
}

// withHeader adds h's headers under rep's own.
func withHeader(rep *Reply, h http.Header) *Reply {
	out := h.Clone()
	for k, v := range rep.Header {
		out[k] = v
	}
	rep.Header = out
	return rep
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
