package discord_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/discord"
	"ihub/internal/provider/discord/discordfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

func fake(t *testing.T, opts discordfake.Options) *discordfake.Server {
	t.Helper()
	s := discordfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

// hookURL builds a webhook URL on base with the fake's default id.
func hookURL(base, token string) string {
	return base + "/api/webhooks/" + discordfake.DefaultID + "/" + token
}

func conn(webhookURL string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_discord",
		Credentials:   providertest.Creds(discord.FieldWebhookURL, webhookURL),
	}
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	if got := discord.New().Descriptor().ID; got != discord.ID {
		t.Errorf("discord.ID = %q, want the descriptor's id %q", discord.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	ok := fake(t, discordfake.Options{})
	limited := fake(t, discordfake.Options{Fail: func(*http.Request) *discordfake.Reply { return discordfake.TooManyRequests(2 * time.Second) }})
	hang := fake(t, discordfake.Options{Fail: discordfake.Hang})
	tok := discordfake.DefaultToken

	providertest.Run(t, discord.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.WebhookURL()),
			Want: providertest.Want{OK: true, Contains: "Connected to Discord webhook Hub in channel " + discordfake.DefaultChannelID,
				Details: []string{"id", "name", "type", "channelId", "guildId"}}},
		providertest.CheckerCase{Name: "ok v10 path", Conn: conn(ok.URL() + "/api/v10/webhooks/" + discordfake.DefaultID + "/" + tok),
			Want: providertest.Want{OK: true}},
		providertest.CheckerCase{Name: "wrong token", Conn: conn(hookURL(ok.URL(), "WrongToken_0123456789abcdefghijklmnopqrstuvwxyz")),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "Invalid Webhook Token"}},
		providertest.CheckerCase{Name: "deleted webhook", Conn: conn(ok.URL() + "/api/webhooks/999999999999999999/" + tok),
			Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound, Contains: "Unknown Webhook"}},
		providertest.CheckerCase{Name: "not a webhook URL", Conn: conn(ok.URL() + "/channels/1/messages"),
			Want: providertest.Want{Kind: provider.ErrInvalid}},
		providertest.CheckerCase{Name: "rate limited", Conn: conn(hookURL(limited.URL(), tok)),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(hookURL(providertest.ClosedURL(t), tok)),
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "timeout", Conn: conn(hookURL(hang.URL(), tok)), Timeout: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hookURL(hang.URL(), tok)), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	ok := fake(t, discordfake.Options{})
	tok := discordfake.DefaultToken
	deleted := conn(ok.URL() + "/api/webhooks/999999999999999999/" + tok)
	providertest.Actions{
		Provider: discord.New(),
		Conn:     func(u string) provider.Connection { return conn(hookURL(u, tok)) },
		FakeURL:  ok.URL(),
		Cases: []providertest.ActionCase{
			{Name: "send", Action: "send_message", Input: `{"content":"Disk full on server1"}`,
				Want: providertest.Want{OK: true, Contains: `"channelId":"` + discordfake.DefaultChannelID + `"`}},
			{Name: "send to thread", Action: "send_message",
				Input: `{"content":"in a thread","threadId":"` + discordfake.ThreadID + `","username":"ihub bot"}`,
				Want:  providertest.Want{OK: true, Contains: `"channelId":"` + discordfake.ThreadID + `"`}},
			{Name: "unknown thread", Action: "send_message", Input: `{"content":"x","threadId":"1"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadRequest, Contains: "Unknown Channel"}},
			{Name: "too long", Action: "send_message", Input: `{"content":"` + longText(2001) + `"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadRequest, Contains: "Invalid Form Body: content: Must be 2000 or fewer in length."}},
			{Name: "deleted webhook", Action: "send_message", Conn: &deleted, Input: `{"content":"x"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "Unknown Webhook"}},
			{Name: "empty", Action: "send_message", Input: `{"content":"  "}`,
				Want: providertest.Want{Input: true, Field: "content"}},
		},
	}.Run(t)
}

func longText(n int) string { return strings.Repeat("a", n) }

func TestExecuteBodyAndRateLimit(t *testing.T) {
	t.Parallel()
	f := fake(t, discordfake.Options{RateLimitAfter: 1})
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	p := discord.New()
	c := conn(f.WebhookURL())
	c.Settings = map[string]any{discord.FieldUsername: "ihub"}
	cl, err := p.NewClient(hc, c)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "send_message")
	if _, err := a.Run(t.Context(), cl, []byte(`{"content":"@everyone hello"}`)); err != nil {
		t.Fatal(err)
	}
	want := []discordfake.Message{{ID: "500000000000000001", ChannelID: discordfake.DefaultChannelID,
		Content: "@everyone hello", Username: "ihub", AllowedMentions: []string{}}}
	if diff := cmp.Diff(want, f.Messages()); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	_, err = a.Run(t.Context(), cl, []byte(`{"content":"again"}`))
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrRateLimited || perr.RetryAfter != 2*time.Second {
		t.Errorf("second message: error = %#v, want rate_limited with RetryAfter 2s", err)
	}
}

func TestRetryAfterFromBody(t *testing.T) {
	t.Parallel()
	srv := fake(t, discordfake.Options{Fail: func(*http.Request) *discordfake.Reply {
		r := discordfake.TooManyRequests(1500 * time.Millisecond)
		r.Header.Del("Retry-After")
		return r
	}})
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	cl, err := discord.NewClient(hc, secret.NewValue(srv.WebhookURL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = cl.Webhook(t.Context())
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.RetryAfter != 1500*time.Millisecond {
		t.Errorf("Webhook() error = %#v, want RetryAfter 1.5s from the body", err)
	}
}

func TestNewClientRejects(t *testing.T) {
	t.Parallel()
	hc := providertest.HTTPClient()
	for _, u := range []string{
		"",
		"ftp://discord.com/api/webhooks/1/abc",
		"https://user:pw@discord.com/api/webhooks/1/abc",
		"https://discord.com/api/webhooks/abc/def",
		"https://discord.com/api/webhooks/1/abc?token=x",
		"https://discord.com/api/web\nhooks/1/abc",
	} {
		_, err := discord.NewClient(hc, secret.NewValue(u))
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("NewClient(%q) error = %v, want kind invalid", u, err)
		}
	}
	if _, err := discord.NewClient(hc, secret.NewValue("https://discord.com/api/webhooks/1/abc?thread_id=5")); err != nil {
		t.Errorf("NewClient with thread_id: %v", err)
	}
}

// TestSendGone: a send to a deleted webhook (404 Unknown Webhook, code
// 10015) is marked gone for good (provider.ErrGone), so that a chat
// subscription stops instead of retrying; other failures are not.
func TestSendGone(t *testing.T) {
	t.Parallel()
	ok := fake(t, discordfake.Options{})
	reply := func(rep *discordfake.Reply) string {
		return fake(t, discordfake.Options{Fail: func(*http.Request) *discordfake.Reply { return rep }}).WebhookURL()
	}
	tests := []struct {
		name string
		url  string
		want bool
	}{
		{"deleted webhook (404, 10015)", ok.URL() + "/api/webhooks/999999999999999999/" + discordfake.DefaultToken, true},
		{"404 without Discord's code", reply(discordfake.Error(http.StatusNotFound, 0, "404: Not Found")), false},
		{"wrong token (401, 50027)", hookURL(ok.URL(), "WrongToken0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"), false},
		{"invalid form body (400)", reply(discordfake.Error(http.StatusBadRequest, 50035, "Invalid Form Body")), false},
		{"rate limited", reply(discordfake.TooManyRequests(2 * time.Second)), false},
	}
	p := discord.New()
	a, _ := provider.FindAction(p, "send_message")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hc := providertest.HTTPClient()
			defer hc.CloseIdleConnections()
			cl, err := p.NewClient(hc, conn(tt.url))
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Run(t.Context(), cl, []byte(`{"content":"x"}`))
			if err == nil {
				t.Fatal("send_message succeeded, want a failure")
			}
			if got := errors.Is(err, provider.ErrGone); got != tt.want {
				t.Errorf("send_message = %v; errors.Is(err, provider.ErrGone) = %v, want %v", err, got, tt.want)
			}
		})
	}
}
