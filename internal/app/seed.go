package app

import (
	"context"
	"fmt"

	"ihub/internal/audit"
	"ihub/internal/integration"
)

// SeedSample creates n inactive sample integrations spread over a few
// providers, with labels and a sealed token each. Inactive, so no
// connection test is queued. It is for benchmarks and demos.
func (a *App) SeedSample(ctx context.Context, n int) error {
	providers := []string{"github", "gitlab", "github", "bitbucket"}
	envs := []string{"prod", "staging", "dev"}
	inactive := false
	by := audit.Actor{Type: audit.ActorCLI, Name: "seed"}
	for i := range n {
		p := providers[i%len(providers)]
		name := fmt.Sprintf("%s sample %06d", p, i)
		in := integration.Input{Name: &name, Provider: &p, IsActive: &inactive,
			Labels:      map[string]string{"env": envs[i%len(envs)], "team": fmt.Sprintf("team-%d", i%10)},
			Credentials: map[string]any{sampleCredential(p): fmt.Sprintf("sample-token-%06d", i)}}
		if p == "bitbucket" {
			u := "sample-user"
			in.Username = &u
		}
		if _, err := a.Integrations.Create(ctx, by, in); err != nil {
			return fmt.Errorf("seed %s: %w", name, err)
		}
	}
	return nil
}

func sampleCredential(provider string) string {
	if provider == "bitbucket" {
		return "apiToken"
	}
	return "token"
}
