package netcash

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// DefaultBaseURL is the root of NetCash's web services (NIWS).
const DefaultBaseURL = "https://ws.netcash.co.za"

// DefaultSoftwareVendorKey is the software vendor key NetCash's own Pay Now
// plugins send when the merchant has none of their own [L] (NetCash's
// WHMCS module hard-codes it). It identifies the integrating software, it
// is not a secret.
const DefaultSoftwareVendorKey = "24ade73c-98cf-47b3-99be-cc7b867b3080"

// PayNowServiceID is the NIWS service id of Pay Now (providers.md B11).
const PayNowServiceID = "14"

// The NIWS partner service and its ValidateServiceKey operation.
const (
	partnerPath    = "/NIWS/NIWS_Partner.svc"
	validateAction = "http://tempuri.org/INIWS_Partner/ValidateServiceKey"
)

// Status codes of ValidateServiceKey (providers.md B11).
const (
	StatusOK             = "001" // account authenticated / service key validated
	StatusBadVendorKey   = "103"
	StatusBadAccount     = "104"
	StatusNoService      = "105"
	StatusBadServiceKey  = "106"
	StatusLockedOut      = "201" // locked out for 10 minutes
	lockoutRetryInterval = 10 * time.Minute
)

// StatusText describes a ValidateServiceKey status code.
func StatusText(code string) string {
	switch code {
	case StatusOK:
		return "validated"
	case StatusBadVendorKey:
		return "the software vendor key is not valid"
	case StatusBadAccount:
		return "the merchant account number is not valid or not active"
	case StatusNoService:
		return "the Pay Now service is not active on this account"
	case StatusBadServiceKey:
		return "the Pay Now service key is not valid or not active"
	case StatusLockedOut:
		return "the account is locked out for 10 minutes after failed attempts"
	case "":
		return "no status"
	}
	return "NetCash status " + code
}

// Client calls NetCash's NIWS web services (SOAP 1.2) for one merchant
// account and its Pay Now service key. It is safe for concurrent use. Every
// method takes ctx first and returns a *provider.Error on failure; a
// cancelled ctx makes the call return promptly with a transport error that
// names the context error. No error text ever contains a key.
//
// API reference: https://api.netcash.co.za/
type Client struct {
	base       *url.URL
	hc         *http.Client
	account    string
	serviceKey secret.Value
	vendorKey  secret.Value

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
}

var accountNumber = regexp.MustCompile(`^[0-9]{5,20}$`)

// NewClient returns a client for the NIWS root baseURL ("" means
// DefaultBaseURL). account is the merchant account number, serviceKey the
// Pay Now service key and vendorKey the software vendor key (zero means
// DefaultSoftwareVendorKey). hc is the caller's client (from egress); it
// must not be nil. A bad base URL or missing credentials is a
// *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, account string, serviceKey, vendorKey secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	invalid := func(msg string) error { return &provider.Error{Kind: provider.ErrInvalid, Message: msg} }
	account = strings.TrimSpace(account)
	switch {
	case hc == nil:
		return nil, invalid("netcash: no HTTP client")
	case account == "":
		return nil, invalid("the NetCash merchant account number is not set")
	case !accountNumber.MatchString(account):
		return nil, invalid("the NetCash merchant account number must be digits only")
	case serviceKey.IsZero():
		return nil, invalid("the Pay Now service key is not set")
	case strings.ContainsAny(serviceKey.Reveal(), " \t\r\n\x00"):
		return nil, invalid("the Pay Now service key must not contain spaces or line breaks")
	case strings.ContainsAny(vendorKey.Reveal(), " \t\r\n\x00"):
		return nil, invalid("the software vendor key must not contain spaces or line breaks")
	}
	if vendorKey.IsZero() {
		vendorKey = secret.NewValue(DefaultSoftwareVendorKey)
	}
	return &Client{base: u, hc: hc, account: account, serviceKey: serviceKey, vendorKey: vendorKey}, nil
}

