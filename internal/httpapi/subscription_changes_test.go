package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/auth"
	"ihub/internal/provider/discord/discordfake"
	"ihub/internal/store/storetest"
)

// lastActivity returns the newest activity entry with the action.
func lastActivity(t *testing.T, env *apptest.Env, action string) (entry struct {
	Actor    struct{ Type, ID string }
	TargetID string
	Details  map[string]any
}, raw string) {
	t.Helper()
	r := call(t, env, "GET", "/api/v1/activity?limit=1&action="+action, env.AdminToken, nil)
	var page struct {
		Items []struct {
			Actor    struct{ Type, ID string }
			TargetID string
			Details  map[string]any
		}
	}
	decode(t, r, &page)
	if len(page.Items) == 0 {
		t.Fatalf("no %s entry in the activity log", action)
	}
	return page.Items[0], string(r.Body)
}

// chatIntegration creates a Discord integration (on a fake) and returns
// its id.
func chatIntegration(t *testing.T, env *apptest.Env, name string) string {
	t.Helper()
	fake := discordfake.New(discordfake.Options{})
	t.Cleanup(fake.Close)
	var it struct{ ID string }
	r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": name, "provider": "discord",
		"allowPrivateNetwork": true, "credentials": map[string]any{"webhookUrl": fake.WebhookURL()}})
	decode(t, r, &it)
	if r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	return it.ID
}

// TestSubscriptionUpdateActivity: a subscription.updated entry names the
// fields the change changed (as integration.updated does), and never shows
// a credential value.
func TestSubscriptionUpdateActivity(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			create := func(body map[string]any) string {
				t.Helper()
				var created struct{ ID string }
				r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, body)
				decode(t, r, &created)
				if r.Status != 201 {
					t.Fatalf("create = %d %s", r.Status, r.Body)
				}
				return created.ID
			}
			chatA, chatB := chatIntegration(t, env, "chat a"), chatIntegration(t, env, "chat b")
			httpSub := create(map[string]any{"name": "h", "url": "https://example.com/a"})
			natsSub := create(map[string]any{"target": "nats", "url": "nats://nats.example.com:4222", "subject": "ihub.events",
				"natsAuth": map[string]any{"token": "nats-token-s3cret-1"}})
			chatSub := create(map[string]any{"target": "chat", "chatIntegration": chatA})
			for _, tc := range []struct {
				name string
				sub  string
				body map[string]any
				want []string
			}{
				{"url", httpSub, map[string]any{"url": "https://example.com/b"}, []string{"url"}},
				{"name", httpSub, map[string]any{"name": "renamed"}, []string{"name"}},
				{"same name: nothing written", httpSub, map[string]any{"name": "renamed"}, nil},
				{"disable", httpSub, map[string]any{"isActive": false}, []string{"isActive"}},
				{"filters and concurrency", httpSub, map[string]any{"eventTypes": []string{"code.*"}, "maxConcurrency": 2},
					[]string{"eventTypes", "maxConcurrency"}},
				{"nats credentials", natsSub, map[string]any{"natsAuth": map[string]any{"token": "nats-token-s3cret-2"}}, []string{"natsAuth"}},
				{"nats credentials removed", natsSub, map[string]any{"natsAuth": map[string]any{}}, []string{"natsAuth"}},
				{"nats subject", natsSub, map[string]any{"subject": "ihub.other"}, []string{"subject"}},
				{"chat integration", chatSub, map[string]any{"chatIntegration": chatB}, []string{"chatIntegration"}},
				{"to http", chatSub, map[string]any{"target": "http", "url": "https://example.com/c", "chatIntegration": ""},
					[]string{"target", "url", "chatIntegration"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					if tc.want == nil { // a PATCH that changes nothing: no entry, no new version
						_, before := lastActivity(t, env, "subscription.updated")
						version := call(t, env, "GET", "/api/v1/subscriptions/"+tc.sub, env.AdminToken, nil).Header.Get("ETag")
						r := call(t, env, "PATCH", "/api/v1/subscriptions/"+tc.sub, env.AdminToken, tc.body)
						if r.Status != 200 || r.Header.Get("ETag") != version {
							t.Errorf("PATCH %v = %d, ETag %q, want 200 and the version before, %q", tc.body, r.Status, r.Header.Get("ETag"), version)
						}
						if _, after := lastActivity(t, env, "subscription.updated"); after != before {
							t.Errorf("PATCH %v wrote an activity entry: %s", tc.body, after)
						}
						return
					}
					if r := call(t, env, "PATCH", "/api/v1/subscriptions/"+tc.sub, env.AdminToken, tc.body); r.Status != 200 {
						t.Fatalf("PATCH %v = %d %s", tc.body, r.Status, r.Body)
					}
					got, raw := lastActivity(t, env, "subscription.updated")
					fields, ok := got.Details["changed"].([]any)
					changed := []string{}
					for _, f := range fields {
						changed = append(changed, fmt.Sprint(f))
					}
					if !ok || got.TargetID != tc.sub || !slices.Equal(changed, tc.want) {
						t.Errorf("PATCH %v: activity %s %v, want %s changed %v", tc.body, got.TargetID, got.Details, tc.sub, tc.want)
					}
					if strings.Contains(raw, "s3cret") {
						t.Errorf("the activity log shows the NATS token: %s", raw)
					}
				})
			}
		})
	}
}

