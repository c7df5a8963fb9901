package teams_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/teams"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := teams.New()
	if got, want := p.Descriptor().ID, "teams"; got != want {
		t.Errorf("teams.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != teams.ID {
		t.Errorf("teams.ID = %q, want the descriptor's id %q", teams.ID, got)
	}
	providertest.Run(t, p)
}
