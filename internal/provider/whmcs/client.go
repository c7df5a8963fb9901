package whmcs

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // WHMCS's legacy admin login is defined as the MD5 hex of the password
	"encoding/hex"
	"encoding/json"
	"errors"
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

// APIPath is the path of the classic WHMCS API under the system URL.
const APIPath = "/includes/api.php"

// Credentials are what a WHMCS client authenticates with. Either
// Identifier and Secret (API credentials, the recommended way) or Username
// and Password (a WHMCS admin login, the legacy way) must be set. AccessKey
// is optional: the $api_access_key from configuration.php, which lets a
// caller whose IP is not on the API allow-list in.
type Credentials struct {
	Identifier secret.Value
	Secret     secret.Value
	// Username is the admin user name of the legacy login.
	Username string
	// Password is the admin password of the legacy login. WHMCS expects its
	// MD5 hex; the client hashes it unless it already is 32 lower-case hex
	// digits (then it is taken as the hash) [?].
	Password  secret.Value
	AccessKey secret.Value
}

// Client calls the classic WHMCS API (POST <system URL>/includes/api.php,
// form-encoded, credentials as body fields, responsetype=json). It is safe
// for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure, including the failures WHMCS reports with
// HTTP 200 and result=error. No error text ever contains a credential.
//
// API reference: https://developers.whmcs.com/api/
type Client struct {
	base    *url.URL
	hc      *http.Client
	auth    url.Values
	secrets []string
	legacy  bool

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the WHMCS installation at baseURL, the
// system URL as opened in a browser (https://billing.example.com or
// https://example.com/whmcs); /includes/api.php is appended per call. hc is
// the caller's client (from egress); it must not be nil. A bad base URL or
// missing or malformed credentials is a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, cred Credentials) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "whmcs: no HTTP client"}
	}
	auth, secrets, err := authFields(cred)
	if err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, auth: auth, secrets: secrets, legacy: cred.Identifier.IsZero() && cred.Secret.IsZero()}, nil
}

var md5Hex = regexp.MustCompile(`^[0-9a-f]{32}$`)

// authFields returns the body fields that authenticate a call, and every
// value that must never show up in an error text.
func authFields(cred Credentials) (url.Values, []string, error) {
	invalid := func(msg string) (url.Values, []string, error) {
		return nil, nil, &provider.Error{Kind: provider.ErrInvalid, Message: msg}
	}
	for _, v := range []string{cred.Identifier.Reveal(), cred.Secret.Reveal(), cred.Username, cred.Password.Reveal(), cred.AccessKey.Reveal()} {
		if strings.ContainsAny(v, "\r\n") {
			return invalid("the WHMCS credentials must be single lines")
		}
	}
	f := url.Values{}
	var secrets []string
	switch {
	case !cred.Identifier.IsZero() || !cred.Secret.IsZero():
		if cred.Identifier.IsZero() || cred.Secret.IsZero() {
			return invalid("both the WHMCS API identifier and the API secret are needed")
		}
		f.Set("identifier", cred.Identifier.Reveal())
		f.Set("secret", cred.Secret.Reveal())
		secrets = append(secrets, cred.Identifier.Reveal(), cred.Secret.Reveal())
	case strings.TrimSpace(cred.Username) != "" || !cred.Password.IsZero():
		if strings.TrimSpace(cred.Username) == "" || cred.Password.IsZero() {
			return invalid("the legacy WHMCS admin login needs both the admin user name and the admin password")
		}
		pw := cred.Password.Reveal()
		hash := pw
		if !md5Hex.MatchString(pw) {
			sum := md5.Sum([]byte(pw)) //nolint:gosec // required by the WHMCS wire format
			hash = hex.EncodeToString(sum[:])
		}
		f.Set("username", strings.TrimSpace(cred.Username))
		f.Set("password", hash)
		secrets = append(secrets, pw, hash)
	default:
		return invalid("the WHMCS API identifier and secret are not set")
	}
	if !cred.AccessKey.IsZero() {
		f.Set("accesskey", cred.AccessKey.Reveal())
		secrets = append(secrets, cred.AccessKey.Reveal())
	}
	return f, secrets, nil
}

// credentialKeys are the body fields that carry credentials; a proxied
// caller's own values for them are dropped.
var credentialKeys = []string{"identifier", "secret", "username", "password", "accesskey"}

var actionPattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)

// Call runs the API action with params and decodes the JSON answer into v
// (nil to ignore it). result=error answers (HTTP 200 in the classic API) are
// a *provider.Error with Status 0 carrying WHMCS's message: kind auth for
// "Authentication Failed", "Invalid IP …" and "Invalid Permissions …", kind
// not_found for "… Not Found" and "Invalid … ID" messages, kind provider
// otherwise.
func (c *Client) Call(ctx context.Context, action string, params url.Values, v any) error {
	if !actionPattern.MatchString(action) {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "whmcs: invalid action name"}
	}
	form := url.Values{}
	for k, vs := range params {
		form[k] = append([]string(nil), vs...)
	}
	for _, k := range credentialKeys {
		form.Del(k)
	}
	for k, vs := range c.auth {
		form[k] = append([]string(nil), vs...)
	}
	form.Set("action", action)
	form.Set("responsetype", "json")
	ctx = provider.WithEndpoint(ctx, "POST "+APIPath+" "+action)
	u := c.base.JoinPath(APIPath)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "whmcs: cannot build the request for " + action}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	return c.redact(c.do(req, action, v))
}

func (c *Client) do(req *http.Request, action string, v any) error {
	resp, err := c.hc.Do(req)
	if err != nil {
		return providerhttp.TransportError(req.Context(), c.base.Host, err)
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.checkResponse(resp)
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return err
	}
	var env struct {
		Result  *string `json:"result"`
		Message string  `json:"message"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		msg := "expected a JSON answer from WHMCS; check that the base URL is the WHMCS system URL (ihub calls " + APIPath + " under it)"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return &provider.Error{Kind: provider.ErrProvider, Message: msg}
	}
	if env.Result == nil {
		return &provider.Error{Kind: provider.ErrProvider, Message: "WHMCS answered " + action + " without a result field"}
	}
	if !strings.EqualFold(*env.Result, "success") {
		return resultError(env.Message, action)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return &provider.Error{Kind: provider.ErrProvider, Message: "WHMCS answered " + action + " in an unexpected shape"}
		}
	}
	return nil
}

// resultError maps a result=error message to an error kind.
func resultError(msg, action string) *provider.Error {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		msg = "WHMCS reported an error for " + action + " without a message"
	}
	return &provider.Error{Kind: messageKind(msg), Message: providerhttp.Clip(msg, 500)}
}

func messageKind(msg string) provider.ErrorKind {
	m := strings.ToLower(msg)
	switch {
	case strings.HasPrefix(m, "authentication failed"), strings.HasPrefix(m, "invalid ip"),
		strings.HasPrefix(m, "invalid permissions"), strings.Contains(m, "invalid or missing credentials"):
		return provider.ErrAuth
	case strings.Contains(m, "not found"), strings.HasPrefix(m, "invalid invoice id"),
		strings.HasPrefix(m, "invalid client id"), strings.HasPrefix(m, "invalid product id"):
		return provider.ErrNotFound
	}
	return provider.ErrProvider
}

// checkResponse maps a non-2xx answer: WHMCS's own message from a
// {"result":"error","message":…} body, else a short excerpt of the page.
// The classic api.php mostly answers 200; some setups answer 403 for
// "Invalid IP" [?], which StatusKind makes an auth error as well.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	var env struct {
		Message string `json:"message"`
	}
	msg := ""
	if json.Unmarshal(body, &env) == nil {
		msg = providerhttp.Clip(env.Message, 500)
	}
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return &provider.Error{
		Kind:       providerhttp.StatusKind(resp.StatusCode),
		Status:     resp.StatusCode,
		Message:    providerhttp.DropStatusEcho(resp.StatusCode, msg),
		RetryAfter: providerhttp.RetryAfter(resp.Header, now()),
	}
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.secrets...)
}

// Details is the answer of WhmcsDetails.
type Details struct {
	Version          string `json:"version"`
	CanonicalVersion string `json:"canonicalversion"`
}

// Details returns the WHMCS version (action WhmcsDetails).
//
// See https://developers.whmcs.com/api-reference/whmcsdetails/.
func (c *Client) Details(ctx context.Context) (*Details, error) {
	var out struct {
		WHMCS Details `json:"whmcs"`
	}
	if err := c.Call(ctx, "WhmcsDetails", nil, &out); err != nil {
		return nil, err
	}
	if out.WHMCS.Version == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "WHMCS answered WhmcsDetails without a version"}
	}
	return &out.WHMCS, nil
}

// ClientSummary is one entry of GetClients.
type ClientSummary struct {
	ID          Int    `json:"id"`
	FirstName   string `json:"firstname"`
	LastName    string `json:"lastname"`
	CompanyName string `json:"companyname"`
	Email       string `json:"email"`
	DateCreated string `json:"datecreated"`
	GroupID     Int    `json:"groupid"`
	Status      string `json:"status"`
}

// ClientList is a page of GetClients.
type ClientList struct {
	TotalResults Int             `json:"totalresults"`
	StartNumber  Int             `json:"startnumber"`
	NumReturned  Int             `json:"numreturned"`
	Clients      []ClientSummary `json:"clients"`
}

// GetClientsOptions filters GetClients. The zero value lists the first 25
// clients.
type GetClientsOptions struct {
	// LimitStart is the offset (default 0), LimitNum the page size (default 25).
	LimitStart, LimitNum int
	// Search matches name, company or email; Status is Active, Inactive or Closed.
	Search, Status string
	// Sorting is ASC or DESC; OrderBy a column such as id, firstname, email.
	Sorting, OrderBy string
}

// GetClients lists clients (action GetClients).
//
// See https://developers.whmcs.com/api-reference/getclients/.
func (c *Client) GetClients(ctx context.Context, opts *GetClientsOptions) (*ClientList, error) {
	q := url.Values{}
	if opts != nil {
		setInt(q, "limitstart", opts.LimitStart)
		setInt(q, "limitnum", opts.LimitNum)
		setStr(q, "search", opts.Search)
		setStr(q, "status", opts.Status)
		setStr(q, "sorting", opts.Sorting)
		setStr(q, "orderby", opts.OrderBy)
	}
	var raw struct {
		TotalResults Int             `json:"totalresults"`
		StartNumber  Int             `json:"startnumber"`
		NumReturned  Int             `json:"numreturned"`
		Clients      json.RawMessage `json:"clients"`
	}
	if err := c.Call(ctx, "GetClients", q, &raw); err != nil {
		return nil, err
	}
	list, err := nested[ClientSummary](raw.Clients, "client")
	if err != nil {
		return nil, shapeError("GetClients")
	}
	return &ClientList{TotalResults: raw.TotalResults, StartNumber: raw.StartNumber, NumReturned: raw.NumReturned, Clients: list}, nil
}

// ClientDetails is the client block of GetClientsDetails. It deliberately
// leaves out the password hash, card and security-question fields WHMCS
// also returns.
type ClientDetails struct {
	ID          Int    `json:"id"`
	UserID      Int    `json:"userid"`
	UUID        string `json:"uuid"`
	FirstName   string `json:"firstname"`
	LastName    string `json:"lastname"`
	FullName    string `json:"fullname"`
	CompanyName string `json:"companyname"`
	Email       string `json:"email"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	City        string `json:"city"`
	State       string `json:"state"`
	Postcode    string `json:"postcode"`
	CountryCode string `json:"countrycode"`
	CountryName string `json:"countryname"`
	PhoneNumber string `json:"phonenumber"`
	GroupID     Int    `json:"groupid"`
	Status      string `json:"status"`
	Credit      Str    `json:"credit"`
	Currency    string `json:"currency_code"`
	Language    string `json:"language"`
}

// GetClientDetails returns one client by id (or, with id 0, by email), with
// WHMCS's statistics for it when stats is true (action GetClientsDetails).
// The stats values are WHMCS's display strings ("$5.95 USD", "19").
//
// See https://developers.whmcs.com/api-reference/getclientsdetails/.
func (c *Client) GetClientDetails(ctx context.Context, id int, email string, stats bool) (*ClientDetails, map[string]string, error) {
	q := url.Values{}
	setInt(q, "clientid", id)
	setStr(q, "email", email)
	if stats {
		q.Set("stats", "true")
	}
	// The JSON answer nests the client under "client" (the docs' example
	// shows it flattened as client[...] keys) [?].
	var raw struct {
		Client *ClientDetails             `json:"client"`
		Stats  map[string]json.RawMessage `json:"stats"`
	}
	if err := c.Call(ctx, "GetClientsDetails", q, &raw); err != nil {
		return nil, nil, err
	}
	if raw.Client == nil {
		return nil, nil, shapeError("GetClientsDetails")
	}
	var st map[string]string
	if stats && raw.Stats != nil {
		st = scalars(raw.Stats)
	}
	return raw.Client, st, nil
}

// Product is one entry of GetProducts. Pricing maps a currency code to
// billing cycle → price (WHMCS's strings, "-1.00" meaning not offered).
type Product struct {
	PID         Int                       `json:"pid"`
	GID         Int                       `json:"gid"`
	Type        string                    `json:"type"`
	Name        string                    `json:"name"`
	Description string                    `json:"description"`
	Module      string                    `json:"module"`
	PayType     string                    `json:"paytype"`
	Pricing     map[string]map[string]Str `json:"pricing,omitempty"`
}

// GetProductsOptions filters GetProducts; zero values mean no filter.
type GetProductsOptions struct {
	PID, GID int
	Module   string
}

// GetProducts lists products (action GetProducts).
//
// See https://developers.whmcs.com/api-reference/getproducts/.
func (c *Client) GetProducts(ctx context.Context, opts *GetProductsOptions) ([]Product, int, error) {
	q := url.Values{}
	if opts != nil {
		setInt(q, "pid", opts.PID)
		setInt(q, "gid", opts.GID)
		setStr(q, "module", opts.Module)
	}
	var raw struct {
		TotalResults Int             `json:"totalresults"`
		Products     json.RawMessage `json:"products"`
	}
	if err := c.Call(ctx, "GetProducts", q, &raw); err != nil {
		return nil, 0, err
	}
	list, err := nested[Product](raw.Products, "product")
	if err != nil {
		return nil, 0, shapeError("GetProducts")
	}
	return list, int(raw.TotalResults), nil
}

// Ticket is what OpenTicket needs. DeptID, Subject and Message are
// required, and either ClientID or Name and Email.
type Ticket struct {
	DeptID   int
	Subject  string
	Message  string
	ClientID int
	Name     string
	Email    string
	// Priority is Low, Medium or High (WHMCS's default when empty).
	Priority string
	Markdown bool
	// NoEmail stops WHMCS from sending the ticket email (WHMCS 8.3+).
	NoEmail bool
}

// OpenedTicket is the answer of OpenTicket: the internal id and the public
// ticket number. The client-area access code ("c") is left out on purpose:
// it lets anyone read the ticket.
type OpenedTicket struct {
	ID  Int    `json:"id"`
	TID string `json:"tid"`
}

// OpenTicket opens a support ticket (action OpenTicket).
//
// See https://developers.whmcs.com/api-reference/openticket/.
func (c *Client) OpenTicket(ctx context.Context, t Ticket) (*OpenedTicket, error) {
	q := url.Values{}
	setInt(q, "deptid", t.DeptID)
	q.Set("subject", t.Subject)
	q.Set("message", t.Message)
	setInt(q, "clientid", t.ClientID)
	setStr(q, "name", t.Name)
	setStr(q, "email", t.Email)
	setStr(q, "priority", t.Priority)
	if t.Markdown {
		q.Set("markdown", "true")
	}
	if t.NoEmail {
		q.Set("noemail", "true")
	}
	var out struct {
		OpenedTicket
		TIDAny Str `json:"tid"`
	}
	if err := c.Call(ctx, "OpenTicket", q, &out); err != nil {
		return nil, err
	}
	return &OpenedTicket{ID: out.ID, TID: string(out.TIDAny)}, nil
}

// InvoiceItem is one line of an invoice.
type InvoiceItem struct {
	ID          Int    `json:"id"`
	Type        string `json:"type"`
	RelID       Int    `json:"relid"`
	Description string `json:"description"`
	Amount      Str    `json:"amount"`
	Taxed       Int    `json:"taxed"`
}

// Invoice is the answer of GetInvoice. Money values are WHMCS's decimal
// strings; DatePaid is "0000-00-00 00:00:00" for an unpaid invoice.
type Invoice struct {
	InvoiceID     Int           `json:"invoiceid"`
	InvoiceNum    Str           `json:"invoicenum"`
	UserID        Int           `json:"userid"`
	Date          string        `json:"date"`
	DueDate       string        `json:"duedate"`
	DatePaid      string        `json:"datepaid"`
	Subtotal      Str           `json:"subtotal"`
	Credit        Str           `json:"credit"`
	Tax           Str           `json:"tax"`
	Tax2          Str           `json:"tax2"`
	Total         Str           `json:"total"`
	Balance       Str           `json:"balance"`
	Status        string        `json:"status"`
	PaymentMethod string        `json:"paymentmethod"`
	Items         []InvoiceItem `json:"items"`
}

// GetInvoice returns one invoice with its status and items (action
// GetInvoice). Transactions are not decoded.
//
// See https://developers.whmcs.com/api-reference/getinvoice/.
func (c *Client) GetInvoice(ctx context.Context, id int) (*Invoice, error) {
	q := url.Values{}
	q.Set("invoiceid", strconv.Itoa(id))
	var raw struct {
		Invoice
		Items json.RawMessage `json:"items"`
	}
	if err := c.Call(ctx, "GetInvoice", q, &raw); err != nil {
		return nil, err
	}
	items, err := nested[InvoiceItem](raw.Items, "item")
	if err != nil {
		return nil, shapeError("GetInvoice")
	}
	inv := raw.Invoice
	inv.Items = items
	return &inv, nil
}

// GetStats returns WHMCS's dashboard statistics (action GetStats) as
// display strings keyed by WHMCS's names (income_today, orders_pending,
// tickets_open, …); timeline_data and other nested values are left out.
//
// See https://developers.whmcs.com/api-reference/getstats/.
func (c *Client) GetStats(ctx context.Context) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := c.Call(ctx, "GetStats", nil, &raw); err != nil {
		return nil, err
	}
	st := scalars(raw)
	delete(st, "result")
	return st, nil
}

