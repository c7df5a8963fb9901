package httpapi_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestChatSubscriptionNeedsAChannel: a chat subscription is refused when
// its Slack integration cannot post a message that names no channel, as
// the chat target's do: one with only a bot token and no defaultChannel.
// It used to be accepted and then failed every event for three days ("no
// channel: give one or set the integration's default channel"). An
// incoming webhook, or a bot token with a default channel, can post.
func TestChatSubscriptionNeedsAChannel(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			for _, tc := range []struct {
				name        string
				integration map[string]any
				wantStatus  int
				wantField   string // the field a 422 names
			}{
				{"bot token without a default channel",
					map[string]any{"credentials": map[string]any{"botToken": "xoxb-1-2-nochannel"}}, 422, "body.chatIntegration"},
				{"signing secret only",
					map[string]any{"credentials": map[string]any{"signingSecret": "8f742231b10e8888abcd99yyyzzz85a5"}}, 422, "body.chatIntegration"},
				{"bot token with a default channel",
					map[string]any{"credentials": map[string]any{"botToken": "xoxb-1-2-channel"}, "settings": map[string]any{"defaultChannel": "#ops"}}, 201, ""},
				{"incoming webhook",
					map[string]any{"credentials": map[string]any{"webhookUrl": "https://hooks.slack.com/services/T0/B0/abc"}}, 201, ""},
			} {
				it := map[string]any{"name": tc.name, "provider": "slack", "isActive": false}
				for k, v := range tc.integration {
					it[k] = v
				}
				var created struct{ ID string }
				r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it)
				if r.Status != 201 {
					t.Fatalf("%s: create integration = %d %s", tc.name, r.Status, r.Body)
				}
				decode(t, r, &created)
				r = call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": tc.name, "target": "chat", "chatIntegration": created.ID})
				var problem struct{ Errors []struct{ Location string } }
				if r.Status == 422 {
					decode(t, r, &problem)
				}
				var fields []string
				for _, f := range problem.Errors {
					fields = append(fields, f.Location)
				}
				var want []string
				if tc.wantField != "" {
					want = []string{tc.wantField}
				}
				if r.Status != tc.wantStatus || !cmp.Equal(fields, want) {
					t.Errorf("%s: create chat subscription = %d %s, want %d naming %v", tc.name, r.Status, r.Body, tc.wantStatus, want)
				}
			}
		})
	}
}
