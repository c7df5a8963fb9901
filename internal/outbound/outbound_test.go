package outbound_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/outbound"
	"ihub/internal/provider"
)

type memRecorder struct {
	mu    sync.Mutex
	calls []outbound.Call
}

func (m *memRecorder) Record(c outbound.Call) {
	m.mu.Lock()
	m.calls = append(m.calls, c)
	m.mu.Unlock()
}

func (m *memRecorder) all() []outbound.Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]outbound.Call(nil), m.calls...)
}

// server answers with the given statuses in turn, then 200.
func server(t *testing.T, statuses ...int) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		i := int(n.Add(1)) - 1
		if i < len(statuses) {
			if statuses[i] == 429 || statuses[i] == 503 {
				w.Header().Set("Retry-After", "0.05")
			}
			w.WriteHeader(statuses[i])
			return
		}
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "4999")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func client(m *outbound.Manager, id string, limit *provider.RateLimit) *http.Client {
	return m.Client(&http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second},
		outbound.Target{IntegrationID: id, Provider: "test", Limit: limit})
}

func do(t *testing.T, c *http.Client, method, url string, body string) (*http.Response, error) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(provider.WithEndpoint(t.Context(), "/items/{id}"), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if resp != nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	return resp, err
}

func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		body       string
		statuses   []int
		wantStatus int
		wantCalls  int32
	}{
		{"GET retried on 503 then ok", "GET", "", []int{503, 502}, 200, 3},
		{"GET retried on 429 with Retry-After", "GET", "", []int{429}, 200, 2},
		{"GET gives up after two retries", "GET", "", []int{503, 503, 503, 503}, 503, 3},
		{"POST is never retried", "POST", `{"a":1}`, []int{503}, 503, 1},
		{"PUT with a body is retried", "PUT", `{"a":1}`, []int{503}, 200, 2},
		{"500 is not retried", "GET", "", []int{500}, 500, 1},
		{"404 is not retried", "GET", "", []int{404}, 404, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &memRecorder{}
			m := outbound.New(outbound.Options{Recorder: rec, BaseBackoff: time.Millisecond})
			srv, n := server(t, tt.statuses...)
			resp, err := do(t, client(m, "int_1", nil), tt.method, srv.URL+"/items/42", tt.body)
			if err != nil {
				t.Fatalf("Do() error = %v", err)
			}
			if resp.StatusCode != tt.wantStatus || n.Load() != tt.wantCalls {
				t.Errorf("status %d after %d calls, want %d after %d", resp.StatusCode, n.Load(), tt.wantStatus, tt.wantCalls)
			}
			calls := rec.all()
			if len(calls) != 1 {
				t.Fatalf("recorded %d calls, want 1 (retries are one call)", len(calls))
			}
			c := calls[0]
			if c.Endpoint != tt.method+" /items/{id}" || c.Status != tt.wantStatus || c.Attempts != int(tt.wantCalls) {
				t.Errorf("recorded %+v", c)
			}
		})
	}
}

func TestLongRetryAfterIsReturned(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(429)
	}))
	t.Cleanup(srv.Close)
	m := outbound.New(outbound.Options{})
	start := time.Now()
	resp, err := do(t, client(m, "int_1", nil), "GET", srv.URL, "")
	if err != nil || resp.StatusCode != 429 {
		t.Fatalf("Do() = %v, %v; want the 429 itself", resp, err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("waited %v for a Retry-After beyond the cap", el)
	}
}

