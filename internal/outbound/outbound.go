// Package outbound is the one resilience stack every call from ihub to a
// provider goes through: per-integration rate limiting (token bucket with
// the provider's documented budget as default), a circuit breaker (opens
// after consecutive failures, one half-open probe after a cool-down),
// retries with backoff and jitter for idempotent requests on 429, 502, 503,
// 504 and connection failures (honouring Retry-After up to a cap), and a
// record of every call (endpoint template, status, latency, error kind,
// rate-limit headers) for API metrics.
//
// It works as an http.RoundTripper wrapped around the egress transport, so
// adapters see a plain *http.Client and need no knowledge of any of it.
// State is per integration and per replica.
package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"

	"ihub/internal/provider"
)

// Defaults of Options.
const (
	DefaultFailures       = 5
	DefaultOpenFor        = 30 * time.Second
	DefaultMaxRetries     = 2
	DefaultMaxRetryAfter  = 10 * time.Second
	DefaultMaxLimiterWait = 5 * time.Second
	DefaultBaseBackoff    = 100 * time.Millisecond
	DefaultMaxTemplates   = 200
)

// ErrCircuitOpen is wrapped by the error of a call refused because the
// integration's circuit breaker is open.
var ErrCircuitOpen = errors.New("circuit breaker open: the provider failed repeatedly; calls resume after a cool-down")

// ErrRateLimited is wrapped by the error of a call refused because the
// integration's client-side rate limit would make it wait too long.
var ErrRateLimited = errors.New("client-side rate limit reached for this integration")

// Options configures a Manager. Zero values take the defaults.
type Options struct {
	// Failures is how many consecutive failures open the breaker; OpenFor
	// how long it stays open before a half-open probe.
	Failures int
	OpenFor  time.Duration
	// MaxRetries is how many times an idempotent request is retried.
	MaxRetries int
	// MaxRetryAfter caps how long a retry waits for a Retry-After; a longer
	// one is returned to the caller instead.
	MaxRetryAfter time.Duration
	// MaxLimiterWait is how long a call may wait for the rate limiter.
	MaxLimiterWait time.Duration
	// BaseBackoff is the first retry delay (doubled per attempt, jittered).
	BaseBackoff time.Duration
	// MaxTemplates is how many distinct endpoint templates an integration
	// records (per replica, since start); calls with a further new one
	// are recorded as "<method> {other}", so that a caller walking
	// arbitrary paths through the proxy cannot grow the metrics.
	MaxTemplates int
	// Recorder receives every call; nil records nothing.
	Recorder Recorder
	Now      func() time.Time
}

// Target identifies the integration calls are made for.
type Target struct {
	IntegrationID string
	Provider      string
	// Limit is the rate limit; nil means none.
	Limit *provider.RateLimit
}

// Manager holds the per-integration state. It is safe for concurrent use.
type Manager struct {
	o      Options
	mu     sync.Mutex
	states map[string]*state
}

// New returns a Manager.
func New(o Options) *Manager {
	if o.Failures <= 0 {
		o.Failures = DefaultFailures
	}
	if o.OpenFor <= 0 {
		o.OpenFor = DefaultOpenFor
	}
	if o.MaxRetries < 0 {
		o.MaxRetries = 0
	} else if o.MaxRetries == 0 {
		o.MaxRetries = DefaultMaxRetries
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.MaxLimiterWait <= 0 {
		o.MaxLimiterWait = DefaultMaxLimiterWait
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = DefaultBaseBackoff
	}
	if o.MaxTemplates <= 0 {
		o.MaxTemplates = DefaultMaxTemplates
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Manager{o: o, states: map[string]*state{}}
}

type state struct {
	limiter *rate.Limiter // nil: unlimited
	limit   *provider.RateLimit
	// breaker is replaced by a closed one when a call that passed it open
	// (WithBreakerBypass) succeeds.
	breaker   *atomic.Pointer[breaker]
	templates *templates
	// lastFailure describes the provider's last failure that counted
	// against the breaker ("HTTP 502", "connection refused"), quoted when
	// the breaker refuses a call.
	lastFailure *atomic.Value
	// holds maps a provider host to when its last 429 or 503 asked to be
	// called again (Unix nanoseconds): calls to it before then are not
	// sent. By host, so that a changed base URL is not held.
	holds *sync.Map
}

type breaker = gobreaker.CircuitBreaker[*http.Response]

// newBreaker returns a closed breaker for an integration.
func (m *Manager) newBreaker(integrationID string) *breaker {
	return gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:        integrationID,
		MaxRequests: 1,
		Timeout:     m.o.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= uint32(m.o.Failures) },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
	})
}

