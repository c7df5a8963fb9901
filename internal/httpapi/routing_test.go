package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestNoRoute: a path that has routes for other methods answers 405 with
// Allow, whichever fallback pattern would have taken it; a path with none
// answers 404. Both as problem+json.
func TestNoRoute(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, tc := range []struct {
		method, path string
		want         int
		allow        string
	}{
		{"PUT", "/api/v1/subscriptions", 405, "GET, POST"},
		{"DELETE", "/api/v1/events", 405, "GET"},
		{"PATCH", "/api/v1/integrations", 405, "GET, POST"},
		// Under the seed's webhook-operations prefix and the integration
		// subtree: the other two fallbacks.
		{"GET", "/api/v1/integrations/webhooks/whe_x/replay", 405, "POST"},
		{"DELETE", "/api/v1/integrations/webhooks/whe_x/logs", 405, "GET"},
		{"PUT", "/api/v1/integrations/int_x/webhooks", 405, "GET, POST"},
		// Collections beside /api/v1/integrations/{id}: not an integration
		// named "providers" or "webhooks".
		{"PUT", "/api/v1/integrations/webhooks", 405, "GET"},
		{"DELETE", "/api/v1/integrations/webhooks", 405, "GET"},
		{"PATCH", "/api/v1/integrations/providers", 405, "GET"},
		{"DELETE", "/api/v1/integrations/providers", 405, "GET"},
		{"POST", "/api/v1/integrations/providers", 405, "GET"},
		{"GET", "/api/v1/nothing", 404, ""},
		{"DELETE", "/api/v1/integrations/int_x/nothing", 404, ""},
		{"GET", "/api/v1/integrations/webhooks/whe_x/nothing", 404, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := call(t, env, tc.method, tc.path, env.AdminToken, nil)
			if res.Status != tc.want {
				t.Fatalf("status %d, want %d: %s", res.Status, tc.want, res.Body)
			}
			if got := res.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow = %q, want %q", got, tc.allow)
			}
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			if tc.want == http.StatusMethodNotAllowed && !strings.Contains(string(res.Body), tc.method+" is not allowed") {
				t.Errorf("detail does not name the method: %s", res.Body)
			}
		})
	}
}

// TestClientGoneIsNotAServerError: a long poll the client gives up is
// counted (and logged) as 499, not as a 500 that would page someone.
func TestClientGoneIsNotAServerError(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", env.Server.URL+"/api/v1/events?after=0&wait=20", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+env.AdminToken)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("the long poll answered %d before the client left", res.StatusCode)
	}
	const route = `route="GET /api/v1/events"`
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := string(call(t, env, "GET", "/metrics", "", nil).Body)
		if strings.Contains(m, `ihub_http_requests_total{code="499",method="GET",`+route+`} 1`) {
			if strings.Contains(m, `code="500",method="GET",`+route) {
				t.Errorf("the abandoned poll is also counted as a 500")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 499 for the abandoned long poll in the metrics:\n%s", m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestActivityFiltersByName: the activity log takes an integration's slug
// and a user's email where it takes their ids, as the other routes do.
func TestActivityFiltersByName(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	var it struct{ ID string }
	r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "shop", "slug": "shop", "provider": "http",
		"baseUrl": "https://shop.invalid", "isActive": false})
	if r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	decode(t, r, &it)
	type list struct {
		Items []struct{ Action, IntegrationID string }
	}
	var byID, bySlug list
	decode(t, call(t, env, "GET", "/api/v1/activity?integration="+it.ID, env.AdminToken, nil), &byID)
	decode(t, call(t, env, "GET", "/api/v1/activity?integration=shop", env.AdminToken, nil), &bySlug)
	if len(byID.Items) == 0 || len(bySlug.Items) != len(byID.Items) {
		t.Errorf("by slug %d entries, by id %d: want the same, at least the creation", len(bySlug.Items), len(byID.Items))
	}
	var who struct{ User struct{ ID, Email string } }
	decode(t, call(t, env, "GET", "/api/v1/auth/me", env.AdminToken, nil), &who)
	me := who.User
	var byActor, byEmail list
	decode(t, call(t, env, "GET", "/api/v1/activity?actor="+me.ID, env.AdminToken, nil), &byActor)
	decode(t, call(t, env, "GET", "/api/v1/activity?actor="+strings.ToUpper(me.Email), env.AdminToken, nil), &byEmail)
	if me.Email == "" || len(byActor.Items) == 0 || len(byEmail.Items) != len(byActor.Items) {
		t.Errorf("by email %q %d entries, by id %d: want the same, at least one", me.Email, len(byEmail.Items), len(byActor.Items))
	}
}

