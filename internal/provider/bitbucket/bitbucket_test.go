package bitbucket_test

import (
	"testing"

	"ihub/internal/provider/bitbucket"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := bitbucket.New()
	if got, want := p.Descriptor().ID, "bitbucket"; got != want {
		t.Errorf("bitbucket.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != bitbucket.ID {
		t.Errorf("bitbucket.ID = %q, want the descriptor's id %q", bitbucket.ID, got)
	}
	providertest.Run(t, p)
}
