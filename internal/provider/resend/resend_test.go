package resend_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/outbound/outboundtest"
	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/resend"
	"ihub/internal/provider/resend/resendfake"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts resendfake.Options) *resendfake.Server {
	t.Helper()
	s := resendfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, key string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_resend",
		BaseURL:       baseURL,
		Settings:      map[string]any{resend.FieldFrom: "ihub <alerts@example.com>"},
		Credentials:   providertest.Creds(resend.FieldAPIKey, key),
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := resend.New()
	if got := p.Descriptor().ID; got != resend.ID {
		t.Errorf("resend.ID = %q, want the descriptor's id %q", resend.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, resendfake.Options{})
	empty := fake(t, resendfake.Options{Domains: []resendfake.Domain{}})
	limited := fake(t, resendfake.Options{Fail: func(*http.Request) *resendfake.Reply { return resendfake.TooManyRequests(3 * time.Second) }})
	broken := fake(t, resendfake.Options{Fail: func(*http.Request) *resendfake.Reply {
		return resendfake.Error(http.StatusInternalServerError, "internal_server_error", "An unexpected error occurred.")
	}})
	echo := fake(t, resendfake.Options{Fail: func(*http.Request) *resendfake.Reply {
		return resendfake.Error(http.StatusBadRequest, "validation_error", "bad key "+resendfake.FullKey)
	}})
	hang := fake(t, resendfake.Options{Fail: resendfake.Hang})

	providertest.Run(t, resend.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), resendfake.FullKey),
			Want: providertest.Want{OK: true, Contains: "Connected to Resend: 2 domains, 1 verified",
				Details: []string{"access", "domainCount", "domains", "verifiedDomains"}}},
		providertest.CheckerCase{Name: "no domains", Conn: conn(empty.URL(), resendfake.FullKey),
			Want: providertest.Want{OK: true, Contains: "0 domains"}},
		providertest.CheckerCase{Name: "sending-only key", Conn: conn(ok.URL(), resendfake.SendingKey),
			Want: providertest.Want{OK: true, Contains: "sending-only", Details: []string{"access"}}},
		providertest.CheckerCase{Name: "invalid key", Conn: conn(ok.URL(), "re_WrongKey0123456789abcdefghij"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "API key is invalid"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), resendfake.FullKey),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "server error", Conn: conn(broken.URL(), resendfake.FullKey),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: 500, Contains: "An unexpected error occurred."}},
		providertest.CheckerCase{Name: "echoed key is redacted", Conn: conn(echo.URL(), resendfake.FullKey),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "[REDACTED]"}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), resendfake.FullKey),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "timeout", Conn: conn(hang.URL(), resendfake.FullKey), Timeout: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), resendfake.FullKey), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	ok := fake(t, resendfake.Options{})
	wrong := conn(ok.URL(), "re_WrongKey0123456789abcdefghij")
	badFrom := conn(ok.URL(), resendfake.FullKey)
	badFrom.Settings = map[string]any{resend.FieldFrom: "alerts"}
	providertest.Actions{
		Provider: resend.New(),
		Conn:     func(u string) provider.Connection { return conn(u, resendfake.FullKey) },
		FakeURL:  ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "send", Action: "send_email",
				Input: `{"to":["ops@example.net"],"subject":"Disk full","text":"server1 is at 99%"}`,
				Want:  providertest.Want{OK: true, Contains: `"id":"49a3999c-`}},
			{Name: "send html with sender", Action: "send_email",
				Input: `{"from":"Billing <billing@example.com>","to":["a@example.net"],"cc":["b@example.net"],"subject":"Invoice","html":"<p>Hi</p>"}`,
				Want:  providertest.Want{OK: true}},
			{Name: "unverified domain (403 validation_error)", Action: "send_email",
				Input: `{"from":"x@example.org","to":["a@example.net"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrProvider, Status: http.StatusForbidden, Contains: "example.org domain is not verified"}},
			{Name: "bad recipient", Action: "send_email",
				Input: `{"to":["not an address"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrProvider, Status: http.StatusUnprocessableEntity}},
			{Name: "no body", Action: "send_email",
				Input: `{"to":["a@example.net"],"subject":"s"}`,
				Want:  providertest.Want{Input: true, Field: "text"}},
			{Name: "idempotency key on two lines", Action: "send_email",
				Input: `{"to":["a@example.net"],"subject":"s","text":"t","idempotencyKey":"order-1\r\nX-Evil: 1"}`,
				Want:  providertest.Want{Input: true, Field: "idempotencyKey"}},
			{Name: "idempotency key too long", Action: "send_email",
				Input: `{"to":["a@example.net"],"subject":"s","text":"t","idempotencyKey":"` + strings.Repeat("k", 257) + `"}`,
				Want:  providertest.Want{Input: true, Field: "idempotencyKey"}},
			{Name: "bad sender", Action: "send_email",
				Input: `{"from":"billing","to":["a@example.net"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Input: true, Field: "from"}},
			{Name: "bad From setting", Action: "send_email", Conn: &badFrom,
				Input: `{"to":["a@example.net"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrInvalid, Contains: "From address"}},
			{Name: "wrong key", Action: "send_email", Conn: &wrong,
				Input: `{"to":["a@example.net"],"subject":"s","text":"t"}`,
				Want:  providertest.Want{Kind: provider.ErrAuth}},
		},
	}.Run(t)
}

