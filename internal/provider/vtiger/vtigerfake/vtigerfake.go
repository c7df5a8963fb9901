// Package vtigerfake is an in-process vTiger CRM web services server
// speaking the documented wire format (providers.md A5): /webservice.php
// with getchallenge (GET), login (POST, accessKey = md5(token + the user's
// access key)), sessionName on every later call, and JSON answers that are
// HTTP 200 whether {"success":true,"result":…} or
// {"success":false,"error":{"code","message"}}. It understands a small VTQL
// subset (SELECT fields|*|count(*) FROM module [WHERE f = 'v' [AND …]]
// [LIMIT [offset,] count];). It backs the vtiger tests and the demo mode, so
// it is deterministic, self-contained and imports no testing packages.
package vtigerfake

import (
	"crypto/md5" //nolint:gosec // the vTiger login is md5 by definition
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultUser          = "admin"
	DefaultAccessKey     = "Xq7Lr2Vb9Tk4Mz1N"
	DefaultVtigerVersion = "7.5.0"
	DefaultAPIVersion    = "0.22"
	DefaultQueryCap      = 100
)

// Record is one CRM record: field name → value. "id" is the web services id
// ("12x34").
type Record map[string]string

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultUser with
// DefaultAccessKey and serves the seed records.
type Options struct {
	// Users maps user names to access keys; nil means
	// {DefaultUser: DefaultAccessKey}.
	Users map[string]string
	// VtigerVersion and APIVersion are what login reports.
	VtigerVersion, APIVersion string
	// Modules maps module names to their records; nil means SeedModules().
	Modules map[string][]Record
	// QueryCap is the most rows a query returns (100 like vTiger 6; 200
	// for vTiger 7).
	QueryCap int
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
	mu       sync.Mutex
	seq      int
	tokens   map[string]string // challenge token → user
	sessions map[string]string // session name → user
	calls    map[string]int
}

// SeedModules returns the default records.
func SeedModules() map[string][]Record {
	return map[string][]Record{
		"Contacts": {
			{"id": "12x1", "firstname": "Thandi", "lastname": "Nkosi", "email": "thandi@nkosi.example", "account_id": "11x1", "assigned_user_id": "19x1", "createdtime": "2025-03-01 10:00:00"},
			{"id": "12x2", "firstname": "Pieter", "lastname": "van Wyk", "email": "pieter@vanwyk.example", "account_id": "11x2", "assigned_user_id": "19x1", "createdtime": "2025-04-12 08:30:00"},
			{"id": "12x3", "firstname": "Ana", "lastname": "Silva", "email": "ana@silva.example", "account_id": "", "assigned_user_id": "19x1", "createdtime": "2025-06-20 15:45:00"},
		},
		"Accounts": {
			{"id": "11x1", "accountname": "Nkosi Web", "website": "https://nkosi.example", "assigned_user_id": "19x1"},
			{"id": "11x2", "accountname": "Van Wyk Boerdery", "website": "", "assigned_user_id": "19x1"},
		},
		"Leads":    {{"id": "10x1", "firstname": "Lerato", "lastname": "Mokoena", "company": "Mokoena Trading", "leadstatus": "Hot", "assigned_user_id": "19x1"}},
		"HelpDesk": {},
	}
}