// TestSubscriptionChatIntegrationDeleted: a chat subscription whose
// integration was deleted can still be disabled, renamed or enabled; only
// a change that names an integration has it checked.
func TestSubscriptionChatIntegrationDeleted(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			chat := chatIntegration(t, env, "ops chat")
			var created struct{ ID string }
			decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "chat",
				"chatIntegration": chat}), &created)
			if r := call(t, env, "DELETE", "/api/v1/integrations/"+chat, env.AdminToken, nil); r.Status != 204 {
				t.Fatalf("delete integration = %d %s", r.Status, r.Body)
			}
			path := "/api/v1/subscriptions/" + created.ID
			for _, body := range []map[string]any{{"isActive": false}, {"name": "old chat"}, {"isActive": true}} {
				if r := call(t, env, "PATCH", path, env.AdminToken, body); r.Status != 200 {
					t.Errorf("PATCH %v = %d %s, want 200", body, r.Status, r.Body)
				}
			}
			for _, body := range []map[string]any{{"chatIntegration": "nope"}, {"chatIntegration": chat, "name": "x"}} {
				r := call(t, env, "PATCH", path, env.AdminToken, body)
				if p, ok := readProblem(t, r); !ok || r.Status != 422 || !slices.Equal(p.locations(), []string{"body.chatIntegration"}) {
					t.Errorf("PATCH %v = %d %s, want 422 naming body.chatIntegration", body, r.Status, r.Body)
				}
			}
		})
	}
}

// TestSubscriptionAttemptsPaging: the attempts list filters by status
// (an unknown one is refused, naming query.status) and pages backwards
// with hasMore and a before cursor, like an endpoint's logs.
func TestSubscriptionAttemptsPaging(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			var failing atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if failing.Load() {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			var created struct{ ID string }
			decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": srv.URL,
				"allowPrivateNetwork": true}), &created)
			push := githubHooks(t, env)
			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			for i := range 5 {
				if i == 3 {
					failing.Store(true)
				}
				push("paging-" + strconv.Itoa(i))
				if _, err := d.Step(t.Context()); err != nil {
					t.Fatal(err)
				}
			}

			type page struct {
				Attempts []struct {
					ID     int64
					Status string
				}
				HasMore    bool
				NextBefore int64
			}
			get := func(query string) page {
				t.Helper()
				r := call(t, env, "GET", "/api/v1/subscriptions/"+created.ID+"/attempts?"+query, env.AdminToken, nil)
				if r.Status != 200 {
					t.Fatalf("GET attempts?%s = %d %s", query, r.Status, r.Body)
				}
				var p page
				decode(t, r, &p)
				return p
			}
			statuses := func(p page) []string {
				var out []string
				for _, a := range p.Attempts {
					out = append(out, a.Status)
				}
				return out
			}

			// Walking every page with limit 2 sees each attempt once,
			// newest first.
			var ids []int64
			before := ""
			for n := 0; ; n++ {
				p := get("limit=2" + before)
				for _, a := range p.Attempts {
					ids = append(ids, a.ID)
				}
				if !p.HasMore {
					break
				}
				if n > 5 || p.NextBefore != p.Attempts[len(p.Attempts)-1].ID {
					t.Fatalf("page %d: %+v, want nextBefore the last id", n, p)
				}
				before = "&before=" + strconv.FormatInt(p.NextBefore, 10)
			}
			if len(ids) != 5 || !slices.IsSortedFunc(ids, func(a, b int64) int { return int(b - a) }) {
				t.Errorf("pages gave ids %v, want 5 attempts newest first", ids)
			}

			if got := statuses(get("status=pending")); !slices.Equal(got, []string{"pending", "pending"}) {
				t.Errorf("status=pending gave %v, want the two failing attempts", got)
			}
			p := get("status=delivered&limit=2")
			if !slices.Equal(statuses(p), []string{"delivered", "delivered"}) || !p.HasMore {
				t.Errorf("status=delivered&limit=2 gave %+v, want two delivered and more", p)
			}
			rest := get("status=delivered&limit=2&before=" + strconv.FormatInt(p.NextBefore, 10))
			if !slices.Equal(statuses(rest), []string{"delivered"}) || rest.HasMore || rest.NextBefore != 0 {
				t.Errorf("the next page gave %+v, want the oldest delivered and no more", rest)
			}
			if got := get("status=failed"); len(got.Attempts) != 0 || got.HasMore {
				t.Errorf("status=failed gave %+v, want none", got)
			}

			for _, tc := range []struct{ query, field string }{
				{"status=bogus", "query.status"},
				{"status=Failed", "query.status"},
				{"before=-1", "query.before"},
				{"limit=0", "query.limit"},
			} {
				r := call(t, env, "GET", "/api/v1/subscriptions/"+created.ID+"/attempts?"+tc.query, env.AdminToken, nil)
				if p, ok := readProblem(t, r); !ok || r.Status != 422 || !slices.Equal(p.locations(), []string{tc.field}) {
					t.Errorf("GET attempts?%s = %d %s, want 422 naming %s", tc.query, r.Status, r.Body, tc.field)
				}
			}
		})
	}
}

