package terraform_test

import (
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/terraform"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := terraform.New()
	if got, want := p.Descriptor().ID, "terraform"; got != want {
		t.Errorf("terraform.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != terraform.ID {
		t.Errorf("terraform.ID = %q, want the descriptor's id %q", terraform.ID, got)
	}
	providertest.Run(t, p)
}
