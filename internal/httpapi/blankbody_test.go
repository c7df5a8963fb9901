package httpapi_test

import (
	"mime"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// bodyAnswer is what TestBlankBody compares of two answers: the status
// and, for a problem, its detail and errors.
type bodyAnswer struct {
	Status int
	Detail string
	Errors []fieldProblem
}

func bodyAnswerOf(t testing.TB, r apptest.Response) bodyAnswer {
	t.Helper()
	a := bodyAnswer{Status: r.Status}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/problem+json" {
		var p problem
		decode(t, r, &p)
		a.Detail, a.Errors = p.Detail, p.Errors
	}
	return a
}

// jsonBodyRequests are a request to every operation that takes a JSON
// body: those the black-box pass tried on things that exist (an
// integration, its webhook endpoint, a subscription), the rest on made-up
// ids (the body is read before the id is looked up).
func jsonBodyRequests(t *testing.T, env *apptest.Env) []struct{ method, path string } {
	t.Helper()
	r := call(t, env, http.MethodPost, "/api/v1/integrations", env.AdminToken, map[string]any{"provider": "github", "name": "gh", "slug": "gh",
		"credentials": map[string]any{"token": "ghp_blank_body"}})
	if r.Status != http.StatusCreated {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	var ep, sub struct{ ID string }
	r = call(t, env, http.MethodPost, "/api/v1/integrations/gh/webhooks", env.AdminToken, map[string]any{"scheme": "none"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
	}
	decode(t, r, &ep)
	r = call(t, env, http.MethodPost, "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/blank"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create subscription = %d %s", r.Status, r.Body)
	}
	decode(t, r, &sub)
	reqs := []struct{ method, path string }{
		{http.MethodPost, "/api/v1/integrations"},
		{http.MethodPatch, "/api/v1/integrations/gh"},
		{http.MethodPost, "/api/v1/integrations/gh/webhooks"},
		{http.MethodPatch, "/api/v1/integrations/webhooks/" + ep.ID},
		{http.MethodPost, "/api/v1/subscriptions"},
		{http.MethodPatch, "/api/v1/subscriptions/" + sub.ID},
	}
	for _, o := range operations(env) {
		if o.op.RequestBody == nil || o.op.RequestBody.Content["application/json"] == nil {
			continue
		}
		reqs = append(reqs, struct{ method, path string }{o.method, fillPath(t, o.path)})
	}
	return reqs
}

// TestBlankBody: a JSON body of only whitespace is answered as no body is,
// on every operation that takes one (the defaults where the body is
// optional, 422 at body where it is required), not with the decoder's 400
// "unexpected end of JSON input".
func TestBlankBody(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			for _, req := range jsonBodyRequests(t, env) {
				for _, blank := range []string{" ", "  \n", "\t\r\n ", "\n\n\n\n"} {
					want := bodyAnswerOf(t, call(t, env, req.method, req.path, env.AdminToken, ""))
					got := bodyAnswerOf(t, call(t, env, req.method, req.path, env.AdminToken, blank))
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s %s with body %q: answer differs from that to no body (-no body +blank):\n%s", req.method, req.path, blank, diff)
					}
				}
			}
		})
	}
}

// TestNullBody: a body of null is refused on every operation that takes a
// JSON body, optional or not, with a message that says so; it is not read
// as no body (null is not read as absent anywhere).
func TestNullBody(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			want := bodyAnswer{Status: http.StatusUnprocessableEntity, Detail: "validation failed",
				Errors: []fieldProblem{{Location: "body", Message: "must be a JSON object, not null"}}}
			for _, req := range jsonBodyRequests(t, env) {
				for _, body := range []string{"null", " null\n"} {
					got := bodyAnswerOf(t, call(t, env, req.method, req.path, env.AdminToken, body))
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("%s %s with body %q (-want +got):\n%s", req.method, req.path, body, diff)
					}
				}
			}
		})
	}
}
