package integration

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"ihub/internal/apperr"
)

// LatencyBoundsUs are the upper bounds, in microseconds, of the latency
// histogram buckets stored with API call roll-ups; the last bucket is
// unbounded.
var LatencyBoundsUs = [NumLatencyBuckets - 1]int64{1e3, 2.5e3, 5e3, 1e4, 2.5e4, 5e4, 1e5, 2.5e5, 5e5, 1e6, 2.5e6, 5e6, 1e7, 3e7}

// NumLatencyBuckets is the number of histogram buckets.
const NumLatencyBuckets = 15

// LatencyBucket returns the bucket index of a latency.
func LatencyBucket(us int64) int {
	for i, b := range LatencyBoundsUs {
		if us <= b {
			return i
		}
	}
	return NumLatencyBuckets - 1
}

// EndpointUsage is the stored roll-up of one endpoint template over a
// window.
type EndpointUsage struct {
	Method       string
	Endpoint     string
	Calls        int64
	Errors       int64
	LatencySumUs int64
	Buckets      [NumLatencyBuckets]int64
	// Range is the fastest and slowest call; nil when unknown (roll-ups
	// stored before it was kept).
	Range *LatencyRange
}

// LatencyRange is the fastest and slowest latency of a set of calls, in
// microseconds.
type LatencyRange struct{ MinUs, MaxUs int64 }

// Merge returns the range of both sets; nil when either is unknown.
func (r *LatencyRange) Merge(o *LatencyRange) *LatencyRange {
	if r == nil || o == nil {
		return nil
	}
	return &LatencyRange{MinUs: min(r.MinUs, o.MinUs), MaxUs: max(r.MaxUs, o.MaxUs)}
}

// APICallError is one recent failed call.
type APICallError struct {
	At        time.Time `json:"at"`
	Method    string    `json:"method"`
	Endpoint  string    `json:"endpoint"`
	Status    int       `json:"status"`
	ErrorKind string    `json:"errorKind"`
	Error     string    `json:"error,omitempty"`
	LatencyMs float64   `json:"latencyMs"`
	Source    string    `json:"source"`
}

// RateLimitInfo is the latest rate-limit state a provider reported.
type RateLimitInfo struct {
	Limit     int64      `json:"limit"`
	Remaining int64      `json:"remaining"`
	ResetAt   *time.Time `json:"resetAt,omitempty"`
	UpdatedAt time.Time  `json:"updatedAt"`
	// UsedPercent is (limit-remaining)/limit, when the limit is known.
	UsedPercent *float64 `json:"usedPercent,omitempty"`
}

// APIUsage is what the store answers for a metrics query.
type APIUsage struct {
	Endpoints    []EndpointUsage
	RecentErrors []APICallError
	RateLimit    *RateLimitInfo
}

// EndpointMetrics is the summary of one endpoint template.
type EndpointMetrics struct {
	Method       string  `json:"method"`
	Endpoint     string  `json:"endpoint"`
	Requests     int64   `json:"requests"`
	Errors       int64   `json:"errors"`
	AvgLatencyMs float64 `json:"avgLatencyMs"`
	P95LatencyMs float64 `json:"p95LatencyMs"`
}

// APIMetrics answers GET /integrations/{id}/metrics.
type APIMetrics struct {
	Window        string            `json:"window"`
	Since         time.Time         `json:"since"`
	TotalRequests int64             `json:"totalRequests"`
	Errors        int64             `json:"errors"`
	SuccessRate   float64           `json:"successRate"`
	ErrorRate     float64           `json:"errorRate"`
	AvgLatencyMs  float64           `json:"avgLatencyMs"`
	P50LatencyMs  float64           `json:"p50LatencyMs"`
	P95LatencyMs  float64           `json:"p95LatencyMs"`
	RateLimit     *RateLimitInfo    `json:"rateLimit,omitempty"`
	CircuitState  string            `json:"circuitState"`
	Endpoints     []EndpointMetrics `json:"endpoints"`
	RecentErrors  []APICallError    `json:"recentErrors"`
	// Warnings says, for example, that 80 % of the rate-limit budget is used.
	Warnings []string `json:"warnings"`
}

// MetricsWindows are the accepted windows.
var MetricsWindows = map[string]time.Duration{
	"1h": time.Hour, "24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour,
}

// RateLimitWarnPercent is the share of the rate-limit budget above which
// metrics carry a warning.
const RateLimitWarnPercent = 80.0

