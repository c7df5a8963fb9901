package vtiger_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/vtiger"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := vtiger.New()
	if got, want := p.Descriptor().ID, "vtiger"; got != want {
		t.Errorf("vtiger.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != vtiger.ID {
		t.Errorf("vtiger.ID = %q, want the descriptor's id %q", vtiger.ID, got)
	}
	providertest.Run(t, p)
}
