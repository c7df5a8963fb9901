package smswebhook_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/outbound/outboundtest"
	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/smswebhook"
	"ihub/internal/provider/smswebhook/smswebhookfake"
	"ihub/internal/secret"
)

const token = smswebhookfake.DefaultToken

func fake(t *testing.T, opts smswebhookfake.Options) *smswebhookfake.Server {
	t.Helper()
	s := smswebhookfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

// conn is a bearer-token connection to sendURL with extra settings.
func conn(sendURL, tok string, settings ...string) provider.Connection {
	m := map[string]any{smswebhook.FieldAuthMode: "bearer"}
	for i := 0; i+1 < len(settings); i += 2 {
		m[settings[i]] = settings[i+1]
	}
	return provider.Connection{
		IntegrationID: "int_smsgw",
		BaseURL:       sendURL,
		Settings:      m,
		Credentials:   providertest.Creds(smswebhook.FieldToken, tok),
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := smswebhook.New()
	if got, want := p.Descriptor().ID, "sms_webhook"; got != want {
		t.Errorf("smswebhook.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != smswebhook.ID {
		t.Errorf("smswebhook.ID = %q, want the descriptor's id %q", smswebhook.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	bearer := fake(t, smswebhookfake.Options{AuthMode: "bearer"})
	headOK := fake(t, smswebhookfake.Options{AuthMode: "bearer", HeadStatus: http.StatusOK})
	open := fake(t, smswebhookfake.Options{HeadStatus: http.StatusOK})
	basic := fake(t, smswebhookfake.Options{AuthMode: "basic", Username: "ihub", Password: "basic-pass-0123456789"})
	down := fake(t, smswebhookfake.Options{Fail: func(*http.Request) *smswebhookfake.Reply {
		return &smswebhookfake.Reply{Status: http.StatusBadGateway, Header: http.Header{"Content-Type": {"text/html"}},
			Body: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"}
	}})
	limited := fake(t, smswebhookfake.Options{Fail: func(*http.Request) *smswebhookfake.Reply {
		return &smswebhookfake.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"12"}}}
	}})
	hang := fake(t, smswebhookfake.Options{Fail: smswebhookfake.Hang})

	basicConn := provider.Connection{
		BaseURL: basic.URL(), Username: "ihub",
		Settings:    map[string]any{smswebhook.FieldAuthMode: "basic"},
		Credentials: providertest.Creds(smswebhook.FieldPassword, "basic-pass-0123456789"),
	}
	basicWrong := basicConn
	basicWrong.Credentials = providertest.Creds(smswebhook.FieldPassword, "wrong-pass-0123456789")
	openConn := provider.Connection{BaseURL: open.URL()}
	// The cases run as parallel subtests after this function returns: check
	// once they are done (cleanups run last-registered first, before the
	// fakes close).
	t.Cleanup(func() {
		if got := bearer.Heads(); got < 1 {
			t.Errorf("HEAD requests = %d, want the test to probe with HEAD", got)
		}
		if n := len(bearer.Sent()) + len(headOK.Sent()) + len(open.Sent()) + len(basic.Sent()); n != 0 {
			t.Errorf("the connection test sent %d messages, want none", n)
		}
	})

	providertest.Run(t, smswebhook.New(),
		providertest.CheckerCase{Name: "ok head 405", Conn: conn(bearer.URL(), token),
			Want: providertest.Want{OK: true, Contains: "credentials are only checked when a message is sent", Details: []string{"status", "authAccepted"}}},
		providertest.CheckerCase{Name: "ok head 200", Conn: conn(headOK.URL(), token),
			Want: providertest.Want{OK: true, Contains: "credentials not rejected; no SMS was sent"}},
		providertest.CheckerCase{Name: "ok no auth", Conn: openConn,
			Want: providertest.Want{OK: true, Contains: "(HEAD answered 200 OK); no SMS was sent"}},
		providertest.CheckerCase{Name: "ok basic", Conn: basicConn, Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "wrong token", Conn: conn(bearer.URL(), "wrong-token-0123456789"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized}},
		providertest.CheckerCase{Name: "wrong basic password", Conn: basicWrong,
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized}},
		providertest.CheckerCase{Name: "wrong path", Conn: conn(bearer.URL()+"/nope", token),
			Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "does not know the send URL"}},
		providertest.CheckerCase{Name: "bad gateway", Conn: conn(down.URL(), token),
			Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadGateway}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(limited.URL(), token),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "bearer without token", Conn: conn(bearer.URL(), ""),
			Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "needs the token"}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), token),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach"}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), token), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), token), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	ok := fake(t, smswebhookfake.Options{AuthMode: "bearer", Refuse: map[string]string{"+27829999999": "Insufficient credit"}})
	wrong := conn(ok.URL(), "wrong-token-0123456789")
	providertest.Actions{
		Provider: smswebhook.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, token) },
		FakeURL:  ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "send", Action: "send_sms", Input: `{"to":"+27821234567","message":"Disk full on web1"}`,
				Want: providertest.Want{OK: true, Contains: `"messageId":"sms-`}},
			{Name: "refused in a 200 body", Action: "send_sms", Input: `{"to":"+27829999999","message":"hi"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Insufficient credit"}},
			{Name: "wrong token", Action: "send_sms", Input: `{"to":"+27821234567","message":"hi"}`, Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "Invalid API credentials"}},
		},
	}.Run(t)
}

// TestRequestShapes sends through every method, body format and auth mode
// and checks what the gateway received.
func TestRequestShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     smswebhookfake.Options
		settings []string
		username string
		creds    map[string]secret.Value
	}{
		{name: "post json bearer", opts: smswebhookfake.Options{AuthMode: "bearer"},
			settings: []string{smswebhook.FieldAuthMode, "bearer"}, creds: providertest.Creds(smswebhook.FieldToken, token)},
		{name: "post form header custom params",
			opts: smswebhookfake.Options{BodyFormat: "form", AuthMode: "header", HeaderName: "X-Gateway-Key",
				ToParam: "msisdn", MessageParam: "text", FromParam: "sender"},
			settings: []string{smswebhook.FieldBodyFormat, "form", smswebhook.FieldAuthMode, "header",
				smswebhook.FieldHeaderName, "X-Gateway-Key", smswebhook.FieldToParam, "msisdn",
				smswebhook.FieldMessageParam, "text", smswebhook.FieldFromParam, "sender"},
			creds: providertest.Creds(smswebhook.FieldToken, token)},
		{name: "get query token", opts: smswebhookfake.Options{Method: "GET", AuthMode: "query"},
			settings: []string{smswebhook.FieldMethod, "GET", smswebhook.FieldAuthMode, "query"},
			creds:    providertest.Creds(smswebhook.FieldToken, token)},
		{name: "post json basic", opts: smswebhookfake.Options{AuthMode: "basic", Username: "ihub", Password: "pw-0123456789"},
			settings: []string{smswebhook.FieldAuthMode, "basic"}, username: "ihub",
			creds: providertest.Creds(smswebhook.FieldPassword, "pw-0123456789")},
		{name: "no auth", opts: smswebhookfake.Options{}, settings: []string{smswebhook.FieldAuthMode, "none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fake(t, tt.opts)
			settings := map[string]any{smswebhook.FieldFrom: "IHUB"}
			for i := 0; i+1 < len(tt.settings); i += 2 {
				settings[tt.settings[i]] = tt.settings[i+1]
			}
			c := provider.Connection{BaseURL: f.URL(), Username: tt.username, Settings: settings, Credentials: tt.creds}
			p := smswebhook.New()
			cl, err := p.NewClient(providertest.HTTPClient(), c)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := provider.FindAction(p, "send_sms")
			out, err := a.Run(t.Context(), cl, []byte(`{"to":"+27821234567","message":"héllo & bye"}`))
			if err != nil {
				t.Fatalf("send_sms error = %v", err)
			}
			want := smswebhook.SendSMSOutput{Status: 200, MessageID: "sms-000001", Response: `{"id":"sms-000001","success":true}`}
			if diff := cmp.Diff(want, out); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
			wantSent := []smswebhookfake.Sent{{ID: "sms-000001", To: "+27821234567", Message: "héllo & bye", From: "IHUB"}}
			if diff := cmp.Diff(wantSent, f.Sent()); diff != "" {
				t.Errorf("sent mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewClientRejects(t *testing.T) {
	t.Parallel()
	base := smswebhook.Config{URL: "https://sms.example.test/send", AuthMode: "bearer", Token: secret.NewValue(token)}
	tests := []struct {
		name string
		mod  func(*smswebhook.Config)
	}{
		{"method", func(c *smswebhook.Config) { c.Method = "PUT" }},
		{"body format", func(c *smswebhook.Config) { c.BodyFormat = "xml" }},
		{"same param names", func(c *smswebhook.Config) { c.MessageParam = "to" }},
		{"param with space", func(c *smswebhook.Config) { c.ToParam = "to number" }},
		{"auth mode", func(c *smswebhook.Config) { c.AuthMode = "digest" }},
		{"reserved header", func(c *smswebhook.Config) { c.AuthMode, c.HeaderName = "header", "Host" }},
		{"basic without password", func(c *smswebhook.Config) { c.AuthMode, c.Username = "basic", "u" }},
		{"token with newline", func(c *smswebhook.Config) { c.Token = secret.NewValue("a\r\nX-Evil: 1") }},
		{"url with query", func(c *smswebhook.Config) { c.URL = "https://sms.example.test/send?key=1" }},
	}
	for _, tt := range tests {
		cfg := base
		tt.mod(&cfg)
		_, err := smswebhook.NewClient(providertest.HTTPClient(), cfg)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("%s: NewClient() error = %v, want kind invalid", tt.name, err)
		}
	}
}

func TestQueryTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	f := fake(t, smswebhookfake.Options{Method: "GET", AuthMode: "query", Fail: func(r *http.Request) *smswebhookfake.Reply {
		return smswebhookfake.JSONReply(http.StatusBadRequest, map[string]any{"error": "bad request " + r.URL.String()})
	}})
	cl, err := smswebhook.NewClient(providertest.HTTPClient(), smswebhook.Config{
		URL: f.URL(), Method: "GET", AuthMode: "query", Token: secret.NewValue(token)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.Send(t.Context(), smswebhook.SMS{To: "+27821234567", Message: "hi"})
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrProvider {
		t.Fatalf("Send() error = %v, want a provider error", err)
	}
	if want := "400 Bad Request — bad request /api/sms/send?api_key=[REDACTED]&message=hi&to=%2B27821234567"; err.Error() != want {
		t.Errorf("Send() error = %q, want %q", err.Error(), want)
	}
}

// TestConnectionTestMetrics: the HEAD probe's 405 (or 400, 422), which the
// test takes for a reachable gateway, is recorded as a success in API
// metrics; a refusal of the credentials or an unknown URL is an error.
func TestConnectionTestMetrics(t *testing.T) {
	t.Parallel()
	head := func(status int) *smswebhookfake.Server {
		return fake(t, smswebhookfake.Options{AuthMode: "bearer", HeadStatus: status})
	}
	type call struct {
		Status    int
		ErrorKind string
	}
	tests := []struct {
		name    string
		conn    provider.Connection
		wantErr bool
		want    call
	}{
		{"head 405", conn(head(http.StatusMethodNotAllowed).URL(), token), false, call{405, ""}},
		{"head 400", conn(head(http.StatusBadRequest).URL(), token), false, call{400, ""}},
		{"head 422", conn(head(http.StatusUnprocessableEntity).URL(), token), false, call{422, ""}},
		{"head 200", conn(head(http.StatusOK).URL(), token), false, call{200, ""}},
		{"wrong token", conn(head(http.StatusMethodNotAllowed).URL(), "wrong-token-0123456789"), true, call{401, "auth"}},
		{"wrong path", conn(head(http.StatusMethodNotAllowed).URL()+"/nope", token), true, call{404, "not_found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls, err := outboundtest.ConnectionTest(t, smswebhook.New(), smswebhook.ID, providertest.HTTPClient(), tt.conn)
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
