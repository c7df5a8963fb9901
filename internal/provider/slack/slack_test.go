package slack_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/slack"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := slack.New()
	if got, want := p.Descriptor().ID, "slack"; got != want {
		t.Errorf("slack.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != slack.ID {
		t.Errorf("slack.ID = %q, want the descriptor's id %q", slack.ID, got)
	}
	providertest.Run(t, p)
}
