package providertest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
)

const tok = "s3cr3t-token-value"

func connWithToken() provider.Connection {
	return provider.Connection{BaseURL: "https://example.test", Credentials: Creds("apiToken", tok, "pin", "1234")}
}

// TestVerdict checks that the suite catches what it promises to catch:
// each case is an outcome that must, or must not, be reported.
func TestVerdict(t *testing.T) {
	t.Parallel()
	okRes := provider.TestResult{Message: "Connected", Details: map[string]any{"version": "1.0"}}
	tests := []struct {
		name     string
		tc       CheckerCase
		res      provider.TestResult
		err      error
		ctxErr   error
		wantSubs []string // one reported problem must contain each; nil means no problem
	}{
		{
			name: "success as expected",
			tc:   CheckerCase{Conn: connWithToken(), Want: Want{OK: true, Details: []string{"version"}}},
			res:  okRes,
		},
		{
			name:     "secret in details",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{OK: true}},
			res:      provider.TestResult{Message: "Connected", Details: map[string]any{"echo": []string{"x" + tok}}},
			wantSubs: []string{`credential "apiToken" leaked`},
		},
		{
			name:     "secret in message",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{OK: true}},
			res:      provider.TestResult{Message: "Connected with " + tok},
			wantSubs: []string{`credential "apiToken" leaked`},
		},
		{
			name: "short credentials are not searched for",
			tc:   CheckerCase{Conn: connWithToken(), Want: Want{OK: true}},
			res:  provider.TestResult{Message: "Connected to 1234 servers"},
		},
		{
			name:     "secret in error",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrAuth}},
			err:      &provider.Error{Kind: provider.ErrAuth, Status: 401, Message: "bad token " + tok},
			wantSubs: []string{`credential "apiToken" leaked`},
		},
		{
			name:     "secret in error code",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrAuth}},
			err:      &provider.Error{Kind: provider.ErrAuth, Status: 401, Code: tok},
			wantSubs: []string{`credential "apiToken" leaked`},
		},
		{
			name:     "unexpected success",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrAuth}},
			res:      okRes,
			wantSubs: []string{"want a auth error"},
		},
		{
			name:     "unexpected failure",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{OK: true}},
			err:      &provider.Error{Kind: provider.ErrAuth, Status: 401},
			wantSubs: []string{"want success"},
		},
		{
			name:     "not a provider error",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrAuth}},
			err:      errors.New("boom"),
			wantSubs: []string{"want a *provider.Error"},
		},
		{
			name:     "wrong kind, status and missing retry-after",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrRateLimited, Status: 429, RetryAfter: true}},
			err:      &provider.Error{Kind: provider.ErrProvider, Status: 500},
			wantSubs: []string{`kind = "provider"`, "status = 500", "RetryAfter = 0s"},
		},
		{
			name:     "raw HTML in the error",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrProvider}},
			err:      &provider.Error{Kind: provider.ErrProvider, Status: 502, Message: "<html><body>Bad gateway</body></html>"},
			wantSubs: []string{"raw HTML"},
		},
		{
			name:     "huge error",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrProvider}},
			err:      &provider.Error{Kind: provider.ErrProvider, Message: strings.Repeat("x", MaxErrorText+1)},
			wantSubs: []string{"runes long"},
		},
		{
			name:     "multi-line error",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrProvider}},
			err:      &provider.Error{Kind: provider.ErrProvider, Message: "a\nb"},
			wantSubs: []string{"several lines"},
		},
		{
			name:     "missing words",
			tc:       CheckerCase{Conn: connWithToken(), Want: Want{Kind: provider.ErrAuth, Contains: "Access denied"}},
			err:      &provider.Error{Kind: provider.ErrAuth, Status: 403},
			wantSubs: []string{`want it to contain "Access denied"`},
		},
		{
			name:   "context case mentions the context error",
			tc:     CheckerCase{Conn: connWithToken(), Timeout: time.Millisecond, Want: Want{Kind: provider.ErrTransport}},
			err:    &provider.Error{Kind: provider.ErrTransport, Message: "request timed out: context deadline exceeded"},
			ctxErr: context.DeadlineExceeded,
		},
		{
			name:   "context case wraps the context error",
			tc:     CheckerCase{Conn: connWithToken(), CancelAfter: time.Millisecond, Want: Want{Kind: provider.ErrTransport}},
			err:    fmt.Errorf("%w (%w)", &provider.Error{Kind: provider.ErrTransport, Message: "gone"}, context.Canceled),
			ctxErr: context.Canceled,
		},
		{
			name:     "context case does not name the context error",
			tc:       CheckerCase{Conn: connWithToken(), CancelAfter: time.Millisecond, Want: Want{Kind: provider.ErrTransport}},
			err:      &provider.Error{Kind: provider.ErrTransport, Message: "connection reset"},
			ctxErr:   context.Canceled,
			wantSubs: []string{`want it to wrap or mention "context canceled"`},
		},
		{
			name:     "context case returned early",
			tc:       CheckerCase{Conn: connWithToken(), CancelAfter: time.Second, Want: Want{Kind: provider.ErrTransport}},
			err:      &provider.Error{Kind: provider.ErrTransport, Message: "connection reset"},
			wantSubs: []string{"before its context was done"},
		},
		{
			name:     "context case with the wrong kind",
			tc:       CheckerCase{Conn: connWithToken(), Timeout: time.Millisecond, Want: Want{Kind: provider.ErrTransport}},
			err:      &provider.Error{Kind: provider.ErrProvider, Message: "context deadline exceeded"},
			ctxErr:   context.DeadlineExceeded,
			wantSubs: []string{"with a done context: kind"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := verdict(tt.tc, tt.res, tt.err, tt.ctxErr)
			if tt.wantSubs == nil && len(got) > 0 {
				t.Fatalf("verdict() = %q, want no problems", got)
			}
			for _, sub := range tt.wantSubs {
				found := false
				for _, p := range got {
					if strings.Contains(p, sub) {
						found = true
					}
				}
				if !found {
					t.Errorf("verdict() = %q, want a problem containing %q", got, sub)
				}
			}
		})
	}
}