func TestBreakerOpensAndProbes(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail.Load() {
			w.WriteHeader(500)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	rec := &memRecorder{}
	m := outbound.New(outbound.Options{Recorder: rec, Failures: 3, OpenFor: 200 * time.Millisecond})
	c := client(m, "int_b", nil)
	for range 3 {
		if _, err := do(t, c, "POST", srv.URL, "x"); err != nil {
			t.Fatalf("Do() error = %v while closed", err)
		}
	}
	if got := m.BreakerState("int_b"); got != "open" {
		t.Fatalf("BreakerState = %q after 3 failures, want open", got)
	}
	_, err := do(t, c, "POST", srv.URL, "x")
	if !errors.Is(err, outbound.ErrCircuitOpen) {
		t.Fatalf("Do() error = %v, want ErrCircuitOpen", err)
	}
	if hits.Load() != 3 {
		t.Errorf("server saw %d requests, want 3 (the open breaker sends none)", hits.Load())
	}
	if k := rec.all()[3].ErrorKind; k != "circuit_open" {
		t.Errorf("recorded error kind %q, want circuit_open", k)
	}
	// Another integration is not affected.
	if _, err := do(t, client(m, "int_other", nil), "POST", srv.URL, "x"); err != nil {
		t.Errorf("other integration: %v", err)
	}
	fail.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for m.BreakerState("int_b") == "open" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := do(t, c, "POST", srv.URL, "x"); err != nil {
		t.Fatalf("half-open probe: %v", err)
	}
	if got := m.BreakerState("int_b"); got != "closed" {
		t.Errorf("BreakerState = %q after a good probe, want closed", got)
	}
}

// TestBreakerBypass: a call asked for by a person (WithBreakerBypass) is
// sent through an open breaker, once, and gets the provider's own answer; a
// failure leaves the breaker open for everyone else, a success closes it.
func TestBreakerBypass(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	rec := &memRecorder{}
	m := outbound.New(outbound.Options{Recorder: rec, Failures: 2, OpenFor: time.Hour, BaseBackoff: time.Millisecond})
	c := client(m, "int_by", nil)
	get := func(ctx context.Context) (*http.Response, error) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return resp, err
	}
	asked := outbound.WithBreakerBypass(t.Context())

	// Two failed attempts of one call open the breaker.
	if resp, err := get(t.Context()); err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("GET = %v, %v; want the provider's 502", resp, err)
	}
	if got := m.BreakerState("int_by"); got != "open" {
		t.Fatalf("BreakerState = %q, want open", got)
	}
	if _, err := get(t.Context()); !errors.Is(err, outbound.ErrCircuitOpen) {
		t.Fatalf("GET with the breaker open = %v, want ErrCircuitOpen", err)
	}

	before := hits.Load()
	resp, err := get(asked)
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Errorf("GET asked for with the breaker open = %v, %v; want the provider's 502", resp, err)
	}
	if n := hits.Load() - before; n != 1 {
		t.Errorf("provider saw %d requests for the call asked for, want 1 (no retry while open)", n)
	}
	if calls := rec.all(); calls[len(calls)-1].ErrorKind != string(provider.ErrProvider) {
		t.Errorf("recorded error kind %q, want %q", calls[len(calls)-1].ErrorKind, provider.ErrProvider)
	}
	if got := m.BreakerState("int_by"); got != "open" {
		t.Errorf("BreakerState = %q after a failed call asked for, want still open", got)
	}
	if _, err := get(t.Context()); !errors.Is(err, outbound.ErrCircuitOpen) {
		t.Errorf("automatic GET after it = %v, want ErrCircuitOpen", err)
	}

	fail.Store(false)
	if resp, err := get(asked); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET asked for with the provider back = %v, %v; want 200", resp, err)
	}
	if got := m.BreakerState("int_by"); got != "closed" {
		t.Errorf("BreakerState = %q after a good call asked for, want closed", got)
	}
	if resp, err := get(t.Context()); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("automatic GET after it = %v, %v; want 200", resp, err)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	srv, n := server(t)
	m := outbound.New(outbound.Options{MaxLimiterWait: 50 * time.Millisecond})
	c := client(m, "int_r", &provider.RateLimit{Requests: 1, PerSeconds: 60, Burst: 2})
	for i := range 2 {
		if _, err := do(t, c, "GET", srv.URL, ""); err != nil {
			t.Fatalf("call %d within the burst: %v", i, err)
		}
	}
	_, err := do(t, c, "GET", srv.URL, "")
	if !errors.Is(err, outbound.ErrRateLimited) {
		t.Fatalf("third call error = %v, want ErrRateLimited", err)
	}
	if n.Load() != 2 {
		t.Errorf("server saw %d calls, want 2", n.Load())
	}
}

func TestCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	srv, _ := server(t, 503, 503, 503)
	m := outbound.New(outbound.Options{BaseBackoff: 10 * time.Second})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	_, err := client(m, "int_c", nil).Do(req)
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("Do() = %v after %v, want a prompt context error", err, time.Since(start))
	}
}

func TestTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, adapter, path, want string }{
		{"GET", "", "/repos/acme/site/commits", "GET /repos/acme/site/commits"},
		{"GET", "", "/api/v2/jobs/1234/", "GET /api/v2/jobs/{id}/"},
		{"DELETE", "", "/v1/items/3f2a9c1e-77aa-4c3b-9b1d-0e5c2a7f9d10", "DELETE /v1/items/{id}"},
		{"GET", "", "/hooks/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXXsecret", "GET /hooks/{id}/{id}/{id}"},
		{"GET", "/json-api/listaccts", "/json-api/listaccts", "GET /json-api/listaccts"},
		{"POST", "POST /includes/api.php GetClients", "/includes/api.php", "POST /includes/api.php GetClients"},
		{"GET", "", "", "GET /"},
		{"GET", "", "/users/secretuser-12345abc", "GET /users/{id}"},
		{"GET", "", "/people/jane@example.com/orders", "GET /people/{id}/orders"},
		{"PROPFIND", "", "/dav/x", "OTHER /dav/x"},
		{"FOO", "/x", "/x", "OTHER /x"},
	}
	for _, tt := range tests {
		if got := outbound.Template(tt.method, tt.adapter, tt.path); got != tt.want {
			t.Errorf("Template(%q, %q, %q) = %q, want %q", tt.method, tt.adapter, tt.path, got, tt.want)
		}
	}
}

