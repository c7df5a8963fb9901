// Package whmfake is an in-process WHM API 1 server speaking the documented
// wire format (providers.md A1): "Authorization: whm user:token", JSON
// {data, metadata} answers with metadata.command echoed, HTTP 200 with
// metadata.result=0 for logical failures, HTTP 403 with a cPanel-API-2
// "Access denied" body for bad tokens, and the API 0 shape when api.version=1
// is missing. Besides version, applist, gethostname and listaccts it
// implements createacct (GET or POST form), suspendacct, unsuspendacct,
// get_disk_usage, showbw and start_autossl_check_for_one_user/_all_users on
// a mutable copy of its accounts; failure texts other than the documented
// "already exists" one are not verified against real WHM [?]. It backs the
// whm tests, the demo mode and benchmarks, so it is an ordinary package (not
// a _test file), imports no testing packages and is deterministic (seeded
// accounts; Options.Now fixes showbw's default month).
package whmfake

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
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultUser     = "root"
	DefaultToken    = "U7HMR63FHY282DQZ4H5BIH16JLYSO01M"
	DefaultVersion  = "11.118.0.5"
	DefaultHostname = "server.example.test"
)

// AllApps returns the applist of a full-access root token (a subset of real
// WHM's list: the functions this fake implements plus the ones ihub checks
// for). The slice is the caller's.
func AllApps() []string {
	return []string{
		"applist", "createacct", "get_disk_usage", "gethostname", "listaccts", "showbw",
		"start_autossl_check_for_all_users", "start_autossl_check_for_one_user", "suspendacct",
		"unsuspendacct", "version",
	}
}

// Account is one cPanel account served by listaccts, get_disk_usage and
// showbw, and changed by createacct, suspendacct and unsuspendacct.
type Account struct {
	User, Domain, Email, Plan, Owner string
	Suspended                        bool
	SuspendReason                    string
	// DiskUsed and DiskLimit are WHM's display strings ("120M", "2G",
	// "unlimited"); get_disk_usage derives its KiB blocks from them.
	DiskUsed, DiskLimit, IP string
	UnixStartDate           int64
	// Inodes is the inode count get_disk_usage reports.
	Inodes int64
	// BandwidthBytes is the bytes transferred this month (showbw) and
	// BandwidthLimit the monthly limit in bytes, 0 for unlimited.
	BandwidthBytes, BandwidthLimit int64
}

