// Package terraformfake is an in-process HCP Terraform / Terraform
// Enterprise API v2 server speaking the documented JSON:API wire format
// (providers.md A7): "Authorization: Bearer" with a JSON:API 401, GET
// /account/details (team and organization tokens as service users), GET
// /organizations/{org}/workspaces with page[number]/page[size], search[name],
// links and meta.pagination, GET /organizations/{org}/workspaces/{name},
// POST /runs (application/vnd.api+json) answering 201 with a pending run,
// 404 — never 403 — for resources a token may not see, and 429 with the
// numeric-status error body and x-ratelimit-* headers. It backs the
// terraform tests and the demo mode, so it is deterministic and imports no
// testing packages.
package terraformfake

import (
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

// Default credentials accepted when Options.Tokens is empty.
const (
	// DefaultToken is user admin's token, member of organization acme.
	DefaultToken = "FakeUserToken0123.atlasv1.abcdefghijklmnopqrstuvwxyz0123456789"
	// DefaultOrgToken is acme's organization token: it authenticates as a
	// service user and cannot start runs.
	DefaultOrgToken = "FakeOrgToken45678.atlasv1.zyxwvutsrqponmlkjihgfedcba9876543210"
	// DefaultOrganization is the seeded organization.
	DefaultOrganization = "acme"
)

// Epoch dates the seeded records, so the fake is deterministic.
var Epoch = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// Token is what one API token is.
type Token struct {
	UserID   string // "user-..."
	Username string
	Email    string
	// ServiceAccount marks team and organization tokens.
	ServiceAccount bool
	// Organizations the token can see.
	Organizations []string
	// CannotRun makes POST /runs answer 404, as for organization tokens [?].
	CannotRun bool
}

// Workspace is a workspace of an organization.
type Workspace struct {
	ID               string // "ws-..."
	Organization     string
	Name             string
	Description      string
	TerraformVersion string // "1.9.8" when empty
	ExecutionMode    string // "remote" when empty
	AutoApply        bool
	Locked           bool
	ResourceCount    int
}

// Run is a run created with POST /runs.
type Run struct {
	ID          string
	WorkspaceID string
	Message     string
	AutoApply   bool
	IsDestroy   bool
	PlanOnly    bool
	CreatedAt   time.Time
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts the default tokens
// and seeds organization acme with three workspaces.
type Options struct {
	Tokens     map[string]Token
	Workspaces []Workspace
	// RateLimited answers every authenticated request with 429.
	RateLimited bool
	// PathPrefix is where the API is mounted; "/api/v2" when empty.
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

	mu     sync.Mutex
	calls  map[string]int
	runs   []Run
	runSeq int
}

// New starts a fake API. Close it when done.
func New(opts Options) *Server {
	if len(opts.Tokens) == 0 {
		opts.Tokens = map[string]Token{
			DefaultToken: {UserID: "user-V3R563qtJNcExAkN", Username: "admin", Email: "admin@example.com",
				Organizations: []string{DefaultOrganization}},
			DefaultOrgToken: {UserID: "user-Sv1c3Acc0unt0rg", Username: "api-org-acme-Nq8Zb", ServiceAccount: true,
				Organizations: []string{DefaultOrganization}, CannotRun: true},
		}
	}
	opts.Tokens = maps.Clone(opts.Tokens)
	if opts.Workspaces == nil {
		opts.Workspaces = []Workspace{
			{ID: "ws-Nw5KZ8dLq2Fp9xRs", Organization: DefaultOrganization, Name: "network-prod", Description: "Core VPC", ResourceCount: 48, Locked: true},
			{ID: "ws-Ap3Tq7vMx1Hc4yBe", Organization: DefaultOrganization, Name: "app-staging", AutoApply: true, ResourceCount: 21},
			{ID: "ws-Db8Lr2nKw6Gj5zCu", Organization: DefaultOrganization, Name: "app-prod", ResourceCount: 23, ExecutionMode: "agent"},
		}
	}
	if opts.PathPrefix == "" {
		opts.PathPrefix = "/api/v2"
	}
	opts.PathPrefix = strings.TrimRight(opts.PathPrefix, "/")
	s := &Server{opts: opts, calls: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the API root to configure as the base URL (with /api/v2).
func (s *Server) URL() string { return s.srv.URL + s.opts.PathPrefix }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of authenticated requests for "METHOD /template",
// e.g. "GET /account/details", "GET /organizations/{org}/workspaces".
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// Runs returns the runs created so far, oldest first.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.runs)
}

// Hang is a Fail hook that blocks until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// HTMLPage is an HTML error page (a load balancer in front of TFE).
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html><html><head><title>" + title +
		"</title></head><body><h1>" + title + "</h1></body></html>"}
}

// Errors is a JSON:API error document reply.
func Errors(status int, title, detail string) *Reply {
	e := map[string]any{"status": strconv.Itoa(status), "title": title}
	if detail != "" {
		e["detail"] = detail
	}
	return jsonReply(status, map[string]any{"errors": []any{e}})
}

func notFound() *Reply { return Errors(http.StatusNotFound, "not found", "") }

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
		write(w, HTMLPage(http.StatusNotFound, "The page you were looking for doesn't exist (404)"))
		return
	}
	var segs []string
	for _, p := range strings.Split(rest, "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			write(w, Errors(http.StatusBadRequest, "bad request", ""))
			return
		}
		segs = append(segs, u)
	}
	scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok, known := s.opts.Tokens[strings.TrimSpace(raw)]
	if !strings.EqualFold(scheme, "bearer") || !known {
		write(w, Errors(http.StatusUnauthorized, "unauthorized", ""))
		return
	}
	route := r.Method + " " + template(segs)
	s.mu.Lock()
	s.calls[route]++
	s.mu.Unlock()
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "30")
	h.Set("X-RateLimit-Remaining", "29")
	h.Set("X-RateLimit-Reset", "0.5")
	if s.opts.RateLimited {
		h.Set("X-RateLimit-Remaining", "0")
		write(w, withHeader(jsonReply(http.StatusTooManyRequests, map[string]any{"errors": []any{map[string]any{
			"detail": "You have exceeded the API's rate limit.", "status": 429, "title": "Too many requests"}}}), h))
		return
	}
	switch route {
	case "GET /account/details":
		attrs := map[string]any{"username": tok.Username, "is-service-account": tok.ServiceAccount,
			"avatar-url": "https://www.gravatar.com/avatar/0?s=100&d=mm",
			"two-factor": map[string]any{"enabled": false, "verified": false}}
		if tok.Email != "" {
			attrs["email"] = tok.Email
		}
		write(w, withHeader(jsonReply(http.StatusOK, map[string]any{"data": map[string]any{
			"id": tok.UserID, "type": "users", "attributes": attrs,
			"relationships": map[string]any{"authentication-tokens": map[string]any{"links": map[string]any{"related": "/api/v2/users/" + tok.UserID + "/authentication-tokens"}}},
		}}), h))
	case "GET /organizations/{org}/workspaces":
		if !slices.Contains(tok.Organizations, segs[1]) {
			write(w, withHeader(notFound(), h))
			return
		}
		s.listWorkspaces(w, r, h, segs[1])
	case "GET /organizations/{org}/workspaces/{name}":
		i := slices.IndexFunc(s.opts.Workspaces, func(ws Workspace) bool { return ws.Organization == segs[1] && ws.Name == segs[3] })
		if !slices.Contains(tok.Organizations, segs[1]) || i < 0 {
			write(w, withHeader(notFound(), h))
			return
		}
		write(w, withHeader(jsonReply(http.StatusOK, map[string]any{"data": workspaceJSON(s.opts.Workspaces[i])}), h))
	case "POST /runs":
		s.createRun(w, r, h, tok)
	default:
		write(w, withHeader(notFound(), h))
	}
}

