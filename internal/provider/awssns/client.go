package awssns

import (
	"context"
	"encoding/xml"
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

// APIVersion is the SNS Query API version sent with every call.
const APIVersion = "2010-03-31"

// service is the SigV4 service name of SNS.
const service = "sns"

// Config is what a Client needs. Endpoint is optional.
type Config struct {
	// Region is the AWS region, e.g. eu-west-1; it is part of the signature
	// scope and of the default endpoint.
	Region string
	// Endpoint overrides https://sns.<region>.amazonaws.com (a VPC
	// endpoint, LocalStack, or a fake in tests).
	Endpoint        string
	AccessKeyID     secret.Value
	SecretAccessKey secret.Value
	SessionToken    secret.Value
}

// Client calls the Amazon SNS Query API with requests signed by SigV4
// (sigv4.go; no AWS SDK). It is safe for concurrent use. Every method takes
// ctx first and returns a *provider.Error on failure; no error text contains
// a credential.
//
// API reference: https://docs.aws.amazon.com/sns/latest/api/welcome.html
type Client struct {
	endpoint *url.URL
	hc       *http.Client
	region   string
	cred     Credentials

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the signing clock and the base for Retry-After dates; nil
	// means time.Now.
	Now func() time.Time
}

var (
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	accessKeyPattern = regexp.MustCompile(`^[A-Za-z0-9]{4,128}$`)
)

// DefaultEndpoint is the public SNS endpoint of region
// (https://sns.<region>.amazonaws.com, .amazonaws.com.cn in China).
func DefaultEndpoint(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://sns." + region + ".amazonaws.com.cn"
	}
	return "https://sns." + region + ".amazonaws.com"
}

// NewClient returns a client for cfg. hc is the caller's client and must not
// be nil. A malformed region or endpoint, or missing credentials, is a
// *provider.Error of kind invalid.
func NewClient(hc *http.Client, cfg Config) (*Client, error) {
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "awssns: no HTTP client"}
	}
	region := strings.TrimSpace(cfg.Region)
	if !regionPattern.MatchString(region) {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the AWS region is not set or not a region name like eu-west-1"}
	}
	if cfg.AccessKeyID.IsZero() || cfg.SecretAccessKey.IsZero() {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the AWS access key ID and secret access key are both needed"}
	}
	if !accessKeyPattern.MatchString(cfg.AccessKeyID.Reveal()) {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the AWS access key ID must be letters and digits only (AKIA… or ASIA…)"}
	}
	for _, v := range []secret.Value{cfg.SecretAccessKey, cfg.SessionToken} {
		if strings.ContainsAny(v.Reveal(), "\r\n") {
			return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the AWS secret access key and session token must be single lines"}
		}
	}
	raw := strings.TrimSpace(cfg.Endpoint)
	if raw == "" {
		raw = DefaultEndpoint(region)
	}
	u, err := providerhttp.ParseBaseURL(raw)
	if err != nil {
		var perr *provider.Error
		if errors.As(err, &perr) {
			perr.Message = strings.Replace(perr.Message, "the base URL", "the SNS endpoint override", 1)
		}
		return nil, err
	}
	return &Client{
		endpoint: u,
		hc:       hc,
		region:   region,
		cred: Credentials{
			AccessKeyID:     cfg.AccessKeyID.Reveal(),
			SecretAccessKey: cfg.SecretAccessKey.Reveal(),
			SessionToken:    cfg.SessionToken.Reveal(),
		},
	}, nil
}

// Region is the client's region.
func (c *Client) Region() string { return c.region }

// Host is the endpoint's host (for messages; never carries a credential).
func (c *Client) Host() string { return c.endpoint.Host }

// ResponseMetadata carries the request id of every answer.
type ResponseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// PublishInput is one Publish call. Exactly one of TopicArn, TargetArn and
// PhoneNumber is set.
type PublishInput struct {
	TopicArn    string
	TargetArn   string
	PhoneNumber string // E.164, e.g. +27821234567
	Message     string
	Subject     string // topics only (email subscriptions)
	// SMSType is "Transactional" or "Promotional" (the
	// AWS.SNS.SMS.SMSType attribute); empty leaves the account default.
	SMSType string
	// SenderID is the AWS.SNS.SMS.SenderID attribute, where the country
	// supports alphanumeric sender IDs.
	SenderID string
}

// PublishOutput is Publish's answer.
type PublishOutput struct {
	MessageID string
	RequestID string
}

// Publish sends a message to a topic, a mobile endpoint or — with
// PhoneNumber — directly as an SMS (Action=Publish).
//
// See https://docs.aws.amazon.com/sns/latest/api/API_Publish.html.
func (c *Client) Publish(ctx context.Context, in PublishInput) (*PublishOutput, error) {
	p := url.Values{}
	set := func(k, v string) {
		if v != "" {
			p.Set(k, v)
		}
	}
	set("TopicArn", in.TopicArn)
	set("TargetArn", in.TargetArn)
	set("PhoneNumber", in.PhoneNumber)
	set("Subject", in.Subject)
	p.Set("Message", in.Message)
	n := 0
	attr := func(name, value string) {
		if value == "" {
			return
		}
		n++
		prefix := "MessageAttributes.entry." + strconv.Itoa(n)
		p.Set(prefix+".Name", name)
		p.Set(prefix+".Value.DataType", "String")
		p.Set(prefix+".Value.StringValue", value)
	}
	attr("AWS.SNS.SMS.SMSType", in.SMSType)
	attr("AWS.SNS.SMS.SenderID", in.SenderID)
	var out struct {
		XMLName   xml.Name         `xml:"PublishResponse"`
		MessageID string           `xml:"PublishResult>MessageId"`
		Meta      ResponseMetadata `xml:"ResponseMetadata"`
	}
	if err := c.Call(ctx, "Publish", p, &out); err != nil {
		return nil, err
	}
	if out.MessageID == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "SNS answered Publish without a message id"}
	}
	return &PublishOutput{MessageID: out.MessageID, RequestID: out.Meta.RequestID}, nil
}

