package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/auth"
	"ihub/internal/store/storetest"
)

const ghSecret = "It's a Secret to Everybody"

// githubPush is a trimmed GitHub push payload.
const githubPush = `{"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246",` +
	`"after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","repository":{"id":1296269,"full_name":"octocat/Hello-World"},` +
	`"pusher":{"name":"octocat"},"head_commit":{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","timestamp":"2026-11-30T10:00:00Z",` +
	`"message":"Update README"},"commits":[{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"}]}`

// pushFor is githubPush made distinct for a delivery id: ihub treats a
// signature it has seen as the same delivery whatever its delivery id.
func pushFor(id string) string {
	return strings.Replace(githubPush, "Update README", "Update README ("+id+")", 1)
}

func ghSign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliver posts a webhook and returns the status and body.
func deliver(t *testing.T, env *apptest.Env, path, body string, headers ...string) (int, string) {
	t.Helper()
	st, _, b := deliverFull(t, env, path, body, headers...)
	return st, b
}

// deliverFull posts a webhook and returns the status, headers and body.
func deliverFull(t *testing.T, env *apptest.Env, path, body string, headers ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "POST", env.Server.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestWebhookIngest(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
				"isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			var ep struct {
				ID, URL, Scheme, Secret string
				IsDefault, HasSecret    bool
				IntegrationID           string
			}
			r := call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken, map[string]any{"secret": ghSecret})
			if r.Status != 201 {
				t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
			}
			decode(t, r, &ep)
			if ep.Scheme != "github" || !ep.IsDefault || !ep.HasSecret || ep.Secret != "" || !strings.HasSuffix(ep.URL, "/api/v1/hooks/"+ep.ID) {
				t.Fatalf("endpoint = %+v, want the github scheme, default, secret set and not shown", ep)
			}
			if strings.Contains(string(r.Body), ghSecret) {
				t.Errorf("the answer shows the caller's secret")
			}
			hook := "/api/v1/hooks/" + ep.ID
			sig := ghSign(ghSecret, githubPush)
			h := func(id string) []string {
				return []string{"X-GitHub-Event", "push", "X-GitHub-Delivery", id, "X-Hub-Signature-256", sig}
			}
			// Another push: a signature seen before is the same delivery
			// whatever its delivery id (TestWebhookReplayedSignature).
			push2 := strings.Replace(githubPush, "Update README", "Update README again", 1)
			h2 := func(id string) []string {
				return []string{"X-GitHub-Event", "push", "X-GitHub-Delivery", id, "X-Hub-Signature-256", ghSign(ghSecret, push2)}
			}

			if st, body := deliver(t, env, hook, githubPush, h("72d3162e-cc78-11e3-81ab-4c9367dc0958")...); st != 202 || !strings.Contains(body, `"accepted"`) {
				t.Fatalf("first delivery = %d %s, want 202 accepted", st, body)
			}
			if st, body := deliver(t, env, hook, githubPush, h("72d3162e-cc78-11e3-81ab-4c9367dc0958")...); st != 200 || !strings.Contains(body, `"duplicate"`) {
				t.Errorf("same delivery again = %d %s, want 200 duplicate", st, body)
			}
			tampered := strings.Replace(githubPush, "Update README", "Update READMF", 1)
			if st, body := deliver(t, env, hook, tampered, h("aaaaaaaa-cc78-11e3-81ab-4c9367dc0958")...); st != 401 || !strings.Contains(body, "signature") {
				t.Errorf("one byte changed = %d %s, want 401 naming the signature", st, body)
			}
			if st, _ := deliver(t, env, hook, githubPush, "X-GitHub-Event", "push", "X-GitHub-Delivery", "bbbb"); st != 401 {
				t.Errorf("no signature = %d, want 401", st)
			}
			// The seed's URL form resolves to the default endpoint.
			if st, body := deliver(t, env, "/api/v1/integrations/hooks/"+ep.IntegrationID, push2, h2("cccccccc-cc78-11e3-81ab-4c9367dc0958")...); st != 202 {
				t.Errorf("seed URL form = %d %s, want 202", st, body)
			}
			for _, tc := range []struct {
				name, path, body string
				status           int
			}{
				{"unknown endpoint", "/api/v1/hooks/whe_nope", githubPush, 404},
				{"unknown integration", "/api/v1/integrations/hooks/int_nope", githubPush, 404},
				{"unknown integration slug", "/api/v1/integrations/hooks/nope", githubPush, 404},
				{"too large", hook, `{"x":"` + strings.Repeat("a", 1<<20) + `"}`, 413},
			} {
				if st, body := deliver(t, env, tc.path, tc.body, h("dddd")...); st != tc.status {
					t.Errorf("%s = %d %s, want %d", tc.name, st, body, tc.status)
				}
			}
			if r := call(t, env, "GET", hook, "", nil); r.Status != 405 {
				t.Errorf("GET on the ingress = %d, want 405", r.Status)
			}

			// Logs: every delivery with its status; payload only for accepted.
			var logs struct {
				Deliveries []struct {
					ID          int64
					Status      string
					Error       string
					Payload     string
					Headers     map[string][]string
					DuplicateOf int64
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs?limit=50", env.AdminToken, nil), &logs)
			got := map[string]int{}
			for _, d := range logs.Deliveries {
				got[d.Status]++
				if d.Status == "rejected" && (d.Payload != "" || d.Error == "") {
					t.Errorf("rejected delivery %+v: want no payload and a reason", d)
				}
				if d.Status == "processed" && !strings.Contains(d.Payload, "octocat/Hello-World") {
					t.Errorf("accepted delivery without its payload: %+v", d)
				}
			}
			if got["processed"] != 2 || got["duplicate"] != 1 || got["rejected"] != 2 {
				t.Errorf("logs by status = %v, want 2 processed, 1 duplicate, 2 rejected", got)
			}
			if r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs?status=lost", env.AdminToken, nil); r.Status != 422 {
				t.Errorf("logs with a bad status = %d, want 422", r.Status)
			}

			// Pages: by number, and by the before cursor, agree; hasMore
			// says whether an older page exists.
			type page struct {
				Deliveries []struct{ ID int64 }
				HasMore    bool
				NextBefore int64
			}
			ids := func(p page) []int64 {
				var out []int64
				for _, d := range p.Deliveries {
					out = append(out, d.ID)
				}
				return out
			}
			var all, p1, p2, p3, byCursor page
			logsURL := "/api/v1/integrations/webhooks/" + ep.ID + "/logs"
			decode(t, call(t, env, "GET", logsURL, env.AdminToken, nil), &all)
			decode(t, call(t, env, "GET", logsURL+"?limit=2", env.AdminToken, nil), &p1)
			decode(t, call(t, env, "GET", logsURL+"?limit=2&page=2", env.AdminToken, nil), &p2)
			decode(t, call(t, env, "GET", logsURL+"?limit=2&page=3", env.AdminToken, nil), &p3)
			decode(t, call(t, env, "GET", logsURL+"?limit=2&before="+strconv.FormatInt(p1.NextBefore, 10), env.AdminToken, nil), &byCursor)
			if len(all.Deliveries) != 5 || all.HasMore || all.NextBefore != 0 {
				t.Fatalf("all logs = %+v, want 5 deliveries and no more", all)
			}
			want := ids(all)
			if diff := cmp.Diff(want, slices.Concat(ids(p1), ids(p2), ids(p3))); diff != "" {
				t.Errorf("pages of 2 (-want +got):\n%s", diff)
			}
			if !p1.HasMore || p1.NextBefore != want[1] || !p2.HasMore || p3.HasMore {
				t.Errorf("hasMore/nextBefore: page 1 %v %d, page 2 %v, page 3 %v; want true %d, true, false",
					p1.HasMore, p1.NextBefore, p2.HasMore, p3.HasMore, want[1])
			}
			if diff := cmp.Diff(ids(p2), ids(byCursor)); diff != "" {
				t.Errorf("page after the cursor differs from page 2 (-page 2 +cursor):\n%s", diff)
			}
			if r := call(t, env, "GET", logsURL+"?before=-1", env.AdminToken, nil); r.Status != 422 || !strings.Contains(string(r.Body), "query.before") {
				t.Errorf("logs with before=-1 = %d %s, want 422 naming query.before", r.Status, r.Body)
			}

			// Accepted deliveries were normalized on the way in: nothing is
			// left pending, and the events are readable from the pull API.
			if n, err := env.App.Webhooks.ProcessPending(t.Context(), 100); err != nil || n != 0 {
				t.Fatalf("ProcessPending = %d, %v; want nothing left to process", n, err)
			}
			var evs struct {
				Events []struct {
					Type, Subject, Source string
					DeliveryID            int64
				}
				Next int64
			}
			decode(t, call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil), &evs)
			if len(evs.Events) != 2 || evs.Events[0].Type != "code.push" || evs.Events[0].Source != "github" ||
				!strings.Contains(evs.Events[0].Subject, "octocat/Hello-World") {
				t.Errorf("events = %+v, want two code.push for octocat/Hello-World", evs)
			}
			decode(t, call(t, env, "GET", "/api/v1/events?after="+strconv.FormatInt(evs.Next, 10), env.AdminToken, nil), &evs)
			if len(evs.Events) != 0 {
				t.Errorf("events after the cursor = %+v, want none", evs.Events)
			}
			// A cursor past every event given is refused, not waited on.
			r = call(t, env, "GET", "/api/v1/events?wait=5&after="+strconv.FormatInt(evs.Next+1000, 10), env.AdminToken, nil)
			if p, ok := readProblem(t, r); !ok || r.Status != 422 || !slices.Equal(p.locations(), []string{"query.after"}) ||
				!strings.Contains(string(r.Body), "newest event ("+strconv.FormatInt(evs.Next, 10)+")") {
				t.Errorf("events after a cursor past the newest = %d %s, want 422 naming query.after and the newest cursor", r.Status, r.Body)
			}

			// Replay needs integrations:webhooks:replay and makes a new delivery.
			first := logs.Deliveries[len(logs.Deliveries)-1].ID
			if r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/replay", env.UserToken(auth.RoleOperationsManager),
				map[string]any{"deliveryId": first}); r.Status != 403 {
				t.Errorf("replay as operations manager = %d, want 403", r.Status)
			}
			r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/replay", env.UserToken(auth.RoleITManager),
				map[string]any{"deliveryId": first})
			if r.Status != 200 || !strings.Contains(string(r.Body), `"processed"`) {
				t.Errorf("replay = %d %s", r.Status, r.Body)
			}
			decode(t, call(t, env, "GET", "/api/v1/events?after="+strconv.FormatInt(evs.Next, 10), env.AdminToken, nil), &evs)
			if len(evs.Events) != 1 || evs.Events[0].Type != "code.push" || evs.Events[0].DeliveryID == first {
				t.Errorf("events after the replay = %+v, want one new code.push from the copy", evs.Events)
			}

			// A duplicate holds no payload: the 409 names the original.
			for _, d := range logs.Deliveries {
				if d.Status != "duplicate" {
					continue
				}
				r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/replay", env.AdminToken, map[string]any{"deliveryId": d.ID})
				if r.Status != 409 || d.DuplicateOf == 0 || !strings.Contains(string(r.Body), "duplicate of delivery "+strconv.FormatInt(d.DuplicateOf, 10)) {
					t.Errorf("replay of duplicate %d (of %d) = %d %s; want 409 naming the original", d.ID, d.DuplicateOf, r.Status, r.Body)
				}
			}

			// Bulk replay by filter; bad combinations are refused.
			for _, body := range []map[string]any{{"deliveryId": first, "status": "processed"}, {}} {
				if r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/replay", env.AdminToken, body); r.Status != 422 {
					t.Errorf("replay %v = %d, want 422", body, r.Status)
				}
			}
			// A delivery id past what JSON numbers hold is named.
			r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/replay", env.AdminToken, json.RawMessage(`{"deliveryId":99999999999999999999}`))
			if p, ok := readProblem(t, r); !ok || r.Status != 422 || !slices.Equal(p.locations(), []string{"body.deliveryId"}) {
				t.Errorf("replay of an overflowing delivery id = %d %s, want 422 naming body.deliveryId", r.Status, r.Body)
			}
			// The originals are replayed, not the copies of earlier
			// replays: the same replay twice makes as many copies each time.
			for range 2 {
				var bulk struct{ Replayed int }
				r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/replay", env.AdminToken,
					map[string]any{"status": "processed", "since": "2000-01-01T00:00:00Z"})
				decode(t, r, &bulk)
				if r.Status != 200 || bulk.Replayed != 2 {
					t.Errorf("bulk replay = %d %s, want the 2 processed deliveries the provider sent replayed", r.Status, r.Body)
				}
			}
			// CSV export: every delivery, no payloads.
			csvRes := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs.csv", env.AdminToken, nil)
			lines := strings.Split(strings.TrimSpace(string(csvRes.Body)), "\n")
			if csvRes.Status != 200 || !strings.HasPrefix(csvRes.Header.Get("Content-Type"), "text/csv") ||
				!strings.HasPrefix(lines[0], "id,received_at,status") || len(lines) != 1+10 ||
				strings.Contains(string(csvRes.Body), "octocat/Hello-World") {
				t.Errorf("CSV = %d %q (%d lines), want a header and 10 rows without payloads", csvRes.Status, csvRes.Body, len(lines))
			}

			// Rotation: a new secret; the old one still works in the grace period.
			r = call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, map[string]any{"generateSecret": true})
			var rotated struct{ Secret string }
			decode(t, r, &rotated)
			if r.Status != 200 || rotated.Secret == "" {
				t.Fatalf("rotate = %d %s", r.Status, r.Body)
			}
			push3 := strings.Replace(githubPush, "Update README", "Update README once more", 1)
			if st, body := deliver(t, env, hook, push3, "X-GitHub-Event", "push", "X-GitHub-Delivery", "eeee",
				"X-Hub-Signature-256", ghSign(ghSecret, push3)); st != 202 {
				t.Errorf("old secret during grace = %d %s, want 202", st, body)
			}
			if st, body := deliver(t, env, hook, githubPush, "X-GitHub-Event", "push", "X-GitHub-Delivery", "ffff",
				"X-Hub-Signature-256", ghSign(rotated.Secret, githubPush)); st != 202 {
				t.Errorf("new secret = %d %s, want 202", st, body)
			}
			if r := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, nil); strings.Contains(string(r.Body), rotated.Secret) {
				t.Errorf("GET shows the generated secret again")
			}
			// graceHours alone ends the running grace period (0: now);
			// with none running it is refused.
			if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, map[string]any{"graceHours": 0}); r.Status != 200 ||
				strings.Contains(string(r.Body), "previousSecretExpiresAt") {
				t.Errorf("graceHours 0 = %d %s, want 200 without a previous secret's expiry", r.Status, r.Body)
			}
			if st, body := deliver(t, env, hook, push3, "X-GitHub-Event", "push", "X-GitHub-Delivery", "eeef",
				"X-Hub-Signature-256", ghSign(ghSecret, push3)); st != 401 {
				t.Errorf("old secret after graceHours 0 = %d %s, want 401", st, body)
			}
			if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, map[string]any{"graceHours": 5}); r.Status != 422 ||
				!strings.Contains(string(r.Body), "body.graceHours") {
				t.Errorf("graceHours without a grace period running = %d %s, want 422 naming body.graceHours", r.Status, r.Body)
			}
			// The audit entries say what changed.
			if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, map[string]any{
				"allowedCidrs": []string{"0.0.0.0/0"}, "name": "renamed"}); r.Status != 200 {
				t.Fatalf("PATCH allowlist = %d %s", r.Status, r.Body)
			}
			var act struct {
				Items []struct {
					Action  string
					Details map[string]any
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/activity?action=webhook.endpoint_updated&limit=3", env.AdminToken, nil), &act)
			if len(act.Items) < 2 {
				t.Fatalf("endpoint_updated entries = %+v, want the last two", act.Items)
			}
			for _, it := range act.Items {
				delete(it.Details, "tokenId") // the caller's token, not the change
			}
			if diff := cmp.Diff(map[string]any{"changed": []any{"name", "allowedCidrs"}, "allowedCidrs": []any{"0.0.0.0/0"},
				"secretChanged": false, "secretGenerated": false}, act.Items[0].Details); diff != "" {
				t.Errorf("audit of an allowlist change (-want +got):\n%s", diff)
			}
			if d := act.Items[1].Details; d["previousSecretExpiresAt"] != nil || !slices.Contains(slices.Collect(maps.Keys(d)), "previousSecretExpiresAt") ||
				!cmp.Equal(d["changed"], []any{"previousSecretExpiresAt"}) {
				t.Errorf("audit of graceHours 0 = %v, want previousSecretExpiresAt: null, and changed naming it", d)
			}

			// A signed test delivery through the whole path: in the logs,
			// marked as a test, and not counted in the endpoint's signals.
			type signals struct {
				Accepted, Rejected int64
				FailureRate        float64
				LastAcceptedAt     *string
			}
			var before, after signals
			decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/signals", env.AdminToken, nil), &before)
			r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/test", env.AdminToken, nil)
			if r.Status != 200 || !strings.Contains(string(r.Body), `"processed"`) {
				t.Errorf("test delivery = %d %s", r.Status, r.Body)
			}
			var newest struct {
				Deliveries []struct {
					Test      bool
					EventType string
					Payload   string
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs?limit=1", env.AdminToken, nil), &newest)
			if len(newest.Deliveries) != 1 || !newest.Deliveries[0].Test || !strings.Contains(newest.Deliveries[0].Payload, "ihub.test") {
				t.Errorf("newest delivery after the test = %+v, want the test delivery marked test", newest.Deliveries)
			}
			decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/signals", env.AdminToken, nil), &after)
			if before.Accepted < 4 || before.Rejected != 3 || before.FailureRate <= 0 || before.LastAcceptedAt == nil {
				t.Errorf("signals = %+v", before)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("signals changed by the test delivery (-before +after):\n%s", diff)
			}

			// No secret anywhere in answers, logs or the activity log.
			for _, path := range []string{"/api/v1/integrations/webhooks", "/api/v1/integrations/webhooks/" + ep.ID + "/logs",
				"/api/v1/activity"} {
				b := call(t, env, "GET", path, env.AdminToken, nil).Body
				if bytes.Contains(b, []byte(ghSecret)) || bytes.Contains(b, []byte(rotated.Secret)) {
					t.Errorf("%s shows a webhook secret", path)
				}
			}
			if strings.Contains(env.Logs.String(), ghSecret) || strings.Contains(env.Logs.String(), rotated.Secret) {
				t.Errorf("the log contains a webhook secret")
			}
		})
	}
}

