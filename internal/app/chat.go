package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"ihub/internal/apperr"
	"ihub/internal/integration"
	"ihub/internal/webhook"
)

// chatSender posts events for subscriptions with a chat target, through
// the integration's send_message action (so the client factory, rate
// limits, circuit breaker and API metrics apply as for any action).
func chatSender(ints *integration.Service) func(ctx context.Context, id string, m webhook.ChatMessage) error {
	return func(ctx context.Context, id string, m webhook.ChatMessage) error {
		// The factory's cached handle (as the action itself uses), not a
		// database read per event.
		h, err := ints.Clients().Get(ctx, id)
		if err != nil {
			return err
		}
		input, err := chatInput(h.Integration.Provider, m)
		if err != nil {
			return err
		}
		_, err = ints.RunSystemAction(ctx, id, "send_message", input)
		return err
	}
}

// The event's text comes from whoever sent the webhook (an issue title on
// a public repository, a customer's ticket subject), so it is escaped for
// the chat's markup: Slack's control sequences (<!channel>, <@U…>,
// <url|label>) and the markdown links of Discord and Teams are shown as
// typed, never acted on. (Discord's mentions are also turned off by its
// send_message.)
//
// Line breaks in the sender's text become spaces: the message's own lines
// ("• Event: evt_…", "• Replay of: …") must not be forgeable by a value
// holding a newline. Discord's markdown (bold, italics, strike-through,
// code, spoilers) is escaped too; Slack's mrkdwn has no escape, so a
// sender's *bold* there stays bold, within its own line.
var (
	oneLine      = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\v", " ", "\f", " ", "\u0085", " ", "\u2028", " ", "\u2029", " ")
	slackText    = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	markdownText = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`)
	discordText  = strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "*", `\*`, "_", `\_`, "~", `\~`, "`", "\\`", "|", `\|`, ">", `\>`, "#", `\#`)
)

// chatInput renders m as the provider's send_message input, within its
// length limits.
func chatInput(providerID string, m webhook.ChatMessage) (json.RawMessage, error) {
	m.Title, m.Text = oneLine.Replace(m.Title), oneLine.Replace(m.Text)
	facts := make([][2]string, len(m.Facts))
	for i, f := range m.Facts {
		facts[i] = [2]string{oneLine.Replace(f[0]), oneLine.Replace(f[1])}
	}
	m.Facts = facts
	lines := func(bold string, esc *strings.Replacer) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s%s%s\n%s", bold, esc.Replace(m.Title), bold, esc.Replace(m.Text))
		for _, f := range m.Facts {
			fmt.Fprintf(&b, "\n• %s: %s", esc.Replace(f[0]), esc.Replace(f[1]))
		}
		return b.String()
	}
	var in any
	switch providerID {
	case "slack":
		in = map[string]any{"text": clip(lines("*", slackText), 40000)}
	case "discord":
		in = map[string]any{"content": clip(lines("**", discordText), 2000)}
	case "teams":
		rows := make([]map[string]string, 0, len(m.Facts))
		for _, f := range m.Facts {
			rows = append(rows, map[string]string{"title": clip(markdownText.Replace(f[0]), 200), "value": clip(markdownText.Replace(f[1]), 2000)})
		}
		in = map[string]any{"title": clip(markdownText.Replace(m.Title), 200), "text": clip(markdownText.Replace(m.Text), 20000), "facts": rows}
	default:
		return nil, apperr.E(apperr.Invalid, "a %s integration cannot post chat messages", providerID)
	}
	return json.Marshal(in)
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