// Metrics summarizes an integration's outbound calls over window.
func (s *Service) Metrics(ctx context.Context, idOrSlug, window string) (APIMetrics, error) {
	d, ok := MetricsWindows[window]
	if !ok {
		return APIMetrics{}, apperr.InvalidFields("the metrics window is not valid", apperr.FieldError{Field: "query.window", Message: "must be one of 1h, 24h, 7d, 30d"})
	}
	in, err := s.o.Store.GetIntegration(ctx, idOrSlug)
	if err != nil {
		return APIMetrics{}, err
	}
	now := s.o.Now()
	since := now.Add(-d).Truncate(time.Hour)
	u, err := s.o.Store.APIUsage(ctx, in.ID, since, now)
	if err != nil {
		return APIMetrics{}, err
	}
	m := Summarize(u)
	m.Window, m.Since = window, since
	m.CircuitState = "closed"
	if s.o.Breakers != nil {
		m.CircuitState = s.o.Breakers(in.ID)
	}
	if m.CircuitState == "open" {
		m.Warnings = append(m.Warnings, "the circuit breaker is open: calls are refused until a probe or a connection test succeeds")
	}
	if rl := m.RateLimit; rl != nil && rl.UsedPercent != nil && *rl.UsedPercent >= RateLimitWarnPercent &&
		(rl.ResetAt == nil || rl.ResetAt.After(now)) {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%.0f %% of the provider's rate-limit budget is used (%d of %d left)",
			*rl.UsedPercent, rl.Remaining, rl.Limit))
	}
	return m, nil
}

// Summarize turns stored usage into metrics: totals, rates, average and
// histogram-estimated p50/p95 latency, per-endpoint figures sorted by
// request count.
func Summarize(u APIUsage) APIMetrics {
	m := APIMetrics{RateLimit: u.RateLimit, RecentErrors: u.RecentErrors, Endpoints: []EndpointMetrics{}, Warnings: []string{}}
	if m.RecentErrors == nil {
		m.RecentErrors = []APICallError{}
	}
	var total [NumLatencyBuckets]int64
	var sum int64
	var all *LatencyRange
	for i, e := range u.Endpoints {
		if i == 0 {
			all = e.Range
		} else {
			all = all.Merge(e.Range)
		}
		m.TotalRequests += e.Calls
		m.Errors += e.Errors
		sum += e.LatencySumUs
		for i, n := range e.Buckets {
			total[i] += n
		}
		em := EndpointMetrics{Method: e.Method, Endpoint: e.Endpoint, Requests: e.Calls, Errors: e.Errors,
			P95LatencyMs: quantile(e.Buckets, e.Range, 0.95)}
		if e.Calls > 0 {
			em.AvgLatencyMs = round2(float64(e.LatencySumUs) / float64(e.Calls) / 1000)
		}
		m.Endpoints = append(m.Endpoints, em)
	}
	slices.SortStableFunc(m.Endpoints, func(a, b EndpointMetrics) int {
		if a.Requests != b.Requests {
			if a.Requests > b.Requests {
				return -1
			}
			return 1
		}
		if a.Endpoint < b.Endpoint {
			return -1
		}
		return 1
	})
	if m.TotalRequests > 0 {
		m.ErrorRate = round4(float64(m.Errors) / float64(m.TotalRequests))
		m.SuccessRate = round4(1 - m.ErrorRate)
		m.AvgLatencyMs = round2(float64(sum) / float64(m.TotalRequests) / 1000)
		m.P50LatencyMs = quantile(total, all, 0.50)
		m.P95LatencyMs = quantile(total, all, 0.95)
	}
	return m
}

// quantile estimates the q-quantile in milliseconds from bucket counts,
// interpolating linearly inside the bucket (Prometheus' method). With the
// observed range known, the bucket is first narrowed to it (the 250–500 ms
// bucket of calls that took 310 and 318 ms is 310–318 ms), so the estimate
// never leaves the latencies actually seen.
func quantile(b [NumLatencyBuckets]int64, r *LatencyRange, q float64) float64 {
	var n int64
	for _, c := range b {
		n += c
	}
	if n == 0 {
		return 0
	}
	rank := q * float64(n)
	var cum int64
	for i, c := range b {
		if float64(cum+c) >= rank && c > 0 {
			lo, hi := int64(0), int64(0)
			if i > 0 {
				lo = LatencyBoundsUs[i-1]
			}
			hi = lo // the last bucket has no upper bound
			if i < NumLatencyBuckets-1 {
				hi = LatencyBoundsUs[i]
			}
			if r != nil {
				lo = min(max(lo, r.MinUs), r.MaxUs)
				hi = max(min(hi, r.MaxUs), lo)
				if i == NumLatencyBuckets-1 {
					hi = r.MaxUs
				}
			}
			frac := (rank - float64(cum)) / float64(c)
			return round2((float64(lo) + frac*float64(hi-lo)) / 1000)
		}
		cum += c
	}
	return round2(float64(LatencyBoundsUs[len(LatencyBoundsUs)-1]) / 1000)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
func round4(f float64) float64 { return math.Round(f*10000) / 10000 }
