// Package zohocrm is the adapter for the Zoho CRM REST API (providers.md
// A14), authenticated with OAuth2: descriptor, client (client.go),
// connection test, actions and proxy.
//
// Base URL convention: none — the API domain follows from the dataCenter
// setting (https://www.zohoapis.<dc>); the adapter appends /crm/v7/. A
// connection's BaseURL, which the API never stores for Zoho, replaces the
// API domain when set (tests and the demo mode point it at zohofake).
package zohocrm

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// ID is the provider id.
const ID = "zoho_crm"

// Provider is the Zoho CRM adapter. It is stateless and safe for concurrent
// use.
type Provider struct{}

var (
	_ provider.Provider     = (*Provider)(nil)
	_ provider.Checker      = (*Provider)(nil)
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// New returns the Zoho CRM provider.
func New() *Provider { return &Provider{} }

// Descriptor describes Zoho CRM.
func (*Provider) Descriptor() provider.Descriptor {
	return provider.Descriptor{
		ID:           ID,
		Name:         "Zoho CRM",
		Category:     provider.CategoryCRM,
		Description:  "Zoho CRM modules and records (leads, contacts, accounts, deals) through the REST API, with OAuth2 token management.",
		AuthKind:     provider.AuthOAuth2,
		BaseURL:      provider.UsageNone,
		Username:     provider.UsageNone,
		Fields:       zoho.Fields("Zoho CRM"),
		Capabilities: []provider.Capability{provider.CapTest, provider.CapActions, provider.CapProxy, provider.CapOAuth, provider.CapWebhooks},
		// Workflow webhooks with a custom header carrying a shared token.
		// An endpoint may choose query_token instead (the token as a
		// workflow webhook's URL parameter) or body_token (the token the
		// Notifications API echoes in its JSON body): docs/webhooks.md.
		Webhook: &provider.WebhookSpec{Scheme: "header_token"},
		OAuth: zoho.OAuth(
			"ZohoCRM.modules.ALL", "ZohoCRM.settings.READ", "ZohoCRM.org.READ", "ZohoCRM.users.READ",
		),
		DocsURL:  "https://www.zoho.com/crm/developer/docs/api/v7/",
		TestCall: "GET /crm/v7/org and /crm/v7/users?type=CurrentUser",
	}
}

// Test reads the organization (GET /crm/v7/org) and the current user (GET
// /crm/v7/users?type=CurrentUser), both read-only. Details: "orgId",
// "companyName", "primaryEmail", "country", "timeZone", "currency",
// "apiHost", and "user", "userEmail", "role", "profile"; when the user
// cannot be read (auth, not-found or provider error) the test still
// succeeds and "note" says why.
func (p *Provider) Test(ctx context.Context, hc *http.Client, c provider.Connection) (provider.TestResult, error) {
	cl, err := NewClient(hc, c)
	if err != nil {
		return provider.TestResult{}, err
	}
	org, err := cl.Org(ctx)
	if err != nil {
		return provider.TestResult{}, err
	}
	details := map[string]any{
		"orgId":        org.ID,
		"companyName":  org.CompanyName,
		"primaryEmail": org.PrimaryEmail,
		"apiHost":      cl.api.Base().Host,
	}
	for k, v := range map[string]string{"country": org.Country, "timeZone": org.TimeZone, "currency": org.Currency} {
		if v != "" {
			details[k] = v
		}
	}
	name := org.CompanyName
	if name == "" {
		name = org.ID
	}
	msg := "Connected to Zoho CRM organization " + name
	user, err := cl.CurrentUser(ctx)
	switch kindOf(err) {
	case "":
		details["user"] = user.FullName
		details["userEmail"] = user.Email
		if user.Role.Name != "" {
			details["role"] = user.Role.Name
		}
		if user.Profile.Name != "" {
			details["profile"] = user.Profile.Name
		}
		if user.FullName != "" {
			msg += " as " + user.FullName
		}
	case provider.ErrAuth, provider.ErrNotFound, provider.ErrProvider:
		details["note"] = "could not read the current user (the token may lack ZohoCRM.users.READ): " + err.Error()
	default:
		return provider.TestResult{}, err
	}
	return provider.TestResult{Message: msg, Details: details}, nil
}

func kindOf(err error) provider.ErrorKind {
	var perr *provider.Error
	if errors.As(err, &perr) {
		return perr.Kind
	}
	if err != nil {
		return provider.ErrProvider
	}
	return ""
}

// NewClient returns the *Client the actions run on.
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(hc, c)
}