// attrEntry is one key/value entry of an attribute map.
type attrEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func toMap(entries ...[]attrEntry) map[string]string {
	m := map[string]string{}
	for _, es := range entries {
		for _, e := range es {
			m[e.Key] = e.Value
		}
	}
	return m
}

// GetTopicAttributes returns a topic's attributes (Owner, DisplayName,
// SubscriptionsConfirmed, …). Read-only.
//
// See https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html.
func (c *Client) GetTopicAttributes(ctx context.Context, topicArn string) (map[string]string, error) {
	var out struct {
		XMLName xml.Name    `xml:"GetTopicAttributesResponse"`
		Entries []attrEntry `xml:"GetTopicAttributesResult>Attributes>entry"`
	}
	if err := c.Call(ctx, "GetTopicAttributes", url.Values{"TopicArn": {topicArn}}, &out); err != nil {
		return nil, err
	}
	return toMap(out.Entries), nil
}

// GetSMSAttributes returns the account's SMS settings (DefaultSMSType,
// MonthlySpendLimit, DefaultSenderID, …). Read-only; sends nothing.
//
// See https://docs.aws.amazon.com/sns/latest/api/API_GetSMSAttributes.html.
func (c *Client) GetSMSAttributes(ctx context.Context) (map[string]string, error) {
	// The SNS model names this member "attributes" (lower case) unlike
	// GetTopicAttributes' "Attributes"; both spellings are accepted [?].
	var out struct {
		XMLName xml.Name    `xml:"GetSMSAttributesResponse"`
		Lower   []attrEntry `xml:"GetSMSAttributesResult>attributes>entry"`
		Upper   []attrEntry `xml:"GetSMSAttributesResult>Attributes>entry"`
	}
	if err := c.Call(ctx, "GetSMSAttributes", url.Values{}, &out); err != nil {
		return nil, err
	}
	return toMap(out.Lower, out.Upper), nil
}

// Call runs the Query API action with params (POST / with a form body,
// Action and Version added) and decodes the XML answer into v, whose
// XMLName must name the expected root element. Non-2xx answers are mapped
// from SNS's <ErrorResponse>: InvalidClientTokenId, SignatureDoesNotMatch,
// AuthorizationError and similar are auth, NotFound is not_found, Throttling
// is rate_limited, everything else provider with SNS's code and message.
func (c *Client) Call(ctx context.Context, action string, params url.Values, v any) error {
	form := url.Values{}
	for k, vs := range params {
		form[k] = append([]string(nil), vs...)
	}
	form.Set("Action", action)
	form.Set("Version", APIVersion)
	body := []byte(form.Encode())
	ctx = provider.WithEndpoint(ctx, "POST / Action="+action)
	u := *c.endpoint
	if u.Path == "" {
		u.Path = "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(string(body)))
	if err != nil {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "awssns: cannot build the request"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Accept", "text/xml")
	providerhttp.SetUserAgent(req, c.UserAgent)
	Sign(req, body, c.cred, c.region, service, c.now())

	resp, err := c.hc.Do(req)
	if err != nil {
		return c.redact(providerhttp.TransportError(ctx, c.endpoint.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.redact(c.checkResponse(resp))
	}
	b, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return c.redact(err)
	}
	if err := xml.Unmarshal(b, v); err != nil {
		msg := "expected an SNS XML answer to " + action + "; check the region and the endpoint override"
		if ex := providerhttp.Excerpt(b); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// errorResponse is the Query API's error document.
type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

// authCodes are the error codes that mean the credentials or their
// permissions were rejected.
var authCodes = map[string]bool{
	"InvalidClientTokenId": true, "SignatureDoesNotMatch": true, "AuthorizationError": true,
	"IncompleteSignature": true, "MissingAuthenticationToken": true, "ExpiredToken": true,
	"AccessDenied": true, "AccessDeniedException": true, "UnrecognizedClientException": true,
	"InvalidSecurity": true, "RequestExpired": true,
}

func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	e := &provider.Error{Kind: providerhttp.StatusKind(resp.StatusCode), Status: resp.StatusCode}
	var er errorResponse
	if xml.Unmarshal(body, &er) == nil && (er.Error.Code != "" || er.Error.Message != "") {
		e.Code = er.Error.Code
		e.Message = providerhttp.Clip(er.Error.Message, 300)
		if e.Message == "" {
			e.Message = er.Error.Code
		} else if er.Error.Code != "" {
			e.Message = er.Error.Code + ": " + e.Message
		}
		switch {
		case authCodes[er.Error.Code]:
			e.Kind = provider.ErrAuth
		case er.Error.Code == "NotFound" || er.Error.Code == "NotFoundException":
			e.Kind = provider.ErrNotFound
		case er.Error.Code == "Throttling" || er.Error.Code == "ThrottlingException" || er.Error.Code == "ThrottledException":
			e.Kind = provider.ErrRateLimited
		}
	} else {
		e.Message = providerhttp.DropStatusEcho(resp.StatusCode, providerhttp.Excerpt(body))
	}
	e.RetryAfter = providerhttp.RetryAfter(resp.Header, c.now())
	return e
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.cred.SecretAccessKey, c.cred.SessionToken, c.cred.AccessKeyID)
}
