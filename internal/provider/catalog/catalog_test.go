package catalog_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/catalog"
	"ihub/internal/provider/providertest"
)

// catalogOrder is the catalog as specified: every id, in registration order.
var catalogOrder = []string{
	"whm", "cpanel", "plesk", "whmcs", "vtiger", "awx", "terraform", "github", "gitlab", "bitbucket",
	"slack", "discord", "teams", "zoho_crm", "zoho_sign", "zoho_billing", "zoho_desk", "didit", "netcash",
	"clickatell", "aws_sns", "sms_webhook", "resend", "smtp", "google_maps", "mtn_coverage", "http",
}

// catalogPackages are the packages of catalogOrder, same order.
var catalogPackages = []string{
	"whm", "cpanel", "plesk", "whmcs", "vtiger", "awx", "terraform", "github", "gitlab", "bitbucket",
	"slack", "discord", "teams", "zohocrm", "zohosign", "zohobilling", "zohodesk", "didit", "netcash",
	"clickatell", "awssns", "smswebhook", "resend", "smtp", "googlemaps", "mtncoverage", "generichttp",
}

func registry(t *testing.T) *provider.Registry {
	t.Helper()
	r := provider.NewRegistry()
	catalog.Register(r)
	return r
}

func TestRegisterIDs(t *testing.T) {
	t.Parallel()
	r := registry(t)
	var got []string
	for _, p := range r.All() {
		got = append(got, p.Descriptor().ID)
	}
	want := slices.Clone(catalogOrder)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("registered ids mismatch (-want +got):\n%s", diff)
	}
	if !sort.StringsAreSorted(got) {
		t.Errorf("Registry.All() ids = %v, want sorted", got)
	}
	for _, id := range catalogOrder {
		p, ok := r.Get(id)
		if !ok {
			t.Errorf("Get(%q) not found", id)
			continue
		}
		if got := p.Descriptor().ID; got != id {
			t.Errorf("Get(%q).Descriptor().ID = %q", id, got)
		}
	}
}

// TestRegisterOrder checks that catalog.go registers the providers in
// catalog order. The registry only exposes them sorted by id, so the order
// is read from the source: the sequence of r.MustAdd(<pkg>.New()) calls.
func TestRegisterOrder(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "catalog.go", nil, 0)
	if err != nil {
		t.Fatalf("parse catalog.go: %v", err)
	}
	var got []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "MustAdd" || len(call.Args) != 1 {
			return true
		}
		if inner, ok := call.Args[0].(*ast.CallExpr); ok {
			if s, ok := inner.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := s.X.(*ast.Ident); ok && s.Sel.Name == "New" {
					got = append(got, pkg.Name)
				}
			}
		}
		return false
	})
	if diff := cmp.Diff(catalogPackages, got); diff != "" {
		t.Errorf("MustAdd calls in catalog.go mismatch (-want +got):\n%s", diff)
	}
	// The package list and the id list describe the same catalog.
	r := registry(t)
	for i, id := range catalogOrder {
		if _, ok := r.Get(id); !ok {
			t.Errorf("catalog entry %d (%s, package %s) is not registered", i, id, catalogPackages[i])
		}
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	t.Parallel()
	r := registry(t)
	defer func() {
		if recover() == nil {
			t.Errorf("second catalog.Register on the same registry did not panic, want a duplicate-id panic")
		}
	}()
	catalog.Register(r)
}

func TestDescriptors(t *testing.T) {
	t.Parallel()
	for _, p := range registry(t).All() {
		d := p.Descriptor()
		t.Run(d.ID, func(t *testing.T) {
			t.Parallel()
			if err := provider.ValidateDescriptor(d); err != nil {
				t.Errorf("ValidateDescriptor() = %v, want nil", err)
			}
			for _, err := range providertest.Lint(d) {
				t.Errorf("Lint(): %v", err)
			}
		})
	}
}