// ProxyBase is the API domain; callers give paths such as /crm/v7/Leads.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return zoho.CRM.BaseURL(c)
}

// Authorize adds "Authorization: Zoho-oauthtoken <token>".
func (p *Provider) Authorize(ctx context.Context, req *http.Request, c provider.Connection) error {
	return zoho.Authorize(ctx, req, c, nil)
}

// ListModulesInput is the input of list_modules.
type ListModulesInput struct {
	APISupportedOnly bool `json:"apiSupportedOnly,omitempty" doc:"Only list modules the API supports (records can be listed)."`
}

// ListModulesOutput is the output of list_modules.
type ListModulesOutput struct {
	Modules []Module `json:"modules"`
}

// ListRecordsInput is the input of list_records.
type ListRecordsInput struct {
	Module    string   `json:"module" doc:"The module's API name: Leads, Contacts, Accounts, Deals or a custom module (see list_modules)." pattern:"^[A-Za-z][A-Za-z0-9_]{0,99}$" maxLength:"100"`
	Fields    []string `json:"fields,omitempty" doc:"Field API names to return (at most 50); by default a few common fields plus id, Created_Time and Modified_Time." maxItems:"50"`
	Page      int      `json:"page,omitempty" doc:"1-based page number." minimum:"1"`
	PerPage   int      `json:"perPage,omitempty" doc:"Records per page, at most 200 (the default)." minimum:"1" maximum:"200"`
	PageToken string   `json:"pageToken,omitempty" doc:"Page token from a previous answer's info, to page beyond 2 000 records." maxLength:"500"`
	SortBy    string   `json:"sortBy,omitempty" doc:"Field to sort by." enum:"id,Created_Time,Modified_Time"`
	SortOrder string   `json:"sortOrder,omitempty" doc:"Sort direction." enum:"asc,desc"`
}

// ListRecordsOutput is the output of list_records.
type ListRecordsOutput struct {
	Records []Record `json:"records"`
	Info    Info     `json:"info"`
}

// Actions lists the Zoho CRM actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:        "list_modules",
			Title:       "List modules",
			Description: "Lists the CRM organization's modules with their API names (GET /crm/v7/settings/modules).",
		}, func(ctx context.Context, c *Client, in ListModulesInput) (ListModulesOutput, error) {
			mods, err := c.Modules(ctx)
			if err != nil {
				return ListModulesOutput{}, err
			}
			if in.APISupportedOnly {
				kept := []Module{}
				for _, m := range mods {
					if m.APISupported {
						kept = append(kept, m)
					}
				}
				mods = kept
			}
			return ListModulesOutput{Modules: mods}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name:        "list_records",
			Title:       "List records",
			Description: "Lists one page of a module's records with the chosen fields (GET /crm/v7/{module}).",
		}, func(ctx context.Context, c *Client, in ListRecordsInput) (ListRecordsOutput, error) {
			recs, info, err := c.Records(ctx, in.Module, &RecordsOptions{
				Fields: in.Fields, Page: in.Page, PerPage: in.PerPage, PageToken: in.PageToken,
				SortBy: in.SortBy, SortOrder: in.SortOrder,
			})
			if err != nil {
				return ListRecordsOutput{}, err
			}
			return ListRecordsOutput{Records: recs, Info: *info}, nil
		}),
	}
}
