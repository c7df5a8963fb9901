// Package httpapi is ihub's HTTP surface: the REST API under /api/v1 (huma
// on the standard ServeMux, OpenAPI 3.1 generated from the Go types), the
// probes, /metrics, and the console as the catch-all. Every route and the
// permission it needs is listed in routes.go; every error leaves through
// toProblem as application/problem+json.
package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/integration"
	"ihub/internal/provider"
	"ihub/internal/webhook"
)

// ActivityStore reads the activity log.
type ActivityStore interface {
	ListActivity(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// Deps is what the API is built from.
type Deps struct {
	Integrations *integration.Service
	Webhooks     *webhook.Service
	Auth         *auth.Service
	Activity     ActivityStore
	Registry     *provider.Registry
	// Ready reports whether the server can serve (database reachable,
	// migrations applied).
	Ready   func(ctx context.Context) error
	Logger  *slog.Logger
	Metrics *prometheus.Registry
	Console http.Handler
	Version string
	// SecureCookies sets the Secure attribute on the session cookie.
	SecureCookies bool
	// PublicURL is the URL providers reach ihub at (Twilio signs it).
	PublicURL string
	// Demo marks every API answer as coming from a demo server.
	Demo bool
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
}

// Server holds the API's dependencies.
type Server struct {
	d       Deps
	api     huma.API
	actions *actionSchemas
	mux     *splitMux

	warnProxy sync.Once
	// draining is closed when the server begins shutting down (Drain):
	// long polls answer then instead of holding the shutdown up.
	draining  chan struct{}
	drainOnce sync.Once
}

// Drain tells waiting long polls to answer now: the server is shutting
// down (register it with http.Server.RegisterOnShutdown).
func (s *Server) Drain() { s.drainOnce.Do(func() { close(s.draining) }) }

// SessionCookie is the name of the console session cookie.
const SessionCookie = "ihub_session"

// New builds the HTTP handler.
func New(d Deps) (http.Handler, *Server) {
	installHumaGlobals()
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = prometheus.NewRegistry()
	}
	mux := newSplitMux()
	s := &Server{d: d, actions: newActionSchemas(), draining: make(chan struct{}), mux: mux}
	cfg := huma.DefaultConfig("ihub API", d.Version)
	cfg.Info.Description = "The REST API of ihub, the self-hosted integration hub. Authenticate with a session cookie " +
		"(POST /api/v1/auth/login) or an API token (Authorization: Bearer ihub_pat_…)."
	cfg.OpenAPIPath = "/api/v1/openapi"
	cfg.DocsPath = "" // huma's docs page loads scripts from the internet
	cfg.SchemasPath = "/api/v1/schemas"
	cfg.CreateHooks = nil // no $schema links in responses
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "API token (ihub_pat_…)"},
		"session": {Type: "apiKey", In: "cookie", Name: SessionCookie},
	}
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	s.api = humago.New(mux, cfg)
	s.api.UseMiddleware(answerOversized, s.authenticate, s.checkQuery, s.checkContentType, blankIsEmpty)
	s.routes()

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := d.Ready(ctx); err != nil {
			logger(r.Context()).WarnContext(r.Context(), "not ready", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc(integrationFallback, s.integrationSubtree)
	s.documentProxy()
	mux.HandleFunc("/api/v1/hooks/{id}", func(w http.ResponseWriter, r *http.Request) { s.ingest(w, r, r.PathValue("id"), false) })
	s.documentIngest()
	mux.HandleFunc(apiFallback, mux.noRoute)
	if d.Console != nil {
		mux.Handle("/", d.Console)
	}

	m := newHTTPMetrics(d.Metrics)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, newProblem(http.StatusForbidden, "cross-origin request refused", requestID(r.Context())))
	}))
	var h http.Handler = mux
	h = cop.Handler(h)
	h = s.observe(h, m)
	return h, s
}

// API returns the huma API (for the OpenAPI document and route tests).
func (s *Server) API() huma.API { return s.api }

