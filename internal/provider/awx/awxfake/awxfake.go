// Package awxfake is an in-process AWX / Automation Controller API v2
// server speaking the documented wire format (providers.md A6): Bearer
// tokens (and HTTP Basic when enabled), Django REST Framework answers
// ({"detail": …} errors, {"count","next","previous","results"} pages,
// 301 to the slash-terminated URL), ping/ without auth, me/, job templates,
// launch (201 Created with a Location header, job id and ignored_fields)
// and jobs that advance one state per poll. It backs the awx tests and the
// demo mode, so it is deterministic, self-contained and imports no testing
// packages.
package awxfake

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultToken    = "hB3mQ7vK2xN9pL4sR8tW1yZ6cF0dG5jA"
	DefaultUser     = "admin"
	DefaultPassword = "awx-demo-password-0123"
	DefaultVersion  = "24.6.1"
	DefaultAPIPath  = "/api/v2/"
)

// SeedJob is the id of a successful job of the first template that every
// server starts with; launched jobs get ids from 101.
const SeedJob = 42

// User is an AWX user a token or password belongs to.
type User struct {
	ID          int
	Username    string
	IsSuperuser bool
}

// Token is an OAuth2 personal access token. Scope is "write" or "read";
// read tokens may not launch.
type Token struct {
	User  User
	Scope string
}

