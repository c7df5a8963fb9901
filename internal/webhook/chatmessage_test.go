package webhook

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestChatMessageProvenance: a chat message says when its event is a test
// send's or a replay's, as the envelope does for programs.
func TestChatMessageProvenance(t *testing.T) {
	at := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	orig := int64(41)
	base := Event{ID: "evt_42", Provider: "github", IntegrationID: "int_1", Type: "code.push", Subject: "acme/site: 1 commit",
		OccurredAt: at, Data: map[string]any{"ref": "main"}}
	facts := [][2]string{{"Source", "github"}, {"Integration", "int_1"}, {"Occurred", "2026-12-06T05:00:00Z"}, {"Event", "evt_42"}}
	tests := []struct {
		name string
		edit func(*Event)
		want ChatMessage
	}{
		{"provider's", func(*Event) {}, ChatMessage{Title: "code.push", Text: "acme/site: 1 commit",
			Facts: append(append([][2]string{}, facts...), [2]string{"ref", "main"})}},
		{"test send's", func(e *Event) { e.Test = true }, ChatMessage{Title: "[test] code.push", Text: "acme/site: 1 commit",
			Facts: append(append([][2]string{}, facts...), [2]string{"ref", "main"})}},
		{"replay's", func(e *Event) { e.ReplayOf = &orig }, ChatMessage{Title: "code.push", Text: "acme/site: 1 commit",
			Facts: append(append([][2]string{}, facts...), [2]string{"Replay of", "evt_41"}, [2]string{"ref", "main"})}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base
			tt.edit(&ev)
			if diff := cmp.Diff(tt.want, chatMessage(ev)); diff != "" {
				t.Errorf("chatMessage (-want +got):\n%s", diff)
			}
		})
	}
}
