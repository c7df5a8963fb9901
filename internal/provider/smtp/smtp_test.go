package smtp_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/smtp"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := smtp.New()
	if got, want := p.Descriptor().ID, "smtp"; got != want {
		t.Errorf("smtp.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != smtp.ID {
		t.Errorf("smtp.ID = %q, want the descriptor's id %q", smtp.ID, got)
	}
	providertest.Run(t, p)
}
