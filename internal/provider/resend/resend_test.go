package resend_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/resend"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := resend.New()
	if got, want := p.Descriptor().ID, "resend"; got != want {
		t.Errorf("resend.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != resend.ID {
		t.Errorf("resend.ID = %q, want the descriptor's id %q", resend.ID, got)
	}
	providertest.Run(t, p)
}