// templates is the set of endpoint templates an integration has recorded.
type templates struct {
	seen sync.Map // template → struct{}
	mu   sync.Mutex
	n    int
}

// admit returns endpoint if it is known or there is room for it, else the
// overflow template for method.
func (ts *templates) admit(endpoint, method string, max int) string {
	if _, ok := ts.seen.Load(endpoint); ok {
		return endpoint
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if _, ok := ts.seen.Load(endpoint); ok {
		return endpoint
	}
	if ts.n >= max {
		return method + " " + OtherEndpoint
	}
	ts.seen.Store(endpoint, struct{}{})
	ts.n++
	return endpoint
}

func (m *Manager) state(t Target) *state {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[t.IntegrationID]
	if ok && sameLimit(st.limit, t.Limit) {
		return st
	}
	if !ok {
		st = &state{templates: &templates{}, lastFailure: &atomic.Value{}, holds: &sync.Map{}, breaker: &atomic.Pointer[breaker]{}}
		st.breaker.Store(m.newBreaker(t.IntegrationID))
	} else {
		st = &state{breaker: st.breaker, templates: st.templates, lastFailure: st.lastFailure, holds: st.holds} // replace only the limiter
	}
	st.limit = t.Limit
	if l := t.Limit; l != nil && l.Requests > 0 && l.PerSeconds > 0 {
		burst := l.Burst
		if burst <= 0 {
			burst = max(1, min(l.Requests, 10))
		}
		st.limiter = rate.NewLimiter(rate.Limit(float64(l.Requests)/float64(l.PerSeconds)), burst)
	}
	m.states[t.IntegrationID] = st
	return st
}

func sameLimit(a, b *provider.RateLimit) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Forget drops an integration's state (it was deleted).
func (m *Manager) Forget(integrationID string) {
	m.mu.Lock()
	delete(m.states, integrationID)
	m.mu.Unlock()
}

// ResetBreaker closes an integration's circuit breaker: its connection
// changed (base URL, credentials, settings), so the failures counted
// against the old one say nothing about the new one.
func (m *Manager) ResetBreaker(integrationID string) {
	m.mu.Lock()
	st, ok := m.states[integrationID]
	m.mu.Unlock()
	if ok {
		st.breaker.Store(m.newBreaker(integrationID))
	}
}

// BreakerState returns "closed", "open" or "half-open" for an integration
// ("closed" when it has made no call yet).
func (m *Manager) BreakerState(integrationID string) string {
	m.mu.Lock()
	st, ok := m.states[integrationID]
	m.mu.Unlock()
	if !ok {
		return "closed"
	}
	return st.breaker.Load().State().String()
}

// Client returns a client that sends through base's transport with the
// stack for t in front of it. base keeps its timeout and redirect policy.
func (m *Manager) Client(base *http.Client, t Target) *http.Client {
	rt := base.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c := *base
	c.Transport = &transport{m: m, st: m.state(t), base: rt, target: t}
	return &c
}

type transport struct {
	m      *Manager
	st     *state
	base   http.RoundTripper
	target Target
}

// CloseIdleConnections passes through to the base transport.
func (t *transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// serverStatus marks a 5xx answer as a breaker failure while the response
// itself is still handed to the caller.
type serverStatus struct{ code int }

func (e serverStatus) Error() string { return fmt.Sprintf("HTTP %d", e.code) }

// retryable reports whether a status is worth retrying.
func retryable(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// idempotent reports whether req may be sent twice.
func idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	}
	return req.Header.Get("Idempotency-Key") != "" && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
}

// RoundTrip runs one call through limiter, breaker and retries.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	start := t.m.o.Now()
	method := Method(req.Method)
	endpoint := t.st.templates.admit(Template(method, provider.EndpointFrom(ctx), req.URL.Path), method, t.m.o.MaxTemplates)
	call := Call{IntegrationID: t.target.IntegrationID, Provider: t.target.Provider, Method: method,
		Endpoint: endpoint, At: start, Source: SourceFrom(ctx)}
	resp, err := t.roundTrip(ctx, req, &call)
	call.Latency = t.m.o.Now().Sub(start)
	if resp != nil {
		call.Status = resp.StatusCode
		call.RateLimit = ParseRateLimit(resp.Header, t.m.o.Now())
		call.ErrorKind = statusErrorKind(resp.StatusCode)
		if call.ErrorKind != "" && resp.Header.Get("X-Ihub-Held") == "" {
			if expected := provider.ExpectedAnswerFrom(ctx); expected != nil && expected(resp.StatusCode, peek(resp, provider.MaxExpectedBody)) {
				call.ErrorKind = "" // the answer the adapter's probe asked for
			}
		}
	} else if err != nil {
		call.ErrorKind = string(provider.ErrTransport)
		switch {
		case errors.Is(err, ErrCircuitOpen):
			call.ErrorKind = "circuit_open"
		case errors.Is(err, ErrRateLimited):
			call.ErrorKind = string(provider.ErrRateLimited)
		case ctx.Err() != nil:
			call.ErrorKind = "cancelled"
		}
		call.Error = transportText(err)
	}
	if r := t.m.o.Recorder; r != nil {
		r.Record(call)
	}
	return resp, err
}

