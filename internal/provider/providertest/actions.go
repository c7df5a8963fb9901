package providertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ihub/internal/provider"
)

// ActionCase is one action scenario run against the provider's fake.
type ActionCase struct {
	// Name names the subtest; Action is the action's name.
	Name   string
	Action string
	// Input is the action input as JSON ("" means {}).
	Input string
	// Conn, when its BaseURL or Credentials are set, replaces the suite's
	// connection (to test a wrong token, for example).
	Conn *provider.Connection
	// Want is the expected outcome; Output, when set, is called with the
	// output value of a successful run to check its content. A case that
	// wants an input error (Want.Input) and sets no Conn runs against a
	// server (with NoHTTP, a dialer) that fails the case on any request:
	// the action must refuse the input before it calls the provider.
	Want   Want
	Output func(t *testing.T, out any)
}

// Actions is the action part of the conformance suite.
type Actions struct {
	// Provider is the adapter under test; it must be a provider.ActionRunner.
	Provider provider.Provider
	// Conn builds a working connection whose every request goes to
	// baseURL (the fake's URL, or one of the misbehaving servers the suite
	// starts). For webhook-URL providers it puts baseURL into the URL
	// credential.
	Conn func(baseURL string) provider.Connection
	// FakeURL is the URL of a fake speaking the provider's format.
	FakeURL string
	// Cases must hold at least one successful case per action.
	Cases []ActionCase
	// NoHTTP skips the generated HTTP misbehaviour cases (SMTP).
	NoHTTP bool
}

// Run checks the action specs, runs the cases against the fake, and for
// every action runs generated cases against misbehaving servers, reusing
// the input of the action's first successful case: 401 (auth), 429 with
// Retry-After (rate_limited with RetryAfter), a 503 HTML page and a 200
// HTML page (provider, with no raw HTML in the text), a body larger than
// the cap (provider), an unreachable server (transport) and a server that
// never answers, with a deadline (transport naming the context error).
// Every outcome is checked for leaked credentials.
func (s Actions) Run(t *testing.T) {
	t.Helper()
	r, ok := s.Provider.(provider.ActionRunner)
	if !ok {
		t.Fatalf("%T is not a provider.ActionRunner", s.Provider)
	}
	d := s.Provider.Descriptor()
	if !d.Has(provider.CapActions) {
		t.Errorf("%s has actions but its descriptor lacks the %q capability", d.ID, provider.CapActions)
	}
	first := map[string]ActionCase{}
	for _, c := range s.Cases {
		if _, ok := provider.FindAction(r, c.Action); !ok {
			t.Errorf("case %q: no action %q", c.Name, c.Action)
		}
		if _, seen := first[c.Action]; !seen && c.Want.OK && c.Conn == nil {
			first[c.Action] = c
		}
	}
	names := map[string]bool{}
	for _, a := range r.Actions() {
		sp := a.Spec()
		if names[sp.Name] {
			t.Errorf("action %q is declared twice", sp.Name)
		}
		names[sp.Name] = true
		if strings.TrimSpace(sp.Title) == "" || strings.TrimSpace(sp.Description) == "" {
			t.Errorf("action %q needs a title and a description", sp.Name)
		}
		checkDocTags(t, sp.Name, sp.Input)
		if _, ok := first[sp.Name]; !ok {
			t.Errorf("action %q has no successful case", sp.Name)
		}
	}
	for _, c := range s.Cases {
		t.Run("action/"+c.Name, func(t *testing.T) {
			t.Parallel()
			conn := s.Conn(s.FakeURL)
			switch {
			case c.Conn != nil:
				conn = *c.Conn
			case c.Want.Input && s.NoHTTP:
				conn.Dial = tripwireDial(t, c.Action, c.Input)
			case c.Want.Input:
				conn = s.Conn(tripwire(t, c.Action, c.Input))
			}
			runAction(t, r, conn, c, 0)
		})
	}
	if s.NoHTTP {
		return
	}
	for _, a := range r.Actions() {
		base, ok := first[a.Spec().Name]
		if !ok {
			continue
		}
		for _, m := range misbehaviours {
			t.Run("generated/"+a.Spec().Name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				url := ClosedURL(t)
				if m.handler != nil {
					srv := httptest.NewServer(m.handler)
					t.Cleanup(srv.Close)
					url = srv.URL
				}
				c := base
				c.Name, c.Want, c.Output = m.name, m.want, nil
				runAction(t, r, s.Conn(url), c, m.timeout)
			})
		}
	}
}

// checkDocTags requires a doc tag on every exported input field, so the
// generated schema explains itself.
func checkDocTags(t *testing.T, action string, typ reflect.Type) {
	t.Helper()
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" {
			continue
		}
		if f.Tag.Get("doc") == "" {
			t.Errorf("action %s: input field %s has no doc tag", action, f.Name)
		}
	}
}