// New starts a fake vTiger server. Close it when done.
func New(opts Options) *Server {
	if opts.Users == nil {
		opts.Users = map[string]string{DefaultUser: DefaultAccessKey}
	} else {
		opts.Users = maps.Clone(opts.Users)
	}
	if opts.VtigerVersion == "" {
		opts.VtigerVersion = DefaultVtigerVersion
	}
	if opts.APIVersion == "" {
		opts.APIVersion = DefaultAPIVersion
	}
	if opts.Modules == nil {
		opts.Modules = SeedModules()
	}
	if opts.QueryCap <= 0 {
		opts.QueryCap = DefaultQueryCap
	}
	s := &Server{opts: opts, tokens: map[string]string{}, sessions: map[string]string{}, calls: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the base URL to configure (the CRM address, no path).
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, including rejected ones.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Calls is the number of calls of operation (getchallenge, login, query,
// listtypes), successful or not.
func (s *Server) Calls(operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[operation]
}

// ExpireSessions ends every session, as vTiger does after its idle or
// lifetime limit; the next call with an old session answers
// INVALID_SESSIONID.
func (s *Server) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// ExpireChallenges drops every outstanding challenge token.
func (s *Server) ExpireChallenges() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Failure is vTiger's failure answer: HTTP 200 with success=false.
func Failure(code, message string) *Reply {
	b, _ := json.Marshal(map[string]any{"success": false, "error": map[string]string{"code": code, "message": message}}) // strings only
	return &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(b)}
}

// HTMLPage is an HTML page, as a proxy or a wrong base URL sends.
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html><html><head><title>" + title + "</title></head><body><h1>" + title + "</h1></body></html>"}
}

// TooManyRequests is a 429 with Retry-After, as a proxy in front of the CRM
// (or vTiger Cloud's API limits [?]) would send.
func TooManyRequests(retryAfter time.Duration) *Reply {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	return &Reply{Status: http.StatusTooManyRequests, Header: h, Body: "Too Many Requests"}
}

// Hang is a Fail hook that blocks until the client gives up. It reads the
// body first so the server notices the client going away.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // best effort
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

// MD5 returns md5hex(token + accessKey), the login key.
func MD5(token, accessKey string) string {
	sum := md5.Sum([]byte(token + accessKey)) //nolint:gosec // wire format
	return hex.EncodeToString(sum[:])
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if r.URL.Path != "/webservice.php" {
		write(w, HTMLPage(http.StatusNotFound, "404 Not Found"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		write(w, Failure("INVALID_PARAMETER", "Invalid request"))
		return
	}
	op := r.Form.Get("operation")
	s.mu.Lock()
	s.calls[op]++
	s.mu.Unlock()
	switch op {
	case "getchallenge":
		s.challenge(w, r)
		return
	case "login":
		s.login(w, r)
		return
	}
	s.mu.Lock()
	_, ok := s.sessions[r.Form.Get("sessionName")]
	s.mu.Unlock()
	switch {
	case r.Form.Get("sessionName") == "":
		write(w, Failure("AUTHENTICATION_REQUIRED", "Authentication required"))
		return
	case !ok:
		write(w, Failure("INVALID_SESSIONID", "Session Identifier provided is Invalid"))
		return
	}
	switch op {
	case "listtypes":
		if r.Method != http.MethodGet {
			write(w, Failure("UNKNOWN_OPERATION", "Permission to perform the operation is denied"))
			return
		}
		types := slices.Sorted(maps.Keys(s.opts.Modules))
		info := map[string]any{}
		for _, t := range types {
			info[t] = map[string]any{"isEntity": true, "label": t, "singular": strings.TrimSuffix(t, "s")}
		}
		success(w, map[string]any{"types": types, "information": info})
	case "query":
		if r.Method != http.MethodGet {
			write(w, Failure("UNKNOWN_OPERATION", "Permission to perform the operation is denied"))
			return
		}
		s.query(w, r.Form.Get("query"))
	case "logout":
		s.mu.Lock()
		delete(s.sessions, r.Form.Get("sessionName"))
		s.mu.Unlock()
		success(w, map[string]any{"message": "successfull"})
	default:
		write(w, Failure("UNKNOWN_OPERATION", "Unknown operation requested"))
	}
}

func (s *Server) challenge(w http.ResponseWriter, r *http.Request) {
	user := r.Form.Get("username")
	if r.Method != http.MethodGet {
		write(w, Failure("UNKNOWN_OPERATION", "Permission to perform the operation is denied"))
		return
	}
	if _, ok := s.opts.Users[user]; !ok {
		// Real vTiger hands out a challenge for any name and fails at
		// login [?]; failing here is what matters to a client.
		write(w, Failure("INVALID_USER_CREDENTIALS", "Invalid username or password"))
		return
	}
	s.mu.Lock()
	s.seq++
	seq := s.seq
	token := fmt.Sprintf("%013x", 0x5f2a1b3c4d5e0+seq)
	s.tokens[token] = user
	s.mu.Unlock()
	now := int64(1_764_835_200) + int64(seq)
	success(w, map[string]any{"token": token, "serverTime": now, "expireTime": now + 300})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		write(w, Failure("UNKNOWN_OPERATION", "Permission to perform the operation is denied"))
		return
	}
	user, key := r.PostForm.Get("username"), r.PostForm.Get("accessKey")
	if key == "" {
		write(w, Failure("ACCESSKEY_UNDEFINED", "Access key for the user is undefined"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var token string
	for t, u := range s.tokens {
		if u == user && MD5(t, s.opts.Users[user]) == key {
			token = t
		}
	}
	if token == "" {
		// No live challenge matches: either the key is wrong or the
		// challenge expired. The fake keeps every outstanding challenge; real
		// vTiger keeps one per user, so concurrent logins of one user can
		// make each other fail with INVALID_AUTH_TOKEN [?].
		if !slices.Contains(slices.Collect(maps.Values(s.tokens)), user) {
			write(w, Failure("INVALID_AUTH_TOKEN", "Specified token is invalid or expired"))
			return
		}
		write(w, Failure("INVALID_USER_CREDENTIALS", "Invalid username or password"))
		return
	}
	delete(s.tokens, token)
	s.seq++
	name := fmt.Sprintf("%x%08x", 0x2b3f00+s.seq, s.seq*7919)
	s.sessions[name] = user
	success(w, map[string]any{"sessionName": name, "userId": "19x1", "version": s.opts.APIVersion, "vtigerVersion": s.opts.VtigerVersion})
}

var (
	selectRE = regexp.MustCompile(`(?is)^\s*select\s+(.+?)\s+from\s+([A-Za-z_]+)(?:\s+where\s+(.+?))?(?:\s+order\s+by\s+([A-Za-z_]+)(?:\s+(asc|desc))?)?(?:\s+limit\s+(\d+)(?:\s*,\s*(\d+))?)?\s*;\s*$`)
	condRE   = regexp.MustCompile(`(?is)^\s*([A-Za-z_]+)\s*(=|like)\s*'((?:[^']|'')*)'\s*$`)
	andRE    = regexp.MustCompile(`(?i)\s+and\s+`)
)

func (s *Server) query(w http.ResponseWriter, q string) {
	m := selectRE.FindStringSubmatch(q)
	if m == nil {
		write(w, Failure("QUERY_SYNTAX_ERROR", "Syntax Error on line 1: token '"+firstWord(q)+"' Unexpected"))
		return
	}
	fields, module, where, order, dir := strings.TrimSpace(m[1]), m[2], m[3], m[4], m[5]
	records, ok := s.opts.Modules[module]
	if !ok {
		write(w, Failure("ACCESS_DENIED", "Permission to perform the operation is denied for name"))
		return
	}
	var conds [][]string
	if where != "" {
		for _, part := range andRE.Split(where, -1) {
			c := condRE.FindStringSubmatch(part)
			if c == nil {
				write(w, Failure("QUERY_SYNTAX_ERROR", "Syntax Error on line 1: token '"+firstWord(part)+"' Unexpected"))
				return
			}
			conds = append(conds, []string{c[1], strings.ToLower(c[2]), strings.ReplaceAll(c[3], "''", "'")})
		}
	}
	var match []Record
	for _, rec := range records {
		keep := true
		for _, c := range conds {
			v := rec[c[0]]
			if c[1] == "=" && v != c[2] || c[1] == "like" && !like(v, c[2]) {
				keep = false
			}
		}
		if keep {
			match = append(match, rec)
		}
	}
	if order != "" {
		slices.SortStableFunc(match, func(a, b Record) int { return strings.Compare(a[order], b[order]) })
		if strings.EqualFold(dir, "desc") {
			slices.Reverse(match)
		}
	}
	if strings.EqualFold(strings.ReplaceAll(fields, " ", ""), "count(*)") {
		success(w, []map[string]string{{"count": strconv.Itoa(len(match))}})
		return
	}
	offset, count := 0, len(match)
	if m[6] != "" {
		count, _ = strconv.Atoi(m[6])
		if m[7] != "" {
			offset = count
			count, _ = strconv.Atoi(m[7])
		}
	}
	count = min(count, s.opts.QueryCap)
	rows := []map[string]string{}
	if offset < len(match) {
		for _, rec := range match[offset:min(len(match), offset+count)] {
			rows = append(rows, project(rec, fields))
		}
	}
	success(w, rows)
}

func project(rec Record, fields string) map[string]string {
	if fields == "*" {
		return maps.Clone(rec)
	}
	out := map[string]string{"id": rec["id"]}
	for _, f := range strings.Split(fields, ",") {
		f = strings.TrimSpace(f)
		out[f] = rec[f]
	}
	return out
}

// like matches VTQL LIKE with % wildcards, case-insensitively.
func like(v, pattern string) bool {
	re := "(?is)^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), "%", ".*") + "$"
	ok, _ := regexp.MatchString(re, v)
	return ok
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func success(w http.ResponseWriter, result any) {
	b, err := json.Marshal(map[string]any{"success": true, "result": result})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	write(w, &Reply{Status: http.StatusOK, Header: jsonHeader(), Body: string(b)})
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
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
	_, _ = io.WriteString(w, rep.Body) // the client may have gone
}