// DefaultAccounts are the accounts a Server serves when Options.Accounts is
// nil: two owned by root (one suspended) and one by reseller "res1". The
// slice is the caller's.
func DefaultAccounts() []Account {
	return []Account{
		{User: "alpha", Domain: "alpha.example", Email: "admin@alpha.example", Plan: "gold", Owner: "root",
			IP: "192.0.2.10", DiskUsed: "120M", DiskLimit: "1000M", UnixStartDate: 1700000000, Inodes: 4200,
			BandwidthBytes: 734003200, BandwidthLimit: 10737418240},
		{User: "bravo", Domain: "bravo.example", Email: "ops@bravo.example", Plan: "silver", Owner: "root",
			IP: "192.0.2.10", Suspended: true, SuspendReason: "Non-payment", DiskUsed: "2G", DiskLimit: "unlimited",
			UnixStartDate: 1710000000, Inodes: 35000, BandwidthBytes: 52428800},
		{User: "charlie", Domain: "charlie.test", Email: "me@charlie.test", Plan: "res1_basic", Owner: "res1",
			IP: "192.0.2.11", DiskUsed: "0M", DiskLimit: "500M", UnixStartDate: 1720000000, Inodes: 12},
	}
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value serves one root account with
// DefaultToken and full permissions.
type Options struct {
	// Tokens maps WHM user names to their API token. Empty means
	// {DefaultUser: DefaultToken}.
	Tokens map[string]string
	// Version and Hostname are what version and gethostname return.
	Version, Hostname string
	// Apps is what applist returns and, apart from version and applist
	// (always allowed), which functions a token may call; a call to any other
	// known function answers HTTP 200, result 0, reason "Access denied"
	// (the exact ACL-failure text of real WHM is not documented [?]). nil
	// means AllApps().
	Apps []string
	// Accounts are the server's accounts; nil means DefaultAccounts(), an
	// empty slice none. The server works on a copy.
	Accounts []Account
	// Now is the fake's clock (showbw's default month); nil means time.Now.
	Now func() time.Time
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
	accts    []Account
	pid      int
}

// New starts a fake WHM server. Close it when done.
func New(opts Options) *Server {
	if len(opts.Tokens) == 0 {
		opts.Tokens = map[string]string{DefaultUser: DefaultToken}
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.Hostname == "" {
		opts.Hostname = DefaultHostname
	}
	if opts.Apps == nil {
		opts.Apps = AllApps()
	} else {
		opts.Apps = slices.Clone(opts.Apps)
	}
	opts.Tokens = maps.Clone(opts.Tokens)
	if opts.Accounts == nil {
		opts.Accounts = DefaultAccounts()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, calls: map[string]int{}, accts: slices.Clone(opts.Accounts), pid: 4000}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Rejected handshakes (a client that does not trust the test CA) are an
	// expected scenario, not something to print.
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

// Accounts returns a copy of the server's accounts as they are now.
func (s *Server) Accounts() []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.accts)
}

// Calls is the number of authenticated calls of the API function fn.
func (s *Server) Calls(fn string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[fn]
}

// AccessDenied is WHM's answer to a bad or missing token: HTTP 403 with a
// cPanel-API-2 style body.
func AccessDenied() *Reply {
	return &Reply{
		Status: http.StatusForbidden,
		Header: jsonHeader(),
		Body:   `{"cpanelresult":{"apiversion":"2","error":"Access denied","data":{"reason":"Access denied","result":"0"},"type":"text"}}`,
	}
}

// Failure is a logical failure: HTTP 200 with metadata.result 0 and reason.
func Failure(command, reason string) *Reply {
	b, _ := json.Marshal(map[string]any{ // cannot fail: strings only
		"data":     map[string]any{},
		"metadata": map[string]any{"command": command, "reason": reason, "result": 0, "version": 1},
	})
	return &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(b)}
}

// HTMLPage is an HTML error page, as a proxy or a misconfigured port sends.
func HTMLPage(status int, title, text string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html>\n<html><head><title>" + title +
		"</title><style>body{font-family:sans-serif}</style></head><body><h1>" + title + "</h1><p>" + text +
		"</p>" + strings.Repeat("<!-- padding -->\n", 200) + "</body></html>"}
}

// TooManyRequests is a 429 with Retry-After in whole seconds, as a rate
// limiting proxy in front of WHM would send (WHM itself documents none).
func TooManyRequests(retryAfter time.Duration) *Reply {
	h := http.Header{}
	h.Set("Retry-After", fmt.Sprint(int(retryAfter.Seconds())))
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: "Too Many Requests"}
}

// Hang is a Fail hook that blocks until the client gives up (the request's
// context is done), to test that callers honour their context.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

