package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/auth"
	"ihub/internal/httpapi"
	"ihub/internal/store/storetest"
)

// subscriber is a test endpoint that checks ihub's Standard Webhooks
// signature and answers as its mode says.
type subscriber struct {
	mu       sync.Mutex
	secret   string
	mode     string // ok, fail, busy, gone, redirect, slow (answers after a second)
	received []map[string]any
	badSig   int
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mode == "slow" {
		s.mu.Unlock()
		time.Sleep(time.Second)
		s.mu.Lock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(s.secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(r.Header.Get("Webhook-Id") + "." + r.Header.Get("Webhook-Timestamp") + "."))
	m.Write(body)
	want := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("Webhook-Signature"))) {
		s.badSig++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch s.mode {
	case "fail":
		w.WriteHeader(http.StatusInternalServerError)
	case "busy":
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	case "gone":
		w.WriteHeader(http.StatusGone)
	case "redirect":
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	default:
		var ev map[string]any
		_ = json.Unmarshal(body, &ev)
		s.received = append(s.received, ev)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *subscriber) set(mode string) {
	s.mu.Lock()
	s.mode = mode
	s.mu.Unlock()
}

func (s *subscriber) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.received)
}

func TestSubscriptions(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			sub := &subscriber{mode: "ok"}
			srv := httptest.NewServer(sub)
			t.Cleanup(srv.Close)

			for _, tc := range []struct {
				name  string
				body  map[string]any
				field string
			}{
				{"no url", map[string]any{"name": "x"}, "body.url"},
				{"ftp url", map[string]any{"url": "ftp://example.com/"}, "body.url"},
				{"url with password", map[string]any{"url": "https://u:p@example.com/"}, "body.url"},
				{"not a whsec secret", map[string]any{"url": "https://example.com/", "secret": "hunter2hunter2"}, "body.secret"},
				{"concurrency", map[string]any{"url": "https://example.com/", "maxConcurrency": 0}, "body.maxConcurrency"},
			} {
				if r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, tc.body); r.Status != 422 || !strings.Contains(string(r.Body), tc.field) {
					t.Errorf("%s = %d %s, want 422 naming %s", tc.name, r.Status, r.Body, tc.field)
				}
			}
			// A NATS server's URL given without target: told to set it.
			if r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "nats://127.0.0.1:4222"}); r.Status != 422 ||
				!strings.Contains(string(r.Body), "body.url") || !strings.Contains(string(r.Body), `set target to \"nats\"`) {
				t.Errorf("nats URL without target = %d %s, want 422 naming body.url and saying to set target", r.Status, r.Body)
			}

			var created struct{ ID, Secret string }
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "ci", "url": srv.URL + "/hook",
				"eventTypes": []string{"code.*"}, "allowPrivateNetwork": true})
			decode(t, r, &created)
			if r.Status != 201 || !strings.HasPrefix(created.Secret, "whsec_") {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			sub.secret = created.Secret
			if g := call(t, env, "GET", "/api/v1/subscriptions/"+created.ID, env.AdminToken, nil); strings.Contains(string(g.Body), created.Secret) {
				t.Errorf("GET shows the secret again")
			}

			// A GitHub integration with an endpoint to deliver pushes to.
			pushID := githubHooks(t, env)
			n := 0
			push := func() {
				t.Helper()
				n++
				pushID("sub-test-" + strings.Repeat("x", n))
			}
			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			step := func() int {
				t.Helper()
				sent, err := d.Step(t.Context())
				if err != nil {
					t.Fatalf("Step = %v", err)
				}
				return sent
			}
			attempts := func() []httpapi.AttemptBody {
				var out struct{ Attempts []httpapi.AttemptBody }
				decode(t, call(t, env, "GET", "/api/v1/subscriptions/"+created.ID+"/attempts", env.AdminToken, nil), &out)
				return out.Attempts
			}

			push()
			if sent := step(); sent != 1 || sub.count() != 1 || sub.badSig != 0 {
				t.Fatalf("sent %d, received %d, bad signatures %d; want one signed delivery", sent, sub.count(), sub.badSig)
			}
			if ev := sub.received[0]; ev["type"] != "code.push" || ev["source"] != "github" || !strings.HasPrefix(ev["id"].(string), "evt_") {
				t.Errorf("envelope = %v", ev)
			}
			if step() != 0 || sub.count() != 1 {
				t.Errorf("a delivered event was sent again")
			}
			// The attempt names its event as the subscriber knows it.
			if a := attempts()[0]; a.EventID != sub.received[0]["id"] || a.EventType != "code.push" {
				t.Errorf("attempt names event %q of type %q; want %v, code.push", a.EventID, a.EventType, sub.received[0]["id"])
			}

			// A failing subscriber: retried later, not now.
			sub.set("fail")
			push()
			step()
			a := attempts()[0]
			if a.Status != "pending" || a.Attempts != 1 || a.LastStatus != 500 || a.NextAttemptAt == nil || !a.NextAttemptAt.After(time.Now()) {
				t.Errorf("after a 500: %+v, want pending with a later retry", a)
			}
			if step() != 0 {
				t.Errorf("a failed attempt was retried before its time")
			}
			// 429 with Retry-After: the wait follows the header.
			sub.set("busy")
			if r := call(t, env, "POST", "/api/v1/subscriptions/"+created.ID+"/attempts/"+itoa64(a.ID)+"/retry",
				env.UserToken(auth.RoleITManager), nil); r.Status != 204 {
				t.Fatalf("retry = %d %s", r.Status, r.Body)
			}
			step()
			if b := attempts()[0]; b.LastStatus != 429 || b.NextAttemptAt == nil || time.Until(*b.NextAttemptAt) < 100*time.Second {
				t.Errorf("after a 429 with Retry-After 120: %+v", b)
			}
			// A redirect is a failure, never followed.
			sub.set("redirect")
			call(t, env, "POST", "/api/v1/subscriptions/"+created.ID+"/attempts/"+itoa64(a.ID)+"/retry", env.AdminToken, nil)
			step()
			if b := attempts()[0]; b.Status != "pending" || b.LastStatus != 302 || !strings.Contains(b.LastError, "redirect") {
				t.Errorf("after a redirect: %+v", b)
			}
			// The subscriber recovers; a manual retry delivers.
			sub.set("ok")
			call(t, env, "POST", "/api/v1/subscriptions/"+created.ID+"/attempts/"+itoa64(a.ID)+"/retry", env.AdminToken, nil)
			step()
			if sub.count() != 2 || attempts()[0].Status != "delivered" {
				t.Errorf("after recovery: received %d, attempt %+v", sub.count(), attempts()[0])
			}

			// An event waiting for a retry far away (Retry-After 120) goes
			// at once when the subscription is disabled and enabled again:
			// enabling says the subscriber is mended.
			sub.set("busy")
			push()
			step()
			if b := attempts()[0]; b.LastStatus != 429 || b.NextAttemptAt == nil || time.Until(*b.NextAttemptAt) < 100*time.Second {
				t.Fatalf("after a 429 with Retry-After 120: %+v", b)
			}
			sub.set("ok")
			for _, on := range []bool{false, true} {
				if r := call(t, env, "PATCH", "/api/v1/subscriptions/"+created.ID, env.AdminToken, map[string]any{"isActive": on}); r.Status != 200 {
					t.Fatalf("PATCH isActive %v = %d %s", on, r.Status, r.Body)
				}
			}
			if sent := step(); sent != 1 || sub.count() != 3 || attempts()[0].Status != "delivered" {
				t.Errorf("after enabling again: sent %d, received %d, attempt %+v; want the waiting event delivered", sent, sub.count(), attempts()[0])
			}

			// 410 disables the subscription; events wait and go out when it
			// is enabled again.
			sub.set("gone")
			push()
			step()
			var got struct {
				IsActive       bool
				DisabledReason string
			}
			decode(t, call(t, env, "GET", "/api/v1/subscriptions/"+created.ID, env.AdminToken, nil), &got)
			if got.IsActive || !strings.Contains(got.DisabledReason, "410") {
				t.Errorf("after 410: %+v, want disabled with the reason", got)
			}
			// The 410 reached the subscriber: it counts as an attempt, and
			// the event waits.
			if a := attempts()[0]; a.Status != "pending" || a.Attempts != 1 || a.LastStatus != 410 {
				t.Errorf("the attempt answered 410: %+v, want pending, 1 attempt, last status 410", a)
			}
			// A manual retry cannot send it while the subscription is
			// disabled: it says so instead of answering 204 and sending
			// nothing.
			if r := call(t, env, "POST", "/api/v1/subscriptions/"+created.ID+"/attempts/"+itoa64(attempts()[0].ID)+"/retry",
				env.AdminToken, nil); r.Status != 409 || !strings.Contains(string(r.Body), "disabled") {
				t.Errorf("retry on a disabled subscription = %d %s, want 409 saying it is disabled", r.Status, r.Body)
			}
			sub.set("ok")
			push()
			if step() != 0 {
				t.Errorf("a disabled subscription was sent events")
			}
			call(t, env, "PATCH", "/api/v1/subscriptions/"+created.ID, env.AdminToken, map[string]any{"isActive": true})
			step()
			if sub.count() != 5 || sub.badSig != 0 {
				t.Errorf("after re-enabling: received %d (want 5), bad signatures %d", sub.count(), sub.badSig)
			}
		})
	}
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestSubscriptionIntegrationFilter: a subscription's integrations are
// given by id or slug and stored as ids; one that does not exist is named.
func TestSubscriptionIntegrationFilter(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	var it struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
		"isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}}), &it)
	if r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/",
		"integrationIds": []string{"gh", "int_nope"}}); r.Status != 422 || !strings.Contains(string(r.Body), "body.integrationIds[1]") ||
		strings.Contains(string(r.Body), "body.integrationIds[0]") {
		t.Errorf("unknown integration = %d %s, want 422 naming body.integrationIds[1] only", r.Status, r.Body)
	}
	var sub struct {
		ID             string
		IntegrationIDs []string
	}
	r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/",
		"integrationIds": []string{"gh", it.ID}})
	decode(t, r, &sub)
	if r.Status != 201 || len(sub.IntegrationIDs) != 1 || sub.IntegrationIDs[0] != it.ID {
		t.Errorf("create by slug = %d %s, want the integration's id once", r.Status, r.Body)
	}
	if r := call(t, env, "PATCH", "/api/v1/subscriptions/"+sub.ID, env.AdminToken, map[string]any{"integrationIds": []string{"nope"}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "body.integrationIds[0]") {
		t.Errorf("patch with an unknown integration = %d %s, want 422", r.Status, r.Body)
	}
}

