// Package providertest is the conformance suite every provider adapter runs
// from its own tests (STYLE.md E8): the descriptor is valid and passes the
// house lint, and — for providers that implement provider.Checker — a table
// of connection-test scenarios against a fake server behaves: success,
// rejected credentials, provider errors, rate limiting with a Retry-After,
// HTML error pages, an unreachable server and a cancelled or expired
// context, with no credential ever showing up in an error, a message or the
// details.
//
// A provider without a connection test only runs the descriptor checks:
//
//	providertest.Run(t, slack.New())
//
// A Checker brings its fake and a table (the minimum is shown; see the whm
// and github tests for full tables):
//
//	ok := whmfake.New(whmfake.Options{})
//	hang := whmfake.New(whmfake.Options{Fail: whmfake.Hang})
//	providertest.Run(t, whm.New(),
//		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), token), Want: providertest.Want{OK: true}},
//		providertest.CheckerCase{Name: "bad token", Conn: conn(ok.URL(), "wrong"), Want: providertest.Want{Kind: provider.ErrAuth}},
//		providertest.CheckerCase{Name: "down", Conn: conn(providertest.ClosedURL(t), token), Want: providertest.Want{Kind: provider.ErrTransport}},
//		providertest.CheckerCase{Name: "slow", Conn: conn(hang.URL(), token), Timeout: 100 * time.Millisecond,
//			Want: providertest.Want{Kind: provider.ErrTransport}},
//	)
package providertest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ihub/internal/provider"
	"ihub/internal/secret"
)

// CheckerCase is one connection-test scenario.
type CheckerCase struct {
	// Name names the subtest.
	Name string
	// Conn is handed to Test as is; its BaseURL normally points at a fake.
	Conn provider.Connection
	// Client is the HTTP client handed to Test; nil means a plain client
	// with a 10 s timeout.
	Client *http.Client
	// Timeout, when positive, gives Test a context with this deadline.
	// CancelAfter, when positive, cancels Test's context after this delay.
	// Either makes the case a context case: Test must return within the
	// delay plus PromptSlack, with a transport error naming the context error.
	Timeout     time.Duration
	CancelAfter time.Duration
	// Want is the expected outcome.
	Want Want
}

// Want is the expected outcome of a CheckerCase.
type Want struct {
	// OK means Test succeeds. Otherwise it fails with a *provider.Error of
	// kind Kind.
	OK   bool
	Kind provider.ErrorKind
	// Status, when non-zero, is the expected Error.Status.
	Status int
	// RetryAfter requires a positive Error.RetryAfter (rate-limited cases).
	RetryAfter bool
	// Contains, when set, must appear in the TestResult message (OK) or the
	// error text (failure).
	Contains string
	// Details lists keys that must be present in TestResult.Details.
	Details []string
	// Input (action cases only) requires an action input error
	// (provider.InputError: kind invalid, answered 422) naming Field, the
	// input field's JSON name ("" for the input as a whole, "to[1]" for an
	// array element); Kind may then be left empty. Without Input, an
	// invalid-kind action error must be about the configuration (409), not
	// the input.
	Input bool
	Field string
}

// PromptSlack is how long after its context ends Test may take to return.
const PromptSlack = 2 * time.Second

// MaxErrorText caps, in runes, the length of a provider error text: errors
// quote a short excerpt, never a whole body.
const MaxErrorText = 600

// minSecretLen is the shortest credential the leak check looks for: a
// shorter value would match by accident (a one-digit secret in a version
// number), which is also why secret.Redact masks one only where it stands
// alone; fixtures should use realistic, long credentials.
const minSecretLen = secret.RedactAnywhereLen

// Run runs the conformance suite for p. The descriptor checks always run.
// If p implements provider.Checker the cases are run as parallel subtests,
// plus generated ones (no credentials, a malformed base URL, a base URL with
// embedded credentials); the table must include at least a success, an auth
// failure, a transport failure and a context case. Cases for a provider that
// is not a Checker are an error.
func Run(t *testing.T, p provider.Provider, cases ...CheckerCase) {
	t.Helper()
	d := p.Descriptor()
	t.Run("descriptor", func(t *testing.T) {
		t.Parallel()
		if err := provider.ValidateDescriptor(d); err != nil {
			t.Errorf("ValidateDescriptor(%s) = %v, want nil", d.ID, err)
		}
		for _, err := range Lint(d) {
			t.Errorf("Lint(%s): %v", d.ID, err)
		}
		if _, ok := p.(provider.Checker); ok && !d.Has(provider.CapTest) {
			t.Errorf("%s implements provider.Checker but its descriptor lacks the %q capability", d.ID, provider.CapTest)
		}
	})
	chk, ok := p.(provider.Checker)
	if !ok {
		if len(cases) > 0 {
			t.Errorf("%s is not a provider.Checker but Run got %d checker cases", d.ID, len(cases))
		}
		return
	}
	requireCoverage(t, d.ID, cases)
	cases = append(cases, generatedCases(d, cases)...)
	for _, tc := range cases {
		t.Run("test/"+tc.Name, func(t *testing.T) {
			t.Parallel()
			runCase(t, chk, tc)
		})
	}
}

