// Package teamsfake is an in-process Microsoft Teams webhook server
// (providers.md A13). It serves a Workflows trigger,
// POST /workflows/{id}/triggers/manual/paths/invoke?api-version=…&sp=…&sv=1.0&sig=…,
// which checks sig and answers 202 with an empty body for any JSON body —
// the flow runs asynchronously, so a payload without an Adaptive Card is
// recorded as a failed run, not refused — and Logic Apps style errors
// {"error":{"code","message"}} (codes and texts [?]); and a legacy
// connector, POST /webhookb2/{path}, answering 200 "1", or 400 "Summary or
// Text is required." for a body with neither text nor attachments. It backs
// the teams tests and the demo mode, so it is deterministic and imports no
// testing packages.
package teamsfake

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Defaults used when Options leaves a value empty.
const (
	DefaultWorkflowID = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
	DefaultSig        = "sIgNaTuRe0123456789abcdefghijklmnopqrstuvwxyzAB"
	// LegacyPath is the path of the legacy connector webhook.
	LegacyPath = "/webhookb2/11111111-2222-3333-4444-555555555555@66666666-7777-8888-9999-000000000000/IncomingWebhook/abcdef0123456789abcdef0123456789/77777777-8888-9999-aaaa-bbbbbbbbbbbb"
)

// Run is one accepted post: Failed when the flow could not post it (no
// Adaptive Card attachment), with Reason.
type Run struct {
	Legacy bool
	Failed bool
	Reason string
	// Texts are the TextBlock texts of the card, in order.
	Texts []string
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server.
type Options struct {
	// WorkflowID and Sig name the Workflows trigger.
	WorkflowID, Sig string
	// LegacyDeliveryFailure makes the legacy connector answer 200 with
	// "Webhook message delivery failed …", as it does when Teams refuses
	// a message after accepting the request.
	LegacyDeliveryFailure bool
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options

	mu   sync.Mutex
	runs []Run
}

// New starts a fake Teams webhook server. Close it when done.
func New(opts Options) *Server {
	if opts.WorkflowID == "" {
		opts.WorkflowID = DefaultWorkflowID
	}
	if opts.Sig == "" {
		opts.Sig = DefaultSig
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the server root (http://127.0.0.1:port).
func (s *Server) URL() string { return s.srv.URL }

// WorkflowURL is the Workflows trigger URL on base (normally URL()) with
// the given signature.
func WorkflowURL(base, workflowID, sig string) string {
	q := url.Values{"api-version": {"2016-06-01"}, "sp": {"/triggers/manual/run"}, "sv": {"1.0"}, "sig": {sig}}
	return base + "/workflows/" + workflowID + "/triggers/manual/paths/invoke?" + q.Encode()
}

// WebhookURL is the server's Workflows URL, the credential to configure.
func (s *Server) WebhookURL() string { return WorkflowURL(s.srv.URL, s.opts.WorkflowID, s.opts.Sig) }

// LegacyURL is the server's legacy connector URL.
func (s *Server) LegacyURL() string { return s.srv.URL + LegacyPath }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Runs returns the posts accepted so far, oldest first.
func (s *Server) Runs() []Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.runs)
}

// Error is a Logic Apps style error answer [?].
func Error(status int, code, message string) *Reply {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}}) // strings only
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: string(b)}
}

// Hang is a Fail hook that blocks until the client gives up. It reads the
// request body first: the server only notices a client hanging up once the
// body is consumed.
func Hang(r *http.Request) *Reply {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) // best effort
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

var workflowRE = regexp.MustCompile(`^/workflows/([^/]+)/triggers/manual/paths/invoke/?$`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if r.URL.Path == LegacyPath {
		s.legacy(w, r)
		return
	}
	m := workflowRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		write(w, Error(http.StatusNotFound, "NotFound", "The requested resource was not found."))
		return
	}
	if r.Method != http.MethodPost {
		write(w, Error(http.StatusMethodNotAllowed, "TriggerRequestMethodNotValid", "The HTTP method for this request is not valid: expected 'Post' and actual '"+r.Method+"'."))
		return
	}
	sig := r.URL.Query().Get("sig")
	switch {
	case sig == "":
		write(w, Error(http.StatusUnauthorized, "DirectApiAuthorizationRequired", "The request must be authenticated only by Shared Access scheme."))
		return
	case sig != s.opts.Sig:
		write(w, Error(http.StatusUnauthorized, "DirectApiInvalidAuthorizationSignature", "The provided authorization signature is not valid."))
		return
	case m[1] != s.opts.WorkflowID:
		write(w, Error(http.StatusNotFound, "WorkflowNotFound", "The workflow '"+m[1]+"' could not be found."))
		return
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20)) // a short body fails the JSON check below
	var msg message
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.Unmarshal(raw, &msg) != nil {
		write(w, Error(http.StatusBadRequest, "InvalidRequestContent", "The input body for trigger 'manual' of type 'Request' must be of type JSON."))
		return
	}
	run := msg.run()
	s.mu.Lock()
	s.runs = append(s.runs, run)
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) legacy(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20)) // a short body fails the JSON check below
	var msg message
	if json.Unmarshal(raw, &msg) != nil || (msg.Text == "" && msg.Summary == "" && len(msg.Attachments) == 0) {
		write(w, &Reply{Status: http.StatusBadRequest, Body: "Summary or Text is required."})
		return
	}
	if s.opts.LegacyDeliveryFailure {
		write(w, &Reply{Status: http.StatusOK, Body: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 400 with ContextId MS-CV=fake."})
		return
	}
	run := msg.run()
	run.Legacy = true
	s.mu.Lock()
	s.runs = append(s.runs, run)
	s.mu.Unlock()
	write(w, &Reply{Status: http.StatusOK, Body: "1"})
}

type message struct {
	Type        string `json:"type"`
	Text        string `json:"text"`
	Summary     string `json:"summary"`
	Attachments []struct {
		ContentType string `json:"contentType"`
		Content     struct {
			Type string `json:"type"`
			Body []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"body"`
		} `json:"content"`
	} `json:"attachments"`
}

// run is what the "Post card in a chat or channel" flow makes of msg.
func (m *message) run() Run {
	for _, a := range m.Attachments {
		if a.ContentType != "application/vnd.microsoft.card.adaptive" || a.Content.Type != "AdaptiveCard" {
			continue
		}
		var r Run
		for _, b := range a.Content.Body {
			if b.Type == "TextBlock" {
				r.Texts = append(r.Texts, b.Text)
			}
		}
		return r
	}
	if m.Text != "" {
		return Run{Texts: []string{m.Text}}
	}
	return Run{Failed: true, Reason: "The request has no Adaptive Card attachment."}
}

func write(w http.ResponseWriter, rep *Reply) {
	for k, vs := range rep.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, rep.Body) // the client may have gone
}
