package httpapi_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/provider/discord/discordfake"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
	"ihub/internal/webhook/natspub/natstest"
)

func TestSubscriptionTargetValidation(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
		"isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}})
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"unknown target", map[string]any{"target": "carrier-pigeon", "url": "https://example.com/"}, "body.target"},
		{"nats without url", map[string]any{"target": "nats", "subject": "ihub.events"}, "body.url"},
		{"nats with http url", map[string]any{"target": "nats", "url": "https://example.com/", "subject": "a"}, "body.url"},
		{"nats url with password", map[string]any{"target": "nats", "url": "nats://u:p@127.0.0.1:4222", "subject": "a"}, "body.url"},
		{"nats without subject", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222"}, "body.subject"},
		{"nats wildcard subject", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222", "subject": "ihub.>"}, "body.subject"},
		{"nats empty token", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222", "subject": "ihub..events"}, "body.subject"},
		{"http with subject", map[string]any{"url": "https://example.com/", "subject": "a"}, "body.subject"},
		{"http with nats credentials", map[string]any{"url": "https://example.com/", "natsAuth": map[string]any{"token": "t"}}, "body.natsAuth"},
		{"nats user without password", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222", "subject": "a",
			"natsAuth": map[string]any{"user": "ihub"}}, "body.natsAuth.password"},
		{"nats two kinds of credentials", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222", "subject": "a",
			"natsAuth": map[string]any{"token": "t", "user": "u", "password": "p"}}, "body.natsAuth"},
		{"nats creds not a creds file", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222", "subject": "a",
			"natsAuth": map[string]any{"creds": "hello"}}, "body.natsAuth.creds"},
		{"chat without integration", map[string]any{"target": "chat"}, "body.chatIntegration"},
		{"chat with url", map[string]any{"target": "chat", "chatIntegration": "gh", "url": "https://example.com/"}, "body.url"},
		{"chat unknown integration", map[string]any{"target": "chat", "chatIntegration": "nope"}, "body.chatIntegration"},
		{"chat not a chat provider", map[string]any{"target": "chat", "chatIntegration": "gh"}, "body.chatIntegration"},
	} {
		r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, tc.body)
		if r.Status != 422 || !strings.Contains(string(r.Body), tc.field) {
			t.Errorf("%s = %d %s, want 422 naming %s", tc.name, r.Status, r.Body, tc.field)
		}
	}
	var list struct{ Subscriptions []any }
	decode(t, call(t, env, "GET", "/api/v1/subscriptions", env.AdminToken, nil), &list)
	if len(list.Subscriptions) != 0 {
		t.Errorf("refused subscriptions were stored: %v", list.Subscriptions)
	}
	// NATS credentials are sealed and never shown; {} removes them.
	var nats struct{ ID, NATSAuth string }
	r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "nats",
		"url": "nats://nats.example.com:4222", "subject": "ihub.events", "natsAuth": map[string]any{"token": "nats-token-s3cret"}})
	decode(t, r, &nats)
	if r.Status != 201 || nats.NATSAuth != "token" || strings.Contains(string(r.Body), "s3cret") {
		t.Fatalf("create with a NATS token = %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/api/v1/subscriptions", "/api/v1/subscriptions/" + nats.ID, "/api/v1/activity"} {
		if g := call(t, env, "GET", path, env.AdminToken, nil); strings.Contains(string(g.Body), "s3cret") {
			t.Errorf("GET %s shows the NATS token: %s", path, g.Body)
		}
	}
	r = call(t, env, "PATCH", "/api/v1/subscriptions/"+nats.ID, env.AdminToken, map[string]any{"natsAuth": map[string]any{}})
	var patched struct{ NATSAuth string }
	decode(t, r, &patched)
	if r.Status != 200 || patched.NATSAuth != "" {
		t.Errorf("PATCH natsAuth {} = %d %s, want the credentials removed", r.Status, r.Body)
	}
	call(t, env, "DELETE", "/api/v1/subscriptions/"+nats.ID, env.AdminToken, nil)

	// Changing the target checks the new target's fields.
	var created struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/"}), &created)
	if r := call(t, env, "PATCH", "/api/v1/subscriptions/"+created.ID, env.AdminToken, map[string]any{"target": "nats"}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "body.url") || !strings.Contains(string(r.Body), "body.subject") {
		t.Errorf("PATCH to nats keeping the http URL = %d %s, want 422 naming url and subject", r.Status, r.Body)
	}
}

