package zohocrm_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohocrm"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := zohocrm.New()
	if got, want := p.Descriptor().ID, "zoho_crm"; got != want {
		t.Errorf("zohocrm.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohocrm.ID {
		t.Errorf("zohocrm.ID = %q, want the descriptor's id %q", zohocrm.ID, got)
	}
	providertest.Run(t, p)
}
