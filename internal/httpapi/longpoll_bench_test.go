package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// BenchmarkLongPollWake measures the time from a webhook being sent to
// ihub to a consumer long-polling GET /api/v1/events on the same replica
// holding its event (the median is reported as ms/wake): the poll wakes on
// the commit. Other replicas' events are seen by its 250 ms re-read.
func BenchmarkLongPollWake(b *testing.B) {
	const secret = "long-poll-secret-0123456789"
	env := apptest.New(b, storetest.Engines(b)[0], apptest.Options{})
	ep := shopHMACEndpoint(b, env, secret, nil)
	post := func(i int) {
		body := `{"type":"order.created","event_id":"wake-` + strconv.Itoa(i) + `"}`
		req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/hooks/"+ep, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature", hexHMAC(secret, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 202 {
			b.Fatalf("delivery = %v, %v", resp, err)
		}
		resp.Body.Close()
	}
	type answer struct {
		events int
		next   int64
		at     time.Time
		err    error
	}
	var cursor int64
	var waits []time.Duration
	for i := 0; b.Loop(); i++ {
		got := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/events?wait=10&after="+strconv.FormatInt(cursor, 10), nil)
			req.Header.Set("Authorization", "Bearer "+env.AdminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				got <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			var out struct {
				Events []json.RawMessage
				Next   int64
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			got <- answer{events: len(out.Events), next: out.Next, at: time.Now(), err: err}
		}()
		time.Sleep(20 * time.Millisecond) // the poll is waiting
		sent := time.Now()
		post(i)
		a := <-got
		if a.err != nil || a.events != 1 {
			b.Fatalf("long poll answer: %d events, %v; want the one delivered", a.events, a.err)
		}
		cursor = a.next
		waits = append(waits, a.at.Sub(sent))
	}
	slices.Sort(waits)
	b.ReportMetric(float64(waits[len(waits)/2].Microseconds())/1000, "ms/wake")
}
