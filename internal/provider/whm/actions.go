package whm

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

var (
	_ provider.ActionRunner = (*Provider)(nil)
	_ provider.Proxyable    = (*Provider)(nil)
)

// NewClient returns the *Client for c: its base URL, username and API token.
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return NewClient(c.BaseURL, hc, c.Username, c.Credentials[FieldAPIToken])
}

// ProxyBase is the integration's base URL; callers append /json-api/<fn>.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	return providerhttp.ParseBaseURL(c.BaseURL)
}

// Authorize sets "Authorization: whm <username>:<token>".
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	tok := c.Credentials[FieldAPIToken]
	switch {
	case strings.TrimSpace(c.Username) == "" || strings.ContainsAny(c.Username, ": \t\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM user name is not set or not valid"}
	case tok.IsZero():
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM API token is not set"}
	case strings.ContainsAny(tok.Reveal(), "\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM API token must be a single line"}
	}
	req.Header.Set("Authorization", "whm "+c.Username+":"+tok.Reveal())
	return nil
}

// ListAccountsInput filters list_accounts.
type ListAccountsInput struct {
	Search       string `json:"search,omitempty" doc:"Value to look for; empty lists every account the token can see." maxLength:"255"`
	SearchType   string `json:"searchType,omitempty" doc:"Column searched: domain (default), owner, user, ip or package." enum:"domain,owner,user,ip,package"`
	SearchMethod string `json:"searchMethod,omitempty" doc:"exact or regex; empty is WHM's default substring match." enum:"exact,regex"`
}

// ListAccountsOutput is the accounts found.
type ListAccountsOutput struct {
	Accounts []Account `json:"accounts"`
}

// CreateAccountInput is a new cPanel account.
type CreateAccountInput struct {
	Username     string `json:"username" doc:"cPanel user name: lowercase letters and digits, starting with a letter, at most 16 characters." pattern:"^[a-z][a-z0-9]{0,15}$"`
	Domain       string `json:"domain" doc:"The account's main domain." maxLength:"253" pattern:"^[A-Za-z0-9.-]+$"`
	Password     string `json:"password" doc:"The account's password." minLength:"1" maxLength:"256" ihub:"sensitive"`
	Plan         string `json:"plan,omitempty" doc:"Hosting package (plan) name; empty uses WHM's default." maxLength:"255"`
	ContactEmail string `json:"contactEmail,omitempty" doc:"Contact email address of the account." format:"email"`
	QuotaMB      *int   `json:"quotaMB,omitempty" doc:"Disk quota in MB overriding the plan; 0 is unlimited." minimum:"0"`
	BandwidthMB  *int   `json:"bandwidthMB,omitempty" doc:"Monthly bandwidth limit in MB overriding the plan; 0 is unlimited." minimum:"0"`
}

// CreateAccountOutput is the created account.
type CreateAccountOutput struct {
	Account CreatedAccount `json:"account"`
}

// SuspendAccountInput names the account to suspend.
type SuspendAccountInput struct {
	User              string `json:"user" doc:"cPanel user name of the account." minLength:"1" maxLength:"16"`
	Reason            string `json:"reason,omitempty" doc:"Why the account is suspended, shown in WHM." maxLength:"1000"`
	DisallowUnsuspend bool   `json:"disallowUnsuspend,omitempty" doc:"Prevent resellers from unsuspending the account."`
}

// UnsuspendAccountInput names the account to unsuspend.
type UnsuspendAccountInput struct {
	User string `json:"user" doc:"cPanel user name of the account." minLength:"1" maxLength:"16"`
}

// SuspensionOutput reports a suspend or unsuspend.
type SuspensionOutput struct {
	User      string `json:"user"`
	Suspended bool   `json:"suspended"`
	// Message is WHM's reason text.
	Message string `json:"message"`
}

// DiskUsageInput optionally narrows account_disk_usage to one account.
type DiskUsageInput struct {
	User string `json:"user,omitempty" doc:"Only this cPanel user; empty lists every account the token can see." maxLength:"16"`
}

// DiskUsageOutput is per-account disk usage (blocks in KiB; a null limit is
// unlimited).
type DiskUsageOutput struct {
	Accounts []DiskUsage `json:"accounts"`
}

// BandwidthInput selects the month and accounts of bandwidth.
type BandwidthInput struct {
	Month      int    `json:"month,omitempty" doc:"Month 1-12; empty is the current month." minimum:"1" maximum:"12"`
	Year       int    `json:"year,omitempty" doc:"Four-digit year; empty is the current year." minimum:"2000" maximum:"2100"`
	Search     string `json:"search,omitempty" doc:"Value to look for; empty reports every account." maxLength:"255"`
	SearchType string `json:"searchType,omitempty" doc:"Column searched: user, domain or owner." enum:"user,domain,owner"`
}

