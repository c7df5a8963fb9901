package slack_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/outbound/outboundtest"
	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/slack"
	"ihub/internal/provider/slack/slackfake"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts slackfake.Options) *slackfake.Server {
	t.Helper()
	s := slackfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

// botConn uses the bot token against the Web API at apiURL.
func botConn(apiURL, token string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_slack",
		BaseURL:       apiURL,
		Settings:      map[string]any{slack.FieldDefaultChannel: "#alerts"},
		Credentials:   providertest.Creds(slack.FieldBotToken, token),
	}
}

// hookConn uses only the incoming webhook.
func hookConn(webhookURL string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_slack",
		Credentials:   providertest.Creds(slack.FieldWebhookURL, webhookURL),
	}
}

func bothConn(f *slackfake.Server) provider.Connection {
	c := botConn(f.APIURL(), slackfake.DefaultBotToken)
	c.Credentials[slack.FieldWebhookURL] = secret.NewValue(f.WebhookURL())
	return c
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	if got := slack.New().Descriptor().ID; got != slack.ID {
		t.Errorf("slack.ID = %q, want the descriptor's id %q", slack.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, slackfake.Options{})
	limited := fake(t, slackfake.Options{Fail: func(*http.Request) *slackfake.Reply { return slackfake.RateLimited(30) }})
	revoked := fake(t, slackfake.Options{Fail: func(*http.Request) *slackfake.Reply { return slackfake.APIError("token_revoked") }})
	hang := fake(t, slackfake.Options{Fail: slackfake.Hang})
	tok := slackfake.DefaultBotToken
	wrongHook := ok.URL() + "/services/T0001FAKE/B0001FAKE/WrongSecret0123456789abcd"
	removedHook := ok.URL() + "/services/T0001FAKE/B9999GONE/FaKeWeBhOoKsEcReT01234567"
	brokenBoth := bothConn(ok)
	brokenBoth.Credentials[slack.FieldWebhookURL] = secret.NewValue(wrongHook)

	providertest.Run(t, slack.New(),
		providertest.CheckerCase{Name: "bot token", Conn: botConn(ok.APIURL(), tok),
			Want: providertest.Want{OK: true, Contains: "Connected to Slack workspace Acme Ops as ihub",
				Details: []string{"team", "teamId", "user", "userId", "botId", "scopes"}}},
		providertest.CheckerCase{Name: "webhook only", Conn: hookConn(ok.WebhookURL()),
			Want: providertest.Want{OK: true, Contains: "webhook is live", Details: []string{"webhook", "webhookHost"}}},
		providertest.CheckerCase{Name: "both", Conn: bothConn(ok),
			Want: providertest.Want{OK: true, Contains: "as ihub; incoming webhook is live", Details: []string{"team", "webhook"}}},
		providertest.CheckerCase{Name: "wrong token (ok=false in a 200)", Conn: botConn(ok.APIURL(), "xoxb-wrong-token-0123456789"),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 0, Contains: "invalid_auth"}},
		providertest.CheckerCase{Name: "revoked token", Conn: botConn(revoked.APIURL(), tok),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "token_revoked"}},
		providertest.CheckerCase{Name: "revoked webhook", Conn: hookConn(wrongHook),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "invalid_token"}},
		providertest.CheckerCase{Name: "removed webhook", Conn: hookConn(removedHook),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound, Contains: "no_service"}},
		providertest.CheckerCase{Name: "good token, bad webhook", Conn: brokenBoth,
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "invalid_token"}},
		providertest.CheckerCase{Name: "no credentials", Conn: provider.Connection{},
			Want: providertest.Want{Kind: provider.ErrInvalid}},
		providertest.CheckerCase{Name: "rate limited", Conn: botConn(limited.APIURL(), tok),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "unreachable", Conn: botConn(providertest.ClosedURL(t)+"/api", tok),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "webhook unreachable", Conn: hookConn(providertest.ClosedURL(t) + slackfake.DefaultWebhookPath),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "timeout", Conn: botConn(hang.APIURL(), tok), Timeout: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "webhook cancelled", Conn: hookConn(hang.WebhookURL()), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
	)
	if got := len(ok.Messages()); got != 0 {
		t.Errorf("the connection tests posted %d messages, want none", got)
	}
}