// TestSubscriptionConcurrencyAcrossReplicas: a subscription's
// maxConcurrency bounds the requests its subscriber sees at once, however
// many dispatchers run (two replicas on PostgreSQL; SQLite has one
// process), and every event arrives once.
func TestSubscriptionConcurrencyAcrossReplicas(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			var mu sync.Mutex
			inFlight, most := 0, 0
			seen := map[string]int{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				seen[r.Header.Get("Webhook-Id")]++
				mu.Unlock()
				time.Sleep(30 * time.Millisecond)
				mu.Lock()
				inFlight--
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			if r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "slow", "url": srv.URL,
				"maxConcurrency": 2, "allowPrivateNetwork": true}); r.Status != 201 {
				t.Fatalf("create subscription = %d %s", r.Status, r.Body)
			}
			push := githubHooks(t, env)
			const events = 24
			for i := range events {
				push("conc-" + strconv.Itoa(i))
			}
			replicas := 2
			if e.Name == "sqlite" {
				replicas = 1
			}
			ctx, cancel := context.WithCancel(t.Context())
			var wg sync.WaitGroup
			for range replicas {
				d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
				if err != nil {
					t.Fatal(err)
				}
				wg.Go(func() { d.Run(ctx, 10*time.Millisecond) })
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				mu.Lock()
				n := len(seen)
				mu.Unlock()
				if n == events || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			wg.Wait()
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != events {
				t.Errorf("%d of %d events delivered", len(seen), events)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("event %s delivered %d times", id, n)
				}
			}
			if most > 2 {
				t.Errorf("the subscriber saw %d requests at once, maxConcurrency is 2", most)
			}
		})
	}
}

