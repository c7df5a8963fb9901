// Package loadgen is ihub's own load generator (`ihub bench ingest`): it
// drives a running server over HTTP the way providers and clients would and
// reports throughput and latency percentiles.
package loadgen

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IngestOptions configures Ingest.
type IngestOptions struct {
	// BaseURL is the server ("http://127.0.0.1:8080"); Token an API token
	// with integrations:manage and integrations:credentials:write, used only
	// to create a throwaway integration and webhook endpoint.
	BaseURL, Token string
	Duration       time.Duration
	// Concurrency is the number of connections sending at once.
	Concurrency int
	// BodySize is the JSON body size in bytes (default 2048).
	BodySize int
	// Warmup runs before measuring (default 1 s).
	Warmup time.Duration
}

// IngestResult is what a run measured.
type IngestResult struct {
	Requests, Errors int64
	Status           map[int]int64
	Elapsed          time.Duration
	PerSecond        float64
	P50, P90, P99    time.Duration
	Max              time.Duration
	EndpointID       string
}

func (r IngestResult) String() string {
	codes := make([]string, 0, len(r.Status))
	for _, c := range slices.Sorted(maps.Keys(r.Status)) {
		codes = append(codes, fmt.Sprintf("%d×%d", c, r.Status[c]))
	}
	return fmt.Sprintf("%d webhooks in %s: %.0f/s; latency p50 %s, p90 %s, p99 %s, max %s; statuses %s; transport errors %d",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSecond, r.P50.Round(time.Microsecond), r.P90.Round(time.Microsecond),
		r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond), strings.Join(codes, " "), r.Errors)
}

// Ingest creates a generic-HTTP integration with an HMAC-SHA256 webhook
// endpoint, then sends signed JSON deliveries with unique delivery ids
// from Concurrency connections for Duration, and reports the acknowledged
// rate and latency. Every 2xx means the delivery was durably stored.
func Ingest(ctx context.Context, o IngestOptions) (IngestResult, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.BodySize <= 0 {
		o.BodySize = 2048
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Warmup <= 0 {
		o.Warmup = time.Second
	}
	base := strings.TrimSuffix(o.BaseURL, "/")
	tr := &http.Transport{MaxIdleConns: o.Concurrency * 2, MaxIdleConnsPerHost: o.Concurrency * 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	secret := randomHex(24)
	_, epID, err := setup(ctx, hc, base, o.Token, secret)
	if err != nil {
		return IngestResult{}, err
	}
	url := base + "/api/v1/hooks/" + epID
	pad := strings.Repeat("x", max(0, o.BodySize-195))

	var seq atomic.Int64
	runID := randomHex(4)
	send := func(lat *[]time.Duration, status map[int]int64, errs *int64) {
		n := seq.Add(1)
		id := runID + "-" + strconv.FormatInt(n, 10)
		start := time.Now()
		req := signedDelivery(ctx, url, secret, id, n, start, pad)
		resp, err := hc.Do(req)
		if err != nil {
			*errs++
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if lat != nil {
			*lat = append(*lat, time.Since(start))
		}
		status[resp.StatusCode]++
	}
	// Warm up: connections, caches.
	run(ctx, o.Concurrency, o.Warmup, func(_ int, stop func() bool) {
		st := map[int]int64{}
		var e int64
		for !stop() {
			send(nil, st, &e)
		}
	})
	lats := make([][]time.Duration, o.Concurrency)
	statuses := make([]map[int]int64, o.Concurrency)
	errs := make([]int64, o.Concurrency)
	start := time.Now()
	run(ctx, o.Concurrency, o.Duration, func(i int, stop func() bool) {
		lats[i] = make([]time.Duration, 0, 1<<16)
		statuses[i] = map[int]int64{}
		for !stop() {
			send(&lats[i], statuses[i], &errs[i])
		}
	})
	res := IngestResult{Elapsed: time.Since(start), Status: map[int]int64{}, EndpointID: epID}
	var all []time.Duration
	for i := range lats {
		all = append(all, lats[i]...)
		for c, n := range statuses[i] {
			res.Status[c] += n
		}
		res.Errors += errs[i]
	}
	res.Requests = int64(len(all))
	if len(all) == 0 {
		return res, errors.New("loadgen: no request completed")
	}
	slices.Sort(all)
	q := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	res.P50, res.P90, res.P99, res.Max = q(0.50), q(0.90), q(0.99), all[len(all)-1]
	ok := res.Status[http.StatusAccepted] + res.Status[http.StatusOK]
	res.PerSecond = float64(ok) / res.Elapsed.Seconds()
	return res, nil
}

// signedDelivery is one bench delivery: a JSON event whose data carries
// its number and send time (sent_ns, for the delivery benchmark), padded to
// the body size, signed with HMAC-SHA256.
func signedDelivery(ctx context.Context, url, secret, id string, n int64, sent time.Time, pad string) *http.Request {
	body := []byte(`{"type":"bench.event","id":"` + id + `","created_at":"` + sent.UTC().Format(time.RFC3339) +
		`","data":{"n":` + strconv.FormatInt(n, 10) + `,"sent_ns":"` + strconv.FormatInt(sent.UnixNano(), 10) +
		`","padding":"` + pad + `"}}`)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
	req.Header.Set("X-Delivery-Id", id)
	return req
}

// run calls fn from n goroutines until d has passed or ctx ends.
func run(ctx context.Context, n int, d time.Duration, fn func(i int, stop func() bool)) {
	deadline := time.Now().Add(d)
	stop := func() bool { return ctx.Err() != nil || time.Now().After(deadline) }
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { fn(i, stop) })
	}
	wg.Wait()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b)
}

// setup creates the integration and the endpoint and returns their ids.
func setup(ctx context.Context, hc *http.Client, base, token, secret string) (integrationID, endpointID string, err error) {
	name := "bench-ingest-" + randomHex(3)
	var it struct{ ID string }
	if err := apiCall(ctx, hc, base, token, "POST", "/api/v1/integrations", map[string]any{"name": name, "provider": "http",
		"baseUrl": "https://bench.invalid", "isActive": false, "settings": map[string]any{"authMode": "none"},
		"labels": map[string]string{"purpose": "bench"}}, &it); err != nil {
		return "", "", fmt.Errorf("loadgen: create the integration: %w", err)
	}
	var ep struct{ ID string }
	if err := apiCall(ctx, hc, base, token, "POST", "/api/v1/integrations/"+it.ID+"/webhooks", map[string]any{
		"scheme": "hmac", "secret": secret, "settings": map[string]string{"algorithm": "sha256", "header": "X-Signature",
			"encoding": "hex", "prefix": "sha256=", "deliveryIdHeader": "X-Delivery-Id"}}, &ep); err != nil {
		return "", "", fmt.Errorf("loadgen: create the webhook endpoint: %w", err)
	}
	return it.ID, ep.ID, nil
}

func apiCall(ctx context.Context, hc *http.Client, base, token, method, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(rb)))
	}
	return json.Unmarshal(rb, out)
}