// Legacy reports whether the client uses the legacy admin login.
func (c *Client) Legacy() bool { return c.legacy }

func shapeError(action string) *provider.Error {
	return &provider.Error{Kind: provider.ErrProvider, Message: "WHMCS answered " + action + " in an unexpected shape"}
}

func setInt(q url.Values, k string, v int) {
	if v != 0 {
		q.Set(k, strconv.Itoa(v))
	}
}

func setStr(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

// scalars keeps the string, number and boolean values of m as strings.
func scalars(m map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(m))
	for k, raw := range m {
		var s Str
		if json.Unmarshal(raw, &s) == nil {
			out[k] = string(s)
		}
	}
	return out
}

// nested decodes WHMCS's XML-shaped lists: {"<key>": [...]} (or a single
// object), where an empty list may come as "", [], {} or null.
func nested[T any](raw json.RawMessage, key string) ([]T, error) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "", `""`, "null", "[]", "{}":
		return []T{}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		// Some versions send the list itself.
		var list []T
		if err2 := json.Unmarshal(raw, &list); err2 != nil {
			return nil, err
		}
		return list, nil
	}
	inner := bytes.TrimSpace(obj[key])
	switch string(inner) {
	case "", `""`, "null", "[]", "{}":
		return []T{}, nil
	}
	if inner[0] == '{' {
		var one T
		if err := json.Unmarshal(inner, &one); err != nil {
			return nil, err
		}
		return []T{one}, nil
	}
	var list []T
	if err := json.Unmarshal(inner, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// Int is an integer WHMCS sends as a number or a numeric string ("" is 0).
// It marshals as a plain JSON number.
type Int int64

// UnmarshalJSON accepts a number, a numeric string, "", null or a boolean.
func (n *Int) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(strings.Trim(string(bytes.TrimSpace(b)), `"`))
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
	*n = Int(f)
	return nil
}

// Str is a value WHMCS sends as a string or a number. It marshals as a
// plain JSON string.
type Str string

// UnmarshalJSON accepts a string, a number, a boolean or null.
func (s *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*s = ""
		return nil
	}
	if b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Str(v)
		return nil
	}
	if b[0] == '{' || b[0] == '[' {
		return errors.New("whmcs: expected a string or a number")
	}
	*s = Str(b)
	return nil
}