// TestIngressMethods: the ingress takes POST and PUT (as its OpenAPI
// operations say) and answers other methods 405 naming both.
func TestIngressMethods(t *testing.T) {
	t.Parallel()
	const secret = "ingress-methods-secret-0123456789"
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	ep := shopHMACEndpoint(t, env, secret, nil)
	for _, tc := range []struct {
		method string
		want   int
	}{{"POST", 202}, {"PUT", 202}, {"GET", 405}, {"DELETE", 405}} {
		body := `{"type":"order.created","event_id":"m-` + tc.method + `"}`
		req, err := http.NewRequestWithContext(t.Context(), tc.method, env.Server.URL+"/api/v1/hooks/"+ep, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Signature", hexHMAC(secret, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s = %d, want %d", tc.method, resp.StatusCode, tc.want)
		}
		if tc.want == 405 && resp.Header.Get("Allow") != "POST, PUT" {
			t.Errorf("%s: Allow %q, want POST, PUT", tc.method, resp.Header.Get("Allow"))
		}
	}
}

// TestRouteLabels: the proxy and the seed's ingress form are counted under
// their own routes, not the integration subtree's fallback pattern, and a
// request no route takes is unmatched, however it is refused.
func TestRouteLabels(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/v1/integrations/int_nope/proxy/items"},
		{"POST", "/api/v1/integrations/hooks/int_nope"},
		{"GET", "/api/v1/nothing/here"},
		{"DELETE", "/api/v1/integrations/int_nope/nothing"},
		{"PUT", "/api/v1/integrations/providers"},
	} {
		call(t, env, r.method, r.path, env.AdminToken, nil)
	}
	m := string(call(t, env, "GET", "/metrics", "", nil).Body)
	for _, want := range []string{
		`ihub_http_requests_total{code="404",method="GET",route="/api/v1/integrations/{id}/proxy/{path...}"} 1`,
		`ihub_http_requests_total{code="404",method="POST",route="/api/v1/integrations/hooks/{id}"} 1`,
		`ihub_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`ihub_http_requests_total{code="404",method="DELETE",route="unmatched"} 1`,
		`ihub_http_requests_total{code="405",method="PUT",route="unmatched"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, `route="/api/"`) || strings.Contains(m, `{rest...}`) {
		t.Errorf("metrics name a fallback pattern as a route:\n%s", m)
	}
}

// TestInternalErrorLogged: a 500 tells the client only its request id, and
// the "internal error" line with that id carries the cause as "error", the
// field operations.md tells operators to read.
func TestInternalErrorLogged(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	env.App.DB.Close() // every query fails from here on
	r := call(t, env, "GET", "/api/v1/integrations", env.AdminToken, nil)
	p, ok := readProblem(t, r)
	if r.Status != 500 || !ok || !strings.Contains(p.Detail, "quote request id "+p.RequestID) {
		t.Fatalf("with the database closed: %d %s, want a 500 naming its request id", r.Status, r.Body)
	}
	var line string
	for _, l := range strings.Split(env.Logs.String(), "\n") {
		if strings.Contains(l, `msg="internal error"`) && strings.Contains(l, "request_id="+p.RequestID) {
			line = l
		}
	}
	if !strings.Contains(line, " error=") || strings.Contains(line, "errors=") {
		t.Errorf("internal error line %q, want the cause as error=", line)
	}
}
