package googlemaps

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// DefaultBaseURL is the Google Maps web services root.
const DefaultBaseURL = "https://maps.googleapis.com/maps/api"

// Geocoding statuses (providers.md A19).
const (
	StatusOK             = "OK"
	StatusZeroResults    = "ZERO_RESULTS"
	StatusOverDailyLimit = "OVER_DAILY_LIMIT"
	StatusOverQueryLimit = "OVER_QUERY_LIMIT"
	StatusRequestDenied  = "REQUEST_DENIED"
	StatusInvalidRequest = "INVALID_REQUEST"
	StatusUnknownError   = "UNKNOWN_ERROR"
)

// overQueryLimitWait is the RetryAfter of an OVER_QUERY_LIMIT answer, which
// carries no Retry-After: Google's client libraries back off for about a
// second or two [?].
const overQueryLimitWait = 2 * time.Second

// Client calls the Google Maps Geocoding API with one API key, sent as the
// key query parameter. It is safe for concurrent use. Every method takes
// ctx first and returns a *provider.Error on failure, including the
// failures Google reports in a 200 answer's status; no error text ever
// contains the key or a URL carrying it.
//
// API reference: https://developers.google.com/maps/documentation/geocoding/requests-geocoding
type Client struct {
	base *url.URL
	hc   *http.Client
	key  secret.Value

	// Region and Language are sent on requests that set none (the
	// integration's region bias and language settings).
	Region, Language string
	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used for Retry-After dates; nil means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the API root baseURL ("" means
// DefaultBaseURL; /geocode/json is appended). hc is the caller's client; it
// must not be nil. A bad base URL or a missing key is a *provider.Error of
// kind invalid.
func NewClient(baseURL string, hc *http.Client, key secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "googlemaps: no HTTP client"}
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, key: key}, nil
}

func checkKey(key secret.Value) error {
	switch {
	case strings.TrimSpace(key.Reveal()) == "":
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Google Maps API key is not set"}
	case strings.ContainsAny(key.Reveal(), " \t\r\n"):
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Google Maps API key must not contain spaces or line breaks"}
	}
	return nil
}

// GeocodeRequest is one geocoding query: Address, Components or LatLng (a
// reverse geocode, "lat,lng") must be set. Region and Language are
// optional biases.
type GeocodeRequest struct {
	Address    string
	Components string // e.g. "country:ZA|postal_code:8001"
	LatLng     string
	Region     string
	Language   string
}

// Location is a point.
type Location struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// AddressComponent is one part of a result's address.
type AddressComponent struct {
	LongName  string   `json:"long_name"`
	ShortName string   `json:"short_name"`
	Types     []string `json:"types"`
}

// Result is one geocoding result.
type Result struct {
	FormattedAddress string `json:"formatted_address"`
	PlaceID          string `json:"place_id"`
	Geometry         struct {
		Location     Location `json:"location"`
		LocationType string   `json:"location_type"`
	} `json:"geometry"`
	Types             []string           `json:"types"`
	AddressComponents []AddressComponent `json:"address_components"`
	PartialMatch      bool               `json:"partial_match,omitempty"`
}

// GeocodeResponse is a successful answer: Status is OK or ZERO_RESULTS
// (Results then empty).
type GeocodeResponse struct {
	Status  string   `json:"status"`
	Results []Result `json:"results"`
}

// Geocode runs GET /geocode/json. Statuses other than OK and ZERO_RESULTS
// are errors: REQUEST_DENIED and OVER_DAILY_LIMIT (bad key, API not
// enabled, billing off [?]) are auth, OVER_QUERY_LIMIT is rate_limited,
// INVALID_REQUEST and UNKNOWN_ERROR are provider errors; Code is the status
// and Message Google's error_message. Every call is billed.
func (c *Client) Geocode(ctx context.Context, r *GeocodeRequest) (*GeocodeResponse, error) {
	q := url.Values{}
	setIf(q, "address", r.Address)
	setIf(q, "components", r.Components)
	setIf(q, "latlng", r.LatLng)
	setIf(q, "region", r.Region)
	setIf(q, "language", r.Language)
	if q.Get("region") == "" {
		setIf(q, "region", c.Region)
	}
	if q.Get("language") == "" {
		setIf(q, "language", c.Language)
	}
	if q.Get("address") == "" && q.Get("components") == "" && q.Get("latlng") == "" {
		return nil, provider.InputError("address", "give an address, components or latlng to geocode")
	}
	q.Set("key", c.key.Reveal())
	u := c.base.JoinPath("geocode", "json")
	u.RawQuery = q.Encode()
	ctx = provider.WithEndpoint(ctx, "GET /geocode/json")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "googlemaps: cannot build the request"}
	}
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(ctx, c.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.redact(c.checkResponse(resp))
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return nil, c.redact(err)
	}
	var out struct {
		GeocodeResponse
		ErrorMessage string `json:"error_message"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Status == "" {
		msg := "expected a JSON answer with a status from the Geocoding API; check that the base URL is the API root (" + DefaultBaseURL + ")"
		if ex := providerhttp.Excerpt(body); ex != "" {
			msg += "; it answered: " + ex
		}
		return nil, c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
	}
	switch out.Status {
	case StatusOK, StatusZeroResults:
		if out.Results == nil {
			out.Results = []Result{}
		}
		return &out.GeocodeResponse, nil
	}
	return nil, c.redact(c.statusError(resp.Header, out.Status, out.ErrorMessage))
}

// statusError maps a failure status reported in a 200 answer.
func (c *Client) statusError(h http.Header, status, message string) *provider.Error {
	msg := providerhttp.Clip(message, 300)
	if msg == "" {
		msg = status
	} else {
		msg += " (" + status + ")"
	}
	e := &provider.Error{Kind: provider.ErrProvider, Code: status, Message: msg}
	switch status {
	case StatusRequestDenied, StatusOverDailyLimit:
		e.Kind = provider.ErrAuth
	case StatusOverQueryLimit:
		e.Kind = provider.ErrRateLimited
		e.RetryAfter = providerhttp.RetryAfter(h, c.now())
		if e.RetryAfter <= 0 {
			e.RetryAfter = overQueryLimitWait
		}
	case "NOT_FOUND":
		e.Kind = provider.ErrNotFound
	}
	return e
}

// checkResponse maps a non-2xx answer: Google's JSON {error_message,
// status} when present, else an excerpt.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	var eb struct {
		Status       string `json:"status"`
		ErrorMessage string `json:"error_message"`
	}
	msg := ""
	if json.Unmarshal(body, &eb) == nil && eb.ErrorMessage != "" {
		msg = providerhttp.Clip(eb.ErrorMessage, 300)
	} else {
		msg = providerhttp.Excerpt(body)
	}
	e := &provider.Error{
		Kind:    providerhttp.StatusKind(resp.StatusCode),
		Status:  resp.StatusCode,
		Code:    providerhttp.Clip(eb.Status, 40),
		Message: providerhttp.DropStatusEcho(resp.StatusCode, msg),
	}
	if e.Kind == provider.ErrRateLimited {
		e.RetryAfter = providerhttp.RetryAfter(resp.Header, c.now())
		if e.RetryAfter <= 0 {
			e.RetryAfter = overQueryLimitWait
		}
	}
	return e
}

func setIf(q url.Values, k, v string) {
	if v = strings.TrimSpace(v); v != "" {
		q.Set(k, v)
	}
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) redact(err error) error {
	return providerhttp.RedactError(err, c.key.Reveal(), url.QueryEscape(c.key.Reveal()))
}
