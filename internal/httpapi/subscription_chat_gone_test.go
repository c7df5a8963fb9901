package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/provider/discord/discordfake"
	"ihub/internal/provider/slack/slackfake"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// TestSubscriptionChatGone: a chat send whose provider answer says the
// destination is gone for good (a Slack webhook's archived channel or
// removed webhook, the bot's archived channel, a deleted Discord webhook)
// disables the subscription as a 410 does for an HTTP one: the reason
// quotes the provider, the activity log has it, and the event waits. Any
// other failure is retried as before.
func TestSubscriptionChatGone(t *testing.T) {
	t.Parallel()
	slackReply := func(rep *slackfake.Reply) slackfake.Options {
		return slackfake.Options{Fail: func(r *http.Request) *slackfake.Reply {
			if strings.Contains(r.URL.Path, "/services/") && r.ContentLength > 2 { // the sends, not the test's {} probe
				return rep
			}
			return nil
		}}
	}
	type integration struct {
		provider    string
		settings    map[string]any
		credentials map[string]any
		baseURL     string
	}
	slackHook := func(opts slackfake.Options) func(t *testing.T) integration {
		return func(t *testing.T) integration {
			f := slackfake.New(opts)
			t.Cleanup(f.Close)
			return integration{provider: "slack", credentials: map[string]any{"webhookUrl": f.WebhookURL()}}
		}
	}
	type outcome struct {
		IsActive      bool
		Reason        string // a part of disabledReason
		AttemptStatus string
		Attempts      int64
		LastError     string // a part of it
	}
	tests := []struct {
		name string
		make func(t *testing.T) integration
		want outcome
	}{
		{"slack webhook, channel archived (410)", slackHook(slackfake.Options{WebhookArchived: true}),
			outcome{false, "channel_is_archived", webhook.AttemptPending, 1, "the subscription is disabled"}},
		{"slack webhook removed (404 no_service)", slackHook(slackReply(slackfake.Text(http.StatusNotFound, "no_service"))),
			outcome{false, "no_service", webhook.AttemptPending, 1, "the subscription is disabled"}},
		{"slack bot, channel archived", func(t *testing.T) integration {
			f := slackfake.New(slackfake.Options{})
			t.Cleanup(f.Close)
			return integration{provider: "slack", baseURL: f.APIURL(), settings: map[string]any{"defaultChannel": "#old-alerts"},
				credentials: map[string]any{"botToken": slackfake.DefaultBotToken}}
		}, outcome{false, "is_archived", webhook.AttemptPending, 1, "the subscription is disabled"}},
		{"discord webhook deleted (404, 10015)", func(t *testing.T) integration {
			f := discordfake.New(discordfake.Options{})
			t.Cleanup(f.Close)
			return integration{provider: "discord", credentials: map[string]any{
				"webhookUrl": f.URL() + "/api/webhooks/999999999999999999/" + discordfake.DefaultToken}}
		}, outcome{false, "Unknown Webhook", webhook.AttemptPending, 1, "the subscription is disabled"}},
		{"slack-side error is retried", slackHook(slackReply(slackfake.Text(http.StatusInternalServerError, "rollup_error"))),
			outcome{true, "", webhook.AttemptPending, 1, "rollup_error"}},
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					env := apptest.New(t, e, apptest.Options{})
					in := tt.make(t)
					body := map[string]any{"name": "ops chat", "provider": in.provider, "allowPrivateNetwork": true,
						"isActive": true, "credentials": in.credentials}
					if in.settings != nil {
						body["settings"] = in.settings
					}
					if in.baseURL != "" {
						body["baseUrl"] = in.baseURL
					}
					if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, body); r.Status != 201 {
						t.Fatalf("create integration = %d %s", r.Status, r.Body)
					}
					var created struct{ ID string }
					r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "chat",
						"chatIntegration": "ops-chat", "eventTypes": []string{"code.push"}})
					decode(t, r, &created)
					if r.Status != 201 {
						t.Fatalf("create subscription = %d %s", r.Status, r.Body)
					}
					githubHooks(t, env)("gone-1")
					d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(d.Close)
					if _, err := d.Step(t.Context()); err != nil {
						t.Fatal(err)
					}

					var sub struct {
						IsActive       bool
						DisabledReason string
					}
					decode(t, call(t, env, "GET", "/api/v1/subscriptions/"+created.ID, env.AdminToken, nil), &sub)
					as := mustAttempts(t, env, created.ID)
					if len(as) != 1 {
						t.Fatalf("attempts = %+v, want the one event's", as)
					}
					got := outcome{IsActive: sub.IsActive, AttemptStatus: as[0].Status, Attempts: as[0].Attempts}
					if tt.want.Reason != "" && strings.Contains(sub.DisabledReason, tt.want.Reason) {
						got.Reason = tt.want.Reason
					} else {
						got.Reason = sub.DisabledReason
					}
					if strings.Contains(as[0].LastError, tt.want.LastError) {
						got.LastError = tt.want.LastError
					} else {
						got.LastError = as[0].LastError
					}
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("after the send (-want +got):\n%s", diff)
					}
					if tt.want.IsActive {
						return
					}
					// As for a 410: ihub says in the activity log that it
					// turned the subscription off, and why.
					off, raw := lastActivity(t, env, "subscription.disabled")
					if off.TargetID != created.ID || off.Actor.Type != "system" || off.Details["reason"] != sub.DisabledReason ||
						off.Details["attemptId"] != float64(as[0].ID) {
						t.Errorf("disabled activity = %s, want subscription %s disabled by the system for %q", raw, created.ID, sub.DisabledReason)
					}
				})
			}
		})
	}
}
