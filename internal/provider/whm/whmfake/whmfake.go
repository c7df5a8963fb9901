// Package whmfake is an in-process WHM API 1 server speaking the documented
// wire format (providers.md A1): "Authorization: whm user:token", JSON
// {data, metadata} answers with metadata.command echoed, HTTP 200 with
// metadata.result=0 for logical failures, HTTP 403 with a cPanel-API-2
// "Access denied" body for bad tokens, and the API 0 shape when api.version=1
// is missing. It backs the whm tests, the demo mode and benchmarks, so it is
// an ordinary package (not a _test file) and imports no testing packages.
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

// Account is one cPanel account served by listaccts.
type Account struct {
	User, Domain, Email, Plan, Owner string
	Suspended                        bool
	SuspendReason                    string
	DiskUsed, DiskLimit, IP          string
	UnixStartDate                    int64
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
	// Accounts is what listaccts serves.
	Accounts []Account
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
	s := &Server{opts: opts, calls: map[string]int{}}
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
	if !slices.Contains([]string{"version", "applist", "gethostname", "listaccts"}, fn) {
		write(w, Failure(fn, fmt.Sprintf("Unknown app (“%s”) requested for this version (1) of the API.", fn)))
		return
	}
	if fn != "version" && fn != "applist" && !slices.Contains(s.opts.Apps, fn) {
		write(w, Failure(fn, "Access denied"))
		return
	}
	var data any
	switch fn {
	case "version":
		data = map[string]any{"version": s.opts.Version}
	case "applist":
		data = map[string]any{"app": s.opts.Apps}
	case "gethostname":
		data = map[string]any{"hostname": s.opts.Hostname}
	case "listaccts":
		data = map[string]any{"acct": s.accounts(r, m[1])}
	}
	writeJSON(w, map[string]any{
		"data":     data,
		"metadata": map[string]any{"command": fn, "reason": "OK", "result": 1, "version": 1},
	})
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
		writeJSON(w, map[string]any{"status": 1, "statusmsg": "Ok", "acct": s.accountsJSON(s.opts.Accounts)})
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
	for _, a := range s.opts.Accounts {
		if user != "root" && a.Owner != user {
			continue
		}
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
