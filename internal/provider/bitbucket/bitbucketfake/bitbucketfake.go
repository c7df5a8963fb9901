// Package bitbucketfake is an in-process Bitbucket Cloud REST API 2.0 server
// speaking the documented wire format (providers.md A10): HTTP Basic with
// the Atlassian account email and an API token, or "Authorization: Bearer"
// with a workspace access token (which is not a user: GET /user answers 401
// [?]); the {"type":"error","error":{...}} error document; GET /user; GET
// /repositories[/{workspace}] and GET
// /repositories/{workspace}/{repo}/commits[/{revision}] in the paginated
// envelope (pagelen, page, size, next — commits with opaque page tokens and
// no size); POST /repositories/{workspace}/{repo}/hooks; and 429 when rate
// limited. It backs the bitbucket tests and the demo mode, so it is
// deterministic and imports no testing packages.
package bitbucketfake

import (
	"crypto/sha1"
	"encoding/hex"
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

// Default credentials accepted when Options.Tokens is empty.
const (
	// DefaultEmail and DefaultToken are an Atlassian account and API token
	// (HTTP Basic) of user jdoe, member of workspace acme.
	DefaultEmail = "jdoe@example.com"
	DefaultToken = "ATATT3xFfGF0FakeBitbucketApiToken0123456789"
	// DefaultAccessToken is a workspace access token of acme (Bearer).
	DefaultAccessToken = "ATCTT3xFfGN0FakeWorkspaceAccessToken0123456789"
	// DefaultWorkspace is the seeded workspace.
	DefaultWorkspace = "acme"
)

// Epoch dates the seeded records, so the fake is deterministic.
var Epoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// User is a Bitbucket account.
type User struct {
	UUID        string // "{...}"
	AccountID   string
	Nickname    string
	DisplayName string
}

// Token is one credential.
type Token struct {
	// Email is the Basic-auth username of an Atlassian API token; empty for
	// a workspace access token.
	Email string
	User  User
	// Workspace restricts an access token (Email empty) to one workspace.
	Workspace string
}

// Commit is a commit on a repository's main branch.
type Commit struct {
	Message string
	Author  string // "Name <email>"
	Date    time.Time
}

// Repository is a repository of a workspace.
type Repository struct {
	Workspace  string
	Slug       string
	Name       string // Slug when empty
	Private    bool
	MainBranch string // "main" when empty
	// Commits on the main branch, newest first; nil seeds three.
	Commits []Commit
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts the default
// credentials and seeds workspace acme with three repositories.
type Options struct {
	// Tokens maps API tokens to what they are.
	Tokens map[string]Token
	// Repos are all repositories; nil seeds acme's.
	Repos []Repository
	// RateLimited answers every authenticated request with 429; RetryAfter,
	// when positive, is then sent as Retry-After.
	RateLimited bool
	RetryAfter  time.Duration
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Hook is a stored webhook (Secret in clear, for tests).
type Hook struct {
	UUID        string
	Repo        string // workspace/slug
	Description string
	URL         string
	Active      bool
	Secret      string
	Events      []string
	CreatedAt   time.Time
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64

	mu      sync.Mutex
	calls   map[string]int
	hooks   map[string][]Hook
	hookSeq int
}

// New starts a fake Bitbucket. Close it when done.
func New(opts Options) *Server {
	if len(opts.Tokens) == 0 {
		jdoe := User{UUID: "{8a6c3b0e-1f2d-4c5b-9e7a-0d1c2b3a4f5e}", AccountID: "557058:6b4f0e2a-3c1d-4e5f-8a9b-0c1d2e3f4a5b",
			Nickname: "jdoe", DisplayName: "J Doe"}
		opts.Tokens = map[string]Token{
			DefaultToken:       {Email: DefaultEmail, User: jdoe},
			DefaultAccessToken: {Workspace: DefaultWorkspace, User: User{UUID: "{1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5}", DisplayName: "acme access token"}},
		}
	}
	opts.Tokens = maps.Clone(opts.Tokens)
	if opts.Repos == nil {
		opts.Repos = []Repository{
			{Workspace: DefaultWorkspace, Slug: "website", Name: "Website", Private: true},
			{Workspace: DefaultWorkspace, Slug: "api", Name: "API", Private: true},
			{Workspace: DefaultWorkspace, Slug: "docs", MainBranch: "master"},
		}
	}
	s := &Server{opts: opts, calls: map[string]int{}, hooks: map[string][]Hook{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the API root to configure as the base URL (with /2.0).
func (s *Server) URL() string { return s.srv.URL + "/2.0" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of authenticated requests for "METHOD /template",
// e.g. "GET /user", "GET /repositories/{workspace}".
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// Hooks returns the hooks of workspace/repo, oldest first.
func (s *Server) Hooks(workspace, repo string) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hooks[workspace+"/"+repo])
}

// Hang is a Fail hook that blocks until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// HTMLPage is an HTML error page, like Atlassian's maintenance page.
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html><html><head><title>" + title +
		"</title></head><body><h1>" + title + "</h1><p>Bitbucket is temporarily unavailable.</p></body></html>"}
}

// Error is a Bitbucket error document reply.
func Error(status int, msg, detail string) *Reply {
	e := map[string]any{"message": msg}
	if detail != "" {
		e["detail"] = detail
	}
	return jsonReply(status, map[string]any{"type": "error", "error": e})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/2.0/")
	if !ok {
		write(w, HTMLPage(http.StatusNotFound, "Page not found | Bitbucket"))
		return
	}
	var segs []string
	for _, p := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			write(w, Error(http.StatusBadRequest, "Bad request", ""))
			return
		}
		segs = append(segs, u)
	}
	tok, ok := s.auth(r)
	if !ok {
		rep := Error(http.StatusUnauthorized, "Unauthorized", "")
		rep.Header.Set("WWW-Authenticate", `Basic realm="Bitbucket.org HTTP"`)
		write(w, rep)
		return
	}
	route := r.Method + " " + template(segs)
	s.mu.Lock()
	s.calls[route]++
	s.mu.Unlock()
	if s.opts.RateLimited {
		rep := Error(http.StatusTooManyRequests, "Rate limit for this resource has been exceeded", "")
		if s.opts.RetryAfter > 0 {
			rep.Header.Set("Retry-After", strconv.Itoa(int(s.opts.RetryAfter.Seconds())))
		}
		write(w, rep)
		return
	}
	switch route {
	case "GET /user":
		if tok.Email == "" {
			// Access tokens are not users [?].
			write(w, Error(http.StatusUnauthorized, "Unauthorized", "This API is only accessible with the following authentication types: session, password, apppassword, api_token"))
			return
		}
		u := tok.User
		write(w, jsonReply(http.StatusOK, map[string]any{
			"type": "user", "uuid": u.UUID, "account_id": u.AccountID, "nickname": u.Nickname, "display_name": u.DisplayName,
			"created_on": Epoch.AddDate(-4, 0, 0).Format(time.RFC3339), "account_status": "active",
			"links": map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + u.UUID + "/"}},
		}))
	case "GET /repositories", "GET /repositories/{workspace}":
		var ws string
		if len(segs) == 2 {
			ws = segs[1]
			if !s.workspaceExists(ws) {
				write(w, Error(http.StatusNotFound, "No workspace with identifier '"+ws+"'.", ""))
				return
			}
		}
		var items []any
		for _, repo := range s.opts.Repos {
			if (ws == "" || repo.Workspace == ws) && visible(tok, repo) {
				items = append(items, repoJSON(repo))
			}
		}
		s.page(w, r, items, true)
	case "GET /repositories/{workspace}/{repo_slug}/commits", "GET /repositories/{workspace}/{repo_slug}/commits/{revision}":
		repo, ok := s.find(tok, segs[1], segs[2])
		if !ok {
			write(w, Error(http.StatusNotFound, "Repository "+segs[1]+"/"+segs[2]+" not found", ""))
			return
		}
		items, ok := commitsFrom(repo, segs[4:])
		if !ok {
			write(w, Error(http.StatusNotFound, "Commit not found", "Commit \""+segs[4]+"\" does not exist"))
			return
		}
		s.page(w, r, items, false)
	case "POST /repositories/{workspace}/{repo_slug}/hooks":
		repo, ok := s.find(tok, segs[1], segs[2])
		if !ok {
			write(w, Error(http.StatusNotFound, "Repository "+segs[1]+"/"+segs[2]+" not found", ""))
			return
		}
		s.createHook(w, r, repo)
	default:
		write(w, Error(http.StatusNotFound, "Resource not found", ""))
	}
}