// TestSubscriptionTakenOverFromDeadReplica: a replica that dies (its
// database session ends without handing its subscriptions over) does not
// hold them until its claims expire: the next replica to look sends their
// new events at once.
func TestSubscriptionTakenOverFromDeadReplica(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			var mu sync.Mutex
			var got []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				got = append(got, r.Header.Get("Webhook-Id"))
				mu.Unlock()
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			if r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "s", "url": srv.URL,
				"allowPrivateNetwork": true}); r.Status != 201 {
				t.Fatalf("create subscription = %d %s", r.Status, r.Body)
			}
			push := githubHooks(t, env)
			push("first")
			dead, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if sent, err := dead.Step(t.Context()); sent != 1 || err != nil {
				t.Fatalf("first replica's Step = %d, %v; want one sent", sent, err)
			}
			// It owns the subscription for its 2-minute lease; it dies
			// (Close ends its presence; a stop would also hand over).
			dead.Close()
			push("second")
			next, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(next.Close)
			if sent, err := next.Step(t.Context()); sent != 1 || err != nil {
				t.Errorf("other replica's Step = %d, %v; want the new event sent at once", sent, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 2 || got[0] == got[1] {
				t.Errorf("the subscriber got %v, want two different events", got)
			}
		})
	}
}

// TestSubscriptionTimeout: a subscriber that does not answer within the
// send timeout is a failure, retried later, and the attempt log says so in
// words.
func TestSubscriptionTimeout(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			sub := &subscriber{mode: "slow"}
			srv := httptest.NewServer(sub)
			t.Cleanup(srv.Close)
			var created struct{ ID, Secret string }
			decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "slow",
				"url": srv.URL + "/hook", "allowPrivateNetwork": true}), &created)
			sub.secret = created.Secret
			githubHooks(t, env)("slow-1")
			d, err := env.App.Webhooks.NewDispatcher(200 * time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			if sent, err := d.Step(t.Context()); sent != 1 || err != nil {
				t.Fatalf("Step = %d, %v; want one attempt sent", sent, err)
			}
			var out struct {
				Attempts []struct {
					Status, LastError string
					LastStatus        int64
					NextAttemptAt     *time.Time
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/subscriptions/"+created.ID+"/attempts", env.AdminToken, nil), &out)
			if len(out.Attempts) != 1 {
				t.Fatalf("attempts = %+v, want one", out.Attempts)
			}
			a := out.Attempts[0]
			if a.Status != "pending" || a.LastStatus != 0 || a.LastError != "no answer within 200ms (timeout)" ||
				a.NextAttemptAt == nil || !a.NextAttemptAt.After(time.Now()) {
				t.Errorf("after a timeout: %+v, want pending, retried later, with the timeout in words", a)
			}
		})
	}
}