// tripwire starts a server that fails the test on any request, for a
// refused input that must never reach the provider.
func tripwire(t *testing.T, action, input string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		t.Errorf("%s(%s) sent %s %s, want no request: a refused input never reaches the provider", action, input, r.Method, r.URL.Path)
		http.Error(w, "unexpected request", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// tripwireDial is tripwire for providers that dial (SMTP): it fails the
// test on any dial and refuses it.
func tripwireDial(t *testing.T, action, input string) provider.DialFunc {
	return func(_ context.Context, network, addr string) (net.Conn, error) {
		t.Errorf("%s(%s) dialled %s %s, want no connection: a refused input never reaches the provider", action, input, network, addr)
		return nil, errors.New("providertest: unexpected dial")
	}
}

type misbehaviour struct {
	name    string
	handler http.Handler
	timeout time.Duration
	want    Want
}

var misbehaviours = []misbehaviour{
	{name: "401", handler: status(401, "application/json", `{"message":"Bad credentials"}`),
		want: Want{Kind: provider.ErrAuth}},
	{name: "429 retry-after", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"message":"slow down"}`)
	}), want: Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
	{name: "503 html", handler: status(503, "text/html", `<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Maintenance</h1><p>Back soon.</p></body></html>`),
		want: Want{Kind: provider.ErrProvider}},
	{name: "200 html", handler: status(200, "text/html", `<html><head><title>Login</title></head><body><form><input name=user></form></body></html>`),
		want: Want{Kind: provider.ErrProvider}},
	{name: "huge body", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":"`)
		chunk := strings.Repeat("x", 64<<10)
		for range (12 << 20) / len(chunk) {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `"}`)
	}), want: Want{Kind: provider.ErrProvider}},
	{name: "unreachable", want: Want{Kind: provider.ErrTransport}},
	{name: "hang", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}), timeout: 200 * time.Millisecond, want: Want{Kind: provider.ErrTransport}},
}

func drain(r *http.Request) { _, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20)) }

func status(code int, ctype, body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		drain(r)
		w.Header().Set("Content-Type", ctype)
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	})
}

// HTTPClient returns a client with its own transport, for adapter tests.
// Never use http.DefaultClient in tests: closing any httptest server closes
// http.DefaultTransport's idle connections, which breaks in-flight requests
// of parallel tests sharing it ("CloseIdleConnections called").
func HTTPClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}
}

func runAction(t *testing.T, r provider.ActionRunner, conn provider.Connection, c ActionCase, timeout time.Duration) {
	t.Helper()
	a, ok := provider.FindAction(r, c.Action)
	if !ok {
		t.Fatalf("no action %q", c.Action)
	}
	hc := HTTPClient()
	defer hc.CloseIdleConnections()
	ctx := t.Context()
	bound := 30 * time.Second
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
		bound = timeout + PromptSlack
	}
	start := time.Now()
	var out any
	client, err := r.NewClient(hc, conn)
	if err == nil {
		input := c.Input
		if input == "" {
			input = "{}"
		}
		out, err = a.Run(ctx, client, json.RawMessage(input))
	}
	if el := time.Since(start); el > bound {
		t.Errorf("%s took %v, want at most %v", c.Action, el.Round(time.Millisecond), bound)
	}
	var outText string
	if out != nil {
		b, merr := json.Marshal(out)
		if merr != nil {
			t.Errorf("output of %s does not marshal: %v", c.Action, merr)
		}
		outText = string(b)
		if got := reflect.TypeOf(out); got != a.Spec().Output {
			t.Errorf("output type = %v, want %v", got, a.Spec().Output)
		}
	}
	for _, p := range leaks(conn, provider.TestResult{Message: outText}, err) {
		t.Error(p)
	}
	if c.Want.OK {
		if err != nil {
			t.Fatalf("%s(%s) error = %v, want success", c.Action, c.Input, err)
		}
		if c.Want.Contains != "" && !strings.Contains(outText, c.Want.Contains) {
			t.Errorf("%s output = %s, want it to contain %q", c.Action, outText, c.Want.Contains)
		}
		if c.Output != nil {
			c.Output(t, out)
		}
		return
	}
	if err == nil {
		t.Fatalf("%s(%s) = %s, want an error (%+v)", c.Action, c.Input, outText, c.Want)
	}
	for _, p := range errorProblems(err, c.Want, timeout > 0, ctx.Err()) {
		t.Error(p)
	}
}

// errorProblems checks a failed call's error against want and the suite's
// rules for error texts.
func errorProblems(err error, want Want, ctxCase bool, ctxErr error) []string {
	var out []string
	fail := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	var perr *provider.Error
	if !errors.As(err, &perr) {
		return []string{fmt.Sprintf("error = %v (%T), want a *provider.Error", err, err)}
	}
	if want.Input && want.Kind == "" {
		want.Kind = provider.ErrInvalid
	}
	if perr.Kind != want.Kind {
		fail("error kind = %q (%v), want %q", perr.Kind, err, want.Kind)
	}
	switch {
	case want.Input && (!perr.Input || perr.Field != want.Field):
		fail("error = %v (input %t, field %q), want an input error naming field %q", err, perr.Input, perr.Field, want.Field)
	case !want.Input && perr.Input:
		fail("error = %v is an input error naming field %q, want one about the configuration", err, perr.Field)
	}
	if want.Status != 0 && perr.Status != want.Status {
		fail("error status = %d (%v), want %d", perr.Status, err, want.Status)
	}
	if want.RetryAfter && perr.RetryAfter <= 0 {
		fail("error RetryAfter = %v (%v), want > 0", perr.RetryAfter, err)
	}
	text := err.Error()
	switch {
	case strings.TrimSpace(text) == "":
		fail("error text is empty")
	case utf8.RuneCountInString(text) > MaxErrorText:
		fail("error text is %d runes long, want at most %d", utf8.RuneCountInString(text), MaxErrorText)
	case rawHTML.MatchString(text):
		fail("error text %q contains raw HTML", text)
	case strings.ContainsAny(text, "\r\n"):
		fail("error text %q spans several lines", text)
	}
	if want.Contains != "" && !strings.Contains(text, want.Contains) {
		fail("error = %q, want it to contain %q", text, want.Contains)
	}
	if ctxCase {
		switch {
		case ctxErr == nil:
			fail("returned %v before its context was done", err)
		case !errors.Is(err, ctxErr) && !strings.Contains(text, ctxErr.Error()):
			fail("error = %q, want it to wrap or mention %q", text, ctxErr)
		}
	}
	return out
}
