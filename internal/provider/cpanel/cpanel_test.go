package cpanel_test

import (
	"testing"

	"ihub/internal/provider/cpanel"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := cpanel.New()
	if got, want := p.Descriptor().ID, "cpanel"; got != want {
		t.Errorf("cpanel.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != cpanel.ID {
		t.Errorf("cpanel.ID = %q, want the descriptor's id %q", cpanel.ID, got)
	}
	providertest.Run(t, p)
}