// TestSubscriptionRetryActivityAnd410: a manual retry is written to the
// activity log with who asked for it; a subscription that a 410 disables
// shows when that happened (updatedAt moves with version).
func TestSubscriptionRetryActivityAnd410(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			var status atomic.Int64
			status.Store(http.StatusInternalServerError)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(int(status.Load()))
			}))
			t.Cleanup(srv.Close)
			var created struct {
				ID        string
				CreatedAt time.Time
			}
			decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": srv.URL,
				"allowPrivateNetwork": true}), &created)
			push := githubHooks(t, env)
			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			push("retry-1")
			if _, err := d.Step(t.Context()); err != nil {
				t.Fatal(err)
			}
			a := mustAttempts(t, env, created.ID)[0]

			manager := env.UserToken(auth.RoleITManager)
			if r := call(t, env, "POST", "/api/v1/subscriptions/"+created.ID+"/attempts/"+itoa64(a.ID)+"/retry", manager, nil); r.Status != 204 {
				t.Fatalf("retry = %d %s", r.Status, r.Body)
			}
			got, _ := lastActivity(t, env, "subscription.attempt_retried")
			if got.TargetID != created.ID || got.Details["attemptId"] != float64(a.ID) || got.Actor.Type != "token" || got.Actor.ID == "" {
				t.Errorf("retry activity = %+v, want subscription %s, attemptId %d and the manager's token as actor", got, created.ID, a.ID)
			}

			time.Sleep(5 * time.Millisecond) // times are kept in milliseconds
			status.Store(http.StatusGone)
			if _, err := d.Step(t.Context()); err != nil {
				t.Fatal(err)
			}
			var sub struct {
				IsActive             bool
				Version              int64
				CreatedAt, UpdatedAt time.Time
			}
			decode(t, call(t, env, "GET", "/api/v1/subscriptions/"+created.ID, env.AdminToken, nil), &sub)
			if sub.IsActive || sub.Version != 2 || !sub.UpdatedAt.After(sub.CreatedAt) {
				t.Errorf("after a 410: %+v, want disabled, version 2 and updatedAt after createdAt", sub)
			}
			// The activity log says ihub turned it off, and why.
			off, raw := lastActivity(t, env, "subscription.disabled")
			if off.TargetID != created.ID || off.Actor.Type != "system" || off.Details["status"] != float64(410) ||
				off.Details["reason"] != "the subscriber answered 410 Gone" || off.Details["attemptId"] != float64(a.ID) {
				t.Errorf("410 activity = %s, want subscription %s disabled by the system, status 410, attempt %d", raw, created.ID, a.ID)
			}
		})
	}
}