func TestWebhookEndpointBadInput(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "api", "provider": "http",
		"baseUrl": "https://api.example.com", "isActive": false}); r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name  string
		body  any
		field string
	}{
		{"unknown scheme", map[string]any{"scheme": "rot13"}, "body.scheme"},
		{"hmac with an empty header", map[string]any{"scheme": "hmac", "settings": map[string]any{"algorithm": "sha256", "header": ""}}, `"body.settings.header"`},
		{"hmac algorithm", map[string]any{"scheme": "hmac", "settings": map[string]any{"header": "X-Sig", "algorithm": "md5"}}, `"body.settings.algorithm"`},
		{"hmac encoding", map[string]any{"scheme": "hmac", "settings": map[string]any{"header": "X-Sig", "encoding": "base32"}}, `"body.settings.encoding"`},
		{"hmac signed", map[string]any{"scheme": "hmac", "settings": map[string]any{"header": "X-Sig", "signed": "headers"}}, `"body.settings.signed"`},
		{"hmac timestamp header", map[string]any{"scheme": "hmac", "settings": map[string]any{"header": "X-Sig", "signed": "timestamp.body"}}, `"body.settings.timestampHeader"`},
		{"hmac delivery id header", map[string]any{"scheme": "hmac", "settings": map[string]any{"header": "X-Sig", "deliveryIdHeader": "bad header"}}, `"body.settings.deliveryIdHeader"`},
		{"header_token header", map[string]any{"scheme": "header_token", "settings": map[string]any{"headerName": "X:Token"}}, `"body.settings.headerName"`},
		{"query_token empty param", map[string]any{"scheme": "query_token", "settings": map[string]any{"param": ""}}, `"body.settings.param"`},
		{"query_token param with &", map[string]any{"scheme": "query_token", "settings": map[string]any{"param": "a&token"}}, `"body.settings.param"`},
		{"query_token with a field", map[string]any{"scheme": "query_token", "settings": map[string]any{"field": "token"}}, `"body.settings.field"`},
		{"body_token empty field", map[string]any{"scheme": "body_token", "settings": map[string]any{"field": ""}}, `"body.settings.field"`},
		{"body_token nested field", map[string]any{"scheme": "body_token", "settings": map[string]any{"field": "data.token"}}, `"body.settings.field"`},
		{"body_token with a param", map[string]any{"scheme": "body_token", "settings": map[string]any{"param": "token"}}, `"body.settings.param"`},
		{"param on header_token", map[string]any{"scheme": "header_token", "settings": map[string]any{"param": "token"}}, `"body.settings.param"`},
		{"unknown setting", map[string]any{"settings": map[string]any{"colour": "red"}}, "body.settings.colour"},
		{"legacy not a boolean", map[string]any{"scheme": "github", "settings": map[string]any{"legacy": "yes"}}, `"body.settings.legacy"`},
		{"basic auth user name with a colon", map[string]any{"scheme": "basic_auth", "settings": map[string]any{"username": "a:b"}}, `"body.settings.username"`},
		{"another scheme's setting", map[string]any{"scheme": "github", "settings": map[string]any{"headerName": "X-Token"}}, `"body.settings.headerName"`},
		{"a setting of a scheme that takes none", map[string]any{"scheme": "stripe", "settings": map[string]any{"legacy": "true"}}, `"body.settings.legacy"`},
		{"endpoint eventTypes star", map[string]any{"eventTypes": []string{"*"}}, `"body.eventTypes[0]"`},
		{"bad cidr", map[string]any{"allowedCidrs": []string{"10.0.0.0/33"}}, "body.allowedCidrs[0]"},
		{"empty secret", map[string]any{"secret": ""}, "body.secret"},
		{"both secrets", map[string]any{"secret": "abcdefghijkl", "generateSecret": true}, "body.secret"},
		{"graceHours on create", map[string]any{"secret": "abcdefghijkl", "graceHours": 48}, "body.graceHours"},
		{"tolerance", map[string]any{"toleranceSeconds": 0}, "body.toleranceSeconds"},
	} {
		r := call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, tc.body)
		if r.Status != 422 || !strings.Contains(string(r.Body), tc.field) {
			t.Errorf("%s = %d %s, want 422 naming %s", tc.name, r.Status, r.Body, tc.field)
		}
	}
	// A secret given is taken as it is, however short: a provider may have
	// chosen it. Switched to the none scheme, the endpoint keeps no secret.
	var short struct {
		ID        string
		HasSecret bool
	}
	if r := call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, map[string]any{
		"scheme": "header_token", "settings": map[string]any{"headerName": "X-Short"}, "secret": "abc"}); r.Status != 201 {
		t.Fatalf("a 3-character secret = %d %s, want 201", r.Status, r.Body)
	} else {
		decode(t, r, &short)
	}
	if st, body := deliver(t, env, "/api/v1/hooks/"+short.ID, `{"type":"x"}`, "X-Short", "abc"); st != 202 {
		t.Errorf("a delivery with the short secret = %d %s, want 202", st, body)
	}
	if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+short.ID, env.AdminToken, map[string]any{"scheme": "none"}); r.Status != 200 {
		t.Fatalf("switching to none = %d %s", r.Status, r.Body)
	}
	decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+short.ID, env.AdminToken, nil), &short)
	if short.HasSecret {
		t.Error("an endpoint switched to the none scheme still has a secret")
	}
	if r := call(t, env, "POST", "/api/v1/integrations/nope/webhooks", env.AdminToken, map[string]any{}); r.Status != 404 {
		t.Errorf("unknown integration = %d, want 404", r.Status)
	}
	// An allowlist refuses other sources (the test client is 127.0.0.1).
	var ep struct{ ID, Secret string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, map[string]any{
		"scheme": "header_token", "settings": map[string]any{"headerName": "X-Hook-Token"}, "allowedCidrs": []string{"192.0.2.0/24"},
		"generateSecret": true}), &ep)
	if st, _ := deliver(t, env, "/api/v1/hooks/"+ep.ID, `{}`, "X-Hook-Token", ep.Secret); st != 403 {
		t.Errorf("delivery from outside the allowlist = %d, want 403", st)
	}
	// Entries are stored as read: the range a CIDR allows, an address as itself.
	var patched struct{ AllowedCIDRs []string }
	r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, map[string]any{"allowedCidrs": []string{" 127.0.0.1/8 ", "::ffff:192.0.2.7"}})
	if r.Status != 200 {
		t.Fatalf("patch = %d %s", r.Status, r.Body)
	}
	decode(t, r, &patched)
	if want := []string{"127.0.0.0/8", "192.0.2.7"}; !slices.Equal(patched.AllowedCIDRs, want) {
		t.Errorf("allowedCidrs = %q, want %q", patched.AllowedCIDRs, want)
	}
	if st, body := deliver(t, env, "/api/v1/hooks/"+ep.ID, `{"type":"x"}`, "X-Hook-Token", ep.Secret); st != 202 {
		t.Errorf("delivery from inside the allowlist = %d %s, want 202", st, body)
	}
	// The integration-scoped forms of PATCH and DELETE check ownership.
	if r := call(t, env, "PATCH", "/api/v1/integrations/api/webhooks/whe_other", env.AdminToken, map[string]any{"isActive": false}); r.Status != 404 {
		t.Errorf("PATCH of another integration's endpoint = %d, want 404", r.Status)
	}
	if r := call(t, env, "PATCH", "/api/v1/integrations/api/webhooks/"+ep.ID, env.AdminToken, map[string]any{"name": "renamed"}); r.Status != 200 ||
		!strings.Contains(string(r.Body), "renamed") {
		t.Errorf("PATCH by integration = %d %s", r.Status, r.Body)
	}
	// Stored headers hide the token.
	logs := call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs", env.AdminToken, nil)
	if strings.Contains(string(logs.Body), ep.Secret) || !strings.Contains(string(logs.Body), "[REDACTED]") {
		t.Errorf("logs = %s, want the token header redacted", logs.Body)
	}
	// A new scheme without new settings drops those it does not take.
	var rescheme struct {
		Scheme   string
		Settings map[string]string
	}
	r = call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, map[string]any{"scheme": "gitlab_token"})
	if r.Status != 200 {
		t.Fatalf("PATCH scheme = %d %s", r.Status, r.Body)
	}
	decode(t, r, &rescheme)
	if rescheme.Scheme != "gitlab_token" || len(rescheme.Settings) != 0 {
		t.Errorf("after a scheme change: scheme %q, settings %v, want gitlab_token and none", rescheme.Scheme, rescheme.Settings)
	}
}