func template(segs []string) string {
	switch {
	case len(segs) == 3 && segs[0] == "organizations" && segs[2] == "workspaces":
		return "/organizations/{org}/workspaces"
	case len(segs) == 4 && segs[0] == "organizations" && segs[2] == "workspaces":
		return "/organizations/{org}/workspaces/{name}"
	}
	return "/" + strings.Join(segs, "/")
}

func workspaceJSON(ws Workspace) map[string]any {
	version, mode := ws.TerraformVersion, ws.ExecutionMode
	if version == "" {
		version = "1.9.8"
	}
	if mode == "" {
		mode = "remote"
	}
	var desc any
	if ws.Description != "" {
		desc = ws.Description
	}
	return map[string]any{
		"id": ws.ID, "type": "workspaces",
		"attributes": map[string]any{
			"name": ws.Name, "description": desc, "terraform-version": version, "execution-mode": mode,
			"auto-apply": ws.AutoApply, "locked": ws.Locked, "resource-count": ws.ResourceCount,
			"environment": "default", "working-directory": "",
			"created-at": Epoch.AddDate(-1, 0, 0).Format("2006-01-02T15:04:05.000Z"),
			"updated-at": Epoch.Format("2006-01-02T15:04:05.000Z"),
		},
		"relationships": map[string]any{"organization": map[string]any{"data": map[string]any{"id": ws.Organization, "type": "organizations"}}},
		"links":         map[string]any{"self": "/api/v2/organizations/" + ws.Organization + "/workspaces/" + ws.Name},
	}
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request, h http.Header, org string) {
	q := r.URL.Query()
	size := 20
	if n, err := strconv.Atoi(q.Get("page[size]")); err == nil && n > 0 {
		size = min(n, 100)
	}
	page := 1
	if n, err := strconv.Atoi(q.Get("page[number]")); err == nil && n > 0 {
		page = n
	}
	search := strings.ToLower(q.Get("search[name]"))
	var all []Workspace
	for _, ws := range s.opts.Workspaces {
		if ws.Organization == org && strings.Contains(strings.ToLower(ws.Name), search) {
			all = append(all, ws)
		}
	}
	slices.SortFunc(all, func(a, b Workspace) int { return strings.Compare(a.Name, b.Name) })
	total := len(all)
	pages := max((total+size-1)/size, 1)
	from := min((page-1)*size, total)
	to := min(from+size, total)
	data := make([]any, 0, to-from)
	for _, ws := range all[from:to] {
		data = append(data, workspaceJSON(ws))
	}
	link := func(p int) any {
		if p < 1 || p > pages {
			return nil
		}
		return fmt.Sprintf("%s/organizations/%s/workspaces?page%%5Bnumber%%5D=%d&page%%5Bsize%%5D=%d", s.URL(), org, p, size)
	}
	var next, prev any
	if page < pages {
		next = page + 1
	}
	if page > 1 {
		prev = page - 1
	}
	write(w, withHeader(jsonReply(http.StatusOK, map[string]any{
		"data":  data,
		"links": map[string]any{"self": link(page), "first": link(1), "prev": link(page - 1), "next": link(page + 1), "last": link(pages)},
		"meta": map[string]any{"pagination": map[string]any{"current-page": page, "page-size": size, "prev-page": prev,
			"next-page": next, "total-pages": pages, "total-count": total}},
	}), h))
}

