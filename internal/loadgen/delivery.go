package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DeliveryOptions configures Delivery.
type DeliveryOptions struct {
	// BaseURL and Token as for IngestOptions; the token also needs
	// integrations:manage for the throwaway subscription.
	BaseURL, Token string
	// Rate is webhooks per second (default 1000), sent for Duration.
	Rate     int
	Duration time.Duration
	BodySize int
	// Listen is where the subscriber listens (default 127.0.0.1:0); the
	// server must reach it there.
	Listen string
	// Wait bounds how long to wait for the last deliveries (default 15 s).
	Wait time.Duration
}

// DeliveryResult is what a delivery run measured.
type DeliveryResult struct {
	Sent, Accepted, Delivered int64
	// Rate is the achieved send rate.
	Rate float64
	// Latency is from sending a webhook to the subscriber receiving its
	// event (both clocks are this process's).
	P50, P90, P99, Max time.Duration
	// Duplicates counts events the subscriber received more than once.
	Duplicates int64
}

func (r DeliveryResult) String() string {
	return fmt.Sprintf("sent %d at %.0f/s, accepted %d, delivered %d (duplicates %d); ingest-to-delivery p50 %s, p90 %s, p99 %s, max %s",
		r.Sent, r.Rate, r.Accepted, r.Delivered, r.Duplicates, r.P50.Round(10*time.Microsecond), r.P90.Round(10*time.Microsecond),
		r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond))
}

// Delivery measures ingest-to-delivery latency: it starts a subscriber,
// subscribes it to a throwaway integration's events, sends signed webhooks
// at a steady rate, and times each from the send to the subscriber
// receiving its event. The subscription is deleted at the end.
func Delivery(ctx context.Context, o DeliveryOptions) (DeliveryResult, error) {
	if o.Rate <= 0 {
		o.Rate = 1000
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.BodySize <= 0 {
		o.BodySize = 2048
	}
	if o.Listen == "" {
		o.Listen = "127.0.0.1:0"
	}
	if o.Wait <= 0 {
		o.Wait = 15 * time.Second
	}
	base := strings.TrimSuffix(o.BaseURL, "/")
	tr := &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	// The subscriber: records each event's latency from its sent_ns.
	var mu sync.Mutex
	lats := make([]time.Duration, 0, min(1<<20, o.Rate*int(o.Duration/time.Second+1)))
	seen := map[string]bool{}
	var dups atomic.Int64
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return DeliveryResult{}, fmt.Errorf("loadgen: subscriber: %w", err)
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			ID   string
			Data struct {
				SentNS string `json:"sent_ns"`
			}
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		now := time.Now()
		if json.Unmarshal(body, &ev) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
		sent, err := strconv.ParseInt(ev.Data.SentNS, 10, 64)
		if err != nil {
			return // not one of ours
		}
		mu.Lock()
		defer mu.Unlock()
		if seen[ev.ID] {
			dups.Add(1)
			return
		}
		seen[ev.ID] = true
		lats = append(lats, now.Sub(time.Unix(0, sent)))
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	secret := randomHex(24)
	itID, epID, err := setup(ctx, hc, base, o.Token, secret)
	if err != nil {
		return DeliveryResult{}, err
	}
	var sub struct{ ID string }
	if err := apiCall(ctx, hc, base, o.Token, "POST", "/api/v1/subscriptions", map[string]any{"name": "bench-delivery",
		"url": "http://" + ln.Addr().String() + "/events", "allowPrivateNetwork": true, "integrationIds": []string{itID},
		"maxConcurrency": 64}, &sub); err != nil {
		return DeliveryResult{}, fmt.Errorf("loadgen: create the subscription: %w", err)
	}
	defer func() {
		req, _ := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodDelete, base+"/api/v1/subscriptions/"+sub.ID, nil)
		req.Header.Set("Authorization", "Bearer "+o.Token)
		if resp, err := hc.Do(req); err == nil {
			_ = resp.Body.Close()
		}
	}()

	// Open loop: a pacer hands out send times; workers send them.
	url := base + "/api/v1/hooks/" + epID
	pad := strings.Repeat("x", max(0, o.BodySize-195))
	runID := randomHex(4)
	total := int64(float64(o.Rate) * o.Duration.Seconds())
	work := make(chan int64, 1024)
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for n := range work {
				req := signedDelivery(ctx, url, secret, runID+"-"+strconv.FormatInt(n, 10), n, time.Now(), pad)
				resp, err := hc.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					accepted.Add(1)
				}
			}
		})
	}
	start := time.Now()
	interval := time.Second / time.Duration(o.Rate)
	var sent int64
	for ; sent < total && ctx.Err() == nil; sent++ {
		if d := time.Until(start.Add(time.Duration(sent) * interval)); d > 0 {
			time.Sleep(d)
		}
		work <- sent
	}
	close(work)
	wg.Wait()
	res := DeliveryResult{Sent: sent, Accepted: accepted.Load(), Rate: float64(sent) / time.Since(start).Seconds()}

	deadline := time.Now().Add(o.Wait)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		mu.Lock()
		n := int64(len(lats))
		mu.Unlock()
		if n >= res.Accepted {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	all := slices.Clone(lats)
	mu.Unlock()
	res.Delivered, res.Duplicates = int64(len(all)), dups.Load()
	if len(all) == 0 {
		return res, errors.New("loadgen: no event reached the subscriber")
	}
	slices.Sort(all)
	q := func(p float64) time.Duration { return all[min(len(all)-1, int(p*float64(len(all))))] }
	res.P50, res.P90, res.P99, res.Max = q(0.50), q(0.90), q(0.99), all[len(all)-1]
	return res, nil
}
