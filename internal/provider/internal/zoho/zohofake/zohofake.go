// Package zohofake is an in-process server speaking the wire formats of the
// four Zoho APIs ihub calls (providers.md A14), all on one host so a test
// or the demo mode can point a connection's BaseURL at it:
//
//   - Zoho CRM: GET /crm/v7/org, /crm/v7/users?type=CurrentUser,
//     /crm/v7/settings/modules and
//     /crm/v7/{module} (records; the fields parameter is mandatory, an
//     empty list is HTTP 204 without a body); errors as
//     {"code":"INVALID_TOKEN","details":{},"message":...,"status":"error"}.
//   - Zoho Billing: GET /billing/v1/organizations; answers carry a numeric
//     code, 0 on success; a bad token is 401 {"code":14,...}.
//   - Zoho Sign: GET /api/v1/requests?data={"page_context":...};
//     {"code":0,"status":"success",...}; a bad token is 401
//     {"code":9041,...,"status":"failure"} [?].
//   - Zoho Desk: GET /api/v1/organizations ({"data":[...]}); a bad token is
//     401 {"errorCode":"INVALID_OAUTH",...} [?].
//
// Every call needs "Authorization: Zoho-oauthtoken <token>". The server is
// deterministic and imports no testing packages.
package zohofake

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultToken is the access token the server accepts when Options.Token is
// empty.
const DefaultToken = "1000.f4k3acc3ss70k3n0a1b2c3d4e5f6a7b8.9c8d7e6f5a4b3c2d1e0f"

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Org is the CRM organization (GET /crm/v7/org).
type Org struct {
	ID, CompanyName, PrimaryEmail, Country, TimeZone, Currency string
}

// User is the CRM user the token belongs to (GET
// /crm/v7/users?type=CurrentUser).
type User struct {
	ID, FullName, Email, Role, Profile string
}

// DefaultUser is the seeded CRM user.
func DefaultUser() User {
	return User{ID: "4150868000000225001", FullName: "Nomsa Mokoena", Email: "nomsa@example.test", Role: "CEO", Profile: "Administrator"}
}

// Module is one CRM module (GET /crm/v7/settings/modules).
type Module struct {
	APIName, ModuleName, SingularLabel, PluralLabel, ID string
	APISupported                                        bool
}

// Organization is a Zoho Billing or Zoho Desk organization.
type Organization struct {
	ID, Name string
}

// SignRequest is one Zoho Sign request.
type SignRequest struct {
	ID, Name, Status string
}

