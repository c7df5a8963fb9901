package generichttp_test

import (
	"testing"

	"ihub/internal/provider/generichttp"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := generichttp.New()
	if got, want := p.Descriptor().ID, "http"; got != want {
		t.Errorf("generichttp.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != generichttp.ID {
		t.Errorf("generichttp.ID = %q, want the descriptor's id %q", generichttp.ID, got)
	}
	providertest.Run(t, p)
}
