package googlemaps_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/googlemaps"
	"ihub/internal/provider/googlemaps/googlemapsfake"
	"ihub/internal/provider/providertest"
)

func fake(t *testing.T, opts googlemapsfake.Options) *googlemapsfake.Server {
	t.Helper()
	s := googlemapsfake.New(opts)
	t.Cleanup(s.Close)
	return s
}

func conn(baseURL, key string) provider.Connection {
	return provider.Connection{
		IntegrationID: "int_google_maps",
		BaseURL:       baseURL,
		Credentials:   providertest.Creds(googlemaps.FieldAPIKey, key),
	}
}

func always(rep *googlemapsfake.Reply) func(*http.Request) *googlemapsfake.Reply {
	return func(*http.Request) *googlemapsfake.Reply { return rep }
}

func TestDescriptor(t *testing.T) {
	t.Parallel()
	p := googlemaps.New()
	if got, want := p.Descriptor().ID, "google_maps"; got != want {
		t.Errorf("googlemaps.New().Descriptor().ID = %q, want %q", got, want)
	}
	if got := p.Descriptor().ID; got != googlemaps.ID {
		t.Errorf("googlemaps.ID = %q, want the descriptor's id %q", googlemaps.ID, got)
	}
}

func TestConformance(t *testing.T) {
	t.Parallel()
	key := googlemapsfake.DefaultKey
	ok := fake(t, googlemapsfake.Options{})
	empty := fake(t, googlemapsfake.Options{Places: []googlemapsfake.Place{}})
	overQuery := fake(t, googlemapsfake.Options{Fail: always(googlemapsfake.Status("OVER_QUERY_LIMIT", "You have exceeded your rate-limit for this API."))})
	overDaily := fake(t, googlemapsfake.Options{Fail: always(googlemapsfake.Status("OVER_DAILY_LIMIT", "Billing is not enabled on this project."))})
	notEnabled := fake(t, googlemapsfake.Options{Fail: always(googlemapsfake.Status("REQUEST_DENIED", "This API project is not authorized to use this API."))})
	unknown := fake(t, googlemapsfake.Options{Fail: always(googlemapsfake.Status("UNKNOWN_ERROR", ""))})
	echo := fake(t, googlemapsfake.Options{Fail: always(googlemapsfake.Status("REQUEST_DENIED", "Bad key "+key))})
	html := fake(t, googlemapsfake.Options{Fail: always(googlemapsfake.HTMLPage(200, "Sign in - Google Accounts"))})
	forbidden := fake(t, googlemapsfake.Options{Fail: always(&googlemapsfake.Reply{Status: 403,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: `{"error_message":"Requests from this IP are blocked.","status":"REQUEST_DENIED"}`})})
	hang := fake(t, googlemapsfake.Options{Fail: googlemapsfake.Hang})

	providertest.Run(t, googlemaps.New(),
		providertest.CheckerCase{Name: "ok", Conn: conn(ok.URL(), key),
			Want: providertest.Want{OK: true, Contains: "test geocode: OK", Details: []string{"status", "resultCount"}}},
		providertest.CheckerCase{Name: "zero results is success", Conn: conn(empty.URL(), key),
			Want: providertest.Want{OK: true, Contains: "ZERO_RESULTS"}},
		providertest.CheckerCase{Name: "wrong key", Conn: conn(ok.URL(), "AIzaWrongKey0123456789abcdefghijklmno"),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "The provided API key is invalid. (REQUEST_DENIED)"}},
		providertest.CheckerCase{Name: "API not enabled", Conn: conn(notEnabled.URL(), key),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "not authorized to use this API"}},
		providertest.CheckerCase{Name: "over daily limit", Conn: conn(overDaily.URL(), key),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "Billing is not enabled"}},
		providertest.CheckerCase{Name: "over query limit", Conn: conn(overQuery.URL(), key),
			Want: providertest.Want{Kind: provider.ErrRateLimited, RetryAfter: true, Contains: "OVER_QUERY_LIMIT"}},
		providertest.CheckerCase{Name: "unknown error", Conn: conn(unknown.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "UNKNOWN_ERROR"}},
		providertest.CheckerCase{Name: "echoed key is redacted", Conn: conn(echo.URL(), key),
			Want: providertest.Want{Kind: provider.ErrAuth, Contains: "[REDACTED]"}},
		providertest.CheckerCase{Name: "HTML with 200", Conn: conn(html.URL(), key),
			Want: providertest.Want{Kind: provider.ErrProvider, Contains: "Sign in - Google Accounts"}},
		providertest.CheckerCase{Name: "HTTP 403 with JSON", Conn: conn(forbidden.URL(), key),
			Want: providertest.Want{Kind: provider.ErrAuth, Status: 403, Contains: "Requests from this IP are blocked."}},
		providertest.CheckerCase{Name: "unreachable", Conn: conn(providertest.ClosedURL(t), key),
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "cannot reach 127.0.0.1:1"}},
		providertest.CheckerCase{Name: "deadline", Conn: conn(hang.URL(), key), Timeout: 150 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport}},
		providertest.CheckerCase{Name: "cancelled", Conn: conn(hang.URL(), key), CancelAfter: 100 * time.Millisecond,
			Want: providertest.Want{Kind: provider.ErrTransport, Contains: "context canceled"}},
	)
}

