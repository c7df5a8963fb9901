package didit_test

import (
	"testing"

	"ihub/internal/provider/didit"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := didit.New()
	if got, want := p.Descriptor().ID, "didit"; got != want {
		t.Errorf("didit.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != didit.ID {
		t.Errorf("didit.ID = %q, want the descriptor's id %q", didit.ID, got)
	}
	providertest.Run(t, p)
}