// TestCapabilities pins the catalog-wide capability rules: what can notify,
// which providers receive webhooks with which scheme and headers, and that
// every Zoho provider has OAuth.
func TestCapabilities(t *testing.T) {
	t.Parallel()
	r := registry(t)
	notifiers := []string{"aws_sns", "clickatell", "discord", "resend", "slack", "sms_webhook", "smtp", "teams"}
	webhooks := map[string]provider.WebhookSpec{
		"github":     {Scheme: "github", DeliveryIDHeader: "X-GitHub-Delivery", EventHeader: "X-GitHub-Event"},
		"gitlab":     {Scheme: "gitlab_token", DeliveryIDHeader: "Idempotency-Key", EventHeader: "X-Gitlab-Event"},
		"slack":      {Scheme: "slack", SecretField: "signingSecret"},
		"resend":     {Scheme: "standard_webhooks", DeliveryIDHeader: "svix-id"},
		"bitbucket":  {Scheme: "bitbucket", DeliveryIDHeader: "X-Request-UUID", EventHeader: "X-Event-Key"},
		"discord":    {Scheme: "discord_ed25519", SecretField: "publicKey"},
		"terraform":  {Scheme: "terraform"},
		"whmcs":      {Scheme: "whmcs", DeliveryIDHeader: "X-Hub-Delivery", EventHeader: "X-Hub-Event"},
		"netcash":    {Scheme: "netcash"},
		"didit":      {Scheme: "didit"},
		"zoho_sign":  {Scheme: "zoho_sign"},
		"clickatell": {Scheme: "header_token", SecretField: "webhookToken"},
		// Forwarded hooks and senders that take a custom header.
		"whm":          {Scheme: "header_token"},
		"cpanel":       {Scheme: "header_token"},
		"zoho_crm":     {Scheme: "header_token"},
		"zoho_billing": {Scheme: "header_token"},
		"zoho_desk":    {Scheme: "header_token"},
		"sms_webhook":  {Scheme: "header_token"},
		"awx":          {Scheme: "basic_auth", SecretField: "webhookPassword", SettingsFrom: map[string]string{"username": "webhookUsername"}},
		"http": {Scheme: "hmac", SettingsFrom: map[string]string{"header": "signatureHeader", "algorithm": "signatureAlgorithm",
			"encoding": "signatureEncoding", "prefix": "signaturePrefix"}},
	}
	for _, p := range r.All() {
		d := p.Descriptor()
		if got, want := d.Has(provider.CapNotify), slices.Contains(notifiers, d.ID); got != want {
			t.Errorf("%s: Has(notify) = %v, want %v", d.ID, got, want)
		}
		if want, ok := webhooks[d.ID]; ok {
			if d.Webhook == nil {
				t.Errorf("%s: no webhook spec, want %+v", d.ID, want)
			} else if diff := cmp.Diff(want, *d.Webhook); diff != "" {
				t.Errorf("%s: webhook spec mismatch (-want +got):\n%s", d.ID, diff)
			}
		} else if d.Webhook != nil {
			t.Errorf("%s: webhook spec %+v, want none", d.ID, *d.Webhook)
		}
		// What the webhook spec takes from the integration is among its
		// fields: the secret a sensitive one (but a public key, which is
		// public), the settings plain ones.
		if w := d.Webhook; w != nil {
			if w.SecretField != "" {
				if f, ok := d.Field(w.SecretField); !ok || f.Sensitive == (w.Scheme == "discord_ed25519") {
					t.Errorf("%s: webhook secret field %q is not a sensitive field of the provider", d.ID, w.SecretField)
				}
			}
			for to, from := range w.SettingsFrom {
				if f, ok := d.Field(from); !ok || f.Sensitive {
					t.Errorf("%s: endpoint setting %q comes from %q, which is not a plain field of the provider", d.ID, to, from)
				}
			}
		}
		isZoho := len(d.ID) > 5 && d.ID[:5] == "zoho_"
		if got := d.Has(provider.CapOAuth); got != isZoho {
			t.Errorf("%s: Has(oauth) = %v, want %v", d.ID, got, isZoho)
		}
		if isZoho {
			for _, k := range []string{"clientId", "clientSecret", "dataCenter", "accessToken", "refreshToken"} {
				if _, ok := d.Field(k); !ok {
					t.Errorf("%s: missing field %s", d.ID, k)
				}
			}
			if d.OAuth.AuthURL != "https://accounts.zoho.com/oauth/v2/auth" ||
				d.OAuth.TokenURL != "https://accounts.zoho.com/oauth/v2/token" ||
				d.OAuth.RevokeURL != "https://accounts.zoho.com/oauth/v2/token/revoke" {
				t.Errorf("%s: OAuth = %+v, want the US accounts server endpoints", d.ID, *d.OAuth)
			}
		}
		if _, isChecker := p.(provider.Checker); isChecker && !d.Has(provider.CapTest) {
			t.Errorf("%s implements Checker without the test capability", d.ID)
		}
	}
}

// TestCheckers pins which providers implement a connection test today.
// noConnectionTest lists the providers that have no read-only call to test
// a connection with, and why.
var noConnectionTest = map[string]string{
	"didit": "Didit documents no read-only call that needs only the API key",
	"teams": "Teams webhooks have no read-only endpoint: any call posts a message",
}

// TestImplementsCapabilities checks that every provider implements what its
// descriptor claims, and claims what it implements: test ↔ Checker,
// actions ↔ ActionRunner, proxy ↔ Proxyable; and that every provider has a
// connection test unless noConnectionTest says why not.
func TestImplementsCapabilities(t *testing.T) {
	t.Parallel()
	for _, p := range registry(t).All() {
		d := p.Descriptor()
		_, checker := p.(provider.Checker)
		_, runner := p.(provider.ActionRunner)
		_, proxy := p.(provider.Proxyable)
		for _, c := range []struct {
			cap  provider.Capability
			impl bool
			what string
		}{{provider.CapTest, checker, "provider.Checker"}, {provider.CapActions, runner, "provider.ActionRunner"},
			{provider.CapProxy, proxy, "provider.Proxyable"}} {
			if d.Has(c.cap) != c.impl {
				t.Errorf("%s: capability %q listed = %v, implements %s = %v", d.ID, c.cap, d.Has(c.cap), c.what, c.impl)
			}
		}
		if _, exempt := noConnectionTest[d.ID]; !checker && !exempt {
			t.Errorf("%s has no connection test and no reason in noConnectionTest", d.ID)
		}
		if checker && d.TestCall == "" {
			t.Errorf("%s: the descriptor does not say what the connection test calls (TestCall)", d.ID)
		}
		if runner {
			if len(p.(provider.ActionRunner).Actions()) == 0 {
				t.Errorf("%s: an ActionRunner with no actions", d.ID)
			}
		}
	}
}
