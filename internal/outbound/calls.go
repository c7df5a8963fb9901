package outbound

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"ihub/internal/provider"
)

// Call is the record of one outbound call, as stored for API metrics. It
// never holds a raw URL: Endpoint is a template.
type Call struct {
	IntegrationID string
	Provider      string
	Method        string
	Endpoint      string // "GET /repos/{owner}/{repo}/commits"
	Status        int    // 0 when there was no HTTP answer
	Latency       time.Duration
	ErrorKind     string // "" on success (or the error answer the adapter expected, provider.WithExpectedAnswer); auth, not_found, rate_limited, provider, transport, circuit_open, cancelled
	Error         string // short text for transport failures
	Attempts      int
	Source        string // test, action, proxy
	At            time.Time
	RateLimit     RateLimitState
}

// RateLimitState is what a provider's rate-limit headers said.
type RateLimitState struct {
	Known     bool
	Limit     int64
	Remaining int64
	Reset     time.Time // zero when unknown
}

// Recorder receives calls. Record must not block for long.
type Recorder interface{ Record(Call) }

// Recorders fans a call out to several recorders.
type Recorders []Recorder

// Record implements Recorder.
func (rs Recorders) Record(c Call) {
	for _, r := range rs {
		r.Record(c)
	}
}

type sourceKey struct{}

// WithSource labels the calls made with ctx (test, action, proxy).
func WithSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

// SourceFrom returns the label set by WithSource, or "other".
func SourceFrom(ctx context.Context) string {
	if s, ok := ctx.Value(sourceKey{}).(string); ok {
		return s
	}
	return "other"
}

type bypassKey struct{}

// WithBreakerBypass marks the calls made with ctx as asked for by a person
// there and then (the connection test someone runs), so that an open (or
// probing) circuit breaker does not refuse them. The breaker spares a
// failing provider ihub's own repeated traffic: background tests,
// actions and proxied calls from automation; a person asking whether the
// provider works expects it to be asked, and its own answer. Such a call
// is sent once, not retried, while the breaker is open; its failure
// changes nothing there, and its success closes the breaker, as a passed
// half-open probe would. While the breaker is closed it counts like any
// other call.
func WithBreakerBypass(ctx context.Context) context.Context {
	return context.WithValue(ctx, bypassKey{}, true)
}

func bypassesBreaker(ctx context.Context) bool {
	b, _ := ctx.Value(bypassKey{}).(bool)
	return b
}

// Template returns the endpoint template of a call: the adapter's own when
// it set one (with the method prepended if missing), otherwise the method
// and provider.PathTemplate of the path. Methods other than the standard
// ones are recorded as OTHER (the proxy passes any method through).
func Template(method, adapter, path string) string {
	method = Method(method)
	if adapter != "" {
		if !strings.Contains(adapter, " ") {
			adapter = method + " " + adapter
		}
		return clip(adapter, 200)
	}
	return clip(method+" "+provider.PathTemplate(path), 200)
}

// Method returns m if it is a standard HTTP method, otherwise "OTHER", so
// that a caller of the proxy cannot add rows to the metrics by inventing
// methods.
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
		http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return m
	}
	return "OTHER"
}

