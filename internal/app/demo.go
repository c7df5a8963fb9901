package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/demo"
	"ihub/internal/integration"
	"ihub/internal/store"
)

// DemoCredentialsFile is written in the data directory by StartDemo.
const DemoCredentialsFile = "demo-credentials.txt"

// DemoEmail is the demo administrator's sign-in name.
const DemoEmail = "demo@ihub.local"

// StartDemo starts the built-in fake providers, seeds one integration per
// fake (allowed to reach loopback), creates a demo administrator with a
// random password and an API token, and writes them to
// demo-credentials.txt (mode 0600) in the data directory, never to the log.
// The caller stops the fakes with the returned function after Serve.
func (a *App) StartDemo(ctx context.Context) (stop func(), err error) {
	if a.DB.Dialect() != store.SQLite {
		return nil, fmt.Errorf("demo mode runs on a throwaway SQLite database, not on %s", a.DB.Dialect())
	}
	fakes := demo.Start()
	defer func() {
		if err != nil {
			fakes.Close()
		}
	}()
	yes := true
	var lines []string
	for _, d := range fakes.Integrations {
		name, slug, prov, base := d.Name, d.Slug, d.Provider, d.BaseURL
		in := integration.Input{Name: &name, Slug: &slug, Provider: &prov, BaseURL: &base, Settings: d.Settings,
			Credentials: d.Credentials, IsActive: &yes, AllowPrivateNetwork: &yes, Labels: map[string]string{"demo": "true"}}
		if d.Username != "" {
			u := d.Username
			in.Username = &u
		}
		if _, err := a.Integrations.Create(ctx, audit.System, in); err != nil {
			return nil, fmt.Errorf("demo: seed %s: %w", slug, err)
		}
		lines = append(lines, fmt.Sprintf("  %-14s %-13s %s", slug, prov, d.Description))
	}
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	password := base64.RawURLEncoding.EncodeToString(b[:])
	if _, err := a.Auth.CreateUser(ctx, auth.NewUser{Email: DemoEmail, Name: "Demo admin", Role: auth.RoleSuperAdmin,
		Password: password}, audit.System); err != nil {
		return nil, fmt.Errorf("demo: create the demo admin: %w", err)
	}
	token, _, err := a.Auth.CreateTokenForCLI(ctx, DemoEmail, "demo", nil)
	if err != nil {
		return nil, fmt.Errorf("demo: create the demo token: %w", err)
	}
	pub := a.Config.ResolvedPublicURL().String()
	text := fmt.Sprintf(`ihub DEMO MODE — fake providers, throwaway data in %s

Console:   %s  (sign in as %s)
Password:  %s
API token: %s

Try:
  curl -H "Authorization: Bearer %s" %s/api/v1/integrations
  curl -X POST -H "Authorization: Bearer %s" %s/api/v1/integrations/demo-whm/test
  curl -X POST -H "Authorization: Bearer %s" -H 'Content-Type: application/json' -d '{"search":"example"}' %s/api/v1/integrations/demo-whm/actions/list_accounts
  curl -H "Authorization: Bearer %s" %s/api/v1/integrations/demo-http/proxy/items
  curl -H "Authorization: Bearer %s" "%s/api/v1/integrations/demo-whm/metrics?window=24h"

Integrations (slug, provider, what to try):
%s
`, a.Config.DataDir, pub, DemoEmail, password, token, token, pub, token, pub, token, pub, token, pub, token, pub,
		strings.Join(lines, "\n"))
	path := filepath.Join(a.Config.DataDir, DemoCredentialsFile)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return nil, fmt.Errorf("demo: write %s: %w", path, err)
	}
	a.Log.Warn("DEMO MODE: fake providers on loopback and a throwaway database; nothing here talks to a real service",
		"integrations", len(fakes.Integrations), "sign_in_and_token", path)
	return fakes.Close, nil
}