func requireCoverage(t *testing.T, id string, cases []CheckerCase) {
	t.Helper()
	for _, what := range missingCoverage(cases) {
		t.Errorf("providertest.Run(%s): the cases need %s", id, what)
	}
}

// missingCoverage names the required kinds of case that cases lacks.
func missingCoverage(cases []CheckerCase) []string {
	var okCase, auth, transport, ctxCase bool
	for _, c := range cases {
		switch {
		case c.Timeout > 0 || c.CancelAfter > 0:
			ctxCase = true
		case c.Want.OK:
			okCase = true
		case c.Want.Kind == provider.ErrAuth:
			auth = true
		case c.Want.Kind == provider.ErrTransport:
			transport = true
		}
	}
	var missing []string
	for _, m := range []struct {
		have bool
		what string
	}{{okCase, "a successful test"}, {auth, "rejected credentials (kind auth)"},
		{transport, "an unreachable server (kind transport)"}, {ctxCase, "a cancelled or expired context"}} {
		if !m.have {
			missing = append(missing, m.what)
		}
	}
	return missing
}

// generatedCases derives provider-independent failure cases from the first
// successful case: every Checker must refuse these before any network I/O.
func generatedCases(d provider.Descriptor, cases []CheckerCase) []CheckerCase {
	var base *CheckerCase
	for i := range cases {
		if cases[i].Want.OK && cases[i].Timeout == 0 && cases[i].CancelAfter == 0 {
			base = &cases[i]
			break
		}
	}
	if base == nil {
		return nil
	}
	var out []CheckerCase
	needsCreds := false
	for _, f := range d.Fields {
		if f.Sensitive && f.Required {
			needsCreds = true
		}
	}
	if needsCreds {
		c := *base
		c.Name = "generated/no credentials"
		c.Conn.Credentials = nil
		c.Want = Want{Kind: provider.ErrInvalid}
		out = append(out, c)
	}
	if d.BaseURL != provider.UsageNone {
		c := *base
		c.Name = "generated/malformed base URL"
		c.Conn.BaseURL = "ftp://example.invalid/"
		c.Want = Want{Kind: provider.ErrInvalid}
		out = append(out, c)

		c = *base
		c.Name = "generated/base URL with credentials"
		c.Conn.BaseURL = "https://admin:hunter2-base-url-password@example.invalid:2087"
		c.Conn.Credentials = cloneCreds(base.Conn.Credentials)
		c.Conn.Credentials["zzBaseURLPassword"] = secret.NewValue("hunter2-base-url-password")
		c.Want = Want{Kind: provider.ErrInvalid}
		out = append(out, c)
	}
	return out
}

