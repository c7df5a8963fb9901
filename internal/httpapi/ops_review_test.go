package httpapi_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// opsEndpoint creates a GitHub integration with an endpoint verified with
// ghSecret and returns the endpoint id.
func opsEndpoint(t *testing.T, env *apptest.Env, name string) string {
	t.Helper()
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": name, "provider": "github",
		"isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}}); r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	var ep struct{ ID string }
	r := call(t, env, "POST", "/api/v1/integrations/"+name+"/webhooks", env.AdminToken, map[string]any{"secret": ghSecret})
	if r.Status != 201 {
		t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
	}
	decode(t, r, &ep)
	return ep.ID
}

// opsPush delivers a signed push with delivery id id (the same id twice is
// a duplicate) and returns the status.
func opsPush(t *testing.T, env *apptest.Env, endpointID, id string) int {
	t.Helper()
	body := pushFor(id)
	st, _ := deliver(t, env, "/api/v1/hooks/"+endpointID, body, "X-GitHub-Event", "push", "X-GitHub-Delivery", id,
		"X-Hub-Signature-256", ghSign(ghSecret, body))
	return st
}

// TestOpsReviewTimeRanges: a CSV export or a replay over a range that
// cannot hold anything (since not before until, since in the future) is a
// mistake (a swapped pair, a local time written as UTC): it is refused with
// 422 naming the field, as the activity export does, rather than answered
// with an empty file or an audited replay of nothing.
func TestOpsReviewTimeRanges(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := opsEndpoint(t, env, "gh-ranges")
			if st := opsPush(t, env, ep, "r-1"); st != 202 {
				t.Fatalf("push = %d", st)
			}
			now := time.Now().UTC()
			future := now.Add(time.Hour).Format(time.RFC3339)
			past := now.Add(-time.Hour).Format(time.RFC3339)
			for _, tc := range []struct{ query, field string }{
				{"since=" + past + "&until=" + now.Add(-2*time.Hour).Format(time.RFC3339), "query.until"},
				{"since=" + past + "&until=" + past, "query.until"},
				{"since=" + future, "query.since"},
				// The zero time is how an absent bound reaches the
				// handler: given, it must not mean "no bound".
				{"until=0001-01-01T00:00:00Z", "query.until"},
				{"since=" + past + "&until=0001-01-01T00:00:00Z", "query.until"},
				{"since=1969-12-31T23:59:59Z", "query.since"},
			} {
				r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs.csv?"+tc.query, env.AdminToken, nil)
				if p, ok := readProblem(t, r); !ok || r.Status != 422 || !slices.Equal(p.locations(), []string{tc.field}) {
					t.Errorf("CSV ?%s = %d %s, want 422 naming %s", tc.query, r.Status, r.Body, tc.field)
				}
			}
			if r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs.csv?since="+past+"&until="+future,
				env.AdminToken, nil); r.Status != 200 || strings.Count(strings.TrimSpace(string(r.Body)), "\n") != 1 {
				t.Errorf("CSV over a good range = %d %s, want the header and one row", r.Status, r.Body)
			}

			for _, tc := range []struct {
				body  map[string]any
				field string
			}{
				{map[string]any{"since": future}, "body.since"},
				{map[string]any{"until": "0001-01-01T00:00:00Z"}, "body.until"},
				{map[string]any{"since": "1900-01-01T00:00:00Z", "until": past}, "body.since"},
			} {
				r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/replay", env.AdminToken, tc.body)
				if p, ok := readProblem(t, r); !ok || r.Status != 422 || !slices.Equal(p.locations(), []string{tc.field}) {
					t.Errorf("replay %v = %d %s, want 422 naming %s", tc.body, r.Status, r.Body, tc.field)
				}
			}
			for _, q := range []string{"until=0001-01-01T00:00:00Z", "since=1000-01-01T00:00:00Z"} {
				for _, path := range []string{"/api/v1/activity?", "/api/v1/activity.csv?"} {
					r := call(t, env, "GET", path+q, env.AdminToken, nil)
					if p, ok := readProblem(t, r); !ok || r.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Message != "must be 1970 or later" {
						t.Errorf("GET %s%s = %d %s, want 422 saying 1970 or later", path, q, r.Status, r.Body)
					}
				}
			}
			// The documented replay filter, afterId 0 included.
			r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/replay", env.AdminToken, map[string]any{
				"since": past, "until": now.Add(time.Minute).Format(time.RFC3339), "status": "processed", "afterId": 0, "limit": 500})
			var replayed struct{ Replayed int }
			if decode(t, r, &replayed); r.Status != 200 || replayed.Replayed != 1 {
				t.Errorf("the documented replay filter = %d %s, want the one delivery replayed", r.Status, r.Body)
			}
			// Only the replay that was done is audited.
			var act struct{ Items []struct{ TargetID string } }
			decode(t, call(t, env, "GET", "/api/v1/activity?action=webhook.replayed", env.AdminToken, nil), &act)
			if len(act.Items) != 1 {
				t.Errorf("replays in the activity log: %+v, want the one that was done", act.Items)
			}
		})
	}
}