var authRE = regexp.MustCompile(`^(?i:whm)\s+([^:\s]+):(\S+)$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	fn, ok := strings.CutPrefix(r.URL.Path, "/json-api/")
	if !ok || fn == "" || strings.Contains(fn, "/") {
		write(w, HTMLPage(http.StatusNotFound, "404 Not Found", "The requested URL was not found on this server."))
		return
	}
	m := authRE.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil || s.opts.Tokens[m[1]] == "" || s.opts.Tokens[m[1]] != m[2] {
		write(w, AccessDenied())
		return
	}
	if err := r.ParseForm(); err != nil {
		write(w, &Reply{Status: http.StatusBadRequest, Header: jsonHeader(), Body: `{"cpanelresult":{"error":"Invalid request"}}`})
		return
	}
	s.mu.Lock()
	s.calls[fn]++
	s.mu.Unlock()

	if r.Form.Get("api.version") != "1" {
		s.serveAPI0(w, fn)
		return
	}
	if !slices.Contains(implemented, fn) {
		write(w, Failure(fn, fmt.Sprintf("Unknown app (“%s”) requested for this version (1) of the API.", fn)))
		return
	}
	if fn != "version" && fn != "applist" && !slices.Contains(s.opts.Apps, fn) {
		write(w, Failure(fn, "Access denied"))
		return
	}
	var data any
	reason, raw := "OK", ""
	switch fn {
	case "version":
		data = map[string]any{"version": s.opts.Version}
	case "applist":
		data = map[string]any{"app": s.opts.Apps}
	case "gethostname":
		data = map[string]any{"hostname": s.opts.Hostname}
	case "listaccts":
		data = map[string]any{"acct": s.accounts(r, m[1])}
	case "createacct":
		d, fail := s.createacct(r, m[1])
		if fail != "" {
			write(w, Failure(fn, fail))
			return
		}
		data, reason, raw = d, "Account Creation Ok", "Account Creation Complete!!!"
	case "suspendacct", "unsuspendacct":
		msg, fail := s.suspend(r, m[1], fn == "suspendacct")
		if fail != "" {
			write(w, Failure(fn, fail))
			return
		}
		reason, raw = msg, msg
	case "get_disk_usage":
		data = map[string]any{"accounts": s.diskUsage(m[1])}
	case "showbw":
		data = s.showbw(r, m[1])
	case "start_autossl_check_for_one_user", "start_autossl_check_for_all_users":
		d, fail := s.autossl(r, m[1], fn == "start_autossl_check_for_one_user")
		if fail != "" {
			write(w, Failure(fn, fail))
			return
		}
		data = d
	}
	md := map[string]any{"command": fn, "reason": reason, "result": 1, "version": 1}
	if raw != "" {
		md["output"] = map[string]any{"raw": raw}
	}
	resp := map[string]any{"metadata": md}
	if data != nil {
		resp["data"] = data
	}
	writeJSON(w, resp)
}

// implemented are the API 1 functions the fake answers.
var implemented = []string{
	"version", "applist", "gethostname", "listaccts", "createacct", "suspendacct", "unsuspendacct",
	"get_disk_usage", "showbw", "start_autossl_check_for_one_user", "start_autossl_check_for_all_users",
}

var (
	userRE   = regexp.MustCompile(`^[a-z][a-z0-9]{0,15}$`)
	domainRE = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.(?i:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?))+$`)
)

