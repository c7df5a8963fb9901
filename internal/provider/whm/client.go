package whm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// Client calls WHM API 1 as one WHM user with an API token. It is safe for
// concurrent use. Every method takes ctx first and returns a *provider.Error
// on failure; a cancelled ctx makes the call return promptly with a transport
// error that names the context error. No error text ever contains the token.
//
// API reference: https://api.docs.cpanel.net/whm/introduction/
type Client struct {
	base  *url.URL
	hc    *http.Client
	user  string
	token secret.Value

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the WHM server at baseURL, the address the
// administrator opens in a browser, for example https://server.example.com:2087
// (a path prefix such as a reverse-proxy mount is kept; /json-api/ is appended
// per call). A URL without a port is used as given, which is right for the
// whm.<domain> proxy subdomain on 443; 2087 is not added. username is the WHM
// user the token belongs to (usually root, or a reseller). hc is the caller's
// client (from egress); it must not be nil. A bad base URL or missing
// credentials is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, username string, token secret.Value) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "whm: no HTTP client"}
	}
	if strings.TrimSpace(username) == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM user name is not set (usually root)"}
	}
	if strings.ContainsAny(username, ": \t\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM user name must not contain spaces or colons"}
	}
	if token.IsZero() {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM API token is not set"}
	}
	if strings.ContainsAny(token.Reveal(), "\r\n") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the WHM API token must be a single line"}
	}
	return &Client{base: u, hc: hc, user: username, token: token}, nil
}

// Metadata is the metadata block of every WHM API 1 answer. Result is 1 on
// success and 0 on a logical failure, which WHM reports with HTTP 200 and the
// human text in Reason.
type Metadata struct {
	Command string `json:"command"`
	Reason  string `json:"reason"`
	Result  int    `json:"result"`
	Version int    `json:"version"`
	Output  struct {
		Raw string `json:"raw,omitempty"`
	} `json:"output"`
}