// TestTemplateBound: past MaxTemplates distinct templates, an integration's
// calls with a new one are recorded as "<method> {other}"; known templates
// and other integrations are not affected.
func TestTemplateBound(t *testing.T) {
	t.Parallel()
	rec := &memRecorder{}
	m := outbound.New(outbound.Options{Recorder: rec, MaxTemplates: 3})
	srv, _ := server(t)
	a, b := client(m, "int_a", nil), client(m, "int_b", nil)
	send := func(c *http.Client, method, path string) {
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		resp.Body.Close()
	}
	send(a, "GET", "/walk/alpha")
	send(a, "GET", "/walk/beta")
	send(a, "GET", "/users/1")
	send(a, "GET", "/users/2")    // same template as /users/1
	send(a, "GET", "/walk/gamma") // the fourth: over the bound
	send(a, "POST", "/walk/delta")
	send(a, "GET", "/walk/alpha") // known
	send(b, "GET", "/walk/gamma") // another integration has room
	var got []string
	for _, c := range rec.all() {
		got = append(got, c.IntegrationID+" "+c.Endpoint)
	}
	want := []string{
		"int_a GET /walk/alpha", "int_a GET /walk/beta", "int_a GET /users/{id}", "int_a GET /users/{id}",
		"int_a GET {other}", "int_a POST {other}", "int_a GET /walk/alpha", "int_b GET /walk/gamma",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("recorded endpoints (-want +got):\n%s", diff)
	}
}

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name string
		h    http.Header
		want outbound.RateLimitState
	}{
		{"github", h("X-RateLimit-Limit", "5000", "X-RateLimit-Remaining", "4990", "X-RateLimit-Reset", "1800000600"),
			outbound.RateLimitState{Known: true, Limit: 5000, Remaining: 4990, Reset: time.Unix(1_800_000_600, 0)}},
		{"discord reset-after", h("X-RateLimit-Limit", "5", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset-After", "1.5"),
			outbound.RateLimitState{Known: true, Limit: 5, Remaining: 0, Reset: now.Add(1500 * time.Millisecond)}},
		{"gitlab", h("RateLimit-Limit", "600", "RateLimit-Remaining", "599", "RateLimit-Reset", "1800000060"),
			outbound.RateLimitState{Known: true, Limit: 600, Remaining: 599, Reset: time.Unix(1_800_000_060, 0)}},
		{"ietf", h("RateLimit", "limit=100, remaining=50, reset=30"),
			outbound.RateLimitState{Known: true, Limit: 100, Remaining: 50, Reset: now.Add(30 * time.Second)}},
		{"ietf structured fields", h("RateLimit", `"default";r=3;t=40`, "RateLimit-Policy", `"default";q=100;w=60`),
			outbound.RateLimitState{Known: true, Limit: 100, Remaining: 3, Reset: now.Add(40 * time.Second)}},
		{"ietf policy, older form", h("RateLimit", "remaining=7, reset=5", "RateLimit-Policy", "10;w=1"),
			outbound.RateLimitState{Known: true, Limit: 10, Remaining: 7, Reset: now.Add(5 * time.Second)}},
		{"ietf garbage", h("RateLimit", `"x";r=;t=soon`, "RateLimit-Policy", `"x";q=lots`), outbound.RateLimitState{}},
		{"retry-after only", h("Retry-After", "20"),
			outbound.RateLimitState{Known: true, Remaining: 0, Reset: now.Add(20 * time.Second)}},
		{"none", h(), outbound.RateLimitState{}},
		{"garbage", h("X-RateLimit-Remaining", "lots"), outbound.RateLimitState{}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, outbound.ParseRateLimit(tt.h, now)); diff != "" {
			t.Errorf("%s: ParseRateLimit mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestBatcher(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []outbound.Call
	b := outbound.NewBatcher(func(_ context.Context, calls []outbound.Call) error {
		mu.Lock()
		got = append(got, calls...)
		mu.Unlock()
		return nil
	}, 3, nil)
	for i := range 5 {
		b.Record(outbound.Call{Attempts: i})
	}
	if err := b.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || b.Dropped() != 2 {
		t.Errorf("stored %d, dropped %d; want 3 and 2", len(got), b.Dropped())
	}
}

// TestBreakerKeepsTheProviderWords: a retry is not sent into a breaker the
// failing attempts opened (its refusal would replace the provider's answer),
// and a refused call quotes the provider's last failure.
func TestBreakerKeepsTheProviderWords(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>")
	}))
	t.Cleanup(srv.Close)
	m := outbound.New(outbound.Options{Failures: 2, MaxRetries: 3, BaseBackoff: time.Millisecond, OpenFor: time.Minute})
	c := client(m, "int_k", nil)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET while the breaker opens = %v, want the provider's 502", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "nginx") {
		t.Errorf("GET = %d %q, want the provider's own 502 page", resp.StatusCode, b)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("provider saw %d requests, want 2 (no retry into the open breaker)", n)
	}
	_, err = c.Get(srv.URL)
	if !errors.Is(err, outbound.ErrCircuitOpen) || !strings.Contains(err.Error(), "last failure: 502 Bad Gateway") {
		t.Errorf("GET with the breaker open = %v, want ErrCircuitOpen quoting the last failure", err)
	}
}

// TestRetryAfterHoldsLaterCalls: a Retry-After too long to wait for within
// a call holds the integration's later calls back until then: they get a
// 429 with the time left and are not sent.
func TestRetryAfterHoldsLaterCalls(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	t.Cleanup(srv.Close)
	m := outbound.New(outbound.Options{BaseBackoff: time.Millisecond})
	c := client(m, "int_h", nil)
	for i, method := range []string{"GET", "POST", "GET"} {
		resp, err := do(t, c, method, srv.URL, "")
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || ra < 115 || ra > 120 {
			t.Errorf("call %d = %d, Retry-After %q; want 429 with about 120 s left", i+1, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if held := resp.Header.Get("X-Ihub-Held") == "true"; held != (i > 0) {
			t.Errorf("call %d: X-Ihub-Held = %v, want %v", i+1, held, i > 0)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("provider saw %d requests, want 1: the later calls are held", n)
	}
	// Another integration is not held.
	if resp, err := do(t, client(m, "int_other", nil), "GET", srv.URL, ""); err != nil || resp.Header.Get("X-Ihub-Held") != "" {
		t.Errorf("other integration: %v, held %q", err, resp.Header.Get("X-Ihub-Held"))
	}
}

// TestBreakerBypassHalfOpen: a call asked for by a person while the
// breaker is half-open, its probe still in flight, is sent past the
// breaker once, as while it is open: its failure is not retried (retries
// would hit the failing provider again behind the probe's back).
func TestBreakerBypassHalfOpen(t *testing.T) {
	t.Parallel()
	var fails atomic.Int32
	probing, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/probe" {
			close(probing)
			<-release
			_, _ = io.WriteString(w, "ok")
			return
		}
		fails.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	m := outbound.New(outbound.Options{Failures: 1, OpenFor: 50 * time.Millisecond, MaxRetries: 2, BaseBackoff: time.Millisecond})
	c := client(m, "int_half", nil)
	get := func(ctx context.Context, path string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		return resp, err
	}
	if resp, err := get(t.Context(), "/fail"); err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("GET = %v, %v; want the provider's 502", resp, err)
	}
	if got := m.BreakerState("int_half"); got != "open" {
		t.Fatalf("BreakerState = %q, want open", got)
	}
	time.Sleep(80 * time.Millisecond) // half-open: the next call is the probe
	probed := make(chan struct{})
	go func() {
		defer close(probed)
		_, _ = get(t.Context(), "/probe")
	}()
	<-probing
	before := fails.Load()
	resp, err := get(outbound.WithBreakerBypass(t.Context()), "/fail")
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Errorf("GET asked for during the probe = %v, %v; want the provider's 502", resp, err)
	}
	if n := fails.Load() - before; n != 1 {
		t.Errorf("provider saw %d requests for the call asked for during the probe, want 1 (no retry while the breaker is not closed)", n)
	}
	close(release)
	<-probed
}

