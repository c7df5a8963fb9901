package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestReplayPagesAndAudit: a bulk replay that reaches its limit says where
// to go on (nextAfterId), and the next page replays the rest and nothing
// twice; each answer and audit entry names the originals and their copies;
// a copy's event keeps the original's time when the payload names none;
// a test send is audited.
func TestReplayPagesAndAudit(t *testing.T) {
	t.Parallel()
	const secret = "replay-pages-secret-0123456789"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := shopHMACEndpoint(t, env, secret, map[string]any{"settings": map[string]any{"deliveryIdHeader": "X-Delivery-Id"}})
			send := func(i int) {
				t.Helper()
				body := `{"type":"order.created","data":{"n":"` + strconv.Itoa(i) + `"}}` // names no time
				if st, got := deliver(t, env, "/api/v1/hooks/"+ep, body, "X-Signature", hexHMAC(secret, body),
					"X-Delivery-Id", "d-"+strconv.Itoa(i)); st != 202 {
					t.Fatalf("delivery %d = %d %s", i, st, got)
				}
			}
			for i := range 3 {
				send(i)
			}
			time.Sleep(5 * time.Millisecond) // the copies are received later than the originals

			type page struct {
				Replayed              int
				Deliveries, Originals []int64
				NextAfterID           int64
			}
			replay := func(body map[string]any) page {
				t.Helper()
				var p page
				r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/replay", env.AdminToken, body)
				if r.Status != 200 {
					t.Fatalf("replay %v = %d %s", body, r.Status, r.Body)
				}
				decode(t, r, &p)
				return p
			}
			first := replay(map[string]any{"status": "processed", "limit": 2})
			if first.Replayed != 2 || len(first.Originals) != 2 || first.NextAfterID != first.Originals[1] {
				t.Fatalf("first page = %+v, want 2 replayed and nextAfterId the last original", first)
			}
			rest := replay(map[string]any{"status": "processed", "limit": 2, "afterId": first.NextAfterID})
			if rest.Replayed != 1 || rest.NextAfterID != 0 || rest.Originals[0] <= first.Originals[1] {
				t.Errorf("second page = %+v, want the one original left and no nextAfterId", rest)
			}

			// The audit entry of the last replay names both sides.
			var act struct {
				Items []struct{ Details map[string]any }
			}
			decode(t, call(t, env, "GET", "/api/v1/activity?action=webhook.replayed&limit=1", env.AdminToken, nil), &act)
			if len(act.Items) != 1 {
				t.Fatalf("webhook.replayed entries = %+v", act.Items)
			}
			d := act.Items[0].Details
			delete(d, "tokenId")
			want := map[string]any{"count": float64(1), "limit": float64(2), "status": "processed", "afterId": float64(first.NextAfterID),
				"deliveries": []any{float64(rest.Originals[0])}, "replays": []any{float64(rest.Deliveries[0])}}
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("audit details (-want +got):\n%s", diff)
			}

			// A copy's event occurred when its original was received.
			var evs struct {
				Events []struct {
					DeliveryID int64
					OccurredAt time.Time
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil), &evs)
			at := map[int64]time.Time{}
			for _, ev := range evs.Events {
				at[ev.DeliveryID] = ev.OccurredAt
			}
			for i, orig := range first.Originals {
				if got, want := at[first.Deliveries[i]], at[orig]; want.IsZero() || !got.Equal(want) {
					t.Errorf("copy %d occurredAt %v, want its original's %v", first.Deliveries[i], got, want)
				}
			}

			// A test send is on record.
			var sent struct{ DeliveryID int64 }
			decode(t, call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/test", env.AdminToken, nil), &sent)
			decode(t, call(t, env, "GET", "/api/v1/activity?action=webhook.tested&limit=1", env.AdminToken, nil), &act)
			if len(act.Items) != 1 || act.Items[0].Details["delivery"] != float64(sent.DeliveryID) || act.Items[0].Details["status"] != "processed" {
				t.Errorf("webhook.tested entries = %+v, want one naming delivery %d, processed", act.Items, sent.DeliveryID)
			}

			// The CSV export pages by id: X-Next-Before while rows are
			// left, every delivery once over the pages (3 originals, 3
			// copies, the test).
			var ids []string
			before := ""
			for page := 0; ; page++ {
				r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs.csv?limit=3"+before, env.AdminToken, nil)
				rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
				if r.Status != 200 || err != nil || len(rows) < 2 {
					t.Fatalf("CSV page %d = %d %s (%v)", page, r.Status, r.Body, err)
				}
				for _, row := range rows[1:] {
					ids = append(ids, row[0])
				}
				next := r.Header.Get("X-Next-Before")
				if next == "" {
					break
				}
				if next != rows[len(rows)-1][0] || page > 3 {
					t.Fatalf("CSV page %d: X-Next-Before %q, want the last row's id %q", page, next, rows[len(rows)-1][0])
				}
				before = "&before=" + next
			}
			if len(ids) != 7 || len(slices.Compact(slices.Clone(ids))) != 7 {
				t.Errorf("CSV rows over the pages = %v, want the 7 deliveries once each", ids)
			}

			// A replay of more than 100 records the first 100 of each side.
			for i := 3; i < 103; i++ {
				send(i)
			}
			all := replay(map[string]any{"limit": 1000})
			decode(t, call(t, env, "GET", "/api/v1/activity?action=webhook.replayed&limit=1", env.AdminToken, nil), &act)
			d = act.Items[0].Details
			if all.Replayed != 103 || len(d["deliveries"].([]any)) != 100 || len(d["replays"].([]any)) != 100 ||
				d["deliveries"].([]any)[0] != float64(all.Originals[0]) || d["count"] != float64(103) {
				t.Errorf("replay of 103: %d replayed, audit %v; want the count and the first 100 ids of each side", all.Replayed, d)
			}

			// A replay of a copy occurred when the first original was
			// received, as the copy did, not when the copy was.
			time.Sleep(5 * time.Millisecond)
			again := replay(map[string]any{"deliveryId": first.Deliveries[0]})
			var tail struct {
				Events []struct {
					DeliveryID int64
					OccurredAt time.Time
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/events?after=0&limit=500", env.AdminToken, nil), &tail)
			var got time.Time
			for _, ev := range tail.Events {
				if ev.DeliveryID == again.Deliveries[0] {
					got = ev.OccurredAt
				}
			}
			if want := at[first.Originals[0]]; want.IsZero() || !got.Equal(want) {
				t.Errorf("replay of a copy occurredAt %v, want the first original's %v", got, want)
			}
		})
	}
}