// JobTemplate is a seeded job template. Outcome is the final status its
// jobs reach ("successful" when empty). Denied templates answer 403 to
// launch (the user lacks Execute). PasswordsNeeded makes launch answer 400
// with passwords_needed_to_start.
type JobTemplate struct {
	ID                   int
	Name, Description    string
	Playbook             string
	Inventory, Project   int
	AskVariablesOnLaunch bool
	AskLimitOnLaunch     bool
	Outcome              string
	Denied               bool
	PasswordsNeeded      []string
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultToken (a
// write token of the superuser admin), serves the seed templates under
// /api/v2/ and has Basic auth disabled.
type Options struct {
	// Tokens maps tokens to their user and scope; nil means DefaultToken.
	Tokens map[string]Token
	// Basic enables HTTP Basic auth with Passwords (user name → password;
	// nil means DefaultUser/DefaultPassword).
	Basic     bool
	Passwords map[string]string
	// Version is what ping/ reports.
	Version string
	// APIPath is the API root ("/api/v2/" when empty; "/api/controller/v2/"
	// for the AAP gateway).
	APIPath string
	// Templates replaces the seed templates when non-nil.
	Templates []JobTemplate
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

type job struct {
	id, template int
	status       string // current
	steps        []string
	limit        string
	extraVars    map[string]any
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
	mu       sync.Mutex
	calls    map[string]int
	jobs     map[int]*job
	nextJob  int
}

// SeedTemplates returns the default job templates.
func SeedTemplates() []JobTemplate {
	return []JobTemplate{
		{ID: 7, Name: "Deploy web", Description: "Roll out the web tier", Playbook: "deploy.yml", Inventory: 1, Project: 6, AskVariablesOnLaunch: true, AskLimitOnLaunch: true},
		{ID: 8, Name: "Patch servers", Description: "Apply OS updates", Playbook: "patch.yml", Inventory: 1, Project: 6, Outcome: "failed"},
		{ID: 9, Name: "Rotate secrets", Description: "Needs a vault password", Playbook: "rotate.yml", Inventory: 2, Project: 6, PasswordsNeeded: []string{"vault_password"}},
		{ID: 10, Name: "Decommission", Description: "Restricted", Playbook: "decom.yml", Inventory: 2, Project: 6, Denied: true},
	}
}

// New starts a fake AWX server. Close it when done.
func New(opts Options) *Server {
	if opts.Tokens == nil {
		opts.Tokens = map[string]Token{DefaultToken: {User: User{ID: 1, Username: DefaultUser, IsSuperuser: true}, Scope: "write"}}
	}
	if opts.Passwords == nil {
		opts.Passwords = map[string]string{DefaultUser: DefaultPassword}
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.APIPath == "" {
		opts.APIPath = DefaultAPIPath
	}
	if opts.Templates == nil {
		opts.Templates = SeedTemplates()
	}
	s := &Server{opts: opts, calls: map[string]int{}, jobs: map[int]*job{}, nextJob: 100}
	if len(opts.Templates) > 0 {
		// A finished job to look at before launching anything.
		s.jobs[SeedJob] = &job{id: SeedJob, template: opts.Templates[0].ID, status: "successful"}
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the base URL to configure (the controller address, no path).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, including rejected ones.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of authenticated calls of route ("GET me/",
// "POST job_templates/{id}/launch/", …).
func (s *Server) Calls(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[route]
}

// JobExtraVars returns the extra variables a job was launched with.
func (s *Server) JobExtraVars(id int) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j := s.jobs[id]; j != nil {
		return j.extraVars
	}
	return nil
}

// Detail is a DRF error answer.
func Detail(status int, detail string) *Reply {
	b, _ := json.Marshal(map[string]string{"detail": detail}) // strings only
	return &Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

// HTMLPage is an HTML page, as a proxy or a wrong base URL sends.
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html><html><head><title>" + title + "</title></head><body><h1>" + title + "</h1></body></html>"}
}

// TooManyRequests is a 429 with Retry-After, as a proxy in front of AWX
// would send (AWX documents no limit).
func TooManyRequests(retryAfter time.Duration) *Reply {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	h.Set("Content-Type", "application/json")
	return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: `{"detail":"Request was throttled."}`}
}

// Hang is a Fail hook that blocks until the client gives up. It reads the
// body first so the server notices the client going away.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // best effort
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// authenticate returns the caller's user and token scope, or ok=false.
// "Authorization: Bearer" with an unknown token and a missing header are
// both 401 [?: the exact texts of real AWX vary by version].
func (s *Server) authenticate(r *http.Request) (User, string, *Reply) {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		if t, found := s.opts.Tokens[tok]; found {
			return t.User, t.Scope, nil
		}
		return User{}, "", Detail(http.StatusUnauthorized, "Authentication credentials were not provided. To establish a login session, visit /api/login/.")
	}
	if user, pass, ok := r.BasicAuth(); ok && s.opts.Basic {
		if want, found := s.opts.Passwords[user]; found && want == pass {
			return User{ID: 2, Username: user}, "write", nil
		}
		return User{}, "", Detail(http.StatusUnauthorized, "Invalid username/password.")
	}
	return User{}, "", Detail(http.StatusUnauthorized, "Authentication credentials were not provided.")
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.Path, s.opts.APIPath)
	if !ok {
		write(w, HTMLPage(http.StatusNotFound, "Not Found"))
		return
	}
	if rest != "" && !strings.HasSuffix(rest, "/") {
		// DRF's APPEND_SLASH redirect.
		u := *r.URL
		u.Path += "/"
		w.Header().Set("Location", u.String())
		w.WriteHeader(http.StatusMovedPermanently)
		return
	}
	parts := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if rest == "ping/" {
		s.count("GET ping/")
		writeJSON(w, http.StatusOK, map[string]any{"ha": false, "version": s.opts.Version, "active_node": "awx-1",
			"install_uuid": "00000000-0000-4000-8000-000000000001", "instances": []any{}, "instance_groups": []any{}})
		return
	}
	user, scope, fail := s.authenticate(r)
	if fail != nil {
		write(w, fail)
		return
	}
	switch {
	case r.Method == http.MethodGet && rest == "me/":
		s.count("GET me/")
		writeJSON(w, http.StatusOK, page([]any{map[string]any{"id": user.ID, "type": "user", "username": user.Username,
			"first_name": "", "last_name": "", "email": user.Username + "@example.test",
			"is_superuser": user.IsSuperuser, "is_system_auditor": false}}, 1, ""))
	case r.Method == http.MethodGet && rest == "job_templates/":
		s.count("GET job_templates/")
		s.listTemplates(w, r)
	case len(parts) == 3 && parts[0] == "job_templates" && parts[2] == "launch" && r.Method == http.MethodPost:
		s.count("POST job_templates/{id}/launch/")
		s.launch(w, r, parts[1], scope)
	case len(parts) == 2 && parts[0] == "jobs" && r.Method == http.MethodGet:
		s.count("GET jobs/{id}/")
		s.job(w, parts[1])
	default:
		write(w, Detail(http.StatusNotFound, "Not found."))
	}
}

func (s *Server) count(route string) {
	s.mu.Lock()
	s.calls[route]++
	s.mu.Unlock()
}

func page(results []any, count int, next string) map[string]any {
	var n any
	if next != "" {
		n = next
	}
	return map[string]any{"count": count, "next": n, "previous": nil, "results": results}
}

func (s *Server) template(id int) *JobTemplate {
	for i := range s.opts.Templates {
		if s.opts.Templates[i].ID == id {
			return &s.opts.Templates[i]
		}
	}
	return nil
}

func (s *Server) templateJSON(t JobTemplate) map[string]any {
	return map[string]any{
		"id": t.ID, "type": "job_template", "url": fmt.Sprintf("%sjob_templates/%d/", s.opts.APIPath, t.ID), "name": t.Name,
		"description": t.Description, "job_type": "run", "inventory": t.Inventory, "project": t.Project,
		"playbook": t.Playbook, "status": "never updated", "last_job_run": nil,
		"ask_variables_on_launch": t.AskVariablesOnLaunch, "ask_limit_on_launch": t.AskLimitOnLaunch,
		"ask_inventory_on_launch": false,
	}
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, search := q.Get("name"), strings.ToLower(q.Get("search"))
	var match []JobTemplate
	for _, t := range s.opts.Templates {
		if name != "" && t.Name != name {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(t.Name+" "+t.Description), search) {
			continue
		}
		match = append(match, t)
	}
	size, err := strconv.Atoi(q.Get("page_size"))
	if err != nil || size <= 0 {
		size = 25
	}
	size = min(size, 200)
	pg, err := strconv.Atoi(q.Get("page"))
	if err != nil || pg <= 0 {
		pg = 1
	}
	start := (pg - 1) * size
	if start > len(match) && len(match) > 0 {
		write(w, Detail(http.StatusNotFound, "Invalid page."))
		return
	}
	results := []any{}
	for _, t := range match[min(start, len(match)):min(start+size, len(match))] {
		results = append(results, s.templateJSON(t))
	}
	next := ""
	if start+size < len(match) {
		next = fmt.Sprintf("%sjob_templates/?page=%d&page_size=%d", s.opts.APIPath, pg+1, size)
	}
	writeJSON(w, http.StatusOK, page(results, len(match), next))
}

func (s *Server) launch(w http.ResponseWriter, r *http.Request, idText, scope string) {
	id, err := strconv.Atoi(idText)
	t := s.template(id)
	if err != nil || t == nil {
		write(w, Detail(http.StatusNotFound, "Not found."))
		return
	}
	if t.Denied || scope != "write" {
		write(w, Detail(http.StatusForbidden, "You do not have permission to perform this action."))
		return
	}
	var body struct {
		ExtraVars json.RawMessage `json:"extra_vars"`
		Limit     string          `json:"limit"`
		Inventory int             `json:"inventory"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil && err != io.EOF {
			writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "JSON parse error - " + err.Error()})
			return
		}
	}
	var vars map[string]any
	if len(body.ExtraVars) > 0 && string(body.ExtraVars) != "null" {
		if err := json.Unmarshal(body.ExtraVars, &vars); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"extra_vars": []string{"Must be valid JSON or YAML."}})
			return
		}
	}
	if len(t.PasswordsNeeded) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"passwords_needed_to_start": t.PasswordsNeeded})
		return
	}
	ignored := map[string]any{}
	if vars != nil && !t.AskVariablesOnLaunch {
		ignored["extra_vars"] = vars
		vars = nil
	}
	if body.Limit != "" && !t.AskLimitOnLaunch {
		ignored["limit"] = body.Limit
		body.Limit = ""
	}
	if body.Inventory != 0 {
		ignored["inventory"] = body.Inventory
	}
	outcome := t.Outcome
	if outcome == "" {
		outcome = "successful"
	}
	s.mu.Lock()
	s.nextJob++
	j := &job{id: s.nextJob, template: t.ID, status: "pending", steps: []string{"waiting", "running", outcome}, limit: body.Limit, extraVars: vars}
	s.jobs[j.id] = j
	s.mu.Unlock()
	w.Header().Set("Location", fmt.Sprintf("%sjobs/%d/", s.opts.APIPath, j.id))
	out := s.jobJSON(j, t)
	out["job"] = j.id
	out["ignored_fields"] = ignored
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) jobJSON(j *job, t *JobTemplate) map[string]any {
	var started, finished any
	failed := false
	switch j.status {
	case "running":
		started = "2026-12-04T08:00:01.000000Z"
	case "successful", "failed":
		started, finished = "2026-12-04T08:00:01.000000Z", "2026-12-04T08:00:31.500000Z"
		failed = j.status == "failed"
	}
	elapsed := 0.0
	if finished != nil {
		elapsed = 30.5
	}
	return map[string]any{
		"id": j.id, "type": "job", "url": fmt.Sprintf("%sjobs/%d/", s.opts.APIPath, j.id), "name": t.Name,
		"status": j.status, "failed": failed, "started": started, "finished": finished, "elapsed": elapsed,
		"job_template": t.ID, "launch_type": "manual", "limit": j.limit, "playbook": t.Playbook,
	}
}

// job answers a job and advances it one state (pending → waiting →
// running → outcome), so polling sees it progress deterministically.
func (s *Server) job(w http.ResponseWriter, idText string) {
	id, _ := strconv.Atoi(idText)
	s.mu.Lock()
	j := s.jobs[id]
	var out map[string]any
	if j != nil {
		out = s.jobJSON(j, s.template(j.template))
		if len(j.steps) > 0 {
			j.status, j.steps = j.steps[0], slices.Clone(j.steps[1:])
		}
	}
	s.mu.Unlock()
	if j == nil {
		write(w, Detail(http.StatusNotFound, "Not found."))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
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
	_, _ = io.WriteString(w, rep.Body) // the client may have gone
}