func (s *Server) createRun(w http.ResponseWriter, r *http.Request, h http.Header, tok Token) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/vnd.api+json" {
		// [?] the exact answer to a wrong media type.
		write(w, withHeader(Errors(http.StatusUnsupportedMediaType, "unsupported media type", "Content-Type must be application/vnd.api+json"), h))
		return
	}
	var body struct {
		Data struct {
			Type       string `json:"type"`
			Attributes struct {
				Message   string `json:"message"`
				AutoApply *bool  `json:"auto-apply"`
				IsDestroy bool   `json:"is-destroy"`
				PlanOnly  bool   `json:"plan-only"`
			} `json:"attributes"`
			Relationships struct {
				Workspace struct {
					Data *struct {
						ID   string `json:"id"`
						Type string `json:"type"`
					} `json:"data"`
				} `json:"workspace"`
			} `json:"relationships"`
		} `json:"data"`
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(b, &body); err != nil {
		write(w, withHeader(Errors(http.StatusBadRequest, "bad request", "Malformed JSON"), h))
		return
	}
	d := body.Data
	if d.Type != "runs" {
		write(w, withHeader(Errors(http.StatusConflict, "conflict", "Resource type must be runs"), h))
		return
	}
	ref := d.Relationships.Workspace.Data
	if ref == nil || ref.ID == "" {
		write(w, withHeader(Errors(http.StatusUnprocessableEntity, "invalid attribute", "Workspace must exist"), h))
		return
	}
	i := slices.IndexFunc(s.opts.Workspaces, func(ws Workspace) bool { return ws.ID == ref.ID })
	if i < 0 || !slices.Contains(tok.Organizations, s.opts.Workspaces[i].Organization) || tok.CannotRun {
		write(w, withHeader(notFound(), h))
		return
	}
	ws := s.opts.Workspaces[i]
	if ws.Locked && !d.Attributes.PlanOnly {
		write(w, withHeader(Errors(http.StatusConflict, "conflict", "Workspace is locked"), h))
		return
	}
	msg := d.Attributes.Message
	if msg == "" {
		msg = "Queued manually via the Terraform Enterprise API"
	}
	auto := ws.AutoApply
	if d.Attributes.AutoApply != nil {
		auto = *d.Attributes.AutoApply
	}
	s.mu.Lock()
	s.runSeq++
	run := Run{ID: fmt.Sprintf("run-Fk%014d", s.runSeq), WorkspaceID: ws.ID, Message: msg, AutoApply: auto,
		IsDestroy: d.Attributes.IsDestroy, PlanOnly: d.Attributes.PlanOnly, CreatedAt: Epoch.Add(time.Duration(s.runSeq) * time.Minute)}
	s.runs = append(s.runs, run)
	s.mu.Unlock()
	write(w, withHeader(jsonReply(http.StatusCreated, map[string]any{"data": map[string]any{
		"id": run.ID, "type": "runs",
		"attributes": map[string]any{
			"status": "pending", "message": run.Message, "auto-apply": run.AutoApply, "is-destroy": run.IsDestroy,
			"plan-only": run.PlanOnly, "source": "tfe-api", "has-changes": false,
			"created-at":              run.CreatedAt.Format("2006-01-02T15:04:05.000Z"),
			"status-timestamps":       map[string]any{"plan-queueable-at": run.CreatedAt.Format(time.RFC3339)},
			"trigger-reason":          "manual",
			"terraform-version":       "1.9.8",
			"refresh":                 true,
			"allow-empty-apply":       false,
			"save-plan":               false,
			"actions":                 map[string]any{"is-cancelable": true, "is-confirmable": false, "is-discardable": false},
			"refresh-only":            false,
			"replace-addrs":           nil,
			"target-addrs":            nil,
			"variables":               []any{},
			"permissions":             map[string]any{"can-apply": true, "can-cancel": true},
			"allow-config-generation": false,
		},
		"relationships": map[string]any{"workspace": map[string]any{"data": map[string]any{"id": ws.ID, "type": "workspaces"}}},
		"links":         map[string]any{"self": "/api/v2/runs/" + run.ID},
	}}), h))
}

func jsonReply(status int, v any) *Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic("terraformfake: " + err.Error()) // only plain values are marshalled
	}
	h := http.Header{}
	h.Set("Content-Type", "application/vnd.api+json; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: string(b)}
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
