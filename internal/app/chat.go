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

// chatInput renders m as the provider's send_message input, within its
// length limits.
func chatInput(providerID string, m webhook.ChatMessage) (json.RawMessage, error) {
	lines := func(bold string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s%s%s\n%s", bold, m.Title, bold, m.Text)
		for _, f := range m.Facts {
			fmt.Fprintf(&b, "\n• %s: %s", f[0], f[1])
		}
		return b.String()
	}
	var in any
	switch providerID {
	case "slack":
		in = map[string]any{"text": clip(lines("*"), 40000)}
	case "discord":
		in = map[string]any{"content": clip(lines("**"), 2000)}
	case "teams":
		facts := make([]map[string]string, 0, len(m.Facts))
		for _, f := range m.Facts {
			facts = append(facts, map[string]string{"title": clip(f[0], 200), "value": clip(f[1], 2000)})
		}
		in = map[string]any{"title": clip(m.Title, 200), "text": clip(m.Text, 20000), "facts": facts}
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