func cloneCreds(m map[string]secret.Value) map[string]secret.Value {
	out := make(map[string]secret.Value, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

var rawHTML = regexp.MustCompile(`(?i)<(html|head|body|title|div|span|p|h[1-6]|!doctype|script|style|br|pre)[\s/>]`)

func runCase(t *testing.T, chk provider.Checker, tc CheckerCase) {
	hc := tc.Client
	if hc == nil {
		hc = HTTPClient()
		defer hc.CloseIdleConnections()
	}
	ctx := t.Context()
	var cancel context.CancelFunc
	bound := 30 * time.Second
	switch {
	case tc.Timeout > 0:
		ctx, cancel = context.WithTimeout(ctx, tc.Timeout)
		bound = tc.Timeout + PromptSlack
	case tc.CancelAfter > 0:
		ctx, cancel = context.WithCancel(ctx)
		timer := time.AfterFunc(tc.CancelAfter, cancel)
		defer timer.Stop()
		bound = tc.CancelAfter + PromptSlack
	default:
		ctx, cancel = context.WithTimeout(ctx, bound)
	}
	defer cancel()

	start := time.Now()
	res, err := chk.Test(ctx, hc, tc.Conn)
	elapsed := time.Since(start)
	if err != nil {
		t.Logf("Test() error after %v: %v", elapsed.Round(time.Millisecond), err)
	} else {
		t.Logf("Test() after %v: %s %v", elapsed.Round(time.Millisecond), res.Message, res.Details)
	}
	if elapsed > bound {
		t.Errorf("Test took %v, want at most %v", elapsed.Round(time.Millisecond), bound)
	}

	for _, problem := range verdict(tc, res, err, ctx.Err()) {
		t.Error(problem)
	}
}

// verdict compares one outcome of Test with tc.Want and the suite's
// invariants and returns every problem found, as test failure messages.
// ctxErr is the error of the context Test ran with, once Test returned.
func verdict(tc CheckerCase, res provider.TestResult, err, ctxErr error) []string {
	var out []string
	fail := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	out = append(out, leaks(tc.Conn, res, err)...)

	if tc.Want.OK {
		if err != nil {
			fail("Test() error = %v (%#v), want success", err, err)
			return out
		}
		if strings.TrimSpace(res.Message) == "" {
			fail("Test() message is empty, want a one-line summary")
		}
		if strings.ContainsAny(res.Message, "\r\n") {
			fail("Test() message %q spans several lines, want one", res.Message)
		}
		if tc.Want.Contains != "" && !strings.Contains(res.Message, tc.Want.Contains) {
			fail("Test() message = %q, want it to contain %q", res.Message, tc.Want.Contains)
		}
		for _, k := range tc.Want.Details {
			if _, ok := res.Details[k]; !ok {
				fail("Test() details = %v, want key %q", res.Details, k)
			}
		}
		return out
	}

	if err == nil {
		fail("Test() = %+v, nil; want a %s error", res, tc.Want.Kind)
		return out
	}
	var perr *provider.Error
	if !errors.As(err, &perr) {
		fail("Test() error = %v (%T), want a *provider.Error", err, err)
		return out
	}
	if perr.Kind != tc.Want.Kind {
		fail("Test() error kind = %q (%v), want %q", perr.Kind, err, tc.Want.Kind)
	}
	if tc.Want.Status != 0 && perr.Status != tc.Want.Status {
		fail("Test() error status = %d (%v), want %d", perr.Status, err, tc.Want.Status)
	}
	if tc.Want.RetryAfter && perr.RetryAfter <= 0 {
		fail("Test() error RetryAfter = %v (%v), want > 0", perr.RetryAfter, err)
	}
	text := err.Error()
	switch {
	case strings.TrimSpace(text) == "":
		fail("Test() error text is empty")
	case utf8.RuneCountInString(text) > MaxErrorText:
		fail("Test() error text is %d runes long, want at most %d: %.120q…", utf8.RuneCountInString(text), MaxErrorText, text)
	case rawHTML.MatchString(text):
		fail("Test() error text %q contains raw HTML, want a plain-text excerpt", text)
	case strings.ContainsAny(text, "\r\n"):
		fail("Test() error text %q spans several lines, want one", text)
	}
	if tc.Want.Contains != "" && !strings.Contains(text, tc.Want.Contains) {
		fail("Test() error = %q, want it to contain %q", text, tc.Want.Contains)
	}
	if tc.Timeout > 0 || tc.CancelAfter > 0 {
		if perr.Kind != provider.ErrTransport {
			fail("Test() with a done context: kind = %q, want %q", perr.Kind, provider.ErrTransport)
		}
		switch {
		case ctxErr == nil:
			fail("Test() returned %v before its context was done", err)
		case !errors.Is(err, ctxErr) && !strings.Contains(text, ctxErr.Error()):
			fail("Test() error = %q, want it to wrap or mention %q", text, ctxErr)
		}
	}
	return out
}

// leaks reports every credential of conn that appears in the error (under
// every fmt verb a log line might use), the message or the details.
func leaks(conn provider.Connection, res provider.TestResult, err error) []string {
	var outputs []string
	if err != nil {
		outputs = append(outputs, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		var perr *provider.Error
		if errors.As(err, &perr) {
			outputs = append(outputs, perr.Message, perr.Code)
		}
	}
	outputs = append(outputs, res.Message, fmt.Sprintf("%v", res.Details), fmt.Sprintf("%+v", res.Details), fmt.Sprintf("%#v", res.Details))
	var out []string
	for _, key := range slices.Sorted(maps.Keys(conn.Credentials)) {
		s := conn.Credentials[key].Reveal()
		if len(s) < minSecretLen {
			continue
		}
		for _, o := range outputs {
			if strings.Contains(o, s) {
				out = append(out, fmt.Sprintf("credential %q leaked into the test output: %q", key, o))
				break
			}
		}
	}
	return out
}

// ClosedURL returns the base URL of a port nothing listens on (TCP port 1
// on loopback): connecting is refused, the unreachable-server case. A fixed
// port avoids the race of closing an ephemeral server whose port another
// parallel test may be given.
func ClosedURL(t *testing.T) string {
	t.Helper()
	return "http://127.0.0.1:1"
}

// Creds builds a credential map from key/value pairs.
func Creds(kv ...string) map[string]secret.Value {
	if len(kv)%2 != 0 {
		panic("providertest.Creds: odd number of arguments")
	}
	m := make(map[string]secret.Value, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = secret.NewValue(kv[i+1])
	}
	return m
}