// TestWebhookEndpointSecretForms: schemes whose secret has a form of its
// own (Standard Webhooks' whsec_ base64, Discord's hex public key) take a
// well-formed one, whether given, generated or kept across a scheme change,
// and refuse a malformed one by naming the field.
func TestWebhookEndpointSecretForms(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, it := range []map[string]any{
		{"name": "api", "provider": "http", "baseUrl": "https://api.example.com", "isActive": false},
		{"name": "mail", "provider": "resend", "isActive": false,
			"settings": map[string]any{"from": "ihub <alerts@example.com>"}, "credentials": map[string]any{"apiKey": "re_test_key_123"}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration = %d %s", r.Status, r.Body)
		}
	}
	const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"                         // providers.md B4
	const pub = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a" // RFC 8032 key 1
	for _, tc := range []struct {
		name, integration string
		body              map[string]any
		status            int
		field             string
	}{
		{"resend, the provider's scheme, secret given", "mail", map[string]any{"secret": whsec}, 201, ""},
		{"resend, secret generated", "mail", map[string]any{}, 201, ""},
		{"standard webhooks, secret given", "api", map[string]any{"scheme": "standard_webhooks", "secret": whsec}, 201, ""},
		{"standard webhooks, not base64", "api", map[string]any{"scheme": "standard_webhooks", "secret": "whsec_not base64!"}, 422, "body.secret"},
		{"discord, public key given", "api", map[string]any{"scheme": "discord_ed25519", "secret": pub}, 201, ""},
		{"discord, not hex", "api", map[string]any{"scheme": "discord_ed25519", "secret": strings.Repeat("z", 64)}, 422, "body.secret"},
		{"discord, raw 32 characters", "api", map[string]any{"scheme": "discord_ed25519", "secret": strings.Repeat("k", 32)}, 422, "body.secret"},
		{"discord, no key", "api", map[string]any{"scheme": "discord_ed25519"}, 422, "body.secret"},
		{"discord, generated", "api", map[string]any{"scheme": "discord_ed25519", "generateSecret": true}, 422, "body.generateSecret"},
		{"none, generated", "api", map[string]any{"scheme": "none", "generateSecret": true}, 422, "body.generateSecret"},
		{"none, secret given", "api", map[string]any{"scheme": "none", "secret": "a-secret-that-checks-nothing"}, 422, "body.secret"},
		{"none", "api", map[string]any{"scheme": "none"}, 201, ""},
	} {
		r := call(t, env, "POST", "/api/v1/integrations/"+tc.integration+"/webhooks", env.AdminToken, tc.body)
		if r.Status != tc.status || !strings.Contains(string(r.Body), tc.field) {
			t.Errorf("%s = %d %s, want %d naming %q", tc.name, r.Status, r.Body, tc.status, tc.field)
			continue
		}
		var ep struct{ ID, Secret string }
		if tc.status == 201 {
			decode(t, r, &ep)
			if tc.body["scheme"] == "none" {
				if ep.Secret != "" {
					t.Errorf("%s: secret %q, want none", tc.name, ep.Secret)
				}
			} else if _, ok := tc.body["secret"]; !ok && !strings.HasPrefix(ep.Secret, "whsec_") {
				t.Errorf("%s: generated secret %q, want whsec_…", tc.name, ep.Secret)
			}
			if r := call(t, env, "DELETE", "/api/v1/integrations/webhooks/"+ep.ID, env.AdminToken, nil); r.Status != 204 {
				t.Errorf("delete = %d %s", r.Status, r.Body)
			}
		}
	}

	// A Standard Webhooks endpoint verifies what the provider signs.
	var sw struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/mail/webhooks", env.AdminToken, map[string]any{"secret": whsec}), &sw)
	body := `{"type":"email.delivered","created_at":"2026-11-30T10:00:00Z","data":{"email_id":"e1"}}`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(whsec, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte("msg_1." + ts + "." + body))
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	if st, b := deliver(t, env, "/api/v1/hooks/"+sw.ID, body, "webhook-id", "msg_1", "webhook-timestamp", ts, "webhook-signature", sig); st != 202 {
		t.Errorf("signed Standard Webhooks delivery = %d %s, want 202", st, b)
	}

	// A scheme change keeps the secret only if it suits the new scheme.
	var hm struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, map[string]any{
		"scheme": "header_token", "settings": map[string]any{"headerName": "X-Hook-Token"}, "secret": "plain-token-123"}), &hm)
	if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+hm.ID, env.AdminToken, map[string]any{"scheme": "standard_webhooks"}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "body.secret") {
		t.Errorf("scheme change keeping an unsuitable secret = %d %s, want 422 naming body.secret", r.Status, r.Body)
	}
	if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+hm.ID, env.AdminToken, map[string]any{"scheme": "standard_webhooks",
		"secret": whsec}); r.Status != 200 {
		t.Errorf("scheme change with a new secret = %d %s, want 200", r.Status, r.Body)
	}
	// The old scheme's secret is not kept for a grace period: it would not
	// verify anything under the new scheme, and must not stop the new
	// secret from verifying.
	if st, b := deliver(t, env, "/api/v1/hooks/"+hm.ID, body, "webhook-id", "msg_1", "webhook-timestamp", ts, "webhook-signature",
		sig); st != 202 {
		t.Errorf("delivery signed with the new scheme's secret = %d %s, want 202", st, b)
	}
	if r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+hm.ID+"/test", env.AdminToken, nil); r.Status != 200 ||
		!strings.Contains(string(r.Body), "processed") {
		t.Errorf("test delivery after the scheme change = %d %s, want 200 processed", r.Status, r.Body)
	}
	if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+hm.ID, env.AdminToken, map[string]any{"generateSecret": true}); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"secret":"whsec_`) {
		t.Errorf("generated secret for standard webhooks = %d %s, want a whsec_ secret", r.Status, r.Body)
	}
}

