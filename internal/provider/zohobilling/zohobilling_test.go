package zohobilling_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohobilling"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := zohobilling.New()
	if got, want := p.Descriptor().ID, "zoho_billing"; got != want {
		t.Errorf("zohobilling.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohobilling.ID {
		t.Errorf("zohobilling.ID = %q, want the descriptor's id %q", zohobilling.ID, got)
	}
	providertest.Run(t, p)
}