// UnmarshalJSON accepts result and version as numbers or numeric strings.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var raw struct {
		Command string `json:"command"`
		Reason  string `json:"reason"`
		Result  intish `json:"result"`
		Version intish `json:"version"`
		Output  struct {
			Raw string `json:"raw"`
		} `json:"output"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	m.Command, m.Reason, m.Result, m.Version = raw.Command, raw.Reason, int(raw.Result), int(raw.Version)
	m.Output.Raw = raw.Output.Raw
	return nil
}

var fnPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// Call runs the WHM API 1 function fn with params (GET
// /json-api/<fn>?api.version=1&...) and decodes the answer's data block into
// data (nil to ignore it). api.version=1 is always sent: without it WHM
// silently answers in the deprecated API 0 shape. A metadata.result of 0 is
// a *provider.Error of kind provider carrying metadata.reason (kind auth
// when the reason says access or permission was denied), with Status 0
// because the HTTP exchange itself succeeded.
//
// See https://api.docs.cpanel.net/whm/introduction/.
func (c *Client) Call(ctx context.Context, fn string, params url.Values, data any) (*Metadata, error) {
	return c.call(ctx, http.MethodGet, fn, params, data)
}

// CallPost is Call with the parameters in a form body (POST
// /json-api/<fn>, application/x-www-form-urlencoded), which WHM accepts as
// well; use it for long parameters and for values that must not appear in a
// URL, such as a new account's password.
func (c *Client) CallPost(ctx context.Context, fn string, params url.Values, data any) (*Metadata, error) {
	return c.call(ctx, http.MethodPost, fn, params, data)
}

func (c *Client) call(ctx context.Context, method, fn string, params url.Values, data any) (*Metadata, error) {
	if !fnPattern.MatchString(fn) {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "whm: invalid function name"}
	}
	q := url.Values{}
	for k, vs := range params {
		q[k] = append([]string(nil), vs...)
	}
	q.Set("api.version", "1")
	u := c.base.JoinPath("json-api", fn)
	ctx = provider.WithEndpoint(ctx, method+" /json-api/"+fn)
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(q.Encode())
	} else {
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "whm: cannot build the request for " + fn}
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	var env envelope
	if err := c.do(req, &env); err != nil {
		return nil, err
	}
	if env.Metadata == nil {
		return nil, c.redact(env.shapeError(fn))
	}
	md := env.Metadata
	if md.Result != 1 {
		reason := strings.TrimSpace(md.Reason)
		if reason == "" {
			reason = "WHM reported a failure for " + fn + " without a reason"
		}
		kind := provider.ErrProvider
		if deniedReason(reason) {
			kind = provider.ErrAuth
		}
		return md, c.redact(&provider.Error{Kind: kind, Message: providerhttp.Clip(reason, 500)})
	}
	if data != nil && len(env.Data) > 0 && !bytes.Equal(bytes.TrimSpace(env.Data), []byte("null")) {
		if err := json.Unmarshal(env.Data, data); err != nil {
			return md, &provider.Error{Kind: provider.ErrProvider, Message: "WHM answered " + fn + " with data in an unexpected shape"}
		}
	}
	return md, nil
}

// Version returns the WHM version, for example "11.118.0.5".
// It calls GET /json-api/version, which every authenticated user may call.
//
// See https://api.docs.cpanel.net/openapi/whm/operation/version/.
func (c *Client) Version(ctx context.Context) (string, error) {
	var d struct {
		Version string `json:"version"`
	}
	if _, err := c.Call(ctx, "version", nil, &d); err != nil {
		return "", err
	}
	if d.Version == "" {
		return "", &provider.Error{Kind: provider.ErrProvider, Message: "WHM answered version without a version number"}
	}
	return d.Version, nil
}

// Hostname returns the server's hostname (GET /json-api/gethostname).
//
// See https://api.docs.cpanel.net/openapi/whm/operation/gethostname/.
func (c *Client) Hostname(ctx context.Context) (string, error) {
	var d struct {
		Hostname string `json:"hostname"`
	}
	if _, err := c.Call(ctx, "gethostname", nil, &d); err != nil {
		return "", err
	}
	return d.Hostname, nil
}

// Applist returns the names of the API functions the token may call
// (GET /json-api/applist), in the order WHM lists them.
func (c *Client) Applist(ctx context.Context) ([]string, error) {
	var d struct {
		App []string `json:"app"`
	}
	if _, err := c.Call(ctx, "applist", nil, &d); err != nil {
		return nil, err
	}
	return d.App, nil
}

// Account is one entry of listaccts.
type Account struct {
	User          string `json:"user"`
	Domain        string `json:"domain"`
	Email         string `json:"email"`
	Plan          string `json:"plan"`
	Owner         string `json:"owner"`
	Suspended     bool   `json:"suspended"`
	SuspendReason string `json:"suspendreason"`
	// DiskUsed and DiskLimit are WHM's display strings ("12M", "unlimited").
	DiskUsed  string `json:"diskused"`
	DiskLimit string `json:"disklimit"`
	IP        string `json:"ip"`
	StartDate string `json:"startdate"`
	// UnixStartDate is the creation time in Unix seconds.
	UnixStartDate int64 `json:"unix_startdate"`
}

// UnmarshalJSON accepts suspended as 0/1 (WHM's form) or a boolean, and
// unix_startdate as a number or a numeric string.
func (a *Account) UnmarshalJSON(b []byte) error {
	type plain Account
	var raw struct {
		plain
		Suspended     intish `json:"suspended"`
		UnixStartDate intish `json:"unix_startdate"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*a = Account(raw.plain)
	a.Suspended = raw.Suspended != 0
	a.UnixStartDate = int64(raw.UnixStartDate)
	return nil
}

// ListAccountsOptions filters listaccts. The zero value lists every account
// the token can see.
type ListAccountsOptions struct {
	// Search is the value to look for, SearchType the column (domain, owner,
	// user, ip, package) and SearchMethod "exact" or "regex".
	Search       string
	SearchType   string
	SearchMethod string
}

