package httpapi_test

import (
	"context"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// crmNotification is a Zoho CRM Notifications API delivery (providers.md
// B13) echoing the channel's token.
func crmNotification(op, id, token string) string {
	return `{"server_time":1764928800000,"module":"Leads","resource_uri":"https://www.zohoapis.com/crm/v7/Leads",` +
		`"ids":["` + id + `"],"affected_fields":[],"operation":"` + op + `","channel_id":"1000000068001","token":"` + token + `"}`
}

// TestWebhookTokenSchemes: a Zoho CRM integration's endpoints with the
// body_token scheme (the Notifications API's echoed token) and the
// query_token scheme (a workflow webhook's URL parameter) accept the
// token, the previous one during a rotation, and refuse a wrong, missing,
// nested or repeated one. The token is in no stored delivery, event, log
// line or API answer, nor anywhere in the database: the payload is stored
// with the token's value replaced, and de-duplicated on that (the same
// notification with the previous token is a duplicate).
func TestWebhookTokenSchemes(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			testWebhookTokenSchemes(t, apptest.New(t, e, apptest.Options{}))
		})
	}
}

func testWebhookTokenSchemes(t *testing.T, env *apptest.Env) {
	const (
		bodyTok  = "zcrm-channel-token-5Kq9vX2mWb7R"
		bodyTok2 = "zcrm-channel-token-new-8Jd3Lp0Q"
		queryTok = "zcrm-workflow-param-Tz4Nc6Hy1Ue"
	)
	tokens := []string{bodyTok, bodyTok2, queryTok}
	// Every answer is kept, to look for the tokens in all of them.
	var answers []apptest.Response
	do := func(method, path string, body any) apptest.Response {
		t.Helper()
		token := env.AdminToken
		if strings.HasPrefix(path, "/api/v1/hooks/") {
			token = "" // providers do not sign in
		}
		r := call(t, env, method, path, token, body)
		answers = append(answers, r)
		return r
	}
	if r := do("POST", "/api/v1/integrations", map[string]any{"name": "crm", "provider": "zoho_crm", "isActive": false,
		"settings": map[string]any{"clientId": "1000.CRM"}, "credentials": map[string]any{"clientSecret": "crm-client-secret"}}); r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	type endpoint struct {
		ID       string
		Scheme   string
		Settings map[string]string
	}
	// The provider's default stays header_token; a scheme change drops
	// its header name and takes the new scheme's default name.
	var def endpoint
	decode(t, do("POST", "/api/v1/integrations/crm/webhooks", nil), &def)
	for _, c := range []struct {
		patch map[string]any
		want  endpoint
	}{
		{nil, endpoint{ID: def.ID, Scheme: "header_token", Settings: map[string]string{"headerName": "X-Webhook-Token"}}},
		{map[string]any{"scheme": "body_token"}, endpoint{ID: def.ID, Scheme: "body_token", Settings: map[string]string{"field": "token"}}},
		{map[string]any{"scheme": "query_token", "settings": map[string]any{"param": "auth"}},
			endpoint{ID: def.ID, Scheme: "query_token", Settings: map[string]string{"param": "auth"}}},
	} {
		got := def
		if c.patch != nil {
			r := do("PATCH", "/api/v1/integrations/webhooks/"+def.ID, c.patch)
			if r.Status != 200 {
				t.Fatalf("PATCH %v = %d %s", c.patch, r.Status, r.Body)
			}
			got = endpoint{}
			decode(t, r, &got)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("after PATCH %v (-want +got):\n%s", c.patch, diff)
		}
	}
	var notify, workflow endpoint
	for _, c := range []struct {
		ep           *endpoint
		body         map[string]any
		wantSettings map[string]string
	}{
		{&notify, map[string]any{"name": "notifications", "scheme": "body_token", "secret": bodyTok}, map[string]string{"field": "token"}},
		{&workflow, map[string]any{"name": "workflow", "scheme": "query_token", "secret": queryTok}, map[string]string{"param": "token"}},
	} {
		r := do("POST", "/api/v1/integrations/crm/webhooks", c.body)
		if r.Status != 201 {
			t.Fatalf("create %s endpoint = %d %s", c.body["scheme"], r.Status, r.Body)
		}
		decode(t, r, c.ep)
		if diff := cmp.Diff(c.wantSettings, c.ep.Settings); diff != "" {
			t.Errorf("%s endpoint settings (-want +got):\n%s", c.ep.Scheme, diff)
		}
	}

	send := func(path, body string, want int, wantText string) {
		t.Helper()
		r := do("POST", path, body)
		if r.Status != want || !strings.Contains(string(r.Body), wantText) {
			t.Errorf("POST %s with %s = %d %s; want %d with %q", path, body, r.Status, r.Body, want, wantText)
		}
	}
	hook := "/api/v1/hooks/" + notify.ID
	send(hook, crmNotification("insert", "1", "zcrm-channel-token-5Kq9vX2mWb7S"), 401, "token mismatch")
	send(hook, `{"module":"Leads","operation":"insert","ids":["1"]}`, 401, `missing \"token\" field in the body`)
	send(hook, `{"module":"Leads","operation":"insert","ids":["1"],"data":{"token":"`+bodyTok+`"}}`, 401, "missing")
	send(hook, `{"token":"`+bodyTok+`","token":"`+bodyTok+`"}`, 401, "repeated")
	send(hook, `[{"token":"`+bodyTok+`"}]`, 401, "not a JSON object")
	send(hook, crmNotification("insert", "1", bodyTok), 202, `"accepted"`)
	send(hook, crmNotification("insert", "1", bodyTok), 200, `"duplicate"`)
	// A new channel token: the previous one is still accepted. The same
	// notification with either token is the same delivery: its hash is of
	// the body as stored, without the token.
	if r := do("PATCH", "/api/v1/integrations/webhooks/"+notify.ID, map[string]any{"secret": bodyTok2}); r.Status != 200 {
		t.Fatalf("new secret = %d %s", r.Status, r.Body)
	}
	send(hook, crmNotification("insert", "1", bodyTok), 200, `"duplicate"`)
	send(hook, crmNotification("insert", "1", bodyTok2), 200, `"duplicate"`)
	send(hook, crmNotification("update", "2", bodyTok2), 202, `"accepted"`)

	hook = "/api/v1/hooks/" + workflow.ID
	wf := crmNotification("update", "3", "") // the body carries no token here
	send(hook, wf, 401, `missing \"token\" URL parameter`)
	send(hook+"?token=zcrm-workflow-param-Tz4Nc6Hy1Uf", wf, 401, "token mismatch")
	send(hook+"?token="+bodyTok, wf, 401, "token mismatch")
	send(hook+"?token="+queryTok+"&token="+queryTok, wf, 401, "repeated")
	send(hook+"?Token="+queryTok, wf, 401, "missing")
	send(hook+"?module=Leads&token="+queryTok, wf, 202, `"accepted"`)

	for _, ep := range []endpoint{notify, workflow} {
		if r := do("POST", "/api/v1/integrations/webhooks/"+ep.ID+"/test", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"processed"`) {
			t.Errorf("%s test delivery = %d %s; want 200 processed", ep.Scheme, r.Status, r.Body)
		}
	}

	var events struct {
		Events []struct {
			Type, Subject string
			Test          bool
			DeliveryID    int64
		}
	}
	decode(t, do("GET", "/api/v1/events?after=0", nil), &events)
	var got []string
	for _, ev := range events.Events {
		if !ev.Test {
			got = append(got, ev.Type+" "+ev.Subject)
		}
	}
	if diff := cmp.Diff([]string{"crm.record.created Leads/1", "crm.record.updated Leads/2", "crm.record.updated Leads/3"}, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	var logs struct {
		Deliveries []struct {
			ID              int64
			Status, Payload string
			PayloadSize     int64
		}
	}
	decode(t, do("GET", "/api/v1/integrations/webhooks/"+notify.ID+"/logs?limit=200", nil), &logs)
	var stored []string
	for _, d := range logs.Deliveries {
		if d.Status == "processed" && d.Payload != "" && !strings.Contains(d.Payload, "ihub.test") {
			stored = append(stored, d.Payload)
			if d.PayloadSize != int64(len(d.Payload)) {
				t.Errorf("delivery %d: payloadSize %d; want %d, the size of the payload stored", d.ID, d.PayloadSize, len(d.Payload))
			}
		}
	}
	// Newest first.
	want := []string{crmNotification("update", "2", "[redacted]"), crmNotification("insert", "1", "[redacted]")}
	if diff := cmp.Diff(want, stored); diff != "" {
		t.Errorf("stored payloads (-want +got):\n%s", diff)
	}
	for _, ep := range []endpoint{notify, workflow} {
		decode(t, do("GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs?limit=200", nil), &logs)
		for _, d := range logs.Deliveries {
			do("GET", "/api/v1/webhook-deliveries/"+strconv.FormatInt(d.ID, 10), nil)
		}
		do("GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs.csv", nil)
		do("GET", "/api/v1/integrations/webhooks/"+ep.ID, nil)
	}
	for _, path := range []string{"/api/v1/integrations/webhooks", "/api/v1/activity", "/api/v1/activity.csv", "/api/v1/integrations/crm"} {
		if r := do("GET", path, nil); r.Status != 200 {
			t.Errorf("GET %s = %d %s", path, r.Status, r.Body)
		}
	}

	forms := tokenForms(tokens...)
	for _, r := range answers {
		if found := leaks(r, forms...); len(found) > 0 {
			t.Errorf("an answer (%d %s) shows %q", r.Status, r.Body, found)
		}
	}
	logText := env.Logs.String()
	if !strings.Contains(logText, "/api/v1/hooks/"+workflow.ID) {
		t.Errorf("the log has no access line for %s: is it captured?", workflow.ID)
	}
	for _, f := range forms {
		if strings.Contains(logText, f) {
			t.Errorf("the log contains %q", f)
		}
	}
	// The database, every table: a part of a stored payload is there (the
	// search sees payloads), no token is.
	db := databaseText(t, env)
	if !strings.Contains(db, "www.zohoapis.com/crm/v7/Leads") && !strings.Contains(db, hex.EncodeToString([]byte("www.zohoapis.com/crm/v7/Leads"))) {
		t.Fatalf("the stored payloads are not found in the database: the search for the tokens proves nothing")
	}
	for _, f := range forms {
		if strings.Contains(db, f) {
			t.Errorf("the database holds %q", f)
		}
	}
}

// tokenForms are the ways a token could be written: as it is (the tokens
// need no escaping in JSON or URLs) and as hex (a PostgreSQL bytea as
// text).
func tokenForms(tokens ...string) []string {
	var out []string
	for _, tok := range tokens {
		out = append(out, tok, hex.EncodeToString([]byte(tok)))
	}
	return out
}

// databaseText is everything env's database holds, as text: on SQLite the
// bytes of its files (payloads of this size are stored uncompressed), on
// PostgreSQL every row of every table of its schema.
func databaseText(t *testing.T, env *apptest.Env) string {
	t.Helper()
	var b strings.Builder
	if env.Config.DatabaseURL == "" {
		err := filepath.WalkDir(env.Config.DataDir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			b.Write(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, env.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		var text *string
		if err := conn.QueryRow(ctx, `SELECT string_agg(t::text, E'\n') FROM `+pgx.Identifier{table}.Sanitize()+` t`).Scan(&text); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		if text != nil {
			b.WriteString(*text)
		}
	}
	return b.String()
}

// TestQueryTokenInForwardedHeaders: a reverse proxy in front of ihub
// (X-Original-URL, X-Forwarded-Uri) or the sender (Referer) may repeat the
// URL a query_token endpoint reads its secret from. That URL holds the
// secret percent-encoded when the secret needs it, and a secret a provider
// chose may be short: neither may be stored with the delivery's headers
// nor shown to a reader of the logs.
func TestQueryTokenInForwardedHeaders(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "wf", "provider": "http",
				"baseUrl": "https://example.com", "isActive": false}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			for _, c := range []struct{ secret, inURL string }{
				{"Ab+Cd/Ef&Gh=Ij%Kl", url.QueryEscape("Ab+Cd/Ef&Gh=Ij%Kl")},
				{"Zq7x", "Zq7x"},
			} {
				var ep struct{ ID string }
				r := call(t, env, "POST", "/api/v1/integrations/wf/webhooks", env.AdminToken,
					map[string]any{"name": "wf " + c.secret, "scheme": "query_token", "secret": c.secret})
				if r.Status != 201 {
					t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
				}
				decode(t, r, &ep)
				path := "/api/v1/hooks/" + ep.ID + "?token=" + c.inURL
				r = call(t, env, "POST", path, "", `{"type":"order.created","id":"o1"}`,
					"Referer", "https://crm.example.com/workflow?token="+c.inURL,
					"X-Original-URL", path, "X-Forwarded-Uri", path)
				if r.Status != 202 {
					t.Fatalf("POST %s = %d %s", path, r.Status, r.Body)
				}
				id := r.Header.Get("X-Ihub-Delivery-Id")
				r = call(t, env, "GET", "/api/v1/webhook-deliveries/"+id, env.AdminToken, nil)
				if r.Status != 200 || !strings.Contains(string(r.Body), `"Referer"`) {
					t.Fatalf("GET delivery %s = %d %s", id, r.Status, r.Body)
				}
				for _, form := range []string{"token=" + c.secret, "token=" + c.inURL} {
					if strings.Contains(string(r.Body), form) {
						t.Errorf("the delivery's headers show the secret %q as %q: %s", c.secret, form, r.Body)
					}
				}
			}
		})
	}
}
