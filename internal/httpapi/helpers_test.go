package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/webhook"
)

// problem is an application/problem+json answer as a client sees it.
type problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	RequestID string         `json:"requestId"`
	Errors    []fieldProblem `json:"errors"`
}

type fieldProblem struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

func (p problem) locations() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// call is apptest.Env.DoAs: it fails t rather than the Env's test, so that
// parallel subtests sharing one Env can use it.
func call(t testing.TB, env *apptest.Env, method, path, token string, body any, headers ...string) apptest.Response {
	t.Helper()
	return env.DoAs(t, method, path, token, body, headers...)
}

// decode unmarshals r's body into v, failing t on error.
func decode(t testing.TB, r apptest.Response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// readProblem checks that r is an application/problem+json answer whose
// body agrees with its status, and decodes it. It reports problems with
// t.Errorf and returns false if the body is not a problem.
func readProblem(t testing.TB, r apptest.Response) (problem, bool) {
	t.Helper()
	var p problem
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json (status %d, body %s)", r.Header.Get("Content-Type"), r.Status, r.Body)
		return p, false
	}
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Errorf("problem body %s: %v", r.Body, err)
		return p, false
	}
	if p.Status != r.Status {
		t.Errorf("problem status = %d, want the HTTP status %d", p.Status, r.Status)
	}
	if !strings.HasPrefix(p.Type, "urn:ihub:problem:") || p.Title == "" {
		t.Errorf("problem type, title = %q, %q, want urn:ihub:problem:… and a title", p.Type, p.Title)
	}
	return p, true
}

var requestIDField = regexp.MustCompile(`"requestId":"[^"]*"|request id [0-9a-f]+`)

// leaks returns the needles found in r's headers or body. The request id,
// Date and Content-Length are left out: the server makes them up, and a
// short needle such as "12" may occur in them by chance.
func leaks(r apptest.Response, needles ...string) []string {
	var hay strings.Builder
	for k, vs := range r.Header {
		if k == "X-Request-Id" || k == "Date" || k == "Content-Length" {
			continue
		}
		hay.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
	}
	hay.Write(requestIDField.ReplaceAll(r.Body, nil))
	var found []string
	for _, n := range needles {
		if strings.Contains(hay.String(), n) {
			found = append(found, n)
		}
	}
	return found
}

// sessionCookie returns the ihub_session cookie that r sets, if any.
func sessionCookie(r apptest.Response) (*http.Cookie, bool) {
	cs := (&http.Response{Header: r.Header}).Cookies()
	i := slices.IndexFunc(cs, func(c *http.Cookie) bool { return c.Name == "ihub_session" })
	if i < 0 {
		return nil, false
	}
	return cs[i], true
}

// mustJSON marshals v.
func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// shopHMACEndpoint creates a generic http integration "shop" and an hmac
// endpoint on it that checks a hex HMAC-SHA256 of the body in X-Signature
// with secret; extra adds to the endpoint's create body (its settings
// are merged). It returns the endpoint's id.
func shopHMACEndpoint(t testing.TB, env *apptest.Env, secret string, extra map[string]any) string {
	t.Helper()
	_, ep := httpHMACEndpoint(t, env, "shop", secret, extra)
	return ep
}

// httpHMACEndpoint creates a generic http integration named and slugged
// slug, with an hmac endpoint as shopHMACEndpoint's, and returns the
// integration's id and the endpoint's.
func httpHMACEndpoint(t testing.TB, env *apptest.Env, slug, secret string, extra map[string]any) (integrationID, endpointID string) {
	t.Helper()
	var it struct{ ID string }
	r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": slug, "slug": slug, "provider": "http",
		"baseUrl": "https://" + slug + ".invalid", "isActive": false})
	if r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	decode(t, r, &it)
	settings := map[string]any{"header": "X-Signature"}
	body := map[string]any{"scheme": "hmac", "secret": secret}
	for k, v := range extra {
		if k == "settings" {
			maps.Copy(settings, v.(map[string]any))
			continue
		}
		body[k] = v
	}
	body["settings"] = settings
	var ep struct{ ID string }
	r = call(t, env, "POST", "/api/v1/integrations/"+slug+"/webhooks", env.AdminToken, body)
	if r.Status != 201 {
		t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
	}
	decode(t, r, &ep)
	return it.ID, ep.ID
}

// hexHMAC is the hex HMAC-SHA256 of body with secret (shopHMACEndpoint's
// signature).
func hexHMAC(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// stepUntil runs the dispatcher's steps, at most tries of them 20 ms
// apart, until done reports true (the caller asserts what it waited for).
func stepUntil(t testing.TB, d *webhook.Dispatcher, tries int, done func() bool) {
	t.Helper()
	for range tries {
		if _, err := d.Step(t.Context()); err != nil {
			t.Fatal(err)
		}
		if done() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