func TestSendEmailIdempotency(t *testing.T) {
	t.Parallel()
	f := fake(t, resendfake.Options{})
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	c, err := resend.NewClient(f.URL(), hc, secret.NewValue(resendfake.FullKey))
	if err != nil {
		t.Fatal(err)
	}
	req := &resend.SendEmailRequest{From: "a@example.com", To: []string{"b@example.net"}, Subject: "s", Text: "t"}
	opts := &resend.SendOptions{IdempotencyKey: "alert-42"}
	id1, err := c.SendEmail(t.Context(), req, opts)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := c.SendEmail(t.Context(), req, opts)
	if err != nil {
		t.Fatal(err)
	}
	if id1 != id2 {
		t.Errorf("repeated SendEmail with the same idempotency key: ids %q and %q, want equal", id1, id2)
	}
	if got := len(f.Emails()); got != 1 {
		t.Errorf("fake accepted %d emails, want 1", got)
	}
	req.Subject = "other"
	_, err = c.SendEmail(t.Context(), req, opts)
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Code != "invalid_idempotent_request" || perr.Status != http.StatusConflict {
		t.Errorf("SendEmail with reused key and new body: error = %#v, want 409 invalid_idempotent_request", err)
	}
}

func TestSendEmailBody(t *testing.T) {
	t.Parallel()
	f := fake(t, resendfake.Options{})
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	c, err := resend.NewClient(f.URL(), hc, secret.NewValue(resendfake.FullKey))
	if err != nil {
		t.Fatal(err)
	}
	req := &resend.SendEmailRequest{From: "ihub <a@example.com>", To: []string{"b@example.net"}, ReplyTo: []string{"r@example.com"}, Subject: "s", HTML: "<b>x</b>"}
	id, err := c.SendEmail(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []resendfake.Email{{ID: id, From: "ihub <a@example.com>", To: []string{"b@example.net"}, ReplyTo: []string{"r@example.com"}, Subject: "s", HTML: "<b>x</b>"}}
	if diff := cmp.Diff(want, f.Emails()); diff != "" {
		t.Errorf("emails received (-want +got):\n%s", diff)
	}
}

func TestNewClientInvalid(t *testing.T) {
	t.Parallel()
	hc := providertest.HTTPClient()
	for _, tc := range []struct{ name, base, key string }{
		{"no key", "", ""},
		{"key with newline", "", "re_abc\ndef"},
		{"bad base", "ftp://x", "re_abcdef"},
	} {
		_, err := resend.NewClient(tc.base, hc, secret.NewValue(tc.key))
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient error = %v, want kind invalid", tc.name, err)
		}
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := resend.New()
	u, err := p.ProxyBase(provider.Connection{})
	if err != nil || u.String() != resend.DefaultBaseURL {
		t.Errorf("ProxyBase(default) = %v, %v; want %s", u, err, resend.DefaultBaseURL)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.resend.com/domains", nil)
	if err := p.Authorize(t.Context(), req, conn("", "re_abcdef123456")); err != nil {
		t.Fatal(err)
	}
	if got, want := req.Header.Get("Authorization"), "Bearer re_abcdef123456"; got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, provider.Connection{}); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize without key = %v, want kind invalid", err)
	}
}

// TestConnectionTestMetrics: a sending-only key's 401 restricted_api_key,
// which the connection test takes as proof of the key, is recorded as a
// success in API metrics; an invalid key's refusal is an error.
func TestConnectionTestMetrics(t *testing.T) {
	t.Parallel()
	ok := fake(t, resendfake.Options{})
	type call struct {
		Status    int
		ErrorKind string
	}
	tests := []struct {
		name    string
		key     string
		wantErr bool
		want    call
	}{
		{"full key", resendfake.FullKey, false, call{200, ""}},
		{"sending-only key", resendfake.SendingKey, false, call{401, ""}},
		{"invalid key", "re_WrongKey0123456789abcdefghij", true, call{403, "auth"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls, err := outboundtest.ConnectionTest(t, resend.New(), resend.ID, providertest.HTTPClient(), conn(ok.URL(), tt.key))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Test() error = %v, want error %v", err, tt.wantErr)
			}
			var got []call
			for _, c := range calls {
				got = append(got, call{c.Status, c.ErrorKind})
			}
			if diff := cmp.Diff([]call{tt.want}, got); diff != "" {
				t.Errorf("recorded calls (-want +got):\n%s", diff)
			}
		})
	}
}