// TestSubscriptionNATS publishes events to a JetStream stream: signed like
// HTTP deliveries, deduplicated by event id, and retried when no stream
// captures the subject.
func TestSubscriptionNATS(t *testing.T) {
	t.Parallel()
	natsURL, js := natstest.Connect(t)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ctx := t.Context()
			prefix := natstest.Name()

			var created struct{ ID, Secret, Target, Subject string }
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "nats", "url": natsURL,
				"subject": prefix + ".events", "allowPrivateNetwork": true})
			decode(t, r, &created)
			if r.Status != 201 || created.Target != "nats" || created.Subject != prefix+".events" {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			push := githubHooks(t, env)
			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			lastAttempt := func() webhook.Attempt {
				t.Helper()
				as, err := env.App.Webhooks.Attempts(ctx, created.ID, webhook.AttemptFilter{Limit: 1})
				if err != nil || len(as) == 0 {
					t.Fatalf("attempts = %v, %v", as, err)
				}
				return as[0]
			}

			// No stream captures the subject yet: the attempt fails and waits.
			push("nats-1")
			if _, err := d.Step(ctx); err != nil {
				t.Fatal(err)
			}
			if a := lastAttempt(); a.Status != webhook.AttemptPending || a.Attempts != 1 || !strings.Contains(a.LastError, "no JetStream stream") {
				t.Errorf("without a stream: %+v, want pending with the reason", a)
			}

			// The stream appears; the waiting event goes out on a retry.
			stream := natstest.Stream(t, js, prefix)
			if err := env.App.Webhooks.RetryAttempt(ctx, audit.System, created.ID, lastAttempt().ID); err != nil {
				t.Fatal(err)
			}
			push("nats-2")
			if _, err := d.Step(ctx); err != nil {
				t.Fatal(err)
			}
			info, err := stream.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if info.State.Msgs != 2 {
				t.Fatalf("stream holds %d messages, want 2", info.State.Msgs)
			}
			ids := map[string]bool{}
			for seq := uint64(1); seq <= 2; seq++ {
				m, err := stream.GetMsg(ctx, seq)
				if err != nil {
					t.Fatal(err)
				}
				var env webhook.EventEnvelope
				if err := json.Unmarshal(m.Data, &env); err != nil || env.Type != "code.push" || env.Source != "github" {
					t.Errorf("message %d = %s (%v), want a code.push envelope", seq, m.Data, err)
				}
				id := m.Header.Get("Webhook-Id")
				if id != env.ID || m.Header.Get("Nats-Msg-Id") != created.ID+":"+env.ID || m.Header.Get("Ihub-Event-Type") != "code.push" {
					t.Errorf("message %d headers = %v, want webhook-id %s and Nats-Msg-Id %s:%[3]s", seq, m.Header, env.ID, created.ID)
				}
				key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(created.Secret, "whsec_"))
				mac := hmac.New(sha256.New, key)
				mac.Write([]byte(id + "." + m.Header.Get("Webhook-Timestamp") + "."))
				mac.Write(m.Data)
				if m.Header.Get("Webhook-Signature") != "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
					t.Errorf("message %d: the Standard Webhooks signature does not verify", seq)
				}
				ids[id] = true
			}
			if len(ids) != 2 {
				t.Errorf("event ids %v, want two different events", ids)
			}
			for _, a := range mustAttempts(t, env, created.ID) {
				if a.Status != webhook.AttemptDelivered {
					t.Errorf("attempt %+v, want delivered", a)
				}
			}

			// A second subscription whose subject the same stream captures
			// gets the next event too: JetStream's deduplication (per
			// stream) must not take it for the first one's.
			var second struct{ ID string }
			decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "nats", "url": natsURL,
				"subject": prefix + ".copy", "allowPrivateNetwork": true}), &second)
			push("nats-3")
			for range 2 {
				if _, err := d.Step(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if info, err = stream.Info(ctx); err != nil || info.State.Msgs != 4 {
				t.Fatalf("stream holds %d messages (%v), want 4: the third event once per subscription", info.State.Msgs, err)
			}
			subjects := map[string]string{}
			for seq := uint64(3); seq <= 4; seq++ {
				m, err := stream.GetMsg(ctx, seq)
				if err != nil {
					t.Fatal(err)
				}
				subjects[m.Subject] = m.Header.Get("Webhook-Id")
			}
			if subjects[prefix+".events"] == "" || subjects[prefix+".events"] != subjects[prefix+".copy"] {
				t.Errorf("the third event's messages by subject = %v, want one on each subject with the same webhook-id", subjects)
			}
			for _, a := range mustAttempts(t, env, second.ID) {
				if a.Status != webhook.AttemptDelivered {
					t.Errorf("second subscription's attempt %+v, want delivered", a)
				}
			}
		})
	}
}