// TestSubscriptionIfMatch: a subscription answers its version as an ETag,
// and a PATCH with If-Match is refused (412, nothing changed) when the
// subscription changed since, as an endpoint's or an integration's is.
func TestSubscriptionIfMatch(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "first",
				"url": "https://hooks.example.com/a"})
			var sub struct {
				ID, Name string
				Version  int64
			}
			decode(t, r, &sub)
			if r.Status != 201 || r.Header.Get("ETag") != `"`+strconv.FormatInt(sub.Version, 10)+`"` {
				t.Fatalf("create = %d, ETag %q, version %d", r.Status, r.Header.Get("ETag"), sub.Version)
			}
			path := "/api/v1/subscriptions/" + sub.ID
			read := call(t, env, "GET", path, env.AdminToken, nil).Header.Get("ETag")
			if read != r.Header.Get("ETag") {
				t.Errorf("GET ETag %q, want the creation's %q", read, r.Header.Get("ETag"))
			}
			r = call(t, env, "PATCH", path, env.AdminToken, map[string]any{"name": "second"}, "If-Match", read)
			if r.Status != 200 || r.Header.Get("ETag") == read {
				t.Fatalf("PATCH with the current ETag = %d %s, ETag %q", r.Status, r.Body, r.Header.Get("ETag"))
			}
			// Another client still holding the first version.
			if r := call(t, env, "PATCH", path, env.AdminToken, map[string]any{"name": "lost"}, "If-Match", read); r.Status != 412 {
				t.Errorf("PATCH with a stale ETag = %d %s, want 412", r.Status, r.Body)
			}
			if r := call(t, env, "PATCH", path, env.AdminToken, map[string]any{"name": "lost"}, "If-Match", "garbage"); r.Status != 422 ||
				!strings.Contains(string(r.Body), "header.If-Match") {
				t.Errorf("PATCH with a malformed If-Match = %d %s, want 422 naming it", r.Status, r.Body)
			}
			decode(t, call(t, env, "GET", path, env.AdminToken, nil), &sub)
			if sub.Name != "second" {
				t.Errorf("name after the refused PATCHes = %q, want second", sub.Name)
			}
			if r := call(t, env, "PATCH", path, env.AdminToken, map[string]any{"name": "third"}, "If-Match", "*"); r.Status != 200 {
				t.Errorf("PATCH with If-Match * = %d %s, want 200", r.Status, r.Body)
			}
		})
	}
}