func (t *transport) roundTrip(ctx context.Context, req *http.Request, call *Call) (*http.Response, error) {
	retries := 0
	if idempotent(req) {
		retries = t.m.o.MaxRetries
	}
	for attempt := 0; ; attempt++ {
		if resp, err := t.held(ctx, req, retries > 0); resp != nil || err != nil {
			return resp, err
		}
		if err := t.wait(ctx); err != nil {
			return nil, err
		}
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		send := func() (*http.Response, error) {
			resp, err := t.base.RoundTrip(r)
			if err != nil {
				if ctx.Err() == nil {
					t.st.lastFailure.Store(transportText(err))
				}
				return nil, err
			}
			if resp.StatusCode >= 500 {
				t.st.lastFailure.Store(clip(resp.Status, 100))
				return resp, serverStatus{resp.StatusCode}
			}
			return resp, nil
		}
		br := t.st.breaker.Load()
		resp, err := br.Execute(send)
		refused := errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
		bypassed := refused && bypassesBreaker(ctx)
		if bypassed {
			// Asked for by a person: sent past the breaker. A failure
			// leaves it open (it counts for nothing more); an answer
			// proves the provider works again, as a half-open probe's
			// would, and closes it.
			resp, err = send()
			if err == nil {
				t.st.breaker.CompareAndSwap(br, t.m.newBreaker(t.target.IntegrationID))
			}
			refused = false
		}
		var ss serverStatus
		if errors.As(err, &ss) {
			err = nil
		}
		if refused {
			if last, _ := t.st.lastFailure.Load().(string); last != "" {
				return nil, fmt.Errorf("%w (last failure: %s)", ErrCircuitOpen, last)
			}
			return nil, fmt.Errorf("%w", ErrCircuitOpen)
		}
		call.Attempts = attempt + 1
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if ra := retryAfter(resp.Header, t.m.o.Now()); ra > 0 {
				t.st.holds.Store(req.URL.Host, t.m.o.Now().Add(min(ra, maxHold)).UnixNano())
			}
		}
		if attempt >= retries {
			return resp, err
		}
		if st := t.st.breaker.Load().State(); st == gobreaker.StateOpen || (bypassed && st != gobreaker.StateClosed) {
			// This attempt opened the breaker (or was its failed probe):
			// a retry would be refused, and its refusal would hide the
			// provider's own answer, which the caller gets instead. A
			// call sent past the breaker (open, or half-open with its
			// probe in flight) is sent once: its retries would pass it
			// again, behind the probe's back.
			return resp, err
		}
		var delay time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || !connectFailure(err) {
				return nil, err
			}
		case retryable(resp.StatusCode):
			ra := retryAfter(resp.Header, t.m.o.Now())
			if ra > t.m.o.MaxRetryAfter {
				return resp, nil // the caller sees the 429/503 with its Retry-After
			}
			delay = ra
		default:
			return resp, nil
		}
		if delay == 0 {
			d := t.m.o.BaseBackoff << attempt
			delay = d/2 + rand.N(d/2+1)
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// peek returns up to n bytes from the start of resp's body and leaves the
// body whole for the caller: those bytes are read again before the rest.
func peek(resp *http.Response, n int) []byte {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	// A read error here is the caller's too: it reads the same body next.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, int64(n)))
	resp.Body = peekedBody{Reader: io.MultiReader(bytes.NewReader(b), resp.Body), Closer: resp.Body}
	return b
}

type peekedBody struct {
	io.Reader
	io.Closer
}

// maxHold caps how long a provider's Retry-After holds its integration's
// calls back.
const maxHold = time.Hour

// held honours the provider's last Retry-After across calls: until then a
// call to the same host is not sent. A retryable call that would wait at most MaxRetryAfter
// waits; any other gets a 429 made here, with the time left in
// Retry-After (and X-Ihub-Held: true), which adapters read as the
// provider's own and the proxy relays.
func (t *transport) held(ctx context.Context, req *http.Request, retryable bool) (*http.Response, error) {
	v, ok := t.st.holds.Load(req.URL.Host)
	if !ok {
		return nil, nil
	}
	left := time.Duration(v.(int64) - t.m.o.Now().UnixNano())
	if left <= 0 {
		return nil, nil
	}
	if retryable && left <= t.m.o.MaxRetryAfter {
		timer := time.NewTimer(left)
		defer timer.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-timer.C:
			return nil, nil
		}
	}
	secs := strconv.FormatInt(int64((left+time.Second-1)/time.Second), 10)
	body := "the provider asked ihub to wait: not sent; retry after " + secs + " s"
	return &http.Response{StatusCode: http.StatusTooManyRequests, Status: "429 Too Many Requests",
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Request: req, ContentLength: int64(len(body)),
		Header: http.Header{"Retry-After": {secs}, "Content-Type": {"text/plain; charset=utf-8"}, "X-Ihub-Held": {"true"}},
		Body:   io.NopCloser(strings.NewReader(body))}, nil
}

