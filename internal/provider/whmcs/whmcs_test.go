package whmcs_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whmcs"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := whmcs.New()
	if got, want := p.Descriptor().ID, "whmcs"; got != want {
		t.Errorf("whmcs.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != whmcs.ID {
		t.Errorf("whmcs.ID = %q, want the descriptor's id %q", whmcs.ID, got)
	}
	providertest.Run(t, p)
}
