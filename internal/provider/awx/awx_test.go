package awx_test

import (
	"testing"

	"ihub/internal/provider/awx"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := awx.New()
	if got, want := p.Descriptor().ID, "awx"; got != want {
		t.Errorf("awx.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != awx.ID {
		t.Errorf("awx.ID = %q, want the descriptor's id %q", awx.ID, got)
	}
	providertest.Run(t, p)
}