// githubHooks creates a GitHub integration "gh" with a webhook endpoint and
// returns a function delivering a signed push with the given delivery id.
func githubHooks(t *testing.T, env *apptest.Env) func(id string) {
	t.Helper()
	call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
		"isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}})
	var ep struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken, map[string]any{"secret": ghSecret}), &ep)
	return func(id string) {
		t.Helper()
		if st, body := deliver(t, env, "/api/v1/hooks/"+ep.ID, pushFor(id), "X-GitHub-Event", "push",
			"X-GitHub-Delivery", id, "X-Hub-Signature-256", ghSign(ghSecret, pushFor(id))); st != 202 {
			t.Fatalf("delivery = %d %s", st, body)
		}
	}
}

func mustAttempts(t *testing.T, env *apptest.Env, id string) []webhook.Attempt {
	t.Helper()
	as, err := env.App.Webhooks.Attempts(t.Context(), id, webhook.AttemptFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestSubscriptionChat posts events through a Discord integration (its
// fake) as chat messages, and retries when Discord is rate limiting.
func TestSubscriptionChat(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ctx := t.Context()
			fake := discordfake.New(discordfake.Options{RateLimitAfter: 1})
			t.Cleanup(fake.Close)
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "ops chat", "provider": "discord",
				"allowPrivateNetwork": true, "credentials": map[string]any{"webhookUrl": fake.WebhookURL()}}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			push := githubHooks(t, env)
			push("chat-0")                   // from before the subscription existed: not sent to it
			time.Sleep(2 * time.Millisecond) // creation times are in milliseconds
			var created struct{ ID, Target, ChatIntegration string }
			r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"target": "chat",
				"chatIntegration": "ops-chat", "eventTypes": []string{"code.push"}})
			decode(t, r, &created)
			if r.Status != 201 || created.Target != "chat" || created.ChatIntegration == "" || created.ChatIntegration == "ops-chat" {
				t.Fatalf("create = %d %s, want the integration's id", r.Status, r.Body)
			}

			push("chat-1")
			push("chat-2")
			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			if _, err := d.Step(ctx); err != nil {
				t.Fatal(err)
			}
			msgs := fake.Messages()
			if len(msgs) != 1 || !strings.Contains(msgs[0].Content, "code.push") || !strings.Contains(msgs[0].Content, "github") {
				t.Fatalf("Discord got %+v, want one message about the push", msgs)
			}
			var delivered, waiting int
			for _, a := range mustAttempts(t, env, created.ID) {
				switch {
				case a.Status == webhook.AttemptDelivered:
					delivered++
				case a.Status == webhook.AttemptPending && a.Attempts == 1 && a.LastError != "" && a.NextAttemptAt.After(time.Now()):
					waiting++
				default:
					t.Errorf("attempt %+v", a)
				}
			}
			if delivered != 1 || waiting != 1 {
				t.Errorf("delivered %d, waiting %d; want 1 and 1 (the second was rate limited, the one before the subscription not sent)",
					delivered, waiting)
			}
			// Prometheus counts the sends by target and outcome.
			m := call(t, env, "GET", "/metrics", "", nil)
			for _, want := range []string{`ihub_subscription_sends_total{outcome="delivered",target="chat"} 1`,
				`ihub_subscription_sends_total{outcome="retry",target="chat"} 1`,
				`ihub_event_delivery_lag_seconds_count{target="chat"} 1`,
				`ihub_webhook_deliveries_total{outcome="accepted"} 3`} {
				if !strings.Contains(string(m.Body), want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
			// Nothing of the chat integration's credential shows.
			if g := call(t, env, "GET", "/api/v1/subscriptions/"+created.ID, env.AdminToken, nil); strings.Contains(string(g.Body), discordfake.DefaultToken) {
				t.Errorf("the subscription shows the webhook token: %s", g.Body)
			}
		})
	}
}

