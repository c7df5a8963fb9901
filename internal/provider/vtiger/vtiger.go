// Package vtiger is the adapter for vTiger CRM web services (providers.md
// A5): challenge, login with md5(token+accessKey), then a session.
//
// Base URL convention: the CRM address as opened in a browser,
// https://crm.example.com or https://<instance>.od2.vtiger.com; the adapter
// appends /webservice.php.
package vtiger

import "ihub/internal/provider"

// ID is the provider id.
const ID = "vtiger"

// Provider is the vTiger adapter. It is stateless and safe for concurrent use.
type Provider struct{}

var _ provider.Provider = (*Provider)(nil)

// New returns the vTiger provider.
func New() *Provider { return &Provider{} }

// Descriptor describes vTiger CRM.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:       ID,
		Name:     "vTiger CRM",
		Category: provider.CategoryCRM,
		Description: "vTiger CRM records (contacts, accounts, leads, tickets) through the web services API " +
			"with VTQL queries. Base URL: the CRM address, e.g. https://crm.example.com " +
			"(ihub calls /webservice.php under it).",
		AuthKind:     provider.AuthChallenge,
		BaseURL:      provider.UsageRequired,
		Username:     provider.UsageRequired,
		UsernameHelp: "The vTiger user name whose access key is used; ihub sees and changes what this user may.",
		Fields: []provider.Field{{
			Key:       "accessKey",
			Label:     "Access key",
			Type:      provider.FieldSecret,
			Required:  true,
			Sensitive: true,
			Help: "The user's webservice access key: click the user's avatar » My Preferences » User " +
				"Advanced Options » Access Key. It is not the login password.",
		}},
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy},
		DocsURL:      "https://community.vtiger.com/help/vtigercrm/developers/third-party-app-integration.html",
	}
}
