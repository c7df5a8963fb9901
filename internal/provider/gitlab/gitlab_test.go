package gitlab_test

import (
	"testing"

	"ihub/internal/provider/gitlab"
	"ihub/internal/provider/providertest"
)

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := gitlab.New()
	if got, want := p.Descriptor().ID, "gitlab"; got != want {
		t.Errorf("gitlab.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != gitlab.ID {
		t.Errorf("gitlab.ID = %q, want the descriptor's id %q", gitlab.ID, got)
	}
	providertest.Run(t, p)
}
