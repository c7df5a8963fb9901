package clickatell_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/clickatell"
	"ihub/internal/provider/clickatell/clickatellfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

const key = clickatellfake.DefaultAPIKey

func fake(t *testing.T, opts clickatellfake.Options) *clickatellfake.Server {
	t.Helper()
	s := clickatellfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, apiKey string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_clickatell",
		BaseURL:       baseURL,
		Settings:      map[string]any{clickatell.FieldFrom: "27820000001"},
		Credentials: providertest.Creds(clickatell.FieldAPIKey, apiKey,
			clickatell.FieldWebhookToken, "callback-token-0123456789abcdef"),
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := clickatell.New()
	if got, want := p.Descriptor().ID, "clickatell"; got != want {
		t.Errorf("clickatell.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != clickatell.ID {
		t.Errorf("clickatell.ID = %q, want the descriptor's id %q", clickatell.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, clickatellfake.Options{})
	usd := fake(t, clickatellfake.Options{Currency: "USD", Balance: 7.5})
	limited := fake(t, clickatellfake.Options{Fail: func(*http.Request) *clickatellfake.Reply {
		return &clickatellfake.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"30"}}, Body: `{"error":{"code":429,"description":"Too many requests"}}`}
	}})
	echo := fake(t, clickatellfake.Options{Fail: func(*http.Request) *clickatellfake.Reply {
		return clickatellfake.ErrorReply(http.StatusUnauthorized, 1, "Key "+key+" is disabled")
	}})
	inBody := fake(t, clickatellfake.Options{Fail: func(*http.Request) *clickatellfake.Reply {
		return &clickatellfake.Reply{Status: http.StatusOK, Body: `{"error":{"code":7,"description":"Account suspended"}}`}
	}})
	hang := fake(t, clickatellfake.Options{Fail: clickatellfake.Hang})

	providertest.Run(t, clickatell.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), key),
			Want: providertest.Want{OK: true, Contains: "balance 123.45 ZAR", Details: []string{"currency", "balance"}}},
		providertest.CheckerCase{Name: "ok other currency", Conn: conn(usd.URL(), key),
			Want: providertest.Want{OK: true, Contains: "7.5 USD"}},
		providertest.CheckerCase{Name: "wrong key", Conn: conn(ok.URL(), "WRONGKEY0123456789abcdefghijklmn"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "Invalid or missing integration API Key"}},
		providertest.CheckerCase{Name: "key echoed is redacted", Conn: conn(echo.URL(), key),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"}},
		providertest.CheckerCase{Name: "error in a 200 body", Conn: conn(inBody.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Account suspended"}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), key),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "not the API root", Conn: conn(ok.URL()+"/nowhere", key),
			Want: providertest.Want{Kind: provider.ErrNotFound}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), key),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), key), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), key), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	ok := fake(t, clickatellfake.Options{Blocked: []string{"27829999999"}})
	wrong := conn(ok.URL(), "WRONGKEY0123456789abcdefghijklmn")
	providertest.Actions{
		Provider: clickatell.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, key) },
		FakeURL:  ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "send", Action: "send_sms", Input: `{"to":"27821234567","message":"Disk full on web1"}`,
				Want: providertest.Want{OK: true, Contains: `"accepted":true`},
				Output: func(t *testing.T, out any) {
					o := out.(clickatell.SendSMSOutput)
					if o.MessageID == "" || o.To != "27821234567" {
						t.Errorf("send_sms output = %+v, want a message id for 27821234567", o)
					}
				}},
			{Name: "blocked recipient", Action: "send_sms", Input: `{"to":"27829999999","message":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "opted out"}},
			{Name: "invalid recipient", Action: "send_sms", Input: `{"to":"12","message":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Invalid or missing parameter: to"}},
			{Name: "wrong key", Action: "send_sms", Input: `{"to":"27821234567","message":"hi"}`, Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized}},
		},
	}.Run(t)
}

func TestSendUsesSenderSetting(t *testing.T) {
	t.Parallel()
	f := fake(t, clickatellfake.Options{})
	p := clickatell.New()
	cl, err := p.NewClient(providertest.HTTPClient(), conn(f.URL(), key))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "send_sms")
	if _, err := a.Run(t.Context(), cl, []byte(`{"to":"27821234567","message":"one"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Run(t.Context(), cl, []byte(`{"to":"27821234568","message":"two","from":"27830000002"}`)); err != nil {
		t.Fatal(err)
	}
	got := f.Sent()
	want := []clickatellfake.Sent{
		{ID: got[0].ID, To: "27821234567", From: "27820000001", Content: "one"},
		{ID: got[1].ID, To: "27821234568", From: "27830000002", Content: "two"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sent messages mismatch (-want +got):\n%s", diff)
	}
}

func TestSendMessagesPartial(t *testing.T) {
	t.Parallel()
	f := fake(t, clickatellfake.Options{Blocked: []string{"27829999999"}})
	cl, err := clickatell.NewClient(f.URL(), providertest.HTTPClient(), secret.NewValue(key))
	if err != nil {
		t.Fatal(err)
	}
	res, err := cl.SendMessages(t.Context(), []clickatell.Message{
		{To: "27821234567", Content: "a"}, {To: "27829999999", Content: "b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []clickatell.MessageResult{
		{APIMessageID: res[0].APIMessageID, Accepted: true, To: "27821234567"},
		{To: "27829999999", ErrorCode: "301", ErrorDescription: "Recipient opted out or cannot be reached."},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("SendMessages mismatch (-want +got):\n%s", diff)
	}
}

// TestLegacyErrorShape checks the legacy Platform answer, whose "error" is a
// string beside errorCode.
func TestLegacyErrorShape(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"messages":[],"errorCode":101,"error":"Invalid or missing parameter","errorDescription":"to"}`))
	}))
	t.Cleanup(srv.Close)
	cl, err := clickatell.NewClient(srv.URL, providertest.HTTPClient(), secret.NewValue(key))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.Balance(t.Context())
	var perr *provider.Error
	if !asError(err, &perr) || perr.Kind != provider.ErrProvider || perr.Status != http.StatusBadRequest ||
		perr.Message != "Invalid or missing parameter" {
		t.Errorf("Balance() error = %#v, want a 400 provider error quoting the legacy error", err)
	}
}

func TestNewClientRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base, key string
	}{
		{"empty key", "", ""},
		{"key with newline", "", "abc\ndef"},
		{"base with query", "https://platform.clickatell.com/v1?x=1", key},
	}
	for _, tt := range tests {
		_, err := clickatell.NewClient(tt.base, providertest.HTTPClient(), secret.NewValue(tt.key))
		var perr *provider.Error
		if !asError(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want kind invalid", tt.name, err)
		}
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := clickatell.New()
	base, err := p.ProxyBase(provider.Connection{})
	if err != nil || base.String() != clickatell.DefaultBaseURL {
		t.Errorf("ProxyBase(no base URL) = %v, %v; want %s", base, err, clickatell.DefaultBaseURL)
	}
	req := httptest.NewRequest(http.MethodGet, "https://platform.clickatell.com/v1/balance", nil)
	if err := p.Authorize(context.Background(), req, conn("", key)); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != key {
		t.Errorf("Authorization = %q, want the raw key", got)
	}
	if err := p.Authorize(context.Background(), req, provider.Connection{}); err == nil {
		t.Error("Authorize(no key) = nil, want an invalid error")
	}
}

func asError(err error, target **provider.Error) bool {
	return errors.As(err, target)
}