// Validation is the answer of ValidateServiceKey for the Pay Now service.
type Validation struct {
	AccountStatus  string `json:"accountStatus"`
	AccountMessage string `json:"accountMessage"`
	ServiceStatus  string `json:"serviceStatus"`
	ServiceMessage string `json:"serviceMessage"`
}

// ValidateServiceKey checks the account number, software vendor key and
// Pay Now service key with NIWS_Partner ValidateServiceKey (service id 14).
// It changes nothing at NetCash. A status other than 001 is an error:
// 103/104 (vendor key, account) and 106 (service key) are auth, 105 (no
// active Pay Now service) is provider, 201 (locked out) is rate_limited
// with a 10-minute RetryAfter; the Validation is returned with the error.
//
// See providers.md B11; the request envelope follows NetCash's WSDL as
// NetCash-integrations send it, the response element names beyond
// AccountStatus, ServiceId and ServiceStatus are not documented [?].
func (c *Client) ValidateServiceKey(ctx context.Context) (*Validation, error) {
	ctx = provider.WithEndpoint(ctx, "POST "+partnerPath+" ValidateServiceKey")
	endpoint := c.base.JoinPath(partnerPath)
	body := c.envelope(endpoint.String())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint.String(), strings.NewReader(body))
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "netcash: cannot build the request"}
	}
	req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+validateAction+`"`)
	req.Header.Set("Accept", "application/soap+xml, text/xml")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(ctx, c.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.redact(c.checkResponse(resp))
	}
	b, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return nil, c.redact(err)
	}
	r, err := parseResponse(b)
	if err != nil {
		msg := "expected a SOAP answer from NetCash; check the base URL (normally empty, for " + DefaultBaseURL + ")"
		if ex := providerhttp.Excerpt(b); ex != "" && !looksXML(b) {
			msg += "; it answered: " + ex
		}
		return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	if r.fault != "" {
		return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: "NetCash SOAP fault: " + providerhttp.Clip(r.fault, 300)})
	}
	if r.account == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "NetCash answered ValidateServiceKey without an account status"}
	}
	v := &Validation{AccountStatus: r.account, AccountMessage: StatusText(r.account)}
	if s, ok := r.services[PayNowServiceID]; ok {
		v.ServiceStatus, v.ServiceMessage = s, StatusText(s)
	}
	return v, c.redact(statusError(v))
}

// statusError maps a non-001 status to an error, or returns nil.
func statusError(v *Validation) error {
	switch v.AccountStatus {
	case StatusOK:
	case StatusBadVendorKey, StatusBadAccount:
		return &provider.Error{Kind: provider.ErrAuth, Code: v.AccountStatus, Message: "NetCash account status " + v.AccountStatus + ": " + v.AccountMessage}
	case StatusLockedOut:
		return &provider.Error{Kind: provider.ErrRateLimited, Code: v.AccountStatus, RetryAfter: lockoutRetryInterval,
			Message: "NetCash account status " + v.AccountStatus + ": " + v.AccountMessage}
	default:
		return &provider.Error{Kind: provider.ErrProvider, Code: v.AccountStatus, Message: "NetCash account status " + v.AccountStatus + ": " + v.AccountMessage}
	}
	switch v.ServiceStatus {
	case StatusOK:
		return nil
	case "":
		return &provider.Error{Kind: provider.ErrProvider, Message: "NetCash did not report on the Pay Now service key"}
	case StatusBadServiceKey:
		return &provider.Error{Kind: provider.ErrAuth, Code: v.ServiceStatus, Message: "NetCash Pay Now service status " + v.ServiceStatus + ": " + v.ServiceMessage}
	}
	return &provider.Error{Kind: provider.ErrProvider, Code: v.ServiceStatus, Message: "NetCash Pay Now service status " + v.ServiceStatus + ": " + v.ServiceMessage}
}

