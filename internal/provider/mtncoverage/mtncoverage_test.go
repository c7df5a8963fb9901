package mtncoverage_test

import (
	"testing"

	"ihub/internal/provider/mtncoverage"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := mtncoverage.New()
	if got, want := p.Descriptor().ID, "mtn_coverage"; got != want {
		t.Errorf("mtncoverage.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != mtncoverage.ID {
		t.Errorf("mtncoverage.ID = %q, want the descriptor's id %q", mtncoverage.ID, got)
	}
	providertest.Run(t, p)
}