func TestActionsWebhook(t *testing.T) {
	t.Parallel()
	ok := fake(t, slackfake.Options{})
	archived := fake(t, slackfake.Options{WebhookArchived: true})
	arch := hookConn(archived.WebhookURL())
	providertest.Actions{
		Provider: slack.New(),
		Conn:     func(u string) provider.Connection { return hookConn(u + slackfake.DefaultWebhookPath) },
		FakeURL:  ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "webhook send", Action: "send_message", Input: `{"text":"Disk full"}`,
				Want: providertest.Want{OK: true, Contains: `"via":"webhook"`}},
			{Name: "archived channel", Action: "send_message", Conn: &arch, Input: `{"text":"x"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusGone, Contains: "channel_is_archived"}},
			{Name: "channel needs a bot token", Action: "send_message", Input: `{"text":"x","channel":"#alerts"}`,
				Want: providertest.Want{Kind: provider.ErrInvalid}},
		},
	}.Run(t)
}

func TestActionsBot(t *testing.T) {
	t.Parallel()
	ok := fake(t, slackfake.Options{})
	noScope := fake(t, slackfake.Options{Scopes: []string{"users:read"}})
	ns := botConn(noScope.APIURL(), slackfake.DefaultBotToken)
	providertest.Actions{
		Provider: slack.New(),
		Conn:     func(u string) provider.Connection { return botConn(u+"/api", slackfake.DefaultBotToken) },
		FakeURL:  ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "bot send to default channel", Action: "send_message", Input: `{"text":"Disk full"}`,
				Want: providertest.Want{OK: true, Contains: `"channel":"` + slackfake.AlertsChannel + `"`}},
			{Name: "bot send in thread", Action: "send_message", Input: `{"text":"x","channel":"alerts","threadTs":"1767225600.000001"}`,
				Want: providertest.Want{OK: true, Contains: `"via":"bot"`}},
			{Name: "unknown channel (ok=false)", Action: "send_message", Input: `{"text":"x","channel":"#nope"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "channel_not_found"}},
			{Name: "archived channel (ok=false)", Action: "send_message", Input: `{"text":"x","channel":"#old-alerts"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Contains: "is_archived"}},
			{Name: "missing scope", Action: "send_message", Conn: &ns, Input: `{"text":"x"}`,
				Want: providertest.Want{Kind: provider.ErrAuth, Contains: "missing_scope (needs chat:write; the token has users:read)"}},
		},
	}.Run(t)
}

func TestMessagesRouting(t *testing.T) {
	t.Parallel()
	f := fake(t, slackfake.Options{})
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	p := slack.New()
	cl, err := p.NewClient(hc, bothConn(f))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "send_message")
	for _, in := range []string{`{"text":"one"}`, `{"text":"two","channel":"#alerts"}`} {
		if _, err := a.Run(t.Context(), cl, []byte(in)); err != nil {
			t.Fatalf("send_message(%s): %v", in, err)
		}
	}
	want := []slackfake.Message{
		{Via: "webhook", Channel: slackfake.AlertsChannel, Text: "one", TS: "1767225600.000001"},
		{Via: "bot", Channel: slackfake.AlertsChannel, Text: "two", TS: "1767225600.000002"},
	}
	if diff := cmp.Diff(want, f.Messages()); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := slack.New()
	u, err := p.ProxyBase(provider.Connection{})
	if err != nil || u.String() != slack.DefaultBaseURL {
		t.Errorf("ProxyBase = %v, %v; want %s", u, err, slack.DefaultBaseURL)
	}
	req, _ := http.NewRequest(http.MethodPost, "https://slack.com/api/conversations.list", nil)
	if err := p.Authorize(t.Context(), req, botConn("", "xoxb-123-456-abc")); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer xoxb-123-456-abc" {
		t.Errorf("Authorization = %q", got)
	}
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, hookConn("https://hooks.slack.com/services/T/B/x")); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize with only a webhook = %v, want kind invalid", err)
	}
}

func TestNewClientRejects(t *testing.T) {
	t.Parallel()
	hc := providertest.HTTPClient()
	for _, tc := range []struct{ hook, token string }{
		{"", ""},
		{"ftp://hooks.slack.com/services/T/B/x", ""},
		{"https://hooks.slack.com/other/path", ""},
		{"https://hooks.slack.com/services/T/B/x?y=1", ""},
		{"", "xoxb-a b"},
	} {
		_, err := slack.NewClient("", hc, secret.NewValue(tc.hook), secret.NewValue(tc.token))
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("NewClient(hook %q, token %q) error = %v, want kind invalid", tc.hook, tc.token, err)
		}
	}
}

// TestConnectionTestMetrics: a connection test records its calls in API
// metrics as the test judged them. A live webhook's 400 no_text is the
// probe's expected answer, not an error; a dead webhook's answer is.
func TestConnectionTestMetrics(t *testing.T) {
	t.Parallel()
	ok := fake(t, slackfake.Options{})
	removedHook := ok.URL() + "/services/T0001FAKE/B9999GONE/FaKeWeBhOoKsEcReT01234567"
	wrongHook := ok.URL() + "/services/T0001FAKE/B0001FAKE/WrongSecret0123456789abcd"
	type call struct {
		Endpoint  string
		Status    int
		ErrorKind string
	}
	hook := "POST /services/{team}/{bot}/{secret}"
	tests := []struct {
		name    string
		conn    provider.Connection
		wantErr bool
		want    []call
	}{
		{"live webhook", hookConn(ok.WebhookURL()), false, []call{{hook, 400, ""}}},
		{"bot token and live webhook", bothConn(ok), false, []call{{"POST /api/auth.test", 200, ""}, {hook, 400, ""}}},
		{"removed webhook", hookConn(removedHook), true, []call{{hook, 404, "not_found"}}},
		{"revoked webhook", hookConn(wrongHook), true, []call{{hook, 403, "auth"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			calls, err := outboundtest.ConnectionTest(t, slack.New(), slack.ID, providertest.HTTPClient(), tt.conn)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Test() error = %v, want error %v", err, tt.wantErr)
			}
			var got []call
			for _, c := range calls {
				got = append(got, call(c))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("recorded calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSendGone: a send whose answer means the destination is gone for
// good (Slack's documented webhook 410 and 404 codes, chat.postMessage's
// channel_not_found and is_archived) is marked so (provider.ErrGone), for
// chat subscriptions to stop; other failures are not.
func TestSendGone(t *testing.T) {
	t.Parallel()
	reply := func(rep *slackfake.Reply) func(*http.Request) *slackfake.Reply {
		return func(*http.Request) *slackfake.Reply { return rep }
	}
	tests := []struct {
		name  string
		opts  slackfake.Options
		bot   bool
		input string
		want  bool
	}{
		{"webhook channel archived (410)", slackfake.Options{WebhookArchived: true}, false, `{"text":"x"}`, true},
		{"webhook removed (404 no_service)", slackfake.Options{Fail: reply(slackfake.Text(404, "no_service"))}, false, `{"text":"x"}`, true},
		{"webhook channel deleted (404 channel_not_found)", slackfake.Options{Fail: reply(slackfake.Text(404, "channel_not_found"))}, false, `{"text":"x"}`, true},
		{"webhook 404 without a Slack code", slackfake.Options{Fail: reply(slackfake.Text(404, "<html>Not Found</html>"))}, false, `{"text":"x"}`, false},
		{"webhook token revoked (403)", slackfake.Options{Fail: reply(slackfake.Text(403, "invalid_token"))}, false, `{"text":"x"}`, false},
		{"webhook rate limited", slackfake.Options{Fail: reply(slackfake.RateLimited(30))}, false, `{"text":"x"}`, false},
		{"webhook Slack-side error", slackfake.Options{Fail: reply(slackfake.Text(500, "rollup_error"))}, false, `{"text":"x"}`, false},
		{"bot channel archived", slackfake.Options{}, true, `{"text":"x","channel":"#old-alerts"}`, true},
		{"bot channel not found", slackfake.Options{}, true, `{"text":"x","channel":"#nope"}`, true},
		{"bot token revoked", slackfake.Options{Fail: reply(slackfake.APIError("token_revoked"))}, true, `{"text":"x"}`, false},
	}
	p := slack.New()
	a, _ := provider.FindAction(p, "send_message")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fake(t, tt.opts)
			conn := hookConn(f.WebhookURL())
			if tt.bot {
				conn = botConn(f.APIURL(), slackfake.DefaultBotToken)
			}
			hc := providertest.HTTPClient()
			defer hc.CloseIdleConnections()
			cl, err := p.NewClient(hc, conn)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Run(t.Context(), cl, []byte(tt.input))
			if err == nil {
				t.Fatalf("send_message(%s) succeeded, want a failure", tt.input)
			}
			if got := errors.Is(err, provider.ErrGone); got != tt.want {
				t.Errorf("send_message(%s) = %v; errors.Is(err, provider.ErrGone) = %v, want %v", tt.input, err, got, tt.want)
			}
		})
	}
}