func TestMissingCoverage(t *testing.T) {
	t.Parallel()
	full := []CheckerCase{
		{Want: Want{OK: true}},
		{Want: Want{Kind: provider.ErrAuth}},
		{Want: Want{Kind: provider.ErrTransport}},
		{CancelAfter: time.Millisecond, Want: Want{Kind: provider.ErrTransport}},
	}
	if got := missingCoverage(full); len(got) != 0 {
		t.Errorf("missingCoverage(full) = %q, want none", got)
	}
	want := []string{"a successful test", "rejected credentials (kind auth)",
		"an unreachable server (kind transport)", "a cancelled or expired context"}
	if diff := cmp.Diff(want, missingCoverage(nil)); diff != "" {
		t.Errorf("missingCoverage(nil) mismatch (-want +got):\n%s", diff)
	}
}

func TestGeneratedCases(t *testing.T) {
	t.Parallel()
	d := provider.Descriptor{
		ID: "x", BaseURL: provider.UsageRequired,
		Fields: []provider.Field{{Key: "apiToken", Type: provider.FieldSecret, Sensitive: true, Required: true}},
	}
	base := CheckerCase{Name: "ok", Conn: connWithToken(), Want: Want{OK: true}}
	got := generatedCases(d, []CheckerCase{{Want: Want{Kind: provider.ErrAuth}}, base})
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
		if c.Want.Kind != provider.ErrInvalid {
			t.Errorf("%s: want kind invalid, got %q", c.Name, c.Want.Kind)
		}
	}
	want := []string{"generated/no credentials", "generated/malformed base URL", "generated/base URL with credentials"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("generatedCases() names mismatch (-want +got):\n%s", diff)
	}
	if _, ok := base.Conn.Credentials["zzBaseURLPassword"]; ok {
		t.Errorf("generatedCases() modified the base case's credentials")
	}
	d.BaseURL, d.Fields = provider.UsageNone, nil
	if got := generatedCases(d, []CheckerCase{base}); len(got) != 0 {
		t.Errorf("generatedCases() without base URL or required credentials = %d cases, want 0", len(got))
	}
}

