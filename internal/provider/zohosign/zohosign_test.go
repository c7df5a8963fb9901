package zohosign_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/zohosign"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := zohosign.New()
	if got, want := p.Descriptor().ID, "zoho_sign"; got != want {
		t.Errorf("zohosign.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != zohosign.ID {
		t.Errorf("zohosign.ID = %q, want the descriptor's id %q", zohosign.ID, got)
	}
	providertest.Run(t, p)
}
