// Package outboundtest runs an adapter's calls through the outbound stack
// for adapters' tests of what API metrics record of them.
package outboundtest

import (
	"net/http"
	"sync"
	"testing"

	"ihub/internal/outbound"
	"ihub/internal/provider"
)

// Recorded is what API metrics keep of one call that adapters' tests
// compare: its endpoint template, HTTP status and error kind ("" for a
// success).
type Recorded struct {
	Endpoint  string
	Status    int
	ErrorKind string
}

// ConnectionTest runs p's connection test with conn over base, through the
// outbound stack (integration int_test of providerID), and returns the
// calls it recorded, in order, and the test's error.
func ConnectionTest(t testing.TB, p provider.Checker, providerID string, base *http.Client, conn provider.Connection) ([]Recorded, error) {
	t.Helper()
	rec := &recorder{}
	hc := outbound.New(outbound.Options{Recorder: rec}).Client(base, outbound.Target{IntegrationID: "int_test", Provider: providerID})
	defer hc.CloseIdleConnections()
	_, err := p.Test(t.Context(), hc, conn)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.calls, err
}

type recorder struct {
	mu    sync.Mutex
	calls []Recorded
}

func (r *recorder) Record(c outbound.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, Recorded{Endpoint: c.Endpoint, Status: c.Status, ErrorKind: c.ErrorKind})
}
