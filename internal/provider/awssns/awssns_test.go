package awssns_test

import (
	"testing"

	"ihub/internal/provider/awssns"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := awssns.New()
	if got, want := p.Descriptor().ID, "aws_sns"; got != want {
		t.Errorf("awssns.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != awssns.ID {
		t.Errorf("awssns.ID = %q, want the descriptor's id %q", awssns.ID, got)
	}
	providertest.Run(t, p)
}