func writeProblem(w http.ResponseWriter, r *http.Request, p *Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	b, _ := jsonMarshal(p)
	_, _ = w.Write(b)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type client struct {
	ip, userAgent string
}

// reqInfo is what observe puts in a request's context, in one value: the
// request id, the caller's address and the server's logger (the request's
// logger, which names the id, is derived only when something logs).
type reqInfo struct {
	id     string
	client client
	log    *slog.Logger
}

// observe gives each request an id, a logger, panic recovery, an access log
// line and metrics.
func (s *Server) observe(next http.Handler, m *httpMetrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-ID")
		if rid == "" || len(rid) > 64 || strings.ContainsFunc(rid, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			rid = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-ID", rid)
		if s.d.Demo {
			w.Header().Set("X-Ihub-Demo", "true")
		}
		ip := s.clientIP(r)
		ctx := context.WithValue(r.Context(), keyRequest, &reqInfo{id: rid, client: client{ip: ip, userAgent: r.UserAgent()},
			log: s.d.Logger})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger(ctx).ErrorContext(ctx, "panic serving request", "panic", v, "method", r.Method, "path", r.URL.Path)
				if sw.status == 0 {
					writeProblem(sw, r, newProblem(http.StatusInternalServerError, "internal error; quote request id "+rid+" to the operator", rid))
				}
			}
			d := time.Since(start)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			if status >= 500 && errors.Is(r.Context().Err(), context.Canceled) {
				// The client went away (a long poll given up, a consumer
				// restarting): nobody got this answer, and it is no server
				// error to alert on. 499 as in nginx: client closed request.
				status = statusClientClosed
			}
			m.observe(r.Method, route, status, d)
			if route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics" {
				return // probes would drown the log
			}
			s.d.Logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("request_id", rid),
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("route", route),
				slog.Int("status", status), slog.Duration("duration", d), slog.Int64("bytes", sw.bytes),
				slog.String("remote_ip", ip))
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusClientClosed is recorded (log and metrics, never sent) for a
// request whose client left before its answer.
const statusClientClosed = 499

// clientIP is the request's client address: the TCP peer, or, when the
// peer is a trusted proxy, the right-most X-Forwarded-For address that is
// not itself a trusted proxy (addresses further left are client-supplied
// and can be forged).
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		if err == nil && len(s.d.TrustedProxies) == 0 && r.Header.Get("X-Forwarded-For") != "" &&
			(peer.IsPrivate() || peer.IsLoopback()) {
			s.warnProxy.Do(func() {
				s.d.Logger.Warn("requests arrive through a proxy with X-Forwarded-For, but --trusted-proxies is not set: "+
					"sign-in throttling and the activity log see the proxy's address for every client", "proxy", host)
			})
		}
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer.String() // a malformed hop: trust nothing beyond the peer
		}
		if !s.trusted(a) {
			return a.Unmap().String()
		}
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	// A prefix never contains an address with a zone, and a link-local
	// peer's has one (fe80::1%eth0).
	a = a.Unmap().WithZone("")
	for _, p := range s.d.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ihub_http_requests_total",
			Help: "HTTP requests served, by route pattern and status code."}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ihub_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}},
			[]string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "OTHER" // clients choose the method: keep the label set bounded
	}
	m.requests.WithLabelValues(method, route, itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// webhooksPrefix is the path the seed API gave the webhook logs and
// operations (/api/v1/integrations/webhooks/{id}/logs, …/replay, …/test).
const webhooksPrefix = "/api/v1/integrations/webhooks"

// splitMux is two ServeMuxes: one for webhooksPrefix, one for the rest.
// Go's ServeMux refuses patterns that overlap without one being more
// specific, and the seed's POST /integrations/webhooks/{id}/replay overlaps
// POST /integrations/{id}/actions/{action} that way (both match
// /integrations/webhooks/actions/replay). Routing by prefix first keeps both
// URL forms: "webhooks" is a reserved slug and integration ids start with
// int_, so no integration is shadowed.
type splitMux struct {
	main, webhooks *http.ServeMux
	// literal holds the methods of each route path without wildcards. Such
	// a path names a collection (/api/v1/integrations/providers), never a
	// wildcard's value: ServeMux would give other methods on it to the
	// routes of /api/v1/integrations/{id}, as an integration named
	// "providers".
	literal map[string][]string
}

func newSplitMux() *splitMux {
	return &splitMux{main: http.NewServeMux(), webhooks: http.NewServeMux(), literal: map[string][]string{}}
}

func underWebhooks(path string) bool {
	return path == webhooksPrefix || strings.HasPrefix(path, webhooksPrefix+"/")
}

// Handle registers a pattern ("METHOD /path" or "/path") on the mux its
// path belongs to.
func (m *splitMux) Handle(pattern string, h http.Handler) {
	path := pattern
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		path = pattern[i+1:]
		if !strings.Contains(path, "{") {
			m.literal[path] = append(m.literal[path], pattern[:i])
		}
	}
	if underWebhooks(path) {
		m.webhooks.Handle(pattern, h)
		return
	}
	m.main.Handle(pattern, h)
}