// Options configures a Server. The zero value serves DefaultToken with the
// seeded data of DefaultOrg, DefaultUser, DefaultModules, DefaultRecords,
// DefaultBillingOrganizations, DefaultDeskOrganizations and
// DefaultSignRequests.
type Options struct {
	Token   string
	Org     *Org
	User    *User
	Modules []Module
	// Records maps a module's API name to its records; a module listed in
	// Modules without records answers 204.
	Records      map[string][]map[string]any
	BillingOrgs  []Organization
	DeskOrgs     []Organization
	SignRequests []SignRequest
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// DefaultOrg is the seeded CRM organization.
func DefaultOrg() Org {
	return Org{ID: "4150868000000225013", CompanyName: "Example Hosting (Pty) Ltd", PrimaryEmail: "admin@example.test",
		Country: "South Africa", TimeZone: "Africa/Johannesburg", Currency: "ZAR"}
}

// DefaultModules are the seeded CRM modules.
func DefaultModules() []Module {
	return []Module{
		{APIName: "Leads", ModuleName: "Leads", SingularLabel: "Lead", PluralLabel: "Leads", ID: "4150868000000002175", APISupported: true},
		{APIName: "Contacts", ModuleName: "Contacts", SingularLabel: "Contact", PluralLabel: "Contacts", ID: "4150868000000002179", APISupported: true},
		{APIName: "Accounts", ModuleName: "Accounts", SingularLabel: "Account", PluralLabel: "Accounts", ID: "4150868000000002177", APISupported: true},
		{APIName: "Deals", ModuleName: "Deals", SingularLabel: "Deal", PluralLabel: "Deals", ID: "4150868000000002181", APISupported: true},
		{APIName: "Home", ModuleName: "Home", SingularLabel: "Home", PluralLabel: "Home", ID: "4150868000000002173", APISupported: false},
	}
}

// DefaultRecords are the seeded CRM records: three leads and one contact;
// Accounts and Deals are empty.
func DefaultRecords() map[string][]map[string]any {
	return map[string][]map[string]any{
		"Leads": {
			{"id": "4150868000000300001", "First_Name": "Thandi", "Last_Name": "Nkosi", "Email": "thandi@example.test", "Company": "Nkosi Logistics", "Created_Time": "2026-11-01T09:00:00+02:00", "Modified_Time": "2026-11-02T10:00:00+02:00"},
			{"id": "4150868000000300002", "First_Name": "Pieter", "Last_Name": "van Wyk", "Email": "pieter@example.test", "Company": "Karoo Farms", "Created_Time": "2026-11-03T09:00:00+02:00", "Modified_Time": "2026-11-03T11:00:00+02:00"},
			{"id": "4150868000000300003", "First_Name": "Aisha", "Last_Name": "Patel", "Email": "aisha@example.test", "Company": "Patel Retail", "Created_Time": "2026-11-05T09:00:00+02:00", "Modified_Time": "2026-11-06T08:30:00+02:00"},
		},
		"Contacts": {
			{"id": "4150868000000400001", "First_Name": "Sipho", "Last_Name": "Dlamini", "Email": "sipho@example.test", "Created_Time": "2026-10-20T09:00:00+02:00", "Modified_Time": "2026-10-21T09:00:00+02:00"},
		},
	}
}

// DefaultBillingOrganizations are the seeded Zoho Billing organizations.
func DefaultBillingOrganizations() []Organization {
	return []Organization{{ID: "10234695", Name: "Example Hosting Billing"}}
}

// DefaultDeskOrganizations are the seeded Zoho Desk organizations.
func DefaultDeskOrganizations() []Organization {
	return []Organization{{ID: "648638721", Name: "Example Hosting Support"}}
}

// DefaultSignRequests are the seeded Zoho Sign requests.
func DefaultSignRequests() []SignRequest {
	return []SignRequest{
		{ID: "2000000114015", Name: "Hosting agreement - Nkosi Logistics", Status: "completed"},
		{ID: "2000000114027", Name: "Hosting agreement - Karoo Farms", Status: "inprogress"},
	}
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	opts  Options
	mu    sync.Mutex
	calls map[string]int
}

// New starts a fake Zoho server. Close it when done.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	if opts.Org == nil {
		o := DefaultOrg()
		opts.Org = &o
	}
	if opts.User == nil {
		u := DefaultUser()
		opts.User = &u
	}
	if opts.Modules == nil {
		opts.Modules = DefaultModules()
	}
	if opts.Records == nil {
		opts.Records = DefaultRecords()
	} else {
		opts.Records = maps.Clone(opts.Records)
	}
	if opts.BillingOrgs == nil {
		opts.BillingOrgs = DefaultBillingOrganizations()
	}
	if opts.DeskOrgs == nil {
		opts.DeskOrgs = DefaultDeskOrganizations()
	}
	if opts.SignRequests == nil {
		opts.SignRequests = DefaultSignRequests()
	}
	s := &Server{opts: opts, calls: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the base URL to configure (http://127.0.0.1:port, no path).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Calls is the number of authenticated requests for path ("/crm/v7/org").
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Hang is a Fail hook that blocks until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// TooManyRequests is CRM's 429 answer, with a Retry-After in seconds when
// retryAfter is positive (Zoho documents none [?]).
func TooManyRequests(retryAfter time.Duration) *Reply {
	r := CRMError(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "too many requests")
	if retryAfter > 0 {
		r.Header.Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	}
	return r
}

// CRMError is a CRM error document with the given status and code.
func CRMError(status int, code, message string) *Reply {
	return jsonReply(status, map[string]any{"code": code, "details": map[string]any{}, "message": message, "status": "error"})
}

// FinanceError is a Billing/Sign error document: a non-zero code, with
// HTTP status (200 included, as Zoho sometimes does).
func FinanceError(status, code int, message string) *Reply {
	return jsonReply(status, map[string]any{"code": code, "message": message, "status": "failure"})
}

// DeskError is a Desk error document [?].
func DeskError(status int, code, message string) *Reply {
	return jsonReply(status, map[string]any{"errorCode": code, "message": message})
}

// HTMLPage is an HTML error page, as a proxy in front of the API sends.
func HTMLPage(status int, title, text string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html>\n<html><head><title>" + title +
		"</title></head><body><h1>" + title + "</h1><p>" + text + "</p></body></html>"}
}

var moduleRE = regexp.MustCompile(`^/crm/v7/([A-Za-z][A-Za-z0-9_]*)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	p := r.URL.Path
	product := productOf(p)
	if r.Header.Get("Authorization") != "Zoho-oauthtoken "+s.opts.Token {
		write(w, unauthorized(product))
		return
	}
	s.mu.Lock()
	s.calls[p]++
	s.mu.Unlock()
	if r.Method != http.MethodGet {
		write(w, notFound(product))
		return
	}
	switch {
	case p == "/crm/v7/org":
		o := s.opts.Org
		writeJSON(w, map[string]any{"org": []map[string]any{{
			"id": o.ID, "company_name": o.CompanyName, "primary_email": o.PrimaryEmail, "country": o.Country,
			"time_zone": o.TimeZone, "currency": o.Currency,
		}}})
	case p == "/crm/v7/users" && r.URL.Query().Get("type") == "CurrentUser":
		u := s.opts.User
		writeJSON(w, map[string]any{"users": []map[string]any{{
			"id": u.ID, "full_name": u.FullName, "email": u.Email,
			"role":    map[string]any{"name": u.Role, "id": "4150868000000026005"},
			"profile": map[string]any{"name": u.Profile, "id": "4150868000000026011"},
			"status":  "active",
		}}, "info": map[string]any{"per_page": 200, "count": 1, "page": 1, "more_records": false}})
	case p == "/crm/v7/settings/modules":
		mods := make([]map[string]any, 0, len(s.opts.Modules))
		for _, m := range s.opts.Modules {
			mods = append(mods, map[string]any{"api_name": m.APIName, "module_name": m.ModuleName,
				"singular_label": m.SingularLabel, "plural_label": m.PluralLabel, "id": m.ID, "api_supported": m.APISupported})
		}
		writeJSON(w, map[string]any{"modules": mods})
	case moduleRE.MatchString(p):
		s.records(w, r, moduleRE.FindStringSubmatch(p)[1])
	case p == "/billing/v1/organizations":
		orgs := make([]map[string]any, 0, len(s.opts.BillingOrgs))
		for _, o := range s.opts.BillingOrgs {
			orgs = append(orgs, map[string]any{"organization_id": o.ID, "name": o.Name, "currency_code": "ZAR", "is_default_org": len(orgs) == 0})
		}
		writeJSON(w, map[string]any{"code": 0, "message": "success", "organizations": orgs})
	case p == "/api/v1/requests":
		s.signRequests(w, r)
	case p == "/api/v1/organizations":
		orgs := make([]map[string]any, 0, len(s.opts.DeskOrgs))
		for _, o := range s.opts.DeskOrgs {
			orgs = append(orgs, map[string]any{"id": o.ID, "companyName": o.Name, "portalName": strings.ToLower(strings.ReplaceAll(o.Name, " ", "")), "isDefault": len(orgs) == 0})
		}
		writeJSON(w, map[string]any{"data": orgs})
	default:
		write(w, notFound(product))
	}
}

// records serves GET /crm/v7/{module}.
func (s *Server) records(w http.ResponseWriter, r *http.Request, module string) {
	if !slices.ContainsFunc(s.opts.Modules, func(m Module) bool { return m.APIName == module && m.APISupported }) {
		write(w, jsonReply(http.StatusBadRequest, map[string]any{"code": "INVALID_MODULE", "details": map[string]any{"resource_path_index": 0},
			"message": "the module name given seems to be invalid", "status": "error"}))
		return
	}
	q := r.URL.Query()
	fields := strings.Split(q.Get("fields"), ",")
	if q.Get("fields") == "" {
		write(w, jsonReply(http.StatusBadRequest, map[string]any{"code": "REQUIRED_PARAM_MISSING", "details": map[string]any{"param": "fields"},
			"message": "One of the expected parameter is missing", "status": "error"}))
		return
	}
	page, perPage := atoiDefault(q.Get("page"), 1), atoiDefault(q.Get("per_page"), 200)
	if page < 1 || perPage < 1 || perPage > 200 {
		write(w, jsonReply(http.StatusBadRequest, map[string]any{"code": "INVALID_DATA", "details": map[string]any{},
			"message": "invalid page or per_page", "status": "error"}))
		return
	}
	recs := slices.Clone(s.opts.Records[module])
	if by := q.Get("sort_by"); by != "" {
		desc := q.Get("sort_order") == "desc"
		sort.SliceStable(recs, func(i, j int) bool {
			a, b := fmt.Sprint(recs[i][by]), fmt.Sprint(recs[j][by])
			if desc {
				return a > b
			}
			return a < b
		})
	}
	start := (page - 1) * perPage
	if start >= len(recs) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	end := min(start+perPage, len(recs))
	out := make([]map[string]any, 0, end-start)
	for _, rec := range recs[start:end] {
		m := map[string]any{"id": rec["id"]}
		for _, f := range fields {
			if v, ok := rec[f]; ok {
				m[f] = v
			} else if f != "id" {
				m[f] = nil
			}
		}
		out = append(out, m)
	}
	writeJSON(w, map[string]any{"data": out, "info": map[string]any{
		"per_page": perPage, "count": len(out), "page": page, "more_records": end < len(recs),
	}})
}

// signRequests serves GET /api/v1/requests?data={"page_context":{...}}.
func (s *Server) signRequests(w http.ResponseWriter, r *http.Request) {
	var data struct {
		PageContext struct {
			RowCount   int `json:"row_count"`
			StartIndex int `json:"start_index"`
		} `json:"page_context"`
	}
	if d := r.URL.Query().Get("data"); d != "" {
		if err := json.Unmarshal([]byte(d), &data); err != nil {
			write(w, FinanceError(http.StatusBadRequest, 9009, "Invalid data parameter"))
			return
		}
	}
	rows, start := data.PageContext.RowCount, data.PageContext.StartIndex
	if rows <= 0 {
		rows = 10
	}
	if start <= 0 {
		start = 1
	}
	all := s.opts.SignRequests
	out := []map[string]any{}
	for i := start - 1; i >= 0 && i < len(all) && len(out) < rows; i++ {
		out = append(out, map[string]any{"request_id": all[i].ID, "request_name": all[i].Name, "request_status": all[i].Status})
	}
	writeJSON(w, map[string]any{"code": 0, "status": "success", "message": "Requests retrieved successfully",
		"requests": out, "page_context": map[string]any{"row_count": rows, "start_index": start,
			"has_more_rows": start-1+len(out) < len(all), "total_count": len(all)}})
}

type product int

const (
	crm product = iota
	billing
	sign
	desk
)

func productOf(path string) product {
	switch {
	case strings.HasPrefix(path, "/billing/"):
		return billing
	case path == "/api/v1/requests" || strings.HasPrefix(path, "/api/v1/requests/"):
		return sign
	case strings.HasPrefix(path, "/api/"):
		return desk
	default:
		return crm
	}
}

func unauthorized(p product) *Reply {
	switch p {
	case billing:
		return FinanceError(http.StatusUnauthorized, 14, "Invalid oauth token")
	case sign:
		return FinanceError(http.StatusUnauthorized, 9041, "Invalid Oauth token")
	case desk:
		return DeskError(http.StatusUnauthorized, "INVALID_OAUTH", "The OAuth Token you provided is invalid.")
	default:
		return CRMError(http.StatusUnauthorized, "INVALID_TOKEN", "invalid oauth token")
	}
}

func notFound(p product) *Reply {
	switch p {
	case billing:
		return FinanceError(http.StatusNotFound, 5, "Invalid URL Passed")
	case sign:
		return FinanceError(http.StatusNotFound, 9000, "Invalid URL")
	case desk:
		return DeskError(http.StatusNotFound, "URL_NOT_FOUND", "The URL you requested could not be found.")
	default:
		return CRMError(http.StatusNotFound, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one")
	}
}

func atoiDefault(s string, def int) int {
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func jsonReply(status int, v any) *Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // fixtures are plain maps
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json;charset=UTF-8")
	return &Reply{Status: status, Header: h, Body: string(b)}
}

func writeJSON(w http.ResponseWriter, v any) { write(w, jsonReply(http.StatusOK, v)) }

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
