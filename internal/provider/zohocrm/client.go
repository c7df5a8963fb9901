package zohocrm

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// Client calls the Zoho CRM REST API v7 with one connection's access token
// (from its OAuth token source, or the manually entered access token). It
// is safe for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure; no error text ever contains the token.
//
// API reference: https://www.zoho.com/crm/developer/docs/api/v7/
type Client struct {
	api *zoho.API
}

// NewClient returns a client for connection c: its API domain follows from
// the dataCenter setting (c.BaseURL, when set, replaces it: tests and the
// demo mode). hc is the caller's client; it must not be nil. Missing
// credentials or a bad data centre are a *provider.Error of kind invalid.
func NewClient(hc *http.Client, c provider.Connection) (*Client, error) {
	api, err := zoho.NewAPI(zoho.CRM, hc, c, nil)
	if err != nil {
		return nil, err
	}
	return &Client{api: api}, nil
}

// Org is the CRM organization (GET /crm/v7/org), with the fields ihub uses.
type Org struct {
	ID           string `json:"id"`
	CompanyName  string `json:"company_name"`
	PrimaryEmail string `json:"primary_email"`
	Country      string `json:"country,omitempty"`
	TimeZone     string `json:"time_zone,omitempty"`
	Currency     string `json:"currency,omitempty"`
}

// Org returns the organization the token belongs to.
//
// Zoho API docs: https://www.zoho.com/crm/developer/docs/api/v7/get-org-data.html
func (c *Client) Org(ctx context.Context) (*Org, error) {
	var body struct {
		Org []Org `json:"org"`
	}
	if _, err := c.api.Get(ctx, "GET /crm/v7/org", "/crm/v7/org", nil, &body); err != nil {
		return nil, err
	}
	if len(body.Org) == 0 {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Zoho CRM answered /org without an organization"}
	}
	return &body.Org[0], nil
}

// User is a CRM user, with the fields ihub uses.
type User struct {
	ID       string `json:"id"`
	FullName string `json:"full_name"`
	Email    string `json:"email"`
	Role     struct {
		Name string `json:"name"`
	} `json:"role"`
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
}

// CurrentUser returns the user the token belongs to
// (GET /crm/v7/users?type=CurrentUser; needs ZohoCRM.users.READ).
//
// Zoho API docs: https://www.zoho.com/crm/developer/docs/api/v7/get-users.html
func (c *Client) CurrentUser(ctx context.Context) (*User, error) {
	var body struct {
		Users []User `json:"users"`
	}
	q := url.Values{"type": {"CurrentUser"}}
	if _, err := c.api.Get(ctx, "GET /crm/v7/users", "/crm/v7/users", q, &body); err != nil {
		return nil, err
	}
	if len(body.Users) == 0 {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Zoho CRM answered /users?type=CurrentUser without a user"}
	}
	return &body.Users[0], nil
}

// Module is one CRM module as listed by GET /crm/v7/settings/modules.
type Module struct {
	APIName       string `json:"api_name"`
	ModuleName    string `json:"module_name"`
	SingularLabel string `json:"singular_label,omitempty"`
	PluralLabel   string `json:"plural_label,omitempty"`
	ID            string `json:"id"`
	APISupported  bool   `json:"api_supported"`
}

// Modules lists the organization's modules.
//
// Zoho API docs: https://www.zoho.com/crm/developer/docs/api/v7/modules-api.html
func (c *Client) Modules(ctx context.Context) ([]Module, error) {
	var body struct {
		Modules []Module `json:"modules"`
	}
	if _, err := c.api.Get(ctx, "GET /crm/v7/settings/modules", "/crm/v7/settings/modules", nil, &body); err != nil {
		return nil, err
	}
	if body.Modules == nil {
		body.Modules = []Module{}
	}
	return body.Modules, nil
}

// RecordsOptions selects records. Fields is mandatory for Zoho since API
// v3 [?]; empty means DefaultFields(module).
type RecordsOptions struct {
	Fields    []string
	Page      int    // 1-based; 0 means 1
	PerPage   int    // at most 200; 0 means Zoho's default (200)
	PageToken string // beyond 2 000 records, from Info.NextPageToken
	SortBy    string // id, Created_Time or Modified_Time
	SortOrder string // asc or desc
}

// Info is the pagination block of a records answer.
type Info struct {
	PerPage       int    `json:"per_page"`
	Count         int    `json:"count"`
	Page          int    `json:"page"`
	MoreRecords   bool   `json:"more_records"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

// Record is one CRM record: field API names to values, always with "id".
type Record = map[string]any

var (
	moduleName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,99}$`)
	fieldName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,99}$`)
)

// DefaultFields are the fields listed when the caller names none.
func DefaultFields(module string) []string {
	base := []string{"id", "Created_Time", "Modified_Time"}
	switch module {
	case "Leads", "Contacts":
		return append([]string{"First_Name", "Last_Name", "Email"}, base...)
	case "Accounts":
		return append([]string{"Account_Name"}, base...)
	case "Deals":
		return append([]string{"Deal_Name", "Stage", "Amount"}, base...)
	}
	return base
}

// Records lists records of module (its API name). An empty module answers
// HTTP 204, which is an empty list here. A bad module or field name is an
// input error naming list_records' module or fields[i] field.
//
// Zoho API docs: https://www.zoho.com/crm/developer/docs/api/v7/get-records.html
func (c *Client) Records(ctx context.Context, module string, opts *RecordsOptions) ([]Record, *Info, error) {
	if !moduleName.MatchString(module) {
		return nil, nil, provider.InputError("module", "must be a CRM module API name such as Leads")
	}
	if opts == nil {
		opts = &RecordsOptions{}
	}
	fields := opts.Fields
	if len(fields) == 0 {
		fields = DefaultFields(module)
	}
	for i, f := range opts.Fields {
		if !fieldName.MatchString(f) {
			return nil, nil, provider.InputError("fields["+strconv.Itoa(i)+"]", "must be a CRM field API name such as Last_Name")
		}
	}
	q := url.Values{}
	q.Set("fields", strings.Join(fields, ","))
	if opts.Page > 0 {
		q.Set("page", strconv.Itoa(opts.Page))
	}
	if opts.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(opts.PerPage))
	}
	if opts.PageToken != "" {
		q.Set("page_token", opts.PageToken)
	}
	if opts.SortBy != "" {
		q.Set("sort_by", opts.SortBy)
	}
	if opts.SortOrder != "" {
		q.Set("sort_order", opts.SortOrder)
	}
	var body struct {
		Data []Record `json:"data"`
		Info Info     `json:"info"`
	}
	status, err := c.api.Get(ctx, "GET /crm/v7/{module}", "/crm/v7/"+module, q, &body)
	if err != nil {
		return nil, nil, err
	}
	if status == http.StatusNoContent || body.Data == nil {
		return []Record{}, &Info{Page: max(opts.Page, 1)}, nil
	}
	return body.Data, &body.Info, nil
}