func TestLint(t *testing.T) {
	t.Parallel()
	good := func() provider.Descriptor {
		return provider.Descriptor{
			ID: "good", Name: "Good", Category: provider.CategoryGeneric, Description: "A provider.",
			AuthKind: provider.AuthBearer, BaseURL: provider.UsageOptional, DefaultBaseURL: "https://api.example.com/v1",
			Username: provider.UsageNone,
			Fields: []provider.Field{
				{Key: "token", Label: "Token", Type: provider.FieldSecret, Sensitive: true, Required: true, Help: "From settings."},
				{Key: "publicKey", Label: "Public key", Type: provider.FieldString, Help: "From the portal."},
				{Key: "mode", Label: "Mode", Type: provider.FieldEnum, Options: []string{"a", "b"}, Default: "a", Help: "Pick one."},
			},
			Capabilities: []provider.Capability{provider.CapTest, provider.CapWebhooks, provider.CapOAuth},
			Webhook:      &provider.WebhookSpec{Scheme: "hmac", DeliveryIDHeader: "X-Delivery"},
			OAuth:        &provider.OAuthSpec{AuthURL: "https://a.example/auth", TokenURL: "https://a.example/token", Scopes: []string{"read"}},
			DocsURL:      "https://docs.example.com",
		}
	}
	if errs := Lint(good()); len(errs) != 0 {
		t.Fatalf("Lint(good) = %v, want none", errs)
	}
	tests := []struct {
		name   string
		mutate func(*provider.Descriptor)
		want   string
	}{
		{"no description", func(d *provider.Descriptor) { d.Description = "" }, "description is empty"},
		{"http docs", func(d *provider.Descriptor) { d.DocsURL = "http://docs.example.com" }, "docs URL"},
		{"username help without username", func(d *provider.Descriptor) { d.UsernameHelp = "x" }, "username help is set"},
		{"username without help", func(d *provider.Descriptor) { d.Username = provider.UsageRequired }, "no help text"},
		{"default base URL when required", func(d *provider.Descriptor) { d.BaseURL = provider.UsageRequired }, "only makes sense"},
		{"trailing slash", func(d *provider.Descriptor) { d.DefaultBaseURL += "/" }, "without a trailing slash"},
		{"bad port", func(d *provider.Descriptor) { d.DefaultPort = 70000 }, "out of range"},
		{"no capabilities", func(d *provider.Descriptor) { d.Capabilities = nil }, "no capabilities"},
		{"repeated capability", func(d *provider.Descriptor) { d.Capabilities = append(d.Capabilities, provider.CapTest) }, "listed twice"},
		{"field without help", func(d *provider.Descriptor) { d.Fields[0].Help = " " }, "has no help text"},
		{"sensitive string", func(d *provider.Descriptor) { d.Fields[0].Type = provider.FieldString }, "must be of type secret"},
		{"credential-like key not sensitive", func(d *provider.Descriptor) {
			d.Fields = append(d.Fields, provider.Field{Key: "clientSecret", Label: "x", Type: provider.FieldString, Help: "x"})
		}, "looks like a credential"},
		{"unknown scheme", func(d *provider.Descriptor) { d.Webhook.Scheme = "magic" }, "unknown webhook scheme"},
		{"bad header", func(d *provider.Descriptor) { d.Webhook.EventHeader = "X Event" }, "not a valid header name"},
		{"http oauth", func(d *provider.Descriptor) { d.OAuth.TokenURL = "http://a.example/token" }, "OAuth URL"},
		{"no scopes", func(d *provider.Descriptor) { d.OAuth.Scopes = nil }, "no scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := good()
			tt.mutate(&d)
			errs := Lint(d)
			found := false
			for _, err := range errs {
				if strings.Contains(err.Error(), tt.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("Lint() = %v, want an error containing %q", errs, tt.want)
			}
		})
	}
}

func TestClosedURL(t *testing.T) {
	t.Parallel()
	u := ClosedURL(t)
	if !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Errorf("ClosedURL() = %q, want a loopback http URL", u)
	}
}

// TestErrorProblemsInput: an action case that wants an input error accepts
// only one naming its field, and one that wants a configuration error
// refuses an input error.
func TestErrorProblemsInput(t *testing.T) {
	t.Parallel()
	config := &provider.Error{Kind: provider.ErrInvalid, Message: "the token is not set"}
	tests := []struct {
		name string
		err  error
		want Want
		ok   bool
	}{
		{"input error naming the field", provider.InputError("to[1]", "is not a valid email address"), Want{Input: true, Field: "to[1]"}, true},
		{"input error naming another field", provider.InputError("to", "is not a valid email address"), Want{Input: true, Field: "to[1]"}, false},
		{"configuration error for an input case", config, Want{Input: true, Field: "to"}, false},
		{"configuration error", config, Want{Kind: provider.ErrInvalid}, true},
		{"input error for a configuration case", provider.InputError("to", "is required"), Want{Kind: provider.ErrInvalid}, false},
		{"another kind for an input case", &provider.Error{Kind: provider.ErrProvider, Message: "no"}, Want{Input: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := errorProblems(tc.err, tc.want, false, nil)
			if ok := len(got) == 0; ok != tc.ok {
				t.Errorf("errorProblems(%v, %+v) = %q, want ok %t", tc.err, tc.want, got, tc.ok)
			}
		})
	}
}