// TestWebhookProviderHandshakes: Slack's URL verification is answered with
// its challenge and Discord's PING with a PONG (providers.md B3, B7), even
// when repeated, and the deliveries are stored like any other.
func TestWebhookProviderHandshakes(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, it := range []map[string]any{
		{"name": "team chat", "provider": "slack", "isActive": false, "credentials": map[string]any{"botToken": "xoxb-test-token"}},
		{"name": "bot", "provider": "discord", "isActive": false,
			"credentials": map[string]any{"webhookUrl": "https://discord.com/api/webhooks/1/abc"}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration = %d %s", r.Status, r.Body)
		}
	}
	const signing = "8f742231b10e8888abcd99yyyzzz85a5" // providers.md B3
	var slackEP, discordEP struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/team-chat/webhooks", env.AdminToken, map[string]any{"secret": signing}), &slackEP)
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") // RFC 8032 key 1
	priv := ed25519.NewKeyFromSeed(seed)
	decode(t, call(t, env, "POST", "/api/v1/integrations/bot/webhooks", env.AdminToken, map[string]any{
		"secret": hex.EncodeToString(priv.Public().(ed25519.PublicKey))}), &discordEP)

	post := func(path, body string, headers ...string) (int, string, string) {
		t.Helper()
		st, h, b := deliverFull(t, env, path, body, headers...)
		return st, h.Get("Content-Type"), b
	}
	challenge := `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	m := hmac.New(sha256.New, []byte(signing))
	m.Write([]byte("v0:" + ts + ":" + challenge))
	slackSig := "v0=" + hex.EncodeToString(m.Sum(nil))
	for i := range 2 { // the second is a duplicate, answered the same
		st, ct, body := post("/api/v1/hooks/"+slackEP.ID, challenge, "X-Slack-Request-Timestamp", ts, "X-Slack-Signature", slackSig)
		if st != 200 || ct != "application/json" || body != `{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}` {
			t.Errorf("Slack url_verification #%d = %d %s %s, want 200 with the challenge", i+1, st, ct, body)
		}
	}
	if st, _, body := post("/api/v1/hooks/"+slackEP.ID, challenge, "X-Slack-Request-Timestamp", ts, "X-Slack-Signature", "v0=00"); st != 401 ||
		strings.Contains(body, "3eZbrw1a") {
		t.Errorf("Slack url_verification with a bad signature = %d %s, want 401 without the challenge", st, body)
	}
	ping := `{"id":"1","application_id":"2","type":1,"token":"tok","version":1}`
	sig := hex.EncodeToString(ed25519.Sign(priv, []byte(ts+ping)))
	if st, _, body := post("/api/v1/hooks/"+discordEP.ID, ping, "X-Signature-Ed25519", sig, "X-Signature-Timestamp", ts); st != 200 || body != `{"type":1}` {
		t.Errorf("Discord PING = %d %s, want 200 {\"type\":1}", st, body)
	}
	if st, _, _ := post("/api/v1/hooks/"+discordEP.ID, ping, "X-Signature-Ed25519", strings.Repeat("0", 128), "X-Signature-Timestamp", ts); st != 401 {
		t.Errorf("Discord PING with a bad signature = %d, want 401", st)
	}
	var logs struct{ Deliveries []struct{ Status string } }
	decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+slackEP.ID+"/logs", env.AdminToken, nil), &logs)
	var got []string
	for _, d := range logs.Deliveries {
		if d.Status == "pending" || d.Status == "processed" {
			d.Status = "accepted"
		}
		got = append(got, d.Status)
	}
	slices.Sort(got)
	if want := []string{"accepted", "duplicate", "rejected"}; !slices.Equal(got, want) {
		t.Errorf("Slack endpoint logs = %v, want %v", got, want)
	}
}

// TestWebhookEndpointListFilters: the list of all endpoints filters by
// integration, provider, scheme and active flag.
func TestWebhookEndpointListFilters(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, it := range []map[string]any{
		{"name": "api", "provider": "http", "baseUrl": "https://api.example.com", "isActive": false},
		{"name": "gh", "provider": "github", "isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration = %d %s", r.Status, r.Body)
		}
	}
	for _, c := range []struct {
		integration string
		body        map[string]any
	}{
		{"api", map[string]any{"name": "a1", "scheme": "header_token", "settings": map[string]any{"headerName": "X-T"}, "generateSecret": true}},
		{"api", map[string]any{"name": "a2", "isActive": false, "generateSecret": true,
			"settings": map[string]any{"algorithm": "sha256", "header": "X-Sig", "encoding": "hex"}}},
		{"gh", map[string]any{"name": "g1", "secret": ghSecret}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations/"+c.integration+"/webhooks", env.AdminToken, c.body); r.Status != 201 {
			t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
		}
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"a1", "a2", "g1"}},
		{"?integration=api", []string{"a1", "a2"}},
		{"?provider=github", []string{"g1"}},
		{"?scheme=header_token", []string{"a1"}},
		{"?active=false", []string{"a2"}},
		{"?provider=http&active=true", []string{"a1"}},
	} {
		var list struct {
			Endpoints []struct{ Name, Provider string }
		}
		r := call(t, env, "GET", "/api/v1/integrations/webhooks"+tc.query, env.AdminToken, nil)
		decode(t, r, &list)
		var got []string
		for _, e := range list.Endpoints {
			got = append(got, e.Name)
		}
		slices.Sort(got)
		if r.Status != 200 || !slices.Equal(got, tc.want) {
			t.Errorf("GET %s = %d %v, want %v", tc.query, r.Status, got, tc.want)
		}
	}
	for q, field := range map[string]string{"active=maybe": "query.active", "scheme=bogus": "query.scheme",
		"provider=bogus": "query.provider", "integration=nope": "query.integration"} {
		if r := call(t, env, "GET", "/api/v1/integrations/webhooks?"+q, env.AdminToken, nil); r.Status != 422 ||
			!strings.Contains(string(r.Body), field) {
			t.Errorf("%s = %d %s, want 422 naming %s", q, r.Status, r.Body, field)
		}
	}
}

// TestTooLargeAnswered: a client that sends its whole oversized body before
// reading the answer (as most HTTP clients do) gets the 413, not a reset
// connection: at the webhook ingress, and on the API's own routes, whose
// limit is huma's. So does one refused before its body is read (401).
func TestTooLargeAnswered(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "api", "provider": "http",
		"baseUrl": "https://api.example.com", "isActive": false}); r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	var ep struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, map[string]any{
		"scheme": "header_token", "settings": map[string]any{"headerName": "X-Hook-Token"}, "generateSecret": true}), &ep)
	body := bytes.Repeat([]byte("x"), 12<<20)
	for _, tc := range []struct {
		path, token string
		want        int
	}{
		{"/api/v1/hooks/" + ep.ID, "", http.StatusRequestEntityTooLarge},
		{"/api/v1/integrations", env.AdminToken, http.StatusRequestEntityTooLarge},
		{"/api/v1/subscriptions", env.AdminToken, http.StatusRequestEntityTooLarge},
		{"/api/v1/integrations", "ihub_pat_not_a_token", http.StatusUnauthorized},
	} {
		for _, chunked := range []bool{false, true} {
			for _, expect := range []bool{false, true} {
				path := tc.path
				name := fmt.Sprintf("%s token=%.9s chunked=%v expect=%v", path, tc.token, chunked, expect)
				conn, err := net.Dial("tcp", strings.TrimPrefix(env.Server.URL, "http://"))
				if err != nil {
					t.Fatal(err)
				}
				head := "POST " + path + " HTTP/1.1\r\nHost: ihub\r\nContent-Type: application/json\r\nAuthorization: Bearer " + tc.token + "\r\n"
				if expect {
					head += "Expect: 100-continue\r\n"
				}
				if chunked {
					head += "Transfer-Encoding: chunked\r\n\r\n" + strconv.FormatInt(int64(len(body)), 16) + "\r\n"
				} else {
					head += "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
				}
				msg := append([]byte(head), body...)
				if chunked {
					msg = append(msg, "\r\n0\r\n\r\n"...)
				}
				if expect && tc.want == http.StatusUnauthorized {
					// Refused before the body is asked for: the answer
					// comes without it being sent.
					msg = []byte(head)
				}
				if _, err := conn.Write(msg); err != nil {
					t.Fatalf("%s: sending the body: %v", name, err)
				}
				br := bufio.NewReader(conn)
				resp, err := http.ReadResponse(br, nil)
				for err == nil && resp.StatusCode == http.StatusContinue {
					resp, err = http.ReadResponse(br, nil)
				}
				if err != nil {
					t.Errorf("%s: reading the answer: %v, want a %d", name, err, tc.want)
				} else if resp.StatusCode != tc.want || resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("%s: answer %d %s, want a %d problem", name, resp.StatusCode, resp.Header.Get("Content-Type"), tc.want)
				}
				conn.Close()
			}
		}
	}
}

// TestWebhookReplayedSignature: a request with a signed timestamp sent again
// within the tolerance under another delivery id, or none (the id is not
// covered by the signature), is a duplicate of the first, not a new delivery
// with a new event. Without a signed timestamp (GitHub) the signature is
// the content's: the same content under a new delivery id is a new
// delivery, and only the same delivery id is a duplicate.
func TestWebhookReplayedSignature(t *testing.T) {
	t.Parallel()
	const secret = "replay-test-secret-0123456789"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
				"isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "shop", "provider": "http",
				"baseUrl": "https://shop.invalid", "isActive": false}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			var gh, shop struct{ ID string }
			decode(t, call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken, map[string]any{"secret": ghSecret}), &gh)
			decode(t, call(t, env, "POST", "/api/v1/integrations/shop/webhooks", env.AdminToken, map[string]any{"scheme": "hmac",
				"secret": secret, "settings": map[string]any{"algorithm": "sha256", "header": "X-Signature", "encoding": "hex",
					"signed": "timestamp.body", "timestampHeader": "X-Timestamp", "deliveryIdHeader": "X-Delivery-Id"}}), &shop)
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			body := `{"type":"order.created","data":{"id":"ord_1"}}`
			m := hmac.New(sha256.New, []byte(secret))
			m.Write([]byte(ts + "." + body))
			tsSig := hex.EncodeToString(m.Sum(nil))
			ghSig := ghSign(ghSecret, githubPush)
			for _, tc := range []struct {
				name, hook, body string
				headers          []string
				status           int
				want             string
			}{
				{"timestamped: original", shop.ID, body, []string{"X-Delivery-Id", "orig-1"}, 202, `"accepted"`},
				{"timestamped: provider retry", shop.ID, body, []string{"X-Delivery-Id", "orig-1"}, 200, `"duplicate"`},
				{"timestamped: another delivery id", shop.ID, body, []string{"X-Delivery-Id", "attacker-2"}, 200, `"duplicate"`},
				{"timestamped: no delivery id", shop.ID, body, nil, 200, `"duplicate"`},
				{"github: original", gh.ID, githubPush, []string{"X-GitHub-Delivery", "orig-1"}, 202, `"accepted"`},
				{"github: provider retry", gh.ID, githubPush, []string{"X-GitHub-Delivery", "orig-1"}, 200, `"duplicate"`},
				{"github: same content, new delivery id", gh.ID, githubPush, []string{"X-GitHub-Delivery", "next-2"}, 202, `"accepted"`},
			} {
				h := tc.headers
				if tc.hook == shop.ID {
					h = append([]string{"X-Timestamp", ts, "X-Signature", tsSig}, h...)
				} else {
					h = append([]string{"X-GitHub-Event", "push", "X-Hub-Signature-256", ghSig}, h...)
				}
				if st, got := deliver(t, env, "/api/v1/hooks/"+tc.hook, tc.body, h...); st != tc.status || !strings.Contains(got, tc.want) {
					t.Errorf("%s = %d %s, want %d %s", tc.name, st, got, tc.status, tc.want)
				}
			}
			// After a restart (or on another replica) the in-memory cache
			// is empty: the database knows the signature again.
			env.Restart()
			if st, got := deliver(t, env, "/api/v1/hooks/"+shop.ID, body, "X-Timestamp", ts, "X-Signature", tsSig,
				"X-Delivery-Id", "after-restart-3"); st != 200 || !strings.Contains(got, `"duplicate"`) {
				t.Errorf("timestamped, another delivery id, after a restart = %d %s, want 200 duplicate", st, got)
			}
			var evs struct{ Events []struct{ Type string } }
			decode(t, call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil), &evs)
			var types []string
			for _, ev := range evs.Events {
				types = append(types, ev.Type)
			}
			if diff := cmp.Diff([]string{"http.order.created", "code.push", "code.push"}, types); diff != "" {
				t.Errorf("event types (-want +got):\n%s", diff)
			}
		})
	}
}