// ListAccounts lists cPanel accounts (GET /json-api/listaccts).
//
// See https://api.docs.cpanel.net/openapi/whm/operation/listaccts/.
func (c *Client) ListAccounts(ctx context.Context, opts *ListAccountsOptions) ([]Account, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Search != "" {
			q.Set("search", opts.Search)
		}
		if opts.SearchType != "" {
			q.Set("searchtype", opts.SearchType)
		}
		if opts.SearchMethod != "" {
			q.Set("searchmethod", opts.SearchMethod)
		}
	}
	var d struct {
		Acct []Account `json:"acct"`
	}
	if _, err := c.Call(ctx, "listaccts", q, &d); err != nil {
		return nil, err
	}
	return d.Acct, nil
}

// do sends req with the token, decodes a 2xx JSON answer into v and maps
// everything else to a *provider.Error.
func (c *Client) do(req *http.Request, v any) error {
	req.Header.Set("Authorization", "whm "+c.user+":"+c.token.Reveal())
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.redact(providerhttp.TransportError(req.Context(), c.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.redact(c.checkResponse(resp))
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return c.redact(err)
	}
	if err := json.Unmarshal(body, v); err != nil {
		msg := "expected a JSON answer from WHM; check that the base URL is the WHM address (normally port 2087)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// checkResponse maps a non-2xx answer. 401/403 are auth (bad or absent
// token, or a port that does not serve WHM); the message is WHM's own text
// from a cpanelresult or metadata body, else a short excerpt of the page.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg := errorText(body)
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	e := &provider.Error{
		Kind:    providerhttp.StatusKind(resp.StatusCode),
		Status:  resp.StatusCode,
		Message: providerhttp.DropStatusEcho(resp.StatusCode, msg),
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	e.RetryAfter = providerhttp.RetryAfter(resp.Header, now())
	return e
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.token.Reveal(), "whm "+c.user+":"+c.token.Reveal())
}

// envelope covers the API 1 shape ({data, metadata}), the API 0 shape
// (status/statusmsg at the top level) and the cPanel API 2 style body WHM
// uses for authentication failures.
type envelope struct {
	Data         json.RawMessage `json:"data"`
	Metadata     *Metadata       `json:"metadata"`
	Status       *intish         `json:"status"`
	StatusMsg    string          `json:"statusmsg"`
	CPanelResult *cpanelResult   `json:"cpanelresult"`
}

type cpanelResult struct {
	Error string `json:"error"`
	Data  struct {
		Reason string `json:"reason"`
	} `json:"data"`
}

func (r *cpanelResult) text() string {
	if r.Error != "" {
		return r.Error
	}
	return r.Data.Reason
}

// shapeError explains a 2xx answer without a metadata block.
func (e *envelope) shapeError(fn string) *provider.Error {
	if e.CPanelResult != nil && e.CPanelResult.text() != "" {
		msg := e.CPanelResult.text()
		kind := provider.ErrProvider
		if deniedReason(msg) {
			kind = provider.ErrAuth
		}
		return &provider.Error{Kind: kind, Message: providerhttp.Clip(msg, 500)}
	}
	msg := "WHM answered " + fn + " without API 1 metadata (an API 0 style answer); the server may not support WHM API 1"
	if e.StatusMsg != "" {
		msg += ": " + providerhttp.Clip(e.StatusMsg, 200)
	}
	return &provider.Error{Kind: provider.ErrProvider, Message: msg}
}

// errorText extracts WHM's own words from an error body, or "".
func errorText(body []byte) string {
	var env envelope
	if json.Unmarshal(body, &env) != nil {
		return ""
	}
	switch {
	case env.CPanelResult != nil && env.CPanelResult.text() != "":
		return providerhttp.Clip(env.CPanelResult.text(), 500)
	case env.Metadata != nil && env.Metadata.Reason != "":
		return providerhttp.Clip(env.Metadata.Reason, 500)
	case env.StatusMsg != "":
		return providerhttp.Clip(env.StatusMsg, 500)
	}
	return ""
}

// deniedReason reports whether an in-body reason means the token may not do
// this (WHM's "Access denied", or a permission failure).
func deniedReason(reason string) bool {
	r := strings.ToLower(reason)
	return strings.HasPrefix(r, "access denied") || strings.Contains(r, "permission denied")
}

// intish decodes a JSON number, numeric string or boolean as an int; WHM is
// not consistent about which it sends.
type intish int

func (n *intish) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	switch s {
	case "", "null", "false":
		*n = 0
		return nil
	case "true":
		*n = 1
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return err
	}
	*n = intish(f)
	return nil
}

// CreateAccountOptions are the parameters of createacct. Username, Domain
// and Password are required; the rest are left to WHM's defaults (the
// plan's limits) when empty.
type CreateAccountOptions struct {
	// Username is the new cPanel user name (lowercase letters and digits,
	// starting with a letter, at most 16 characters).
	Username string
	Domain   string
	Password secret.Value
	// Plan is the package name ("reseller_gold"); "" means WHM's default.
	Plan         string
	ContactEmail string
	// QuotaMB and BandwidthMB override the plan's disk quota and monthly
	// bandwidth in MB; nil keeps the plan's, 0 means unlimited.
	QuotaMB     *int
	BandwidthMB *int
}

// CreatedAccount is what createacct reports about a new account.
type CreatedAccount struct {
	User    string `json:"user"`
	Domain  string `json:"domain"`
	IP      string `json:"ip,omitempty"`
	Package string `json:"package,omitempty"`
	// Nameservers are the nameservers WHM assigned, in order.
	Nameservers []string `json:"nameservers,omitempty"`
	// Message is WHM's metadata.reason ("Account Creation Ok").
	Message string `json:"message"`
}

// CreateAccount creates a cPanel account (createacct). It is sent as POST
// with a form body so the password never appears in a URL; the password is
// also redacted from any error text. A failure such as an existing account
// is a provider error with WHM's reason ("The account 'x' already exists.").
//
// See https://api.docs.cpanel.net/openapi/whm/operation/createacct/.
func (c *Client) CreateAccount(ctx context.Context, opts CreateAccountOptions) (*CreatedAccount, error) {
	switch {
	case strings.TrimSpace(opts.Username) == "":
		return nil, provider.InputError("username", "is required")
	case strings.TrimSpace(opts.Domain) == "":
		return nil, provider.InputError("domain", "is required")
	case opts.Password.IsZero():
		return nil, provider.InputError("password", "is required")
	}
	q := url.Values{}
	q.Set("username", opts.Username)
	q.Set("domain", opts.Domain)
	q.Set("password", opts.Password.Reveal())
	setIf(q, "plan", opts.Plan)
	setIf(q, "contactemail", opts.ContactEmail)
	if opts.QuotaMB != nil {
		q.Set("quota", strconv.Itoa(*opts.QuotaMB))
	}
	if opts.BandwidthMB != nil {
		q.Set("bwlimit", strconv.Itoa(*opts.BandwidthMB))
	}
	// The data block's field names beyond ip are not verified [?]: WHM is
	// known to send nameserver, nameserver2..4 and package.
	var d struct {
		IP          string `json:"ip"`
		Package     string `json:"package"`
		Nameserver  string `json:"nameserver"`
		Nameserver2 string `json:"nameserver2"`
		Nameserver3 string `json:"nameserver3"`
		Nameserver4 string `json:"nameserver4"`
	}
	md, err := c.CallPost(ctx, "createacct", q, &d)
	if err != nil {
		return nil, providerhttp.RedactError(err, opts.Password.Reveal())
	}
	out := &CreatedAccount{
		User: opts.Username, Domain: opts.Domain, IP: d.IP, Package: d.Package,
		Message: providerhttp.Redact(providerhttp.Clip(md.Reason, 500), opts.Password.Reveal(), c.token.Reveal()),
	}
	for _, ns := range []string{d.Nameserver, d.Nameserver2, d.Nameserver3, d.Nameserver4} {
		if ns != "" {
			out.Nameservers = append(out.Nameservers, ns)
		}
	}
	return out, nil
}

// SuspendOptions are the optional parameters of suspendacct.
type SuspendOptions struct {
	// Reason is recorded with the suspension and shown in WHM.
	Reason string
	// DisallowUnsuspend stops resellers from unsuspending the account
	// (disallowun=1).
	DisallowUnsuspend bool
}

// SuspendAccount suspends the cPanel account user (suspendacct) and returns
// WHM's reason text.
//
// See https://api.docs.cpanel.net/openapi/whm/operation/suspendacct/.
func (c *Client) SuspendAccount(ctx context.Context, user string, opts *SuspendOptions) (string, error) {
	if strings.TrimSpace(user) == "" {
		return "", provider.InputError("user", "is required")
	}
	q := url.Values{"user": {user}}
	if opts != nil {
		setIf(q, "reason", opts.Reason)
		if opts.DisallowUnsuspend {
			q.Set("disallowun", "1")
		}
	}
	md, err := c.Call(ctx, "suspendacct", q, nil)
	if err != nil {
		return "", err
	}
	return c.reason(md), nil
}

// UnsuspendAccount lifts the suspension of the cPanel account user
// (unsuspendacct) and returns WHM's reason text.
//
// See https://api.docs.cpanel.net/openapi/whm/operation/unsuspendacct/.
func (c *Client) UnsuspendAccount(ctx context.Context, user string) (string, error) {
	if strings.TrimSpace(user) == "" {
		return "", provider.InputError("user", "is required")
	}
	md, err := c.Call(ctx, "unsuspendacct", url.Values{"user": {user}}, nil)
	if err != nil {
		return "", err
	}
	return c.reason(md), nil
}

// DiskUsage is one account's entry of get_disk_usage. Blocks are KiB; a nil
// limit means unlimited.
type DiskUsage struct {
	User        string `json:"user"`
	BlocksUsed  int64  `json:"blocks_used"`
	BlocksLimit *int64 `json:"blocks_limit"`
	InodesUsed  int64  `json:"inodes_used"`
	InodesLimit *int64 `json:"inodes_limit"`
}

// UnmarshalJSON accepts numbers or numeric strings; null or a non-number
// limit means unlimited.
func (u *DiskUsage) UnmarshalJSON(b []byte) error {
	var raw struct {
		User        string `json:"user"`
		BlocksUsed  optInt `json:"blocks_used"`
		BlocksLimit optInt `json:"blocks_limit"`
		InodesUsed  optInt `json:"inodes_used"`
		InodesLimit optInt `json:"inodes_limit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*u = DiskUsage{User: raw.User, BlocksUsed: raw.BlocksUsed.value(), BlocksLimit: raw.BlocksLimit.v,
		InodesUsed: raw.InodesUsed.value(), InodesLimit: raw.InodesLimit.v}
	return nil
}

// DiskUsage returns every visible account's disk usage (get_disk_usage,
// the successor of getdiskusage), from WHM's cache.
//
// See https://api.docs.cpanel.net/openapi/whm/operation/get_disk_usage/.
func (c *Client) DiskUsage(ctx context.Context) ([]DiskUsage, error) {
	var d struct {
		Accounts []DiskUsage `json:"accounts"`
	}
	if _, err := c.Call(ctx, "get_disk_usage", nil, &d); err != nil {
		return nil, err
	}
	return d.Accounts, nil
}

// BandwidthOptions select the month and accounts of showbw. Zero values are
// WHM's defaults (the current month, every visible account).
type BandwidthOptions struct {
	Month, Year int
	// Search and SearchType (user, domain, owner...) filter like listaccts.
	Search, SearchType string
}

// AccountBandwidth is one account's bandwidth for the month. Limit is nil
// when unlimited.
type AccountBandwidth struct {
	User       string `json:"user"`
	Domain     string `json:"domain"`
	TotalBytes int64  `json:"totalbytes"`
	Limit      *int64 `json:"limit"`
}

// UnmarshalJSON accepts numbers or numeric strings, and maindomain when
// domain is absent [?: the field list beyond acct is not re-checked].
func (a *AccountBandwidth) UnmarshalJSON(b []byte) error {
	var raw struct {
		User       string `json:"user"`
		Domain     string `json:"domain"`
		MainDomain string `json:"maindomain"`
		TotalBytes optInt `json:"totalbytes"`
		Limit      optInt `json:"limit"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*a = AccountBandwidth{User: raw.User, Domain: raw.Domain, TotalBytes: raw.TotalBytes.value(), Limit: raw.Limit.v}
	if a.Domain == "" {
		a.Domain = raw.MainDomain
	}
	if a.Limit != nil && *a.Limit == 0 {
		a.Limit = nil // WHM's 0 is unlimited [?]
	}
	return nil
}

// BandwidthReport is showbw's answer.
type BandwidthReport struct {
	Month     int                `json:"month"`
	Year      int                `json:"year"`
	TotalUsed int64              `json:"totalused"`
	Accounts  []AccountBandwidth `json:"accounts"`
}

// Bandwidth returns per-account bandwidth for a month (showbw).
//
// See https://api.docs.cpanel.net/openapi/whm/operation/showbw/.
func (c *Client) Bandwidth(ctx context.Context, opts *BandwidthOptions) (*BandwidthReport, error) {
	q := url.Values{}
	if opts != nil {
		if opts.Month > 0 {
			q.Set("month", strconv.Itoa(opts.Month))
		}
		if opts.Year > 0 {
			q.Set("year", strconv.Itoa(opts.Year))
		}
		setIf(q, "search", opts.Search)
		setIf(q, "searchtype", opts.SearchType)
	}
	// month, year and totalused beyond acct are not re-checked [?].
	var d struct {
		Acct      []AccountBandwidth `json:"acct"`
		Month     intish             `json:"month"`
		Year      intish             `json:"year"`
		TotalUsed optInt             `json:"totalused"`
	}
	if _, err := c.Call(ctx, "showbw", q, &d); err != nil {
		return nil, err
	}
	return &BandwidthReport{Month: int(d.Month), Year: int(d.Year), TotalUsed: d.TotalUsed.value(), Accounts: d.Acct}, nil
}

// StartAutoSSL starts an AutoSSL check for the cPanel account user
// (start_autossl_check_for_one_user), or for every account when user is ""
// (start_autossl_check_for_all_users), and returns the check's process id.
//
// See https://api.docs.cpanel.net/openapi/whm/operation/start_autossl_check_for_one_user/.
func (c *Client) StartAutoSSL(ctx context.Context, user string) (int, error) {
	var d struct {
		PID intish `json:"pid"`
	}
	var err error
	if user == "" {
		_, err = c.Call(ctx, "start_autossl_check_for_all_users", nil, &d)
	} else {
		_, err = c.Call(ctx, "start_autossl_check_for_one_user", url.Values{"username": {user}}, &d)
	}
	if err != nil {
		return 0, err
	}
	return int(d.PID), nil
}

func (c *Client) reason(md *Metadata) string {
	return providerhttp.Redact(providerhttp.Clip(md.Reason, 500), c.token.Reveal())
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// optInt decodes a JSON number or numeric string; null, "unlimited" and
// other non-numbers decode as nil.
type optInt struct{ v *int64 }

func (o *optInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		o.v = nil
		return nil
	}
	n := int64(f)
	o.v = &n
	return nil
}

func (o optInt) value() int64 {
	if o.v == nil {
		return 0
	}
	return *o.v
}
