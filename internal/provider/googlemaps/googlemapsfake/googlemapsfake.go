// Package googlemapsfake is an in-process Google Maps Geocoding API server
// speaking the documented wire format (providers.md A19): GET
// /maps/api/geocode/json with the key query parameter, and every outcome
// reported with HTTP 200 and a status in the body — OK, ZERO_RESULTS,
// REQUEST_DENIED for a missing or wrong key (with error_message),
// INVALID_REQUEST when address, components and latlng are all missing. It
// backs the googlemaps tests and the demo mode; it is deterministic and
// imports no testing packages.
package googlemapsfake

import (
	"encoding/json"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
)

// DefaultKey is the API key the server accepts when Options.Key is empty.
const DefaultKey = "AIzaFakeKey0123456789abcdefghijklmnopqr"

// Place is one geocodable place.
type Place struct {
	// Query is the address that finds it (matched case-insensitively,
	// ignoring surrounding spaces).
	Query            string
	FormattedAddress string
	PlaceID          string
	Lat, Lng         float64
	LocationType     string
	Types            []string
	// Country is the ISO code of the country component.
	Country string
}

// DefaultPlaces are the seeded places.
func DefaultPlaces() []Place {
	return []Place{
		{Query: "1600 Amphitheatre Parkway, Mountain View, CA", FormattedAddress: "1600 Amphitheatre Pkwy, Mountain View, CA 94043, USA",
			PlaceID: "ChIJF4Yf2Ry7j4AR__1AkytDyAE", Lat: 37.4223878, Lng: -122.0841877, LocationType: "ROOFTOP", Types: []string{"street_address"}, Country: "US"},
		{Query: "1 Long Street, Cape Town", FormattedAddress: "1 Long St, Cape Town City Centre, Cape Town, 8001, South Africa",
			PlaceID: "ChIJfakeLongStreetCapeTown01", Lat: -33.9182, Lng: 18.4233, LocationType: "ROOFTOP", Types: []string{"street_address"}, Country: "ZA"},
		{Query: "216 14th Avenue, Fairland, Johannesburg", FormattedAddress: "216 14th Ave, Fairland, Randburg, 2195, South Africa",
			PlaceID: "ChIJfakeFairlandJohannesburg", Lat: -26.1376, Lng: 27.9478, LocationType: "ROOFTOP", Types: []string{"street_address"}, Country: "ZA"},
	}
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultKey and serves
// DefaultPlaces.
type Options struct {
	Key    string
	Places []Place
	// Fail, when set, sees every request first; a non-nil Reply is sent
	// instead of the normal answer. It may block (see Hang).
	Fail func(r *http.Request) *Reply
}

// Server is a running fake. It is safe for concurrent use.
type Server struct {
	srv      *httptest.Server
	opts     Options
	requests atomic.Int64
}

// New starts a fake server. Close it when done.
func New(opts Options) *Server {
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	if opts.Places == nil {
		opts.Places = DefaultPlaces()
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the API root to configure as the base URL (it ends in /maps/api).
func (s *Server) URL() string { return s.srv.URL + "/maps/api" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Status is an answer with HTTP 200 and the given failure status and
// error_message, as Google reports most failures.
func Status(status, message string) *Reply {
	return jsonReply(http.StatusOK, map[string]any{"error_message": message, "results": []any{}, "status": status})
}

// HTMLPage is an HTML page, as a proxy or a wrong base URL gives.
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=UTF-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html><html><head><title>" + title + "</title></head><body><p>" + title + "</p></body></html>"}
}

// Hang is a Fail hook that blocks until the client gives up.
func Hang(r *http.Request) *Reply {
	<-r.Context().Done()
	return &Reply{Status: http.StatusServiceUnavailable}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Fail != nil {
		if rep := s.opts.Fail(r); rep != nil {
			write(w, rep)
			return
		}
	}
	if r.URL.Path != "/maps/api/geocode/json" {
		write(w, HTMLPage(http.StatusNotFound, "Error 404 (Not Found)!!1"))
		return
	}
	q := r.URL.Query()
	if q.Get("key") != s.opts.Key {
		msg := "The provided API key is invalid. "
		if q.Get("key") == "" {
			msg = "You must use an API key to authenticate each request to Google Maps Platform APIs."
		}
		write(w, Status("REQUEST_DENIED", msg))
		return
	}
	address, components, latlng := strings.TrimSpace(q.Get("address")), q.Get("components"), q.Get("latlng")
	if address == "" && components == "" && latlng == "" {
		write(w, Status("INVALID_REQUEST", "Invalid request. Missing the 'address', 'components', 'latlng' or 'place_id' parameter."))
		return
	}
	var lat, lng float64
	if latlng != "" {
		a, b, ok := strings.Cut(latlng, ",")
		var err1, err2 error
		lat, err1 = strconv.ParseFloat(strings.TrimSpace(a), 64)
		lng, err2 = strconv.ParseFloat(strings.TrimSpace(b), 64)
		if !ok || err1 != nil || err2 != nil {
			write(w, Status("INVALID_REQUEST", "Invalid request. Invalid 'latlng' parameter."))
			return
		}
	}
	country := ""
	for _, part := range strings.Split(components, "|") {
		if k, v, ok := strings.Cut(part, ":"); ok && strings.EqualFold(k, "country") {
			country = strings.ToUpper(v)
		}
	}
	results := []map[string]any{}
	for _, p := range s.opts.Places {
		switch {
		case country != "" && p.Country != country:
			continue
		case address != "" && !strings.EqualFold(address, p.Query):
			continue
		case latlng != "" && (math.Abs(lat-p.Lat) > 0.01 || math.Abs(lng-p.Lng) > 0.01):
			continue
		}
		results = append(results, map[string]any{
			"formatted_address": p.FormattedAddress,
			"place_id":          p.PlaceID,
			"geometry":          map[string]any{"location": map[string]any{"lat": p.Lat, "lng": p.Lng}, "location_type": p.LocationType},
			"types":             p.Types,
			"address_components": []map[string]any{
				{"long_name": p.Country, "short_name": p.Country, "types": []string{"country", "political"}},
			},
		})
	}
	status := "OK"
	if len(results) == 0 {
		status = "ZERO_RESULTS"
	}
	write(w, jsonReply(http.StatusOK, map[string]any{"results": results, "status": status}))
}

func jsonReply(status int, v any) *Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain maps
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=UTF-8")
	return &Reply{Status: status, Header: h, Body: string(b)}
}

func write(w http.ResponseWriter, rep *Reply) {
	for k, vs := range rep.Header {
		w.Header()[k] = append([]string(nil), vs...)
	}
	status := rep.Status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, rep.Body) // the client may have gone
}