func TestActions(t *testing.T) {
	t.Parallel()
	key := googlemapsfake.DefaultKey
	f := fake(t, googlemapsfake.Options{})
	wrong := conn(f.URL(), "AIzaWrongKey0123456789abcdefghijklmno")
	providertest.Actions{
		Provider: googlemaps.New(),
		Conn:     func(baseURL string) provider.Connection { return conn(baseURL, key) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{Name: "address", Action: "geocode", Input: `{"address":"1 Long Street, Cape Town"}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					got := out.(googlemaps.GeocodeOutput)
					if got.Status != "OK" || len(got.Results) != 1 {
						t.Fatalf("geocode = %+v, want one result", got)
					}
					if diff := cmp.Diff(googlemaps.Location{Lat: -33.9182, Lng: 18.4233}, got.Results[0].Geometry.Location); diff != "" {
						t.Errorf("location mismatch (-want +got):\n%s", diff)
					}
				}},
			{Name: "components only", Action: "geocode", Input: `{"components":"country:ZA"}`,
				Want: providertest.Want{OK: true, Contains: "Fairland"}},
			{Name: "reverse", Action: "geocode", Input: `{"latlng":"-26.1376,27.9478"}`,
				Want: providertest.Want{OK: true, Contains: "ChIJfakeFairlandJohannesburg"}},
			{Name: "zero results", Action: "geocode", Input: `{"address":"Nowhere at all"}`,
				Want: providertest.Want{OK: true, Contains: `"status":"ZERO_RESULTS","results":[]`}},
			{Name: "nothing to geocode", Action: "geocode", Input: `{}`,
				Want: providertest.Want{Input: true, Field: "address"}},
			{Name: "only a region", Action: "geocode", Input: `{"region":"za","language":"en"}`,
				Want: providertest.Want{Input: true, Field: "address"}},
			{Name: "wrong key", Action: "geocode", Input: `{"address":"1 Long Street, Cape Town"}`, Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Contains: "REQUEST_DENIED"}},
		},
	}.Run(t)
}

func TestSettingsAreSent(t *testing.T) {
	t.Parallel()
	got := make(chan url.Values, 1)
	f := fake(t, googlemapsfake.Options{Fail: func(r *http.Request) *googlemapsfake.Reply {
		got <- r.URL.Query()
		return nil
	}})
	c := conn(f.URL(), googlemapsfake.DefaultKey)
	c.Settings = map[string]any{"region": "za", "language": "af"}
	if _, err := googlemaps.New().Test(t.Context(), providertest.HTTPClient(), c); err != nil {
		t.Fatalf("Test() error = %v", err)
	}
	q := <-got
	want := url.Values{"address": {googlemaps.TestAddress}, "key": {googlemapsfake.DefaultKey}, "region": {"za"}, "language": {"af"}}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := googlemaps.New()
	c := conn("", googlemapsfake.DefaultKey)
	u, err := p.ProxyBase(c)
	if err != nil || u.String() != googlemaps.DefaultBaseURL {
		t.Errorf("ProxyBase() = %v, %v; want %s", u, err, googlemaps.DefaultBaseURL)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://maps.googleapis.com/maps/api/geocode/json?address=x&key=callers", nil)
	if err := p.Authorize(t.Context(), req, c); err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	if diff := cmp.Diff(url.Values{"address": {"x"}, "key": {googlemapsfake.DefaultKey}}, req.URL.Query()); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
	c.Credentials = nil
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, c); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize() without a key = %v, want kind invalid", err)
	}
}