// envelope builds the SOAP 1.2 request. The operation wrappers are in the
// tempuri.org namespace, the request's fields in NetCash's data contract
// namespace, and WS-Addressing Action and To are required by the WCF
// service.
func (c *Client) envelope(to string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` +
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" ` +
		`xmlns:t="http://tempuri.org/" xmlns:nc="http://schemas.datacontract.org/2004/07/NC.DG.TMS.C.WCF.NIWS">` +
		`<s:Header><a:Action s:mustUnderstand="1">` + validateAction + `</a:Action><a:To s:mustUnderstand="1">`)
	b.WriteString(escape(to))
	b.WriteString(`</a:To></s:Header><s:Body><t:ValidateServiceKey><t:request><nc:MerchantAccount>`)
	b.WriteString(escape(c.account))
	b.WriteString(`</nc:MerchantAccount><nc:ServiceInfoList><nc:ServiceInfo><nc:ServiceId>` + PayNowServiceID +
		`</nc:ServiceId><nc:ServiceKey>`)
	b.WriteString(escape(c.serviceKey.Reveal()))
	b.WriteString(`</nc:ServiceKey></nc:ServiceInfo></nc:ServiceInfoList><nc:SoftwareVendorKey>`)
	b.WriteString(escape(c.vendorKey.Reveal()))
	b.WriteString(`</nc:SoftwareVendorKey></t:request></t:ValidateServiceKey></s:Body></s:Envelope>`)
	return b.String()
}

func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writes to a bytes.Buffer cannot fail
	return b.String()
}

// checkResponse maps a non-2xx answer; WCF sends SOAP faults with 500 (or
// 400), whose Reason text is the message.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg := ""
	if r, err := parseResponse(body); err == nil && r.fault != "" {
		msg = "SOAP fault: " + providerhttp.Clip(r.fault, 300)
	} else if !looksXML(body) {
		msg = providerhttp.Excerpt(body)
	}
	return &provider.Error{
		Kind:       providerhttp.StatusKind(resp.StatusCode),
		Status:     resp.StatusCode,
		Message:    providerhttp.DropStatusEcho(resp.StatusCode, msg),
		RetryAfter: providerhttp.RetryAfter(resp.Header, time.Now()),
	}
}

func looksXML(b []byte) bool {
	b = bytes.TrimSpace(b)
	return bytes.HasPrefix(b, []byte("<?xml")) || bytes.HasPrefix(b, []byte("<s:Envelope")) || bytes.HasPrefix(b, []byte("<soap"))
}

type parsed struct {
	account  string
	services map[string]string
	fault    string
}

var errNotSOAP = errors.New("not a SOAP envelope")

// parseResponse walks a SOAP answer by local element names: AccountStatus,
// ServiceId/ServiceStatus pairs under a common parent, and a fault's Text
// (SOAP 1.2) or faultstring (1.1).
func parseResponse(b []byte) (*parsed, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	type frame struct {
		name     string
		text     strings.Builder
		children map[string]string
	}
	var stack []*frame
	out := &parsed{services: map[string]string{}}
	sawEnvelope := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if t.Name.Local != "Envelope" {
					return nil, errNotSOAP
				}
				sawEnvelope = true
			}
			stack = append(stack, &frame{name: t.Name.Local})
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, errNotSOAP
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			text := strings.TrimSpace(f.text.String())
			switch f.name {
			case "AccountStatus":
				out.account = text
			case "Text", "faultstring":
				if out.fault == "" && slices.ContainsFunc(stack, func(p *frame) bool { return p.name == "Fault" }) {
					out.fault = text
				}
			}
			if id, ok := f.children["ServiceId"]; ok {
				out.services[id] = f.children["ServiceStatus"]
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				if p.children == nil {
					p.children = map[string]string{}
				}
				p.children[f.name] = text
			}
		}
	}
	if !sawEnvelope {
		return nil, errNotSOAP
	}
	return out, nil
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	secrets := []string{c.serviceKey.Reveal()}
	if v := c.vendorKey.Reveal(); v != DefaultSoftwareVendorKey {
		secrets = append(secrets, v)
	}
	return providerhttp.RedactError(err, secrets...)
}
