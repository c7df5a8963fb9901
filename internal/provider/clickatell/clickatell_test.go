package clickatell_test

import (
	"testing"

	"ihub/internal/provider/clickatell"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := clickatell.New()
	if got, want := p.Descriptor().ID, "clickatell"; got != want {
		t.Errorf("clickatell.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != clickatell.ID {
		t.Errorf("clickatell.ID = %q, want the descriptor's id %q", clickatell.ID, got)
	}
	providertest.Run(t, p)
}
