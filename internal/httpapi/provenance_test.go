package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestEventProvenance: what a subscriber receives, pushed or pulled, tells
// a test send's event (test: true) and a replay's (replayOf: the event it
// replays) from a provider's; the pull API and the pushed envelope agree.
func TestEventProvenance(t *testing.T) {
	t.Parallel()
	const secret = "provenance-secret-0123456789"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			type envelope struct {
				ID         string
				DeliveryID int64
				Test       bool
				ReplayOf   *string
			}
			var mu sync.Mutex
			pushed := map[string]envelope{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				var ev envelope
				if err := json.Unmarshal(b, &ev); err != nil {
					t.Errorf("pushed body %s: %v", b, err)
				}
				mu.Lock()
				pushed[ev.ID] = ev
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			if r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "all", "url": srv.URL,
				"allowPrivateNetwork": true}); r.Status != 201 {
				t.Fatalf("create subscription = %d %s", r.Status, r.Body)
			}
			ep := shopHMACEndpoint(t, env, secret, nil)
			body := `{"type":"order.created","data":{"n":"1"}}`
			var got struct{ DeliveryID int64 }
			if st, b := deliver(t, env, "/api/v1/hooks/"+ep, body, "X-Signature", hexHMAC(secret, body)); st != 202 {
				t.Fatalf("delivery = %d %s", st, b)
			} else if err := json.Unmarshal([]byte(b), &got); err != nil || got.DeliveryID == 0 {
				t.Fatalf("delivery answer %s (%v), want its deliveryId", b, err)
			}
			original := got.DeliveryID
			var replay struct{ DeliveryID int64 }
			decode(t, call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/replay", env.AdminToken,
				map[string]any{"deliveryId": original}), &replay)
			var test struct{ DeliveryID int64 }
			decode(t, call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/test", env.AdminToken, map[string]any{}), &test)
			if replay.DeliveryID == 0 || test.DeliveryID == 0 {
				t.Fatalf("replay %+v, test %+v: want their deliveries", replay, test)
			}

			var pulled struct{ Events []envelope }
			decode(t, call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil), &pulled)
			byDelivery := map[int64]envelope{}
			for _, ev := range pulled.Events {
				byDelivery[ev.DeliveryID] = ev
			}
			origID := byDelivery[original].ID
			if origID == "" {
				t.Fatalf("pulled events %+v: no event of the original delivery %d", pulled.Events, original)
			}
			want := map[int64]envelope{
				original:          {ID: origID, DeliveryID: original},
				replay.DeliveryID: {ID: byDelivery[replay.DeliveryID].ID, DeliveryID: replay.DeliveryID, ReplayOf: &origID},
				test.DeliveryID:   {ID: byDelivery[test.DeliveryID].ID, DeliveryID: test.DeliveryID, Test: true},
			}
			if diff := cmp.Diff(want, byDelivery); diff != "" {
				t.Errorf("pulled events (-want +got):\n%s", diff)
			}

			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			stepUntil(t, d, 20, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(pushed) == len(want)
			})
			mu.Lock()
			defer mu.Unlock()
			wantPushed := map[string]envelope{}
			for _, ev := range want {
				wantPushed[ev.ID] = ev
			}
			if diff := cmp.Diff(wantPushed, pushed); diff != "" {
				t.Errorf("pushed envelopes (-want +got):\n%s", diff)
			}
		})
	}
}
