package httpapi_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestPullAPIFilters: GET /api/v1/events?types=&integrationId= lists the
// events of those types (exact, or a family such as order.*, as
// subscriptions match them) and integrations (by id or slug), given
// comma-separated or repeated; its next cursor is past the events the
// filter skipped, so that reading on from it does not read them again; a
// long poll through a filter answers when a matching event arrives, not
// at the others, and at the deadline with the cursor past what it
// skipped.
func TestPullAPIFilters(t *testing.T) {
	t.Parallel()
	const secret = "pull-filter-secret-0123456789"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			shopID, shop := httpHMACEndpoint(t, env, "shop", secret, nil)
			crmID, crm := httpHMACEndpoint(t, env, "crm", secret, nil)
			sent := 0
			send := func(ep, typ string) {
				t.Helper()
				sent++
				body := `{"type":"` + typ + `","n":` + strconv.Itoa(sent) + `}`
				if st, got := deliver(t, env, "/api/v1/hooks/"+ep, body, "X-Signature", hexHMAC(secret, body)); st != 202 {
					t.Fatalf("delivery of %s = %d %s", typ, st, got)
				}
			}
			type event struct{ Type, IntegrationID string }
			type page struct {
				Events []event
				Next   int64
			}
			type cursors struct {
				Events []struct{ Cursor int64 }
				Next   int64
			}
			pull := func(t *testing.T, query string) (page, cursors) {
				t.Helper()
				r := call(t, env, "GET", "/api/v1/events?"+query, env.AdminToken, nil)
				if r.Status != 200 {
					t.Fatalf("GET /api/v1/events?%s = %d %s", query, r.Status, r.Body)
				}
				var p page
				var c cursors
				decode(t, r, &p)
				decode(t, r, &c)
				if p.Events == nil {
					t.Errorf("GET /api/v1/events?%s: events is %s, want a list", query, r.Body)
				}
				return p, c
			}

			send(shop, "order.created")
			send(shop, "order.paid")
			send(crm, "contact.added")
			send(shop, "refund.issued")
			send(crm, "order.created")
			send(shop, "order.refunded")
			all, cs := pull(t, "after=0")
			if len(all.Events) != sent {
				t.Fatalf("events = %+v, want the %d sent", all.Events, sent)
			}
			cursor := func(i int) int64 { return cs.Events[i].Cursor }
			newest := all.Next
			shopOrder, shopPaid, crmContact := all.Events[0], all.Events[1], all.Events[2]
			shopRefund, crmOrder, shopRefunded := all.Events[3], all.Events[4], all.Events[5]
			if want := (event{"http.order.created", shopID}); shopOrder != want || crmOrder.IntegrationID != crmID {
				t.Fatalf("events = %+v; want the types sent (as http.<type>), of shop (%s) and crm (%s)", all.Events, shopID, crmID)
			}

			for _, c := range []struct {
				name  string
				query string
				want  page
			}{
				{"a family", "types=http.order.*", page{[]event{shopOrder, shopPaid, crmOrder, shopRefunded}, newest}},
				{"types repeated", "types=http.order.created&types=http.contact.added", page{[]event{shopOrder, crmContact, crmOrder}, newest}},
				{"types comma-separated", "types=" + url.QueryEscape("http.order.paid,http.contact.added"), page{[]event{shopPaid, crmContact}, newest}},
				{"both", "types=http.refund.issued,http.contact.added&types=http.order.paid", page{[]event{shopPaid, crmContact, shopRefund}, newest}},
				{"an integration by slug", "integrationId=crm", page{[]event{crmContact, crmOrder}, newest}},
				{"an integration by id", "integrationId=" + crmID, page{[]event{crmContact, crmOrder}, newest}},
				{"integrations", "integrationId=crm&integrationId=" + shopID, all},
				{"a type of an integration", "types=http.order.*&integrationId=shop", page{[]event{shopOrder, shopPaid, shopRefunded}, newest}},
				{"every type", "types=http.*", all},
				{"a family holds the types below its name, not the name", "types=http.order.created.*", page{[]event{}, newest}},
				{"a type none has", "types=http.invoice.*", page{[]event{}, newest}},
				{"a type one integration has not", "types=http.contact.added&integrationId=shop", page{[]event{}, newest}},
				{"a page ends at its last event", "types=http.order.*&limit=2", page{[]event{shopOrder, shopPaid}, cursor(1)}},
				{"from a cursor", "types=http.order.*&limit=2&after=" + strconv.FormatInt(cursor(1), 10), page{[]event{crmOrder, shopRefunded}, newest}},
				{"from a cursor, skipping to the newest", "types=http.contact.*&after=" + strconv.FormatInt(cursor(2), 10), page{[]event{}, newest}},
				{"at the newest", "types=http.order.*&after=" + strconv.FormatInt(newest, 10), page{[]event{}, newest}},
			} {
				t.Run(c.name, func(t *testing.T) {
					got, _ := pull(t, c.query)
					if diff := cmp.Diff(c.want, got); diff != "" {
						t.Errorf("GET /api/v1/events?%s (-want +got):\n%s", c.query, diff)
					}
				})
			}

			// A long poll through a filter is not answered by an event
			// it skips; it is by the next that matches.
			type answer struct {
				Page page
				Err  string    // a status other than 200
				At   time.Time // when it came
			}
			poll := func(query string) <-chan answer {
				done := make(chan answer, 1)
				go func() {
					r := env.Do("GET", "/api/v1/events?"+query, env.AdminToken, nil)
					var a answer
					if r.Status != 200 {
						a.Err = strconv.Itoa(r.Status) + " " + string(r.Body)
					} else if err := json.Unmarshal(r.Body, &a.Page); err != nil {
						a.Err = err.Error()
					}
					a.At = time.Now()
					done <- a
				}()
				return done
			}
			waiting := poll("types=http.contact.*&wait=20&after=" + strconv.FormatInt(newest, 10))
			time.Sleep(300 * time.Millisecond) // the poll is waiting
			send(shop, "order.created")
			select {
			case a := <-waiting:
				t.Fatalf("the poll for http.contact.* was answered by an order.created: %+v %s", a.Page, a.Err)
			case <-time.After(1500 * time.Millisecond):
			}
			sentAt := time.Now()
			send(crm, "contact.removed")
			var a answer
			select {
			case a = <-waiting:
			case <-time.After(15 * time.Second):
				t.Fatal("the poll for http.contact.* was not answered by a contact.removed")
			}
			latest, _ := pull(t, "after="+strconv.FormatInt(newest, 10))
			if diff := cmp.Diff(answer{Page: page{[]event{{"http.contact.removed", crmID}}, latest.Next}}, a, cmpopts.IgnoreFields(answer{}, "At")); a.At.Before(sentAt) || diff != "" {
				t.Errorf("the poll's answer (-want +got):\n%s", diff)
			}

			// At the deadline: no event, and the cursor past the skipped ones.
			newest = latest.Next
			send(shop, "order.created")
			send(crm, "order.created")
			latest, _ = pull(t, "after="+strconv.FormatInt(newest, 10))
			start := time.Now()
			a = <-poll("types=http.contact.*&wait=1&after=" + strconv.FormatInt(newest, 10))
			if waited := a.At.Sub(start); waited < time.Second {
				t.Errorf("the poll answered after %v, before its deadline", waited)
			}
			if diff := cmp.Diff(answer{Page: page{[]event{}, latest.Next}}, a, cmpopts.IgnoreFields(answer{}, "At")); diff != "" {
				t.Errorf("the poll's answer at its deadline (-want +got):\n%s", diff)
			}
		})
	}
}
