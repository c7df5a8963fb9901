package githubfake

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Commit is a commit on a repository's default branch.
type Commit struct {
	SHA         string // derived from the message when empty
	Message     string
	AuthorName  string
	AuthorEmail string
	// AuthorLogin is the matched GitHub account; empty sends "author": null.
	AuthorLogin string
	Date        time.Time
}

// Hook is a webhook created with POST /repos/{owner}/{repo}/hooks, as the
// fake stored it (Secret in clear, for tests to check).
type Hook struct {
	ID          int64
	Repo        string // owner/name
	Active      bool
	Events      []string
	URL         string
	ContentType string
	Secret      string
	InsecureSSL string
	CreatedAt   time.Time
}

// Epoch is the fixed time the seeded commits are dated from, so the fake
// is deterministic.
var Epoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// seededCommits are the commits of a repository created without any.
func seededCommits(owner User) []Commit {
	msgs := []string{"Fix the README links", "Add the CI workflow", "Initial commit"}
	out := make([]Commit, len(msgs))
	for i, m := range msgs {
		out[i] = Commit{Message: m, AuthorName: owner.Name, AuthorEmail: owner.Login + "@users.noreply.github.com",
			AuthorLogin: owner.Login, Date: Epoch.Add(-time.Duration(i) * 24 * time.Hour)}
		if out[i].AuthorName == "" {
			out[i].AuthorName = owner.Login
		}
	}
	return out
}

func commitSHA(repo string, c Commit, i int) string {
	if c.SHA != "" {
		return c.SHA
	}
	sum := sha1.Sum([]byte(fmt.Sprintf("%s\x00%d\x00%s", repo, i, c.Message)))
	return hex.EncodeToString(sum[:])
}

// Hooks returns the hooks created on owner/repo, oldest first.
func (s *Server) Hooks(owner, repo string) []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hooks[strings.ToLower(owner+"/"+repo)])
}

func notFound(h http.Header) *Reply {
	rep := jsonReply(http.StatusNotFound, errDoc("Not Found", "https://docs.github.com/rest", "404"))
	maps.Copy(rep.Header, h)
	return rep
}

func withHeader(rep *Reply, h http.Header) *Reply {
	for k, v := range rep.Header {
		h[k] = v
	}
	rep.Header = h
	return rep
}

// serveRepo answers /repos/{owner}/{repo}/commits and /hooks. Only the
// token user's own repositories exist; others are 404, as GitHub answers
// for private repositories the token cannot see.
func (s *Server) serveRepo(w http.ResponseWriter, r *http.Request, h http.Header, tok Token, path string) {
	parts := strings.Split(strings.TrimPrefix(path, "/repos/"), "/")
	if len(parts) != 3 || !strings.EqualFold(parts[0], tok.User.Login) {
		write(w, notFound(h))
		return
	}
	idx := slices.IndexFunc(tok.Repos, func(rp Repository) bool { return strings.EqualFold(rp.Name, parts[1]) })
	if idx < 0 {
		write(w, notFound(h))
		return
	}
	repo := tok.Repos[idx]
	switch {
	case parts[2] == "commits" && r.Method == http.MethodGet:
		s.serveCommits(w, r, h, tok, repo)
	case parts[2] == "hooks" && r.Method == http.MethodPost:
		s.createHook(w, r, h, tok, repo)
	default:
		write(w, notFound(h))
	}
}

func (s *Server) serveCommits(w http.ResponseWriter, r *http.Request, h http.Header, tok Token, repo Repository) {
	q := r.URL.Query()
	full := tok.User.Login + "/" + repo.Name
	commits := repo.Commits
	if commits == nil {
		commits = seededCommits(tok.User)
	}
	branch := repo.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	type item struct {
		sha string
		c   Commit
	}
	items := make([]item, 0, len(commits))
	for i, c := range commits {
		items = append(items, item{commitSHA(full, c, i), c})
	}
	if sha := q.Get("sha"); sha != "" && sha != branch {
		i := slices.IndexFunc(items, func(it item) bool { return it.sha == sha || (len(sha) >= 7 && strings.HasPrefix(it.sha, sha)) })
		if i < 0 {
			write(w, withHeader(jsonReply(http.StatusNotFound, errDoc("No commit found for SHA: "+sha,
				"https://docs.github.com/rest/commits/commits#list-commits", "404")), h))
			return
		}
		items = items[i:]
	}
	for _, k := range []string{"since", "until"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			write(w, withHeader(jsonReply(http.StatusBadRequest, errDoc("Invalid time: "+k,
				"https://docs.github.com/rest/commits/commits#list-commits", "400")), h))
			return
		}
		items = slices.DeleteFunc(items, func(it item) bool {
			if k == "since" {
				return it.c.Date.Before(t)
			}
			return it.c.Date.After(t)
		})
	}
	page, perPage := pageParams(q)
	from := min((page-1)*perPage, len(items))
	to := min(from+perPage, len(items))
	out := make([]map[string]any, 0, to-from)
	for _, it := range items[from:to] {
		var author any
		if it.c.AuthorLogin != "" {
			author = map[string]any{"login": it.c.AuthorLogin, "type": "User"}
		}
		out = append(out, map[string]any{
			"sha": it.sha, "node_id": "C_" + it.sha[:12],
			"commit": map[string]any{
				"message": it.c.Message,
				"author":  map[string]any{"name": it.c.AuthorName, "email": it.c.AuthorEmail, "date": it.c.Date.UTC().Format(time.RFC3339)},
			},
			"author":   author,
			"html_url": "https://github.com/" + full + "/commit/" + it.sha,
			"url":      s.apiBase(r) + "/repos/" + full + "/commits/" + it.sha,
		})
	}
	// Like GitHub's commits listing: next and first/prev links, no "last".
	var links []string
	if to < len(items) {
		links = append(links, s.pageLink(r, page+1, perPage, "next"))
	}
	if page > 1 {
		links = append(links, s.pageLink(r, page-1, perPage, "prev"), s.pageLink(r, 1, perPage, "first"))
	}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	write(w, &Reply{Status: http.StatusOK, Header: h, Body: mustJSON(out)})
}