// TestOpsReviewDeletedEndpoint: "Its deliveries stay in the logs until
// retention removes them" (DELETE's description): the logs and their CSV
// of a deleted endpoint are still readable (an id that never had a
// delivery is still 404), but its deliveries are not replayed, as a
// filtered replay of that endpoint is not: the copy would be normalized as
// an "unknown" provider's event and dispatched to the subscribers.
func TestOpsReviewDeletedEndpoint(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := opsEndpoint(t, env, "gh-deleted")
			if st := opsPush(t, env, ep, "k-1"); st != 202 {
				t.Fatalf("push = %d", st)
			}
			if r := call(t, env, "DELETE", "/api/v1/integrations/webhooks/"+ep, env.AdminToken, nil); r.Status != 204 {
				t.Fatalf("delete = %d %s", r.Status, r.Body)
			}
			var logs struct {
				Deliveries []struct {
					ID                 int64
					ProviderDeliveryID string
				}
			}
			r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs?status=processed", env.AdminToken, nil)
			decode(t, r, &logs)
			if r.Status != 200 || len(logs.Deliveries) != 1 || logs.Deliveries[0].ProviderDeliveryID != "k-1" {
				t.Fatalf("logs of the deleted endpoint = %d %s, want its delivery", r.Status, r.Body)
			}
			if r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs?status=failed", env.AdminToken, nil); r.Status != 200 {
				t.Errorf("logs of the deleted endpoint, none matching = %d %s, want 200", r.Status, r.Body)
			}
			if r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs.csv", env.AdminToken, nil); r.Status != 200 ||
				!strings.Contains(string(r.Body), "k-1") {
				t.Errorf("CSV of the deleted endpoint = %d %s, want its delivery", r.Status, r.Body)
			}
			for _, path := range []string{"/logs", "/logs.csv"} {
				r := call(t, env, "GET", "/api/v1/integrations/webhooks/whe_neverexisted"+path, env.AdminToken, nil)
				if _, ok := readProblem(t, r); !ok || r.Status != 404 {
					t.Errorf("%s of an unknown endpoint = %d %s, want 404", path, r.Status, r.Body)
				}
			}

			r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/replay", env.AdminToken,
				map[string]any{"deliveryId": logs.Deliveries[0].ID})
			if _, ok := readProblem(t, r); !ok || r.Status != 404 {
				t.Errorf("replay on a deleted endpoint = %d %s, want 404", r.Status, r.Body)
			}
			var evs struct {
				Events []struct{ Type, Source string }
			}
			decode(t, call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil), &evs)
			if len(evs.Events) != 1 || evs.Events[0].Source != "github" {
				t.Errorf("events = %+v, want only the original push", evs.Events)
			}
		})
	}
}

