// Package diditfake is an in-process Didit verification API (v3) for the
// didit tests and the demo mode: GET /v3/session/{id}/decision/ behind the
// x-api-key header, with Django-REST-style {"detail": ...} error bodies
// (401 for a wrong key, 403 for a missing one, 404 for an unknown session).
// The exact error texts are not documented [?]. It is an ordinary package
// (not a _test file), imports no testing packages and is deterministic.
package diditfake

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultAPIKey is the key the server accepts when Options.APIKey is empty.
const DefaultAPIKey = "didit_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0"

// Session ids of DefaultSessions.
const (
	ApprovedSession = "11111111-2222-3333-4444-555555555555"
	InReviewSession = "22222222-3333-4444-5555-666666666666"
	NotStarted      = "33333333-4444-5555-6666-777777777777"
)

// Check is one feature verdict of a session.
type Check struct {
	Feature, NodeID, Status string
}

// Session is one verification session the server knows.
type Session struct {
	ID, Kind, Status, WorkflowID, VendorData string
	Number                                   int64
	Checks                                   []Check
}

// DefaultSessions returns the sessions a server serves when Options.Sessions
// is nil. The slice is the caller's.
func DefaultSessions() []Session {
	return []Session{
		{ID: ApprovedSession, Number: 43762, Kind: "user", Status: "Approved", WorkflowID: "wf-kyc-basic", VendorData: "customer-1001",
			Checks: []Check{{"id_verifications", "node-id", "Approved"}, {"liveness_checks", "node-liveness", "Approved"}, {"face_matches", "node-face", "Approved"}}},
		{ID: InReviewSession, Number: 43763, Kind: "user", Status: "In Review", WorkflowID: "wf-kyc-basic", VendorData: "customer-1002",
			Checks: []Check{{"id_verifications", "node-id", "Approved"}, {"aml_screenings", "node-aml", "In Review"}}},
		{ID: NotStarted, Number: 43764, Kind: "user", Status: "Not Started", WorkflowID: "wf-kyc-basic"},
	}
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultAPIKey and
// serves DefaultSessions.
type Options struct {
	APIKey   string
	Sessions []Session
	// Fail, when set, sees every request first (after counting); a non-nil
	// Reply is sent instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
}

// New starts a fake Didit API. Close it when done.
func New(opts Options) *Server {
	if opts.APIKey == "" {
		opts.APIKey = DefaultAPIKey
	}
	if opts.Sessions == nil {
		opts.Sessions = DefaultSessions()
	} else {
		opts.Sessions = slices.Clone(opts.Sessions)
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the server root (scheme://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// BaseURL is the base URL to configure: the API root, URL()+"/v3".
func (s *Server) BaseURL() string { return s.srv.URL + "/v3" }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received, including rejected ones.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Detail is an error answer in Didit's {"detail": ...} shape.
func Detail(status int, detail string) *Reply {
	b, _ := json.Marshal(map[string]string{"detail": detail}) // cannot fail: strings only
	return &Reply{Status: status, Header: jsonHeader(), Body: string(b)}
}

// TooManyRequests is a 429 with Retry-After in whole seconds.
func TooManyRequests(retryAfter time.Duration) *Reply {
	r := Detail(http.StatusTooManyRequests, "Request was throttled.")
	r.Header.Set("Retry-After", strconv.Itoa(int(retryAfter.Seconds())))
	return r
}

// Hang is a Fail hook that blocks until the client gives up.
//
// It reads the request body first: the server only notices that the client
// went away (and cancels r's context) once the body has been consumed.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // a read error ends the wait just the same
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	key := r.Header.Get("X-Api-Key")
	switch {
	case key == "":
		write(w, Detail(http.StatusForbidden, "Authentication credentials were not provided."))
		return
	case subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) != 1:
		write(w, Detail(http.StatusUnauthorized, "Invalid API key."))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v3/session/")
	id, ok2 := strings.CutSuffix(rest, "/decision/")
	if !ok || !ok2 || strings.Contains(id, "/") {
		write(w, Detail(http.StatusNotFound, "Not found."))
		return
	}
	if r.Method != http.MethodGet {
		write(w, Detail(http.StatusMethodNotAllowed, `Method "`+r.Method+`" not allowed.`))
		return
	}
	i := slices.IndexFunc(s.opts.Sessions, func(se Session) bool { return se.ID == id })
	if i < 0 {
		write(w, Detail(http.StatusNotFound, "Session not found."))
		return
	}
	writeJSON(w, decision(s.opts.Sessions[i]))
}

// decision renders a session as the v3 decision report: every feature
// block an array (null when the workflow has not run it), items with
// node_id and status plus some personal data the adapter must not pass on.
func decision(se Session) map[string]any {
	features := []string{}
	out := map[string]any{
		"session_id": se.ID, "session_number": se.Number, "session_kind": se.Kind, "status": se.Status,
		"environment": "sandbox", "workflow_id": se.WorkflowID,
		"session_url": "https://verify.didit.me/session/" + se.ID, "callback": "https://example.test/kyc/done",
		"metadata": map[string]any{}, "expected_details": nil, "contact_details": nil,
	}
	if se.VendorData != "" {
		out["vendor_data"] = se.VendorData
	} else {
		out["vendor_data"] = nil
	}
	for _, c := range se.Checks {
		item := map[string]any{"node_id": c.NodeID, "status": c.Status}
		if c.Feature == "id_verifications" {
			item["first_name"], item["last_name"], item["document_number"] = "Carmen", "Española", "X1234567"
			item["front_image"] = "https://media.example.test/front.jpg"
		}
		list, _ := out[c.Feature].([]any)
		out[c.Feature] = append(list, item)
		if f := featureNames[c.Feature]; f != "" && !slices.Contains(features, f) {
			features = append(features, f)
		}
	}
	out["features"] = features
	return out
}

// featureNames maps feature reports to the names in "features".
var featureNames = map[string]string{
	"id_verifications": "ID_VERIFICATION", "nfc_verifications": "NFC", "liveness_checks": "LIVENESS",
	"face_matches": "FACE_MATCH", "poa_verifications": "POA", "phone_verifications": "PHONE",
	"email_verifications": "EMAIL", "aml_screenings": "AML", "ip_analyses": "IP_ANALYSIS",
	"database_validations": "DATABASE_VALIDATION",
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
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
