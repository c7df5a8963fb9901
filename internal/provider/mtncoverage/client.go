package mtncoverage

import (
	"context"
	"encoding/json"
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

// DefaultKeyHeader and DefaultCoveragePath are used when the settings are
// empty.
const (
	DefaultKeyHeader    = "X-API-Key"
	DefaultCoveragePath = "/coverage"
)

// Client calls an MTN coverage API with one API key sent in a header. MTN
// publishes no wire format ihub could verify (providers.md has none), so
// the shape is an assumption [?]: GET <base><path>?latitude=&longitude=
// (or address=) answering a JSON document, errors as JSON with a message
// (Apigee's {"fault":{"faultstring"}} included) and the HTTP status. It is
// safe for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure; no error text ever contains the key.
type Client struct {
	base   *url.URL
	path   string
	hc     *http.Client
	header string
	key    secret.Value

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

var (
	headerToken = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
	pathRE      = regexp.MustCompile(`^(/[A-Za-z0-9._~-]+)+$`)
)

// NewClient returns a client for the API root baseURL (required, e.g.
// https://api.mtn.com/v1). keyHeader names the header carrying key (""
// means X-API-Key); coveragePath is the coverage endpoint below the base
// URL ("" means /coverage). hc is the caller's client; it must not be nil.
// Problems are a *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, keyHeader, coveragePath string, key secret.Value) (*Client, error) {
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "mtncoverage: no HTTP client"}
	}
	keyHeader = strings.TrimSpace(keyHeader)
	if keyHeader == "" {
		keyHeader = DefaultKeyHeader
	}
	if !headerToken.MatchString(keyHeader) {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the API key header must be a header name such as X-API-Key"}
	}
	coveragePath = strings.TrimSpace(coveragePath)
	if coveragePath == "" {
		coveragePath = DefaultCoveragePath
	}
	if !strings.HasPrefix(coveragePath, "/") {
		coveragePath = "/" + coveragePath
	}
	if !pathRE.MatchString(coveragePath) || strings.Contains(coveragePath, "..") {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the coverage path must be a URL path such as /coverage, without a query"}
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return &Client{base: u, path: coveragePath, hc: hc, header: keyHeader, key: key}, nil
}

func checkKey(key secret.Value) error {
	switch {
	case strings.TrimSpace(key.Reveal()) == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the MTN API key is not set"}
	case strings.ContainsAny(key.Reveal(), "\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the MTN API key must be a single line"}
	}
	return nil
}

// CoverageRequest is one coverage query: a location (Latitude and
// Longitude) or an Address, or both.
type CoverageRequest struct {
	Latitude, Longitude *float64
	Address             string
}

// Coverage is a coverage answer. Response is MTN's JSON document as is;
// Covered and Technologies are read from it when it has a top-level
// boolean covered/isCovered/available/feasible and a top-level string list
// technologies/services [?].
type Coverage struct {
	Covered      *bool
	Technologies []string
	Response     any
}

