package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// bbPush is a Bitbucket Cloud repo:push that moves main and creates the
// tag v2.0 (git push --follow-tags).
const bbPush = `{"actor":{"nickname":"ann"},"repository":{"full_name":"team/repo"},"push":{"changes":[
{"new":{"type":"branch","name":"main","target":{"hash":"c0ffee"}},"old":{"type":"branch","name":"main","target":{"hash":"beef"}},
"created":false,"closed":false,"forced":false,"commits":[{"hash":"c0ffee"}]},
{"new":{"type":"annotated_tag","name":"v2.0","target":{"hash":"c0ffee"}},"old":null,"created":true,"closed":false,"forced":false,"commits":[]}]}}`

// TestDeliveryOfSeveralEvents: a Bitbucket push of a branch and a tag,
// through HTTP ingest, makes two events with ids and cursors of their own,
// both listed by the pull API and both delivered to a subscriber with
// distinct webhook-ids; the subscription's attempts name each; a replay
// makes both again, each naming the event it replays. An endpoint
// accepting only tags stores the tag's event alone, under the id it has
// whatever the endpoint filters, and a push without a tag is refused by it
// (answered as accepted).
func TestDeliveryOfSeveralEvents(t *testing.T) {
	t.Parallel()
	const secret = "multi-event-secret-0123456789"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			type envelope struct {
				Cursor     int64
				ID         string
				Type       string
				DeliveryID int64
				ReplayOf   string
			}
			var mu sync.Mutex
			pushed := map[string]envelope{} // by webhook-id
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				var ev envelope
				if err := json.Unmarshal(b, &ev); err != nil {
					t.Errorf("pushed body %s: %v", b, err)
				}
				mu.Lock()
				pushed[r.Header.Get("webhook-id")] = ev
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			var sub struct{ ID string }
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "all", "url": srv.URL,
				"allowPrivateNetwork": true})
			if r.Status != 201 {
				t.Fatalf("create subscription = %d %s", r.Status, r.Body)
			}
			decode(t, r, &sub)
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "code", "provider": "bitbucket",
				"isActive": false, "username": "ann@example.com", "settings": map[string]any{"workspace": "team"},
				"credentials": map[string]any{"apiToken": "ATATT3xFfGF0-bitbucket-token"}}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			endpoint := func(body map[string]any) string {
				t.Helper()
				body["secret"] = secret
				var ep struct{ ID string }
				r := call(t, env, "POST", "/api/v1/integrations/code/webhooks", env.AdminToken, body)
				if r.Status != 201 {
					t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
				}
				decode(t, r, &ep)
				return ep.ID
			}
			all, tags := endpoint(map[string]any{}), endpoint(map[string]any{"eventTypes": []string{"code.tag.created"}})
			push := func(ep, id, body string) (delivery int64, status string) {
				t.Helper()
				st, b := deliver(t, env, "/api/v1/hooks/"+ep, body, "X-Event-Key", "repo:push", "X-Request-UUID", id,
					"X-Hub-Signature", "sha256="+hexHMAC(secret, body))
				var out struct {
					DeliveryID int64
					Status     string
				}
				if err := json.Unmarshal([]byte(b), &out); st/100 != 2 || err != nil {
					t.Fatalf("push %s = %d %s (%v)", id, st, b, err)
				}
				return out.DeliveryID, out.Status
			}
			pull := func(after int64) []envelope {
				t.Helper()
				var out struct{ Events []envelope }
				decode(t, call(t, env, "GET", "/api/v1/events?after="+strconv.FormatInt(after, 10), env.AdminToken, nil), &out)
				return out.Events
			}
			// The events' ids and types, and whether their cursors grow.
			type named struct{ ID, Type, ReplayOf string }
			names := func(evs []envelope) []named {
				t.Helper()
				out := []named{}
				for i, ev := range evs {
					if i > 0 && ev.Cursor <= evs[i-1].Cursor {
						t.Errorf("event %s has cursor %d, after %s's %d", ev.ID, ev.Cursor, evs[i-1].ID, evs[i-1].Cursor)
					}
					out = append(out, named{ev.ID, ev.Type, ev.ReplayOf})
				}
				return out
			}

			orig, _ := push(all, "6b3e0c4a-0000-4000-8000-000000000001", bbPush)
			evt := "evt_" + strconv.FormatInt(orig, 10)
			pulled := pull(0)
			if diff := cmp.Diff([]named{{evt, "code.push", ""}, {evt + "_2", "code.tag.created", ""}}, names(pulled)); diff != "" {
				t.Fatalf("pulled events (-want +got):\n%s", diff)
			}

			var replay struct{ DeliveryID int64 }
			decode(t, call(t, env, "POST", "/api/v1/integrations/webhooks/"+all+"/replay", env.AdminToken,
				map[string]any{"deliveryId": orig}), &replay)
			rep := "evt_" + strconv.FormatInt(replay.DeliveryID, 10)
			replayed := pull(pulled[1].Cursor)
			if diff := cmp.Diff([]named{{rep, "code.push", evt}, {rep + "_2", "code.tag.created", evt + "_2"}}, names(replayed)); diff != "" {
				t.Errorf("replayed events (-want +got):\n%s", diff)
			}

			// The tags-only endpoint: the push keeps its tag, a push of a
			// branch alone is refused.
			tagged, _ := push(tags, "6b3e0c4a-0000-4000-8000-000000000002", bbPush)
			branchOnly := `{"actor":{"nickname":"ann"},"repository":{"full_name":"team/repo"},"push":{"changes":[
{"new":{"type":"branch","name":"main","target":{"hash":"d00d"}},"old":{"type":"branch","name":"main","target":{"hash":"c0ffee"}},"commits":[]}]}}`
			if _, st := push(tags, "6b3e0c4a-0000-4000-8000-000000000003", branchOnly); st != "rejected" {
				t.Errorf("a branch push to the tags-only endpoint is %s, want rejected", st)
			}
			tagEvt := "evt_" + strconv.FormatInt(tagged, 10) + "_2"
			if diff := cmp.Diff([]named{{tagEvt, "code.tag.created", ""}}, names(pull(replayed[len(replayed)-1].Cursor))); diff != "" {
				t.Errorf("events of the tags-only endpoint (-want +got):\n%s", diff)
			}
			// Each delivery names the events it made.
			for delivery, want := range map[int64][]string{orig: {evt, evt + "_2"}, tagged: {tagEvt}, replay.DeliveryID: {rep, rep + "_2"}} {
				var got struct{ EventIDs []string }
				decode(t, call(t, env, "GET", "/api/v1/webhook-deliveries/"+strconv.FormatInt(delivery, 10), env.AdminToken, nil), &got)
				if diff := cmp.Diff(want, got.EventIDs); diff != "" {
					t.Errorf("eventIds of delivery %d (-want +got):\n%s", delivery, diff)
				}
			}

			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			want := map[string]envelope{}
			for _, ev := range pull(0) {
				want[ev.ID] = ev
			}
			if len(want) != 5 {
				t.Fatalf("events = %v, want 5 with distinct ids", want)
			}
			stepUntil(t, d, 50, func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(pushed) == len(want)
			})
			mu.Lock()
			if diff := cmp.Diff(want, pushed); diff != "" {
				t.Errorf("pushed envelopes by webhook-id (-want +got):\n%s", diff)
			}
			mu.Unlock()

			var attempts struct {
				Attempts []struct {
					EventCursor        int64
					EventID, EventType string
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/subscriptions/"+sub.ID+"/attempts", env.AdminToken, nil), &attempts)
			gotAttempts := map[string]envelope{}
			for _, a := range attempts.Attempts {
				gotAttempts[a.EventID] = envelope{Cursor: a.EventCursor, ID: a.EventID, Type: a.EventType}
			}
			wantAttempts := map[string]envelope{}
			for id, ev := range want {
				wantAttempts[id] = envelope{Cursor: ev.Cursor, ID: ev.ID, Type: ev.Type}
			}
			if diff := cmp.Diff(wantAttempts, gotAttempts); diff != "" {
				t.Errorf("the subscription's attempts by eventId (-want +got):\n%s", diff)
			}
		})
	}
}