func template(segs []string) string {
	switch {
	case len(segs) == 1 && segs[0] == "repositories":
		return "/repositories"
	case len(segs) == 2 && segs[0] == "repositories":
		return "/repositories/{workspace}"
	case len(segs) == 4 && segs[0] == "repositories" && segs[3] == "commits":
		return "/repositories/{workspace}/{repo_slug}/commits"
	case len(segs) == 5 && segs[0] == "repositories" && segs[3] == "commits":
		return "/repositories/{workspace}/{repo_slug}/commits/{revision}"
	case len(segs) == 4 && segs[0] == "repositories" && segs[3] == "hooks":
		return "/repositories/{workspace}/{repo_slug}/hooks"
	}
	return "/" + strings.Join(segs, "/")
}

// auth accepts Basic email:token for API tokens and Bearer for access
// tokens.
func (s *Server) auth(r *http.Request) (Token, bool) {
	if user, pass, ok := r.BasicAuth(); ok {
		t, known := s.opts.Tokens[pass]
		return t, known && t.Email != "" && strings.EqualFold(t.Email, user)
	}
	scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return Token{}, false
	}
	t, known := s.opts.Tokens[strings.TrimSpace(v)]
	return t, known && t.Email == ""
}

func visible(tok Token, repo Repository) bool {
	return tok.Email != "" || tok.Workspace == repo.Workspace
}