// OtherEndpoint is the template, after the method, of the calls of an
// integration that already has MaxTemplates distinct ones.
const OtherEndpoint = "{other}"

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// ParseRateLimit reads the rate-limit headers providers send: GitHub and
// Discord X-RateLimit-Limit/Remaining/Reset (epoch seconds; Discord's
// Reset-After in seconds), GitLab RateLimit-Limit/Remaining/Reset, the IETF
// draft RateLimit ("limit=100, remaining=50, reset=30") with
// RateLimit-Policy, and Retry-After as a reset time when nothing else says.
func ParseRateLimit(h http.Header, now time.Time) RateLimitState {
	var st RateLimitState
	get := func(names ...string) string {
		for _, n := range names {
			if v := h.Get(n); v != "" {
				return strings.TrimSpace(v)
			}
		}
		return ""
	}
	// The IETF draft's older form is "limit=100, remaining=3, reset=40";
	// its structured-field form names a policy and gives its parameters:
	// RateLimit: "default";r=3;t=40 with RateLimit-Policy: "default";q=100;w=60.
	params := func(v string) []string {
		return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' })
	}
	if v := get("RateLimit"); v != "" && strings.Contains(v, "=") {
		for _, part := range params(v) {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
			if err != nil {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "limit":
				st.Limit, st.Known = n, true
			case "remaining", "r":
				st.Remaining, st.Known = n, true
			case "reset", "t":
				st.Reset = now.Add(time.Duration(n) * time.Second)
			}
		}
		if p := get("RateLimit-Policy"); st.Limit == 0 && p != "" {
			if n, err := strconv.ParseInt(strings.TrimSpace(strings.Split(strings.Split(p, ",")[0], ";")[0]), 10, 64); err == nil {
				st.Limit = n // "100;w=60"
			} else {
				for _, part := range params(p) { // "default";q=100;w=60
					if k, val, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.TrimSpace(k) == "q" {
						if n, err := strconv.ParseInt(strings.TrimSpace(val), 10, 64); err == nil {
							st.Limit = n
							break
						}
					}
				}
			}
		}
		return st
	}
	limit := get("X-RateLimit-Limit", "RateLimit-Limit", "X-Rate-Limit-Limit")
	remaining := get("X-RateLimit-Remaining", "RateLimit-Remaining", "X-Rate-Limit-Remaining")
	if remaining != "" {
		if n, err := strconv.ParseInt(remaining, 10, 64); err == nil {
			st.Remaining, st.Known = n, true
		}
		if n, err := strconv.ParseInt(limit, 10, 64); err == nil {
			st.Limit = n
		}
		if v := get("X-RateLimit-Reset-After"); v != "" {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				st.Reset = now.Add(time.Duration(f * float64(time.Second)))
			}
		} else if v := get("X-RateLimit-Reset", "RateLimit-Reset", "X-Rate-Limit-Reset"); v != "" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				if n > 1_000_000_000 {
					st.Reset = time.Unix(n, 0)
				} else {
					st.Reset = now.Add(time.Duration(n) * time.Second)
				}
			}
		}
	}
	if ra := retryAfter(h, now); ra > 0 && st.Reset.IsZero() {
		st.Reset = now.Add(ra)
		if !st.Known {
			st.Known, st.Remaining = true, 0
		}
	}
	return st
}

func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs > 7*24*3600 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Sink stores a batch of calls.
type Sink func(ctx context.Context, calls []Call) error

// Batcher is a Recorder that buffers calls and hands them to a sink in
// batches, from one goroutine, so that recording never waits for the
// database. When the buffer is full, calls are dropped and counted.
type Batcher struct {
	sink    Sink
	log     *slog.Logger
	mu      sync.Mutex
	buf     []Call
	max     int
	dropped int64
	kick    chan struct{}
}

// NewBatcher returns a Batcher holding at most max calls between flushes.
func NewBatcher(sink Sink, max int, log *slog.Logger) *Batcher {
	if max <= 0 {
		max = 50_000
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Batcher{sink: sink, max: max, log: log, kick: make(chan struct{}, 1)}
}

// Record implements Recorder.
func (b *Batcher) Record(c Call) {
	b.mu.Lock()
	if len(b.buf) >= b.max {
		b.dropped++
		b.mu.Unlock()
		return
	}
	b.buf = append(b.buf, c)
	n := len(b.buf)
	b.mu.Unlock()
	if n >= 1000 {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// Dropped returns how many calls were dropped because the buffer was full.
func (b *Batcher) Dropped() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// Flush hands the buffered calls to the sink now.
func (b *Batcher) Flush(ctx context.Context) error {
	b.mu.Lock()
	batch := b.buf
	b.buf = nil
	b.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	return b.sink(ctx, batch)
}

// Run flushes every interval (and when a thousand calls are waiting) until
// ctx ends, then flushes once more with a short deadline.
func (b *Batcher) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := b.Flush(fctx); err != nil {
				b.log.Warn("could not store the last API call records", "err", err)
			}
			cancel()
			return
		case <-t.C:
		case <-b.kick:
		}
		if err := b.Flush(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("could not store API call records", "err", err)
		}
	}
}
