package plesk_test

import (
	"testing"

	"ihub/internal/provider/plesk"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := plesk.New()
	if got, want := p.Descriptor().ID, "plesk"; got != want {
		t.Errorf("plesk.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != plesk.ID {
		t.Errorf("plesk.ID = %q, want the descriptor's id %q", plesk.ID, got)
	}
	providertest.Run(t, p)
}