// TestSubscriptionEmptyNATSAuth: a natsAuth member given empty is refused,
// naming it, instead of storing a subscription without credentials; {}
// still removes them on PATCH.
func TestSubscriptionEmptyNATSAuth(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	nats := func(auth map[string]any) map[string]any {
		return map[string]any{"target": "nats", "url": "nats://nats.example.com:4222", "subject": "ihub.events", "natsAuth": auth}
	}
	for _, tc := range []struct {
		name string
		auth map[string]any
		want []string
	}{
		{"empty token", map[string]any{"token": ""}, []string{"body.natsAuth.token"}},
		{"empty creds", map[string]any{"creds": ""}, []string{"body.natsAuth.creds"}},
		{"empty user and password", map[string]any{"user": "", "password": ""}, []string{"body.natsAuth.password", "body.natsAuth.user"}},
		{"user with empty password", map[string]any{"user": "ihub", "password": ""}, []string{"body.natsAuth.password"}},
		{"empty user with password", map[string]any{"user": "", "password": "pw"}, []string{"body.natsAuth.user"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, nats(tc.auth))
			p, ok := readProblem(t, r)
			got := p.locations()
			slices.Sort(got)
			if !ok || r.Status != 422 || !slices.Equal(got, tc.want) {
				t.Errorf("POST natsAuth %v = %d %s, want 422 naming %v", tc.auth, r.Status, r.Body, tc.want)
			}
		})
	}
	var list struct{ Subscriptions []any }
	decode(t, call(t, env, "GET", "/api/v1/subscriptions", env.AdminToken, nil), &list)
	if len(list.Subscriptions) != 0 {
		t.Errorf("refused subscriptions were stored: %v", list.Subscriptions)
	}

	var created struct{ ID, NATSAuth string }
	decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, nats(map[string]any{"token": "t0ken"})), &created)
	path := "/api/v1/subscriptions/" + created.ID
	r := call(t, env, "PATCH", path, env.AdminToken, map[string]any{"natsAuth": map[string]any{"token": ""}})
	if p, ok := readProblem(t, r); !ok || r.Status != 422 || !slices.Equal(p.locations(), []string{"body.natsAuth.token"}) {
		t.Errorf("PATCH natsAuth token \"\" = %d %s, want 422 naming body.natsAuth.token", r.Status, r.Body)
	}
	var patched struct{ NATSAuth string }
	r = call(t, env, "PATCH", path, env.AdminToken, map[string]any{"natsAuth": map[string]any{}})
	decode(t, r, &patched)
	if r.Status != 200 || patched.NATSAuth != "" {
		t.Errorf("PATCH natsAuth {} = %d %s, want the credentials removed", r.Status, r.Body)
	}
}

// TestWebhookEndpointNoOpPatch: an endpoint PATCH that changes nothing
// writes nothing: same version, no activity entry; a real change does.
func TestWebhookEndpointNoOpPatch(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := shopHMACEndpoint(t, env, "noop-patch-secret-0123456789", nil)
			path := "/api/v1/integrations/webhooks/" + ep
			var cur struct{ Name string }
			r := call(t, env, "GET", path, env.AdminToken, nil)
			decode(t, r, &cur)
			version := r.Header.Get("ETag")
			count := func() int {
				var page struct{ Items []json.RawMessage }
				decode(t, call(t, env, "GET", "/api/v1/activity?action=webhook.endpoint_updated", env.AdminToken, nil), &page)
				return len(page.Items)
			}
			for _, body := range []map[string]any{{}, {"name": cur.Name}, {"isActive": true}} {
				if r := call(t, env, "PATCH", path, env.AdminToken, body); r.Status != 200 || r.Header.Get("ETag") != version {
					t.Errorf("PATCH %v = %d, ETag %q, want 200 and %q", body, r.Status, r.Header.Get("ETag"), version)
				}
			}
			if n := count(); n != 0 {
				t.Errorf("%d webhook.endpoint_updated entries after PATCHes that change nothing, want 0", n)
			}
			if r := call(t, env, "PATCH", path, env.AdminToken, map[string]any{"name": "renamed"}); r.Status != 200 || r.Header.Get("ETag") == version {
				t.Errorf("rename = %d, ETag %q, want a new version", r.Status, r.Header.Get("ETag"))
			}
			if n := count(); n != 1 {
				t.Errorf("%d webhook.endpoint_updated entries after a rename, want 1", n)
			}
		})
	}
}
