// Package zohodesk is the adapter for the Zoho Desk API, authenticated with
// OAuth2. Zoho Desk is not covered by providers.md; this follows Zoho's own
// API documentation (desk.zoho.com/DeskAPIDocument): every call except
// /organizations carries an orgId header.
//
// Base URL convention: none — the host follows from the dataCenter setting
// (https://desk.zoho.<domain>); the adapter appends /api/v1/.
package zohodesk

import (
	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// ID is the provider id.
const ID = "zoho_desk"

// Provider is the Zoho Desk adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the Zoho Desk provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Zoho Desk, filed under CRM (customer support).
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:          ID,
		Name:        "Zoho Desk",
		Category:    provider.CategoryCRM,
		Description: "Help-desk tickets, contacts and accounts on Zoho Desk, with OAuth2 token management.",
		AuthKind:    provider.AuthOAuth2,
		BaseURL:     provider.UsageNone,
		Username:    provider.UsageNone,
		Fields: zoho.Fields("Zoho Desk", provider.Field{
			Key:   "orgId",
			Label: "Organization ID",
			Type:  provider.FieldString,
			Help: "The Zoho Desk organization ID: Setup » Developer Space » API » OrgId (or the id from " +
				"GET /api/v1/organizations). Sent as the orgId header on every call.",
		}),
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapOAuth},
		OAuth: zoho.OAuth(
			"Desk.basic.READ", "Desk.tickets.ALL", "Desk.contacts.READ", "Desk.settings.READ",
		),
		DocsURL: "https://desk.zoho.com/DeskAPIDocument",
	}
}