// createacct adds an account owned by the caller. The failure texts other
// than the existing-account one are not verified against real WHM [?].
func (s *Server) createacct(r *http.Request, caller string) (map[string]any, string) {
	user, domain, pass := r.Form.Get("username"), strings.ToLower(r.Form.Get("domain")), r.Form.Get("password")
	switch {
	case user == "":
		return nil, "You must specify a username."
	case domain == "":
		return nil, "You must specify a domain name."
	case !userRE.MatchString(user):
		return nil, fmt.Sprintf("The username “%s” is not valid.", user)
	case !domainRE.MatchString(domain):
		return nil, fmt.Sprintf("The domain “%s” is not valid.", domain)
	case pass == "":
		return nil, "You must specify a password."
	case len(pass) < 8:
		return nil, "Sorry, the password you selected cannot be used because it is too weak and would be too easy to guess."
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.accts {
		if a.User == user {
			return nil, fmt.Sprintf("The account '%s' already exists.", user)
		}
		if a.Domain == domain {
			return nil, fmt.Sprintf("The domain '%s' already exists.", domain)
		}
	}
	plan := r.Form.Get("plan")
	if plan == "" {
		plan = "default"
	}
	limit := "unlimited"
	if q := r.Form.Get("quota"); q != "" && q != "0" {
		limit = q + "M"
	}
	var bw int64
	if b := r.Form.Get("bwlimit"); b != "" {
		_, _ = fmt.Sscan(b, &bw) // a bad value is simply unlimited
		bw <<= 20
	}
	s.accts = append(s.accts, Account{
		User: user, Domain: domain, Email: r.Form.Get("contactemail"), Plan: plan, Owner: caller,
		IP: "192.0.2.10", DiskUsed: "0M", DiskLimit: limit, UnixStartDate: s.opts.Now().Unix(), BandwidthLimit: bw,
	})
	return map[string]any{
		"ip": "192.0.2.10", "package": plan,
		"nameserver": "ns1.example.test", "nameserver2": "ns2.example.test", "nameserver3": "", "nameserver4": "",
	}, ""
}

// suspend suspends or unsuspends an account the caller can see. The
// unknown-account text is not verified against real WHM [?].
func (s *Server) suspend(r *http.Request, caller string, on bool) (string, string) {
	user := r.Form.Get("user")
	if user == "" {
		return "", "You must specify a user."
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.find(user, caller)
	if i < 0 {
		return "", fmt.Sprintf("The user “%s” does not exist.", user)
	}
	a := &s.accts[i]
	if on {
		a.Suspended, a.SuspendReason = true, r.Form.Get("reason")
		if a.SuspendReason == "" {
			a.SuspendReason = "No reason given"
		}
		return fmt.Sprintf("%s account has been suspended", user), ""
	}
	a.Suspended, a.SuspendReason = false, ""
	return fmt.Sprintf("%s account is now active", user), ""
}

// find returns the index of the account user as caller sees it, or -1.
// Callers hold s.mu.
func (s *Server) find(user, caller string) int {
	for i, a := range s.accts {
		if a.User == user && (caller == "root" || a.Owner == caller) {
			return i
		}
	}
	return -1
}

// visible returns the accounts caller can see (a reseller its own).
func (s *Server) visible(caller string) []Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Account
	for _, a := range s.accts {
		if caller == "root" || a.Owner == caller {
			out = append(out, a)
		}
	}
	return out
}

func (s *Server) diskUsage(caller string) []map[string]any {
	out := []map[string]any{}
	for _, a := range s.visible(caller) {
		var limit any
		if kib, ok := kibOf(a.DiskLimit); ok && kib > 0 {
			limit = kib
		}
		used, _ := kibOf(orDefault(a.DiskUsed, "0M"))
		out = append(out, map[string]any{
			"user": a.User, "owner": a.Owner, "blocks_used": used, "blocks_limit": limit,
			"inodes_used": a.Inodes, "inodes_limit": nil,
		})
	}
	return out
}

// kibOf converts WHM's "120M" / "2G" / "512K" display strings to KiB.
func kibOf(s string) (int64, bool) {
	var n int64
	var unit string
	if _, err := fmt.Sscanf(s, "%d%s", &n, &unit); err != nil {
		return 0, false
	}
	switch strings.ToUpper(unit) {
	case "K":
		return n, true
	case "M":
		return n << 10, true
	case "G":
		return n << 20, true
	}
	return 0, false
}

// showbw reports this month's bandwidth; the fake keeps one month of
// figures and echoes the month asked for.
func (s *Server) showbw(r *http.Request, caller string) map[string]any {
	now := s.opts.Now().UTC()
	month, year := int(now.Month()), now.Year()
	_, _ = fmt.Sscan(r.Form.Get("month"), &month) // absent or bad keeps the default
	_, _ = fmt.Sscan(r.Form.Get("year"), &year)   // absent or bad keeps the default
	search, typ := r.Form.Get("search"), r.Form.Get("searchtype")
	accts := []map[string]any{}
	var total int64
	for _, a := range s.visible(caller) {
		if search != "" {
			col := a.User
			switch typ {
			case "domain":
				col = a.Domain
			case "owner":
				col = a.Owner
			}
			if !strings.Contains(col, search) {
				continue
			}
		}
		var limit any = "unlimited"
		if a.BandwidthLimit > 0 {
			limit = a.BandwidthLimit
		}
		total += a.BandwidthBytes
		accts = append(accts, map[string]any{
			"user": a.User, "domain": a.Domain, "owner": a.Owner, "totalbytes": a.BandwidthBytes, "limit": limit,
		})
	}
	return map[string]any{"acct": accts, "month": month, "year": year, "reseller": caller, "totalused": total}
}

func (s *Server) autossl(r *http.Request, caller string, one bool) (map[string]any, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if one {
		user := r.Form.Get("username")
		if user == "" {
			return nil, "You must specify a username."
		}
		if s.find(user, caller) < 0 {
			return nil, fmt.Sprintf("The user “%s” does not exist.", user)
		}
	}
	s.pid++
	return map[string]any{"pid": s.pid}, ""
}

// serveAPI0 answers like WHM does when api.version=1 is missing: the
// deprecated API 0 shape, without a metadata block.
func (s *Server) serveAPI0(w http.ResponseWriter, fn string) {
	switch fn {
	case "version":
		writeJSON(w, map[string]any{"version": s.opts.Version})
	case "applist":
		writeJSON(w, map[string]any{"app": s.opts.Apps})
	case "gethostname":
		writeJSON(w, map[string]any{"hostname": s.opts.Hostname})
	case "listaccts":
		writeJSON(w, map[string]any{"status": 1, "statusmsg": "Ok", "acct": s.accountsJSON(s.visible("root"))})
	default:
		writeJSON(w, map[string]any{"status": 0, "statusmsg": "Unknown function " + fn})
	}
}

// accounts applies listaccts' search, searchtype and searchmethod (exact or
// regex; the default is a case-insensitive substring match). A reseller
// (any user but root) sees only the accounts it owns.
func (s *Server) accounts(r *http.Request, user string) []map[string]any {
	search, typ, method := r.Form.Get("search"), r.Form.Get("searchtype"), r.Form.Get("searchmethod")
	var re *regexp.Regexp
	if search != "" && method == "regex" {
		re, _ = regexp.Compile(search) // an invalid pattern simply matches nothing
	}
	var out []Account
	for _, a := range s.visible(user) {
		if search != "" {
			var col string
			switch typ {
			case "domain", "":
				col = a.Domain
			case "owner":
				col = a.Owner
			case "user":
				col = a.User
			case "ip":
				col = a.IP
			case "package":
				col = a.Plan
			}
			switch {
			case method == "exact" && col != search,
				method == "regex" && (re == nil || !re.MatchString(col)),
				method != "exact" && method != "regex" && !strings.Contains(strings.ToLower(col), strings.ToLower(search)):
				continue
			}
		}
		out = append(out, a)
	}
	return s.accountsJSON(out)
}

func (s *Server) accountsJSON(accts []Account) []map[string]any {
	out := make([]map[string]any, 0, len(accts))
	for _, a := range accts {
		susp, reason := 0, "not suspended"
		if a.Suspended {
			susp, reason = 1, a.SuspendReason
		}
		start := time.Unix(a.UnixStartDate, 0).UTC()
		out = append(out, map[string]any{
			"user": a.User, "domain": a.Domain, "email": a.Email, "plan": a.Plan, "owner": a.Owner,
			"suspended": susp, "suspendreason": reason, "diskused": orDefault(a.DiskUsed, "0M"),
			"disklimit": orDefault(a.DiskLimit, "unlimited"), "ip": a.IP,
			"startdate": start.Format("06 Jan 02 15:04"), "unix_startdate": a.UnixStartDate,
		})
	}
	return out
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