// wait takes a token from the integration's limiter, waiting at most
// MaxLimiterWait (and never past ctx's deadline).
func (t *transport) wait(ctx context.Context) error {
	l := t.st.limiter
	if l == nil {
		return nil
	}
	r := l.Reserve()
	d := r.Delay()
	if d == 0 {
		return nil
	}
	if d > t.m.o.MaxLimiterWait {
		r.Cancel()
		return fmt.Errorf("%w (next slot in %s)", ErrRateLimited, d.Round(time.Millisecond))
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		r.Cancel()
		return fmt.Errorf("%w (next slot in %s, after the deadline)", ErrRateLimited, d.Round(time.Millisecond))
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		r.Cancel()
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// connectFailure reports whether err happened before the request could
// have reached the server (connection refused, DNS), so a retry is safe.
func connectFailure(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "no such host") ||
		strings.Contains(s, "connection reset")
}

func statusErrorKind(code int) string {
	switch {
	case code < 400:
		return ""
	case code == 401 || code == 403:
		return string(provider.ErrAuth)
	case code == 404 || code == 410:
		return string(provider.ErrNotFound)
	case code == 429:
		return string(provider.ErrRateLimited)
	}
	return string(provider.ErrProvider)
}

// transportText is a short description of a transport error without URL
// (which may carry a credential).
func transportText(err error) string {
	var ue interface{ Unwrap() error }
	for errors.As(err, &ue) {
		if s := err.Error(); !strings.Contains(s, "://") {
			break
		}
		inner := ue.Unwrap()
		if inner == nil {
			break
		}
		err = inner
	}
	s := err.Error()
	if strings.Contains(s, "://") {
		return "transport error"
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