// TestSubscriptionClaimLimit: a dispatch step takes at most what a
// subscription's concurrency limit sends in two rounds, so that a slow
// subscriber's attempts are sent before their lease runs out (and another
// dispatcher would send them again).
func TestSubscriptionClaimLimit(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			got := make(chan struct{}, 100)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got <- struct{}{}
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(srv.Close)
			if r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": srv.URL,
				"allowPrivateNetwork": true, "maxConcurrency": 1}); r.Status != 201 {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			push := githubHooks(t, env)
			for i := range 5 {
				push(fmt.Sprintf("claim-%d", i))
			}
			d, err := env.App.Webhooks.NewDispatcher(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(d.Close)
			var steps []int
			for range 4 {
				n, err := d.Step(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				steps = append(steps, n)
			}
			if !slices.Equal(steps, []int{2, 2, 1, 0}) || len(got) != 5 {
				t.Errorf("steps sent %v (%d received), want [2 2 1 0]: two rounds of a limit of 1", steps, len(got))
			}
		})
	}
}

// TestDispatcherSlowSubscriber: a subscriber that takes its time holds
// only its own concurrency slots. Another subscription's events go out at
// once meanwhile, and a send that ran into the timeout is dated when it
// ended, its retry scheduled from then.
func TestDispatcherSlowSubscriber(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			release := make(chan struct{})
			slowGot := make(chan struct{}, 10)
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				slowGot <- struct{}{}
				select {
				case <-release:
				case <-r.Context().Done():
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(slow.Close)
			t.Cleanup(func() { close(release) }) // before slow.Close, which waits for its handlers
			fastGot := make(chan string, 10)
			fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fastGot <- r.Header.Get("Webhook-Id")
				w.WriteHeader(http.StatusNoContent)
			}))
			t.Cleanup(fast.Close)
			var slowSub struct{ ID string }
			for _, s := range []struct {
				url, types string
				into       any
			}{{slow.URL, "code.push", &slowSub}, {fast.URL, "system.ping", nil}} {
				r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": s.url,
					"eventTypes": []string{s.types}, "allowPrivateNetwork": true, "maxConcurrency": 1})
				if r.Status != 201 {
					t.Fatalf("create = %d %s", r.Status, r.Body)
				}
				if s.into != nil {
					decode(t, r, s.into)
				}
			}
			push := githubHooks(t, env)
			ping := func(id string) {
				t.Helper()
				body := `{"zen":"Keep it logically awesome.","hook_id":1,"id":"` + id + `"}`
				if st, b := deliver(t, env, "/api/v1/hooks/"+githubEndpoint(t, env), body, "X-GitHub-Event", "ping",
					"X-GitHub-Delivery", id, "X-Hub-Signature-256", ghSign(ghSecret, body)); st != 202 {
					t.Fatalf("ping = %d %s", st, b)
				}
			}
			d, err := env.App.Webhooks.NewDispatcher(time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			ran := make(chan struct{})
			go func() { defer close(ran); d.Run(ctx, 20*time.Millisecond) }()
			t.Cleanup(func() { cancel(); <-ran })

			wait := func(c <-chan struct{}, what string) {
				t.Helper()
				select {
				case <-c:
				case <-time.After(10 * time.Second):
					t.Fatalf("%s never arrived", what)
				}
			}
			push("slow-1")
			wait(slowGot, "the first push")
			push("slow-2")
			push("slow-3")
			time.Sleep(100 * time.Millisecond) // the dispatcher claims them and waits for the slow subscriber
			ping("fast-1")
			select {
			case id := <-fastGot:
				if id == "" {
					t.Errorf("the fast subscriber got a request without Webhook-Id")
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("the fast subscriber's event waited for the slow one")
			}
			if n := len(slowGot); n != 0 {
				t.Errorf("the slow subscriber got %d more sends while its limit of 1 was taken", n)
			}
		})
	}
}