func pageParams(q url.Values) (page, perPage int) {
	perPage = 30
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		perPage = min(n, 100)
	}
	page = 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		page = n
	}
	return page, perPage
}

func (s *Server) pageLink(r *http.Request, p, perPage int, rel string) string {
	u := s.absURL(r)
	qq := u.Query()
	qq.Set("page", strconv.Itoa(p))
	qq.Set("per_page", strconv.Itoa(perPage))
	u.RawQuery = qq.Encode()
	return "<" + u.String() + `>; rel="` + rel + `"`
}

func validationFailed(h http.Header, msg string) *Reply {
	return withHeader(jsonReply(http.StatusUnprocessableEntity, map[string]any{
		"message":           "Validation Failed",
		"errors":            []map[string]any{{"resource": "Hook", "code": "custom", "message": msg}},
		"documentation_url": "https://docs.github.com/rest/repos/webhooks#create-a-repository-webhook",
		"status":            "422",
	}), h)
}

func (s *Server) createHook(w http.ResponseWriter, r *http.Request, h http.Header, tok Token, repo Repository) {
	var body struct {
		Name   string   `json:"name"`
		Active *bool    `json:"active"`
		Events []string `json:"events"`
		Config struct {
			URL         string `json:"url"`
			ContentType string `json:"content_type"`
			Secret      string `json:"secret"`
			InsecureSSL any    `json:"insecure_ssl"`
		} `json:"config"`
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || json.Unmarshal(b, &body) != nil {
		write(w, withHeader(jsonReply(http.StatusBadRequest, errDoc("Problems parsing JSON",
			"https://docs.github.com/rest/repos/webhooks#create-a-repository-webhook", "400")), h))
		return
	}
	if body.Name != "" && body.Name != "web" {
		write(w, validationFailed(h, "Name must be web"))
		return
	}
	u, err := url.Parse(body.Config.URL)
	switch {
	case body.Config.URL == "":
		write(w, validationFailed(h, "Config must contain url for webhook hook"))
		return
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		write(w, validationFailed(h, "Config url is not a valid URL"))
		return
	}
	events := body.Events
	if len(events) == 0 {
		events = []string{"push"}
	}
	ctype := body.Config.ContentType
	if ctype == "" {
		ctype = "form"
	}
	insecure := "0"
	if v := fmt.Sprint(body.Config.InsecureSSL); v == "1" {
		insecure = "1"
	}
	full := tok.User.Login + "/" + repo.Name
	key := strings.ToLower(full)
	s.mu.Lock()
	for _, hk := range s.hooks[key] {
		if hk.URL == body.Config.URL {
			s.mu.Unlock()
			write(w, validationFailed(h, "Hook already exists on this repository"))
			return
		}
	}
	s.hookSeq++
	hk := Hook{ID: 500000000 + s.hookSeq, Repo: full, Active: body.Active == nil || *body.Active, Events: events,
		URL: body.Config.URL, ContentType: ctype, Secret: body.Config.Secret, InsecureSSL: insecure,
		CreatedAt: Epoch.Add(time.Duration(s.hookSeq) * time.Minute)}
	s.hooks[key] = append(s.hooks[key], hk)
	s.mu.Unlock()

	cfg := map[string]any{"url": hk.URL, "content_type": hk.ContentType, "insecure_ssl": hk.InsecureSSL}
	if hk.Secret != "" {
		cfg["secret"] = "********"
	}
	api := s.apiBase(r) + "/repos/" + full + "/hooks/" + strconv.FormatInt(hk.ID, 10)
	ts := hk.CreatedAt.UTC().Format(time.RFC3339)
	write(w, &Reply{Status: http.StatusCreated, Header: h, Body: mustJSON(map[string]any{
		"type": "Repository", "id": hk.ID, "name": "web", "active": hk.Active, "events": hk.Events, "config": cfg,
		"updated_at": ts, "created_at": ts, "url": api, "test_url": api + "/test", "ping_url": api + "/pings",
		"deliveries_url": api + "/deliveries", "last_response": map[string]any{"code": nil, "status": "unused", "message": nil},
	})})
}