// CheckCoverage runs GET <coverage path> with latitude, longitude and
// address query parameters. A bad request is an input error naming the
// check_coverage input field.
func (c *Client) CheckCoverage(ctx context.Context, r *CoverageRequest) (*Coverage, error) {
	q := url.Values{}
	switch {
	case r.Latitude == nil && r.Longitude != nil:
		return nil, provider.InputError("latitude", "give both latitude and longitude")
	case r.Latitude != nil && r.Longitude == nil:
		return nil, provider.InputError("longitude", "give both latitude and longitude")
	}
	if r.Latitude != nil {
		switch {
		case *r.Latitude < -90 || *r.Latitude > 90:
			return nil, provider.InputError("latitude", "must be within ±90")
		case *r.Longitude < -180 || *r.Longitude > 180:
			return nil, provider.InputError("longitude", "must be within ±180")
		}
		q.Set("latitude", strconv.FormatFloat(*r.Latitude, 'f', -1, 64))
		q.Set("longitude", strconv.FormatFloat(*r.Longitude, 'f', -1, 64))
	}
	if a := strings.TrimSpace(r.Address); a != "" {
		q.Set("address", a)
	}
	if len(q) == 0 {
		return nil, provider.InputError("address", "give a location (latitude and longitude) or an address")
	}
	u := c.base.JoinPath(c.path)
	u.RawQuery = q.Encode()
	ctx = provider.WithEndpoint(ctx, "GET "+c.path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "mtncoverage: cannot build the request"}
	}
	var doc any
	if err := c.do(req, &doc); err != nil {
		return nil, err
	}
	cov := &Coverage{Response: doc}
	if m, ok := doc.(map[string]any); ok {
		if failed, msg := inBodyFailure(m); failed {
			return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
		}
		for _, k := range []string{"covered", "isCovered", "available", "feasible"} {
			if b, ok := m[k].(bool); ok {
				cov.Covered = &b
				break
			}
		}
		for _, k := range []string{"technologies", "services"} {
			if list, ok := m[k].([]any); ok {
				for _, v := range list {
					if s, ok := v.(string); ok {
						cov.Technologies = append(cov.Technologies, s)
					}
				}
				break
			}
		}
	}
	return cov, nil
}

// inBodyFailure recognises {"success":false} and {"status":"error"|"failure"}
// answers with a 2xx status [?].
func inBodyFailure(m map[string]any) (bool, string) {
	failed := false
	if b, ok := m["success"].(bool); ok && !b {
		failed = true
	}
	if s, ok := m["status"].(string); ok && (strings.EqualFold(s, "error") || strings.EqualFold(s, "failure") || strings.EqualFold(s, "failed")) {
		failed = true
	}
	if !failed {
		return false, ""
	}
	msg := messageOf(m)
	if msg == "" {
		msg = "the MTN coverage API reported a failure without a message"
	}
	return true, msg
}

func (c *Client) do(req *http.Request, v any) error {
	req.Header.Set(c.header, c.key.Reveal())
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
		msg := "expected a JSON answer from the MTN coverage API; check the base URL and the coverage path"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	return nil
}

// messageOf finds a human message in an error document: message, error
// (a string or {message}), error_description, detail, title, or Apigee's
// fault.faultstring.
func messageOf(m map[string]any) string {
	for _, k := range []string{"message", "error_description", "detail", "title", "statusMessage"} {
		if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	switch e := m["error"].(type) {
	case string:
		return e
	case map[string]any:
		if s, ok := e["message"].(string); ok {
			return s
		}
	}
	if f, ok := m["fault"].(map[string]any); ok {
		if s, ok := f["faultstring"].(string); ok {
			return s
		}
	}
	return ""
}

// codeOf finds an error code: code, errorCode or fault.detail.errorcode.
func codeOf(m map[string]any) string {
	for _, k := range []string{"code", "errorCode"} {
		switch v := m[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	if f, ok := m["fault"].(map[string]any); ok {
		if d, ok := f["detail"].(map[string]any); ok {
			if s, ok := d["errorcode"].(string); ok {
				return s
			}
		}
	}
	return ""
}

func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	var m map[string]any
	msg, code := "", ""
	if json.Unmarshal(body, &m) == nil {
		msg, code = providerhttp.Clip(messageOf(m), 300), providerhttp.Clip(codeOf(m), 60)
	}
	if msg == "" {
		msg = providerhttp.Excerpt(body)
	}
	e := &provider.Error{
		Kind:    providerhttp.StatusKind(resp.StatusCode),
		Status:  resp.StatusCode,
		Code:    code,
		Message: providerhttp.DropStatusEcho(resp.StatusCode, msg),
	}
	if e.Kind == provider.ErrRateLimited {
		e.RetryAfter = providerhttp.RetryAfter(resp.Header, c.now())
		if e.RetryAfter <= 0 {
			e.RetryAfter = time.Minute
		}
	}
	return e
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) redact(err error) error {
	return providerhttp.RedactError(err, c.key.Reveal())
}