// githubEndpoint is the id of the endpoint githubHooks made.
func githubEndpoint(t *testing.T, env *apptest.Env) string {
	t.Helper()
	var list struct{ Endpoints []struct{ ID string } }
	decode(t, call(t, env, "GET", "/api/v1/integrations/gh/webhooks", env.AdminToken, nil), &list)
	if len(list.Endpoints) == 0 {
		t.Fatal("no endpoint on gh")
	}
	return list.Endpoints[0].ID
}

// TestDispatcherTimeoutRetry: a send that ran into the timeout is dated
// when it ended, and its retry is scheduled from then.
func TestDispatcherTimeoutRetry(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	var sub struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": hang.URL,
		"allowPrivateNetwork": true}), &sub)
	githubHooks(t, env)("timeout-1")
	const timeout = time.Second
	d, err := env.App.Webhooks.NewDispatcher(timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	started := time.Now()
	if n, err := d.Step(t.Context()); n != 1 || err != nil {
		t.Fatalf("Step = %d, %v", n, err)
	}
	as := mustAttempts(t, env, sub.ID)
	if len(as) != 1 {
		t.Fatalf("attempts = %+v", as)
	}
	// The retry is at least 5 s after the end of the send, not its start.
	if earliest := started.Add(timeout + 5*time.Second); as[0].NextAttemptAt.Before(earliest.Add(-10 * time.Millisecond)) {
		t.Errorf("next attempt at %v, want at or after %v (5 s after the timed-out send ended)", as[0].NextAttemptAt, earliest)
	}
}

// subscriptionProblem is a response's status and the fields its problem
// names.
type subscriptionProblem struct {
	Status int
	Errors []struct{ Location string }
}

func problemOf(t *testing.T, r apptest.Response) subscriptionProblem {
	t.Helper()
	var p subscriptionProblem
	if r.Status >= 400 {
		decode(t, r, &p)
	}
	p.Status = r.Status
	return p
}

func wantProblem(status int, locs ...string) subscriptionProblem {
	p := subscriptionProblem{Status: status}
	for _, l := range locs {
		p.Errors = append(p.Errors, struct{ Location string }{l})
	}
	return p
}

