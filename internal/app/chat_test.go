package app

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/webhook"
)

func TestChatInput(t *testing.T) {
	m := webhook.ChatMessage{Title: "code.push", Text: "acme/site: 2 commits to main",
		Facts: [][2]string{{"Source", "github"}, {"ref", "refs/heads/main"}}}
	// A webhook's text is the sender's: it must not ping a Slack channel
	// or render a link in any chat.
	hostile := webhook.ChatMessage{Title: "issue.created", Text: "<!channel> pay [here](https://evil.example) <https://evil.example|invoice> & co",
		Facts: [][2]string{{"title", `<@U012AB3CD> \[x](https://evil.example)`}}}
	forged := webhook.ChatMessage{Title: "code.push\n\\*", Text: "*admin* says\r\n\u2028ok",
		Facts: [][2]string{{"title", "hello\n• Event: evt_FAKE\n• Replay of: evt_1"}}}
	for _, tc := range []struct {
		provider string
		msg      webhook.ChatMessage
		want     map[string]any
	}{
		{"slack", m, map[string]any{"text": "*code.push*\nacme/site: 2 commits to main\n• Source: github\n• ref: refs/heads/main"}},
		{"discord", m, map[string]any{"content": "**code.push**\nacme/site: 2 commits to main\n• Source: github\n• ref: refs/heads/main"}},
		{"teams", m, map[string]any{"title": "code.push", "text": "acme/site: 2 commits to main", "facts": []any{
			map[string]any{"title": "Source", "value": "github"}, map[string]any{"title": "ref", "value": "refs/heads/main"}}}},
		{"slack", hostile, map[string]any{"text": "*issue.created*\n&lt;!channel&gt; pay [here](https://evil.example) &lt;https://evil.example|invoice&gt; &amp; co" +
			"\n• title: &lt;@U012AB3CD&gt; \\[x](https://evil.example)"}},
		{"discord", hostile, map[string]any{"content": `**issue.created**` + "\n" + `<!channel\> pay \[here\](https://evil.example) <https://evil.example\|invoice\> & co` +
			"\n• title: " + `<@U012AB3CD\> \\\[x\](https://evil.example)`}},
		// A value cannot forge the message's own lines, nor (on Discord,
		// whose markdown has escapes) its formatting.
		{"slack", forged, map[string]any{"text": "*code.push \\**\n*admin* says  ok\n• title: hello • Event: evt_FAKE • Replay of: evt_1"}},
		{"discord", forged, map[string]any{"content": "**code.push \\\\\\***\n\\*admin\\* says  ok\n• title: hello • Event: evt\\_FAKE • Replay of: evt\\_1"}},
		{"teams", forged, map[string]any{"title": "code.push \\\\*", "text": "*admin* says  ok", "facts": []any{
			map[string]any{"title": "title", "value": "hello • Event: evt_FAKE • Replay of: evt_1"}}}},
		{"teams", hostile, map[string]any{"title": "issue.created", "text": `<!channel> pay \[here\](https://evil.example) <https://evil.example|invoice> & co`,
			"facts": []any{map[string]any{"title": "title", "value": `<@U012AB3CD> \\\[x\](https://evil.example)`}}}},
	} {
		raw, err := chatInput(tc.provider, tc.msg)
		if err != nil {
			t.Fatalf("%s: %v", tc.provider, err)
		}
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s input (-want +got):\n%s", tc.provider, diff)
		}
	}
	// Discord takes at most 2000 characters: a long subject is cut on a
	// character boundary.
	long := webhook.ChatMessage{Title: "t", Text: strings.Repeat("é", 1500)}
	raw, _ := chatInput("discord", long)
	var in struct{ Content string }
	_ = json.Unmarshal(raw, &in)
	if len(in.Content) > 2000 || !utf8.ValidString(in.Content) || len(in.Content) < 1990 {
		t.Errorf("discord content is %d bytes (valid UTF-8: %t)", len(in.Content), utf8.ValidString(in.Content))
	}
	if _, err := chatInput("github", m); err == nil {
		t.Errorf("a github integration was given chat input")
	}
}