// TestOpsReviewSignalsDuplicates: the failure rate is the share of failures
// among the counts the answer shows (accepted, rejected, failed): a
// provider's retries of what was already stored (duplicates) do not dilute
// it.
func TestOpsReviewSignalsDuplicates(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := opsEndpoint(t, env, "gh-signals")
			for i, want := range []int{202, 200, 200, 200} { // one delivery, then three retries of it
				if st := opsPush(t, env, ep, "s-1"); st != want {
					t.Fatalf("push %d = %d, want %d", i, st, want)
				}
			}
			if st, _ := deliver(t, env, "/api/v1/hooks/"+ep, githubPush, "X-GitHub-Event", "push", "X-GitHub-Delivery", "s-2",
				"X-Hub-Signature-256", ghSign("not the secret", githubPush)); st != 401 {
				t.Fatalf("bad signature = %d, want 401", st)
			}
			var sig struct {
				Accepted, Rejected, Failed int64
				FailureRate                float64
			}
			decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/signals", env.AdminToken, nil), &sig)
			if sig.Accepted != 1 || sig.Rejected != 1 || sig.FailureRate != 0.5 {
				t.Errorf("signals = %+v, want 1 accepted, 1 rejected, failure rate 0.5 (duplicates left out)", sig)
			}
		})
	}
}

// TestOpsReviewTestUnsignedScheme: a test delivery to an endpoint with the
// "none" scheme is one ihub cannot sign for: 409, as documented, not a
// panic answered 500.
func TestOpsReviewTestUnsignedScheme(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "plain", "provider": "http",
				"baseUrl": "https://example.invalid", "isActive": false}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			var ep struct{ ID string }
			r := call(t, env, "POST", "/api/v1/integrations/plain/webhooks", env.AdminToken, map[string]any{"scheme": "none"})
			if r.Status != 201 {
				t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
			}
			decode(t, r, &ep)
			r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/test", env.AdminToken, nil)
			if _, ok := readProblem(t, r); !ok || r.Status != 409 {
				t.Errorf("test delivery with scheme none = %d %s, want 409", r.Status, r.Body)
			}
			// An inactive endpoint is there for its admin (the ingress
			// hides it from providers): 409 saying why, not 404.
			var off struct{ ID string }
			decode(t, call(t, env, "POST", "/api/v1/integrations/plain/webhooks", env.AdminToken, map[string]any{"name": "off",
				"scheme": "header_token", "settings": map[string]any{"headerName": "X-T"}, "generateSecret": true, "isActive": false}), &off)
			r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+off.ID+"/test", env.AdminToken, nil)
			if p, ok := readProblem(t, r); !ok || r.Status != 409 || !strings.Contains(p.Detail, "inactive") {
				t.Errorf("test delivery to an inactive endpoint = %d %s, want 409 saying it is inactive", r.Status, r.Body)
			}
			if strings.Contains(env.Logs.String(), "panic") {
				t.Errorf("the server panicked")
			}
		})
	}
}

// TestOpsReviewReplayLeavesOutTests: a replay by filter replays what the
// provider sent, not the operator's test deliveries.
func TestOpsReviewReplayLeavesOutTests(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := opsEndpoint(t, env, "gh-tests")
			if st := opsPush(t, env, ep, "t-1"); st != 202 {
				t.Fatalf("push = %d", st)
			}
			if r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/test", env.AdminToken, nil); r.Status != 200 {
				t.Fatalf("test delivery = %d %s", r.Status, r.Body)
			}
			var out struct{ Replayed int }
			r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep+"/replay", env.AdminToken, map[string]any{"status": "processed"})
			decode(t, r, &out)
			if r.Status != 200 || out.Replayed != 1 {
				t.Errorf("replay by filter = %d %s, want the provider's one delivery replayed", r.Status, r.Body)
			}
		})
	}
}