// HandleFunc is Handle for a function.
func (m *splitMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(h))
}

// The patterns that catch what no route takes: every /api/ path, and the
// integration subtree (the proxy and the seed's ingress form, which route
// the rest themselves).
const (
	apiFallback         = "/api/"
	integrationFallback = "/api/v1/integrations/{id}/{rest...}"
)

// noRoute answers a request no API route takes: 405 with Allow when the
// path has routes for other methods (ServeMux would give the fallback
// patterns the request, a 404), else 404.
func (m *splitMux) noRoute(w http.ResponseWriter, r *http.Request) {
	r.Pattern = "" // counted as unmatched, not as the fallback pattern
	var allow []string
	literal, isLiteral := m.literal[r.URL.Path]
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if method == r.Method {
			continue
		}
		if isLiteral {
			if slices.Contains(literal, method) {
				allow = append(allow, method)
			}
			continue
		}
		probe := &http.Request{Method: method, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if p := m.pattern(probe); p != "" && p != apiFallback && p != integrationFallback {
			allow = append(allow, method)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, r, newProblem(http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+
			"; allowed: "+strings.Join(allow, ", "), requestID(r.Context())))
		return
	}
	writeProblem(w, r, newProblem(http.StatusNotFound, "no such API route: "+r.Method+" "+r.URL.Path, requestID(r.Context())))
}

// pattern is the pattern ServeHTTP would route r by ("" for none).
func (m *splitMux) pattern(r *http.Request) string {
	if underWebhooks(r.URL.Path) {
		if _, p := m.webhooks.Handler(r); p != "" {
			return p
		}
	}
	_, p := m.main.Handler(r)
	return p
}

// ihubPart is the part of a path ihub reads: all of it, but for the
// proxy's, whose path after /proxy/ is the provider's, passed on as sent.
func ihubPart(path string) string {
	if rest, ok := strings.CutPrefix(path, "/api/v1/integrations/"); ok {
		if i := strings.Index(rest, "/proxy/"); i >= 0 {
			return path[:len("/api/v1/integrations/")+i]
		}
	}
	return path
}

// uncleanPath says whether an /api/ path, as sent (percent-escapes kept),
// has a "." or ".." segment or an empty one ("//"), which ServeMux would
// clean away. An escaped dot or slash is not one: it is part of a
// segment's value (the proxy refuses those in its path itself).
func uncleanPath(escaped string) bool {
	rest, ok := strings.CutPrefix(escaped, "/api/")
	if !ok {
		return false
	}
	if strings.Contains(escaped, "//") {
		return true
	}
	for seg := range strings.SplitSeq(rest, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// ServeHTTP routes by path prefix, then by pattern.
func (m *splitMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !plainText(ihubPart(r.URL.Path)) {
		// No id or route holds such bytes; PostgreSQL would refuse them
		// as a query's argument (a 500 before, on the ingress too).
		r.Pattern = ""
		writeProblem(w, r, newProblem(http.StatusNotFound, "no such API route: the path holds a NUL character or is not UTF-8", requestID(r.Context())))
		return
	}
	if uncleanPath(r.URL.EscapedPath()) {
		// ServeMux would answer with a redirect to the cleaned path, which
		// a client may follow with its method and body: a POST to
		// …/proxy/a/../../test would run the connection test.
		r.Pattern = ""
		p := newProblem(http.StatusUnprocessableEntity, "the path is not valid", requestID(r.Context()))
		p.Errors = []FieldProblem{{Location: "path", Message: "must not contain . or .. segments or empty ones (//)"}}
		writeProblem(w, r, p)
		return
	}
	if methods, ok := m.literal[r.URL.Path]; ok && r.Method != http.MethodOptions && !slices.Contains(methods, r.Method) &&
		(r.Method != http.MethodHead || !slices.Contains(methods, http.MethodGet)) {
		m.noRoute(w, r)
		return
	}
	if underWebhooks(r.URL.Path) {
		if _, pattern := m.webhooks.Handler(r); pattern != "" {
			m.webhooks.ServeHTTP(w, r)
			return
		}
	}
	m.main.ServeHTTP(w, r)
}