// BandwidthOutput is showbw's report.
type BandwidthOutput struct {
	Report BandwidthReport `json:"report"`
}

// StartAutoSSLInput names the account to check, or none for all.
type StartAutoSSLInput struct {
	User string `json:"user,omitempty" doc:"cPanel user to check; empty starts a check for every account." maxLength:"16"`
}

// StartAutoSSLOutput is the started check.
type StartAutoSSLOutput struct {
	// User is the account checked, empty for all.
	User string `json:"user,omitempty"`
	// PID is the process id of the check on the server.
	PID int `json:"pid"`
}

// Actions are WHM's typed actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name: "list_accounts", Title: "List accounts",
			Description: "Lists the cPanel accounts the token can see, optionally filtered (WHM listaccts).",
		}, func(ctx context.Context, c *Client, in ListAccountsInput) (ListAccountsOutput, error) {
			accts, err := c.ListAccounts(ctx, &ListAccountsOptions{Search: in.Search, SearchType: in.SearchType, SearchMethod: in.SearchMethod})
			if err != nil {
				return ListAccountsOutput{}, err
			}
			if accts == nil {
				accts = []Account{}
			}
			return ListAccountsOutput{Accounts: accts}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "create_account", Title: "Create account", Mutating: true,
			Description: "Creates a cPanel account with a domain, password and optional plan (WHM createacct, sent as a POST form).",
		}, func(ctx context.Context, c *Client, in CreateAccountInput) (CreateAccountOutput, error) {
			acct, err := c.CreateAccount(ctx, CreateAccountOptions{
				Username: in.Username, Domain: in.Domain, Password: secret.NewValue(in.Password), Plan: in.Plan,
				ContactEmail: in.ContactEmail, QuotaMB: in.QuotaMB, BandwidthMB: in.BandwidthMB,
			})
			if err != nil {
				return CreateAccountOutput{}, err
			}
			return CreateAccountOutput{Account: *acct}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "suspend_account", Title: "Suspend account", Mutating: true,
			Description: "Suspends a cPanel account, with an optional reason (WHM suspendacct).",
		}, func(ctx context.Context, c *Client, in SuspendAccountInput) (SuspensionOutput, error) {
			msg, err := c.SuspendAccount(ctx, in.User, &SuspendOptions{Reason: in.Reason, DisallowUnsuspend: in.DisallowUnsuspend})
			if err != nil {
				return SuspensionOutput{}, err
			}
			return SuspensionOutput{User: in.User, Suspended: true, Message: msg}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "unsuspend_account", Title: "Unsuspend account", Mutating: true,
			Description: "Lifts the suspension of a cPanel account (WHM unsuspendacct).",
		}, func(ctx context.Context, c *Client, in UnsuspendAccountInput) (SuspensionOutput, error) {
			msg, err := c.UnsuspendAccount(ctx, in.User)
			if err != nil {
				return SuspensionOutput{}, err
			}
			return SuspensionOutput{User: in.User, Suspended: false, Message: msg}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "account_disk_usage", Title: "Account disk usage",
			Description: "Disk blocks (KiB) and inodes used, with limits, per cPanel account (WHM get_disk_usage).",
		}, func(ctx context.Context, c *Client, in DiskUsageInput) (DiskUsageOutput, error) {
			all, err := c.DiskUsage(ctx)
			if err != nil {
				return DiskUsageOutput{}, err
			}
			out := DiskUsageOutput{Accounts: []DiskUsage{}}
			for _, u := range all {
				if in.User == "" || u.User == in.User {
					out.Accounts = append(out.Accounts, u)
				}
			}
			return out, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "bandwidth", Title: "Bandwidth usage",
			Description: "Bandwidth used per cPanel account in a month, with limits (WHM showbw).",
		}, func(ctx context.Context, c *Client, in BandwidthInput) (BandwidthOutput, error) {
			rep, err := c.Bandwidth(ctx, &BandwidthOptions{Month: in.Month, Year: in.Year, Search: in.Search, SearchType: in.SearchType})
			if err != nil {
				return BandwidthOutput{}, err
			}
			if rep.Accounts == nil {
				rep.Accounts = []AccountBandwidth{}
			}
			return BandwidthOutput{Report: *rep}, nil
		}),
		provider.NewAction(provider.ActionSpec{
			Name: "start_autossl", Title: "Start AutoSSL check", Mutating: true,
			Description: "Starts an AutoSSL certificate check for one cPanel account or for all " +
				"(WHM start_autossl_check_for_one_user / start_autossl_check_for_all_users).",
		}, func(ctx context.Context, c *Client, in StartAutoSSLInput) (StartAutoSSLOutput, error) {
			pid, err := c.StartAutoSSL(ctx, in.User)
			if err != nil {
				return StartAutoSSLOutput{}, err
			}
			return StartAutoSSLOutput{User: in.User, PID: pid}, nil
		}),
	}
}
