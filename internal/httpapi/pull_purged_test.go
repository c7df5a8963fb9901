package httpapi_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestPullAPIPurgedThrough: a consumer of the pull API whose cursor was
// behind retention is told which events it missed (purgedThrough, the
// largest cursor removed), and the answer goes on from the oldest kept.
// One whose cursor is past them, or who reads from 0, is told nothing.
func TestPullAPIPurgedThrough(t *testing.T) {
	t.Parallel()
	const secret = "pull-purged-secret-0123456789"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			_, endpoint := httpHMACEndpoint(t, env, "purged", secret, nil)
			send := func(n int) {
				t.Helper()
				body := `{"type":"order.created","n":` + strconv.Itoa(n) + `}`
				if st, got := deliver(t, env, "/api/v1/hooks/"+endpoint, body, "X-Signature", hexHMAC(secret, body)); st != 202 {
					t.Fatalf("delivery %d = %d %s", n, st, got)
				}
			}
			type page struct {
				Events []struct {
					Cursor int64
					Data   struct{ N string }
				}
				Next          int64
				PurgedThrough int64
			}
			pull := func(after int64) page {
				t.Helper()
				var p page
				decode(t, call(t, env, "GET", "/api/v1/events?after="+strconv.FormatInt(after, 10), env.AdminToken, nil), &p)
				return p
			}
			send(1)
			send(2)
			before := pull(0)
			if len(before.Events) != 2 || before.PurgedThrough != 0 {
				t.Fatalf("before retention: %+v, want 2 events and no purgedThrough", before)
			}
			// Retention removes both (a cut-off after them), then one more comes.
			if n, err := env.App.DB.PurgeDeliveries(t.Context(), time.Now().Add(time.Minute)); err != nil || n != 2 {
				t.Fatalf("PurgeDeliveries = %d, %v; want 2", n, err)
			}
			send(3)
			first, second := before.Events[0].Cursor, before.Events[1].Cursor
			for _, c := range []struct {
				after      int64
				wantPurged int64
			}{
				{after: 0},                         // from the oldest kept: nothing missed
				{after: first, wantPurged: second}, // the second was removed unread
				{after: second},                    // both read before they went
			} {
				got := pull(c.after)
				var ns []string
				for _, ev := range got.Events {
					ns = append(ns, ev.Data.N)
				}
				if got.PurgedThrough != c.wantPurged || !cmp.Equal(ns, []string{"3"}) {
					t.Errorf("after=%d: purgedThrough %d, events %v; want purgedThrough %d and the third event only",
						c.after, got.PurgedThrough, ns, c.wantPurged)
				}
			}
		})
	}
}