// TestSubscriptionTargetChange: a PATCH that changes the target drops the
// old target's fields it does not give, instead of refusing them as
// "not used by" the new target when the client never sent them.
func TestSubscriptionTargetChange(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			var sub struct{ ID, Target, URL, Subject string }
			decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "nats",
				"url": "nats://nats.example.com:4222", "subject": "ihub.events"}), &sub)
			path := "/api/v1/subscriptions/" + sub.ID
			tests := []struct {
				name      string
				body      map[string]any
				want      int
				locations []string
			}{
				{"to chat without its integration", map[string]any{"target": "chat"}, 422, []string{"body.chatIntegration"}},
				{"to http without a URL", map[string]any{"target": "http"}, 422, []string{"body.url"}},
				{"to http", map[string]any{"target": "http", "url": "https://hooks.example.com/in"}, 200, nil},
				{"back to nats without its fields", map[string]any{"target": "nats"}, 422, []string{"body.subject", "body.url"}},
			}
			for _, tt := range tests {
				r := call(t, env, "PATCH", path, env.AdminToken, tt.body)
				if r.Status != tt.want {
					t.Errorf("%s: %d %s, want %d", tt.name, r.Status, r.Body, tt.want)
					continue
				}
				if tt.want != 422 {
					continue
				}
				if p, ok := readProblem(t, r); !ok || !slices.Equal(slices.Sorted(slices.Values(p.locations())), tt.locations) {
					t.Errorf("%s: problem names %v, want %v", tt.name, p.locations(), tt.locations)
				}
			}
			var now struct{ Target, URL, Subject string }
			decode(t, call(t, env, "GET", path, env.AdminToken, nil), &now)
			if now.Target != "http" || now.URL != "https://hooks.example.com/in" || now.Subject != "" {
				t.Errorf("after the changes: %+v, want an http target without the NATS subject", now)
			}
		})
	}
}