func (s *Server) workspaceExists(ws string) bool {
	return slices.ContainsFunc(s.opts.Repos, func(r Repository) bool { return r.Workspace == ws })
}

func (s *Server) find(tok Token, ws, slug string) (Repository, bool) {
	for _, r := range s.opts.Repos {
		if r.Workspace == ws && r.Slug == slug && visible(tok, r) {
			return r, true
		}
	}
	return Repository{}, false
}

func mainBranch(r Repository) string {
	if r.MainBranch == "" {
		return "main"
	}
	return r.MainBranch
}

func repoJSON(r Repository) map[string]any {
	name := r.Name
	if name == "" {
		name = r.Slug
	}
	full := r.Workspace + "/" + r.Slug
	sum := sha1.Sum([]byte(full))
	h := hex.EncodeToString(sum[:])
	return map[string]any{
		"type": "repository", "uuid": "{" + h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32] + "}",
		"slug": r.Slug, "name": name, "full_name": full, "is_private": r.Private, "scm": "git",
		"mainbranch": map[string]any{"type": "branch", "name": mainBranch(r)},
		"workspace":  map[string]any{"type": "workspace", "slug": r.Workspace},
		"updated_on": Epoch.Format("2006-01-02T15:04:05.000000+00:00"),
		"links":      map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + full}},
	}
}

// commitsFrom lists the commits reachable from the revision in rev (none:
// all branches, which here is the main branch).
func commitsFrom(repo Repository, rev []string) ([]any, bool) {
	commits := repo.Commits
	if commits == nil {
		msgs := []string{"Bump the version to 1.4.2", "Fix the pipeline cache", "Initial commit"}
		for i, m := range msgs {
			commits = append(commits, Commit{Message: m + "\n", Author: "J Doe <jdoe@example.com>", Date: Epoch.AddDate(0, 0, -i)})
		}
	}
	full := repo.Workspace + "/" + repo.Slug
	start := 0
	hashes := make([]string, len(commits))
	for i, c := range commits {
		sum := sha1.Sum(fmt.Appendf(nil, "%s\x00%d\x00%s", full, i, c.Message))
		hashes[i] = hex.EncodeToString(sum[:])
	}
	if len(rev) == 1 && rev[0] != mainBranch(repo) {
		i := slices.IndexFunc(hashes, func(h string) bool { return len(rev[0]) >= 7 && strings.HasPrefix(h, rev[0]) })
		if i < 0 {
			return nil, false
		}
		start = i
	}
	var items []any
	for i := start; i < len(commits); i++ {
		c := commits[i]
		author := map[string]any{"type": "author", "raw": c.Author}
		if strings.Contains(c.Author, "jdoe@example.com") {
			author["user"] = map[string]any{"type": "user", "display_name": "J Doe", "nickname": "jdoe"}
		}
		items = append(items, map[string]any{
			"type": "commit", "hash": hashes[i], "message": c.Message, "date": c.Date.Format(time.RFC3339),
			"author": author,
			"links":  map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + full + "/commits/" + hashes[i]}},
		})
	}
	return items, true
}