// TestExpectedAnswer: a call whose adapter said which error answer it
// expects (provider.WithExpectedAnswer) is recorded as a success when it
// gets that answer, and as an error when it gets any other; the caller
// still reads the whole body.
func TestExpectedAnswer(t *testing.T) {
	t.Parallel()
	noText := func(status int, body []byte) bool {
		return status == http.StatusBadRequest && string(body) == "no_text"
	}
	long := strings.Repeat("x", provider.MaxExpectedBody+10)
	tests := []struct {
		name     string
		method   string
		expected provider.ExpectedAnswer
		status   int
		body     string
		want     outbound.Call
	}{
		{"expected answer", "POST", noText, 400, "no_text",
			outbound.Call{Method: "POST", Status: 400}},
		{"same status, other body", "POST", noText, 400, "invalid_payload",
			outbound.Call{Method: "POST", Status: 400, ErrorKind: "provider"}},
		{"other status", "POST", noText, 404, "no_service",
			outbound.Call{Method: "POST", Status: 404, ErrorKind: "not_found"}},
		{"server error", "POST", noText, 500, "no_text",
			outbound.Call{Method: "POST", Status: 500, ErrorKind: "provider"}},
		{"no expectation", "POST", nil, 400, "no_text",
			outbound.Call{Method: "POST", Status: 400, ErrorKind: "provider"}},
		{"status alone, HEAD", "HEAD", func(status int, _ []byte) bool { return status == 405 }, 405, "",
			outbound.Call{Method: "HEAD", Status: 405}},
		{"long body is seen in part", "POST", func(_ int, b []byte) bool { return len(b) == provider.MaxExpectedBody }, 400, long,
			outbound.Call{Method: "POST", Status: 400}},
		{"success stays a success", "POST", noText, 200, "ok",
			outbound.Call{Method: "POST", Status: 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			rec := &memRecorder{}
			m := outbound.New(outbound.Options{Recorder: rec})
			ctx := t.Context()
			if tt.expected != nil {
				ctx = provider.WithExpectedAnswer(ctx, tt.expected)
			}
			req, err := http.NewRequestWithContext(ctx, tt.method, srv.URL+"/probe", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client(m, "int_e", nil).Do(req)
			if err != nil {
				t.Fatalf("Do() error = %v", err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || string(body) != tt.body {
				t.Errorf("caller read %d bytes (%v), want the whole body of %d", len(body), err, len(tt.body))
			}
			calls := rec.all()
			if len(calls) != 1 {
				t.Fatalf("recorded %d calls, want 1", len(calls))
			}
			got := outbound.Call{Method: calls[0].Method, Status: calls[0].Status, ErrorKind: calls[0].ErrorKind}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("recorded call (-want +got):\n%s", diff)
			}
		})
	}
}