// TestSubscriptionAddressValidation: a target a subscription could never
// reach (a loopback, private or metadata address without
// allowPrivateNetwork, a port out of range) is refused when the
// subscription is created or changed, naming the field, instead of failing
// every delivery for three days.
func TestSubscriptionAddressValidation(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, tc := range []struct {
		name string
		body map[string]any
		want subscriptionProblem
	}{
		{"loopback", map[string]any{"url": "http://127.0.0.1:9000/hook"}, wantProblem(422, "body.url")},
		{"private", map[string]any{"url": "https://10.1.2.3/hook"}, wantProblem(422, "body.url")},
		{"loopback v6", map[string]any{"url": "http://[::1]:9000/hook"}, wantProblem(422, "body.url")},
		{"localhost", map[string]any{"url": "http://localhost:9000/hook"}, wantProblem(422, "body.url")},
		{"metadata even when private is allowed", map[string]any{"url": "http://169.254.169.254/latest/meta-data",
			"allowPrivateNetwork": true}, wantProblem(422, "body.url")},
		{"port out of range", map[string]any{"url": "https://example.com:99999/hook"}, wantProblem(422, "body.url")},
		{"nats loopback", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222", "subject": "ihub.events"},
			wantProblem(422, "body.url")},
		{"loopback allowed", map[string]any{"url": "http://127.0.0.1:9000/hook", "allowPrivateNetwork": true}, wantProblem(201)},
		{"nats loopback allowed", map[string]any{"target": "nats", "url": "nats://127.0.0.1:4222", "subject": "ihub.events",
			"allowPrivateNetwork": true}, wantProblem(201)},
		{"public name", map[string]any{"url": "https://hooks.example.com/ihub"}, wantProblem(201)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := problemOf(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, tc.body))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("POST (-want +got):\n%s", diff)
			}
		})
	}

	// Turning allowPrivateNetwork off for a loopback URL is refused too.
	var created struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "http://127.0.0.1:9000/hook",
		"allowPrivateNetwork": true}), &created)
	r := call(t, env, "PATCH", "/api/v1/subscriptions/"+created.ID, env.AdminToken, map[string]any{"allowPrivateNetwork": false})
	if diff := cmp.Diff(wantProblem(422, "body.url"), problemOf(t, r)); diff != "" {
		t.Errorf("PATCH allowPrivateNetwork false (-want +got):\n%s", diff)
	}
}

// TestSubscriptionEventTypeValidation: an event type filter that can never
// match ("*", "code*", ".*", a type without its family) is refused naming
// the entry, instead of the subscription silently receiving nothing.
func TestSubscriptionEventTypeValidation(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, tc := range []struct {
		name  string
		types []string
		want  subscriptionProblem
	}{
		{"star", []string{"*"}, wantProblem(422, "body.eventTypes[0]")},
		{"glob without dot", []string{"code*"}, wantProblem(422, "body.eventTypes[0]")},
		{"empty family", []string{".*"}, wantProblem(422, "body.eventTypes[0]")},
		{"wildcard inside", []string{"code.push", "code.*.push"}, wantProblem(422, "body.eventTypes[1]")},
		{"no family", []string{"payment"}, wantProblem(422, "body.eventTypes[0]")},
		{"punctuation", []string{"code.push!"}, wantProblem(422, "body.eventTypes[0]")},
		{"trailing dot", []string{"code."}, wantProblem(422, "body.eventTypes[0]")},
		{"empty segment", []string{"code..push"}, wantProblem(422, "body.eventTypes[0]")},
		{"leading dot", []string{".code.push"}, wantProblem(422, "body.eventTypes[0]")},
		{"good", []string{"code.push", "payment.*", "http.order.created", "github.star", "http.Order_Created:v2-beta",
			"http.*"}, wantProblem(201)},
		{"none", []string{}, wantProblem(201)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := problemOf(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken,
				map[string]any{"url": "https://example.com/", "eventTypes": tc.types}))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("POST (-want +got):\n%s", diff)
			}
		})
	}
	var created struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/"}), &created)
	r := call(t, env, "PATCH", "/api/v1/subscriptions/"+created.ID, env.AdminToken, map[string]any{"eventTypes": []string{"code*"}})
	if diff := cmp.Diff(wantProblem(422, "body.eventTypes[0]"), problemOf(t, r)); diff != "" {
		t.Errorf("PATCH (-want +got):\n%s", diff)
	}
}
