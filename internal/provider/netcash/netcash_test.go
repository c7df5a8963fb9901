package netcash_test

import (
	"testing"

	"ihub/internal/provider/netcash"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := netcash.New()
	if got, want := p.Descriptor().ID, "netcash"; got != want {
		t.Errorf("netcash.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != netcash.ID {
		t.Errorf("netcash.ID = %q, want the descriptor's id %q", netcash.ID, got)
	}
	providertest.Run(t, p)
}