// page writes one page in Bitbucket's envelope: numbered pages with size,
// or, for commits, opaque page tokens ("c" + offset) without size.
func (s *Server) page(w http.ResponseWriter, r *http.Request, items []any, numbered bool) {
	q := r.URL.Query()
	pagelen := 10
	if !numbered {
		pagelen = 30
	}
	if n, err := strconv.Atoi(q.Get("pagelen")); err == nil && n > 0 {
		pagelen = min(n, 100)
	}
	page := 1
	if p := q.Get("page"); p != "" {
		var err error
		if numbered {
			page, err = strconv.Atoi(p)
		} else {
			var off int
			off, err = strconv.Atoi(strings.TrimPrefix(p, "c"))
			page = off/pagelen + 1
		}
		if err != nil || page < 1 {
			write(w, Error(http.StatusBadRequest, "Invalid page", ""))
			return
		}
	}
	from := min((page-1)*pagelen, len(items))
	to := min(from+pagelen, len(items))
	values := items[from:to]
	if values == nil {
		values = []any{}
	}
	body := map[string]any{"pagelen": pagelen, "values": values}
	if numbered {
		body["page"] = page
		body["size"] = len(items)
	}
	if to < len(items) {
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		qq := r.URL.Query()
		if numbered {
			qq.Set("page", strconv.Itoa(page+1))
		} else {
			qq.Set("page", "c"+strconv.Itoa(to))
		}
		u.RawQuery = qq.Encode()
		body["next"] = u.String()
	}
	write(w, jsonReply(http.StatusOK, body))
}

var knownEvents = []string{"repo:push", "repo:fork", "repo:updated", "repo:commit_comment_created",
	"repo:commit_status_created", "repo:commit_status_updated", "pullrequest:created", "pullrequest:updated",
	"pullrequest:approved", "pullrequest:unapproved", "pullrequest:fulfilled", "pullrequest:rejected",
	"pullrequest:comment_created", "pullrequest:comment_updated", "pullrequest:comment_deleted",
	"issue:created", "issue:updated", "issue:comment_created"}

func (s *Server) createHook(w http.ResponseWriter, r *http.Request, repo Repository) {
	var body struct {
		Description string   `json:"description"`
		URL         string   `json:"url"`
		Active      *bool    `json:"active"`
		Secret      string   `json:"secret"`
		Events      []string `json:"events"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if json.Unmarshal(b, &body) != nil {
		write(w, Error(http.StatusBadRequest, "Bad request", "Malformed JSON"))
		return
	}
	fields := map[string][]string{}
	if body.URL == "" {
		fields["url"] = []string{"This field is required."}
	} else if u, err := url.Parse(body.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fields["url"] = []string{"Enter a valid URL."}
	}
	if len(body.Events) == 0 {
		fields["events"] = []string{"This field is required."}
	}
	for _, e := range body.Events {
		if !slices.Contains(knownEvents, e) {
			fields["events"] = append(fields["events"], "Invalid event: "+e)
		}
	}
	if len(fields) > 0 {
		write(w, jsonReply(http.StatusBadRequest, map[string]any{"type": "error",
			"error": map[string]any{"message": "Bad request", "fields": fields}}))
		return
	}
	full := repo.Workspace + "/" + repo.Slug
	s.mu.Lock()
	s.hookSeq++
	seq := s.hookSeq
	hk := Hook{UUID: fmt.Sprintf("{d2f1c3a4-5b6e-4f70-8a9b-%012d}", seq), Repo: full, Description: body.Description,
		URL: body.URL, Active: body.Active == nil || *body.Active, Secret: body.Secret, Events: body.Events,
		CreatedAt: Epoch.Add(time.Duration(seq) * time.Minute)}
	s.hooks[full] = append(s.hooks[full], hk)
	s.mu.Unlock()
	write(w, jsonReply(http.StatusCreated, map[string]any{
		"type": "webhook_subscription", "uuid": hk.UUID, "url": hk.URL, "description": hk.Description,
		"subject_type": "repository", "subject": map[string]any{"type": "repository", "full_name": full},
		"active": hk.Active, "created_at": hk.CreatedAt.Format("2006-01-02T15:04:05.000000Z"),
		"events": hk.Events, "secret_set": hk.Secret != "",
		"links": map[string]any{"self": map[string]any{"href": "https://api.bitbucket.org/2.0/repositories/" + full + "/hooks/" + hk.UUID}},
	}))
}

func jsonReply(status int, v any) *Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic("bitbucketfake: " + err.Error()) // only plain values are marshalled
	}
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
