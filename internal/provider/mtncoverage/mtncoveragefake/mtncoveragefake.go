// Package mtncoveragefake is an in-process stand-in for an MTN coverage
// API, in the shape the mtncoverage adapter assumes (MTN publishes no wire
// format ihub could verify [?]): GET /v1/coverage?latitude=&longitude= (or
// address=) with the API key in a header (X-API-Key by default), answering
// {"covered":true,"technologies":["4G","5G","Fibre"],...}; a missing or
// wrong key is 401 with an Apigee fault body, a missing location 400
// {"code":"...","message":"..."}. It backs the mtncoverage tests and the
// demo mode; it is deterministic and imports no testing packages.
package mtncoveragefake

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
)

// DefaultKey is the API key the server accepts when Options.Key is empty.
const DefaultKey = "mtnFakeConsumerKey0123456789ABCDEF"

// Area is a covered rectangle.
type Area struct {
	Name           string
	MinLat, MaxLat float64
	MinLng, MaxLng float64
	Technologies   []string
	// Addresses that resolve to this area (matched case-insensitively as a
	// substring).
	Places []string
}

// DefaultAreas are the seeded covered areas: Johannesburg and Cape Town.
func DefaultAreas() []Area {
	return []Area{
		{Name: "Johannesburg", MinLat: -26.4, MaxLat: -25.9, MinLng: 27.7, MaxLng: 28.3,
			Technologies: []string{"4G", "5G", "Fibre"}, Places: []string{"johannesburg", "fairland", "sandton"}},
		{Name: "Cape Town", MinLat: -34.2, MaxLat: -33.7, MinLng: 18.3, MaxLng: 18.9,
			Technologies: []string{"4G", "Fibre"}, Places: []string{"cape town"}},
	}
}

// Reply is a canned HTTP answer returned by an Options.Fail hook.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Options configures a Server. The zero value accepts DefaultKey in
// X-API-Key and serves DefaultAreas.
type Options struct {
	Key, KeyHeader string
	Areas          []Area
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
	if opts.KeyHeader == "" {
		opts.KeyHeader = "X-API-Key"
	}
	if opts.Areas == nil {
		opts.Areas = DefaultAreas()
	}
	s := &Server{opts: opts}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Start()
	return s
}

// URL is the API root to configure as the base URL (it ends in /v1).
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Requests is the number of requests received.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// Error is a JSON error with the given status, code and message.
func Error(status int, code, message string) *Reply {
	return jsonReply(status, map[string]any{"code": code, "message": message})
}

// InvalidKey is the gateway's answer to a missing or wrong key (Apigee
// style [?]).
func InvalidKey() *Reply {
	return jsonReply(http.StatusUnauthorized, map[string]any{"fault": map[string]any{
		"faultstring": "Invalid ApiKey", "detail": map[string]any{"errorcode": "oauth.v2.InvalidApiKey"}}})
}

// HTMLPage is an HTML page, as a proxy or a wrong base URL gives.
func HTMLPage(status int, title string) *Reply {
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	return &Reply{Status: status, Header: h, Body: "<!DOCTYPE html><html><head><title>" + title + "</title></head><body><h1>" + title + "</h1></body></html>"}
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
	if r.Header.Get(s.opts.KeyHeader) != s.opts.Key {
		write(w, InvalidKey())
		return
	}
	if r.Method != http.MethodGet || r.URL.Path != "/v1/coverage" {
		write(w, Error(http.StatusNotFound, "NOT_FOUND", "Resource not found"))
		return
	}
	q := r.URL.Query()
	address := strings.ToLower(strings.TrimSpace(q.Get("address")))
	latS, lngS := q.Get("latitude"), q.Get("longitude")
	if address == "" && (latS == "" || lngS == "") {
		write(w, Error(http.StatusBadRequest, "INVALID_REQUEST", "latitude and longitude, or address, are required"))
		return
	}
	var area *Area
	if latS != "" && lngS != "" {
		lat, err1 := strconv.ParseFloat(latS, 64)
		lng, err2 := strconv.ParseFloat(lngS, 64)
		if err1 != nil || err2 != nil {
			write(w, Error(http.StatusBadRequest, "INVALID_REQUEST", "latitude and longitude must be numbers"))
			return
		}
		for i, a := range s.opts.Areas {
			if lat >= a.MinLat && lat <= a.MaxLat && lng >= a.MinLng && lng <= a.MaxLng {
				area = &s.opts.Areas[i]
				break
			}
		}
	} else {
		for i, a := range s.opts.Areas {
			for _, p := range a.Places {
				if strings.Contains(address, p) {
					area = &s.opts.Areas[i]
				}
			}
		}
	}
	out := map[string]any{"covered": false, "technologies": []string{}}
	if latS != "" {
		out["latitude"], out["longitude"] = latS, lngS
	}
	if address != "" {
		out["address"] = q.Get("address")
	}
	if area != nil {
		out["covered"], out["technologies"], out["area"] = true, area.Technologies, area.Name
	}
	write(w, jsonReply(http.StatusOK, out))
}

func jsonReply(status int, v any) *Reply {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain maps
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
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
