package discord_test

import (
	"testing"

	"ihub/internal/provider/discord"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := discord.New()
	if got, want := p.Descriptor().ID, "discord"; got != want {
		t.Errorf("discord.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != discord.ID {
		t.Errorf("discord.ID = %q, want the descriptor's id %q", discord.ID, got)
	}
	providertest.Run(t, p)
}
