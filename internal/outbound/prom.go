package outbound

import "github.com/prometheus/client_golang/prometheus"

// Prometheus is a Recorder exporting outbound calls as metrics with bounded
// labels: provider id (a fixed catalog), source, and outcome (ok or the
// error kind). Integration ids and endpoints are deliberately not labels;
// per-integration figures come from the metrics API.
type Prometheus struct {
	calls    *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	attempts prometheus.Counter
}

// NewPrometheus registers the outbound metrics with reg.
func NewPrometheus(reg prometheus.Registerer) *Prometheus {
	p := &Prometheus{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ihub_outbound_requests_total",
			Help: "Calls from ihub to providers, by provider, source (test, action, proxy) and outcome (ok or error kind)."},
			[]string{"provider", "source", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ihub_outbound_request_duration_seconds",
			Help:    "Latency of calls from ihub to providers, retries included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"provider"}),
		attempts: prometheus.NewCounter(prometheus.CounterOpts{Name: "ihub_outbound_retries_total",
			Help: "Retries made by the resilience stack (attempts beyond the first)."}),
	}
	reg.MustRegister(p.calls, p.latency, p.attempts)
	return p
}

// Record implements Recorder.
func (p *Prometheus) Record(c Call) {
	outcome := c.ErrorKind
	if outcome == "" {
		outcome = "ok"
	}
	p.calls.WithLabelValues(c.Provider, c.Source, outcome).Inc()
	p.latency.WithLabelValues(c.Provider).Observe(c.Latency.Seconds())
	if c.Attempts > 1 {
		p.attempts.Add(float64(c.Attempts - 1))
	}
}
