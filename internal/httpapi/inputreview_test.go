package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/httpapi"
	"ihub/internal/provider/github"
	"ihub/internal/store/storetest"
)

// rawInteg is a valid integration create body, as JSON text, with fields
// (written as JSON members) added before the credentials.
func rawInteg(fields string) string {
	if fields != "" {
		fields += ","
	}
	return `{"provider":"github",` + fields + `"credentials":{"token":"` + submittedToken + `"}}`
}

// reviewCases are the refusals of the black-box review's findings, run by
// TestBadInput on both engines: each is refused naming the place, leaves
// every integration and the activity log as they were, and repeats nothing
// submitted.
func reviewCases() []badCase {
	smtpInteg := func(port any) map[string]any {
		return map[string]any{"provider": "smtp", "name": "mail", "settings": map[string]any{
			"host": "smtp.example.com", "port": port, "from": "ihub@example.com"}}
	}
	whmInteg := func(username, token string) map[string]any {
		return map[string]any{"provider": "whm", "name": "whm", "baseUrl": "https://whm.example.com:2087",
			"username": username, "credentials": map[string]any{"apiToken": token}}
	}
	future := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	return []badCase{
		// Text that is not UTF-8 is refused, not turned into U+FFFD.
		{name: "name with an invalid byte", method: "POST", path: integrations, body: rawInteg(`"name":"a` + "\xff" + `b"`), want: 422, locations: []string{"body.name"}},
		{name: "name with a lone high surrogate", method: "POST", path: integrations, body: rawInteg(`"name":"a\ud800b"`), want: 422, locations: []string{"body.name"}},
		{name: "name ending in a high surrogate", method: "POST", path: integrations, body: rawInteg(`"name":"a\uD83D"`), want: 422, locations: []string{"body.name"}},
		{name: "name with a lone low surrogate", method: "POST", path: integrations, body: rawInteg(`"name":"\udc00x"`), want: 422, locations: []string{"body.name"}},
		{name: "two high surrogates", method: "POST", path: integrations, body: rawInteg(`"name":"\ud83d\ud83d"`), want: 422, locations: []string{"body.name"}},
		{name: "label value with a lone surrogate", method: "POST", path: integrations, body: rawInteg(`"name":"x","labels":{"k":"\udfff"}`), want: 422, locations: []string{"body.labels.k"}},
		{name: "label key with a lone surrogate", method: "POST", path: integrations, body: rawInteg(`"name":"x","labels":{"\ud800":"v"}`), want: 422, locations: []string{"body.labels"}},
		{name: "top-level key with an invalid byte", method: "POST", path: integrations, body: rawInteg(`"name":"x","` + "\xc3\x28" + `":1`), want: 422, locations: []string{"body"}},
		{name: "credential with a lone surrogate", method: "POST", path: integrations, body: `{"provider":"github","name":"x","credentials":{"token":"ghp_SUBMITTED\ud800"}}`,
			want: 422, locations: []string{"body.credentials.token"}, secrets: []string{"ghp_SUBMITTED"}},
		{name: "scope with an invalid byte", method: "POST", path: "/api/v1/tokens", body: `{"name":"x","scopes":["integrations:read","` + "\xfe" + `"]}`, want: 422, locations: []string{"body.scopes[1]"}},

		// Keys are matched as written, and given once.
		{name: "key in another case", method: "POST", path: integrations, body: rawInteg(`"NAME":"x"`), want: 422, locations: []string{"body.NAME"}},
		{name: "nested key in another case", method: "POST", path: "/api/v1/subscriptions", body: `{"url":"https://hooks.example.com/x","natsAuth":{"TOKEN":"t"}}`, want: 422, locations: []string{"body.natsAuth.TOKEN"}},
		{name: "key given twice", method: "POST", path: integrations, body: rawInteg(`"name":"a","name":"b"`), want: 422, locations: []string{"body.name"}},
		{name: "key given twice, once escaped", method: "POST", path: integrations, body: rawInteg(`"name":"a","n\u0061me":"b"`), want: 422, locations: []string{"body.name"}},
		{name: "nested key given twice", method: "POST", path: integrations, body: rawInteg(`"name":"x","labels":{"a":"1","b":"2","a":"3"}`), want: 422, locations: []string{"body.labels.a"}},
		{name: "credential given twice", method: "POST", path: integrations, body: `{"provider":"github","name":"x","credentials":{"token":"ghp_SUBMITTED_one","token":"ghp_SUBMITTED_two"}}`,
			want: 422, locations: []string{"body.credentials.token"}, secrets: []string{"ghp_SUBMITTED"}},
		{name: "key given twice in a list's object", method: "POST", path: "/api/v1/integrations/existing/actions/list_repos", body: `{"a":[{"b":1,"b":2}]}`, want: 422, locations: []string{"body.a[0].b"}},
		{name: "login key given twice", method: "POST", path: "/api/v1/auth/login", as: "anon", body: `{"email":"a@example.com","password":"secret-password-0005","password":"x"}`,
			want: 422, locations: []string{"body.password"}, secrets: []string{"secret-password-0005"}},

		// Content-Type.
		{name: "malformed content type", method: "POST", path: integrations, body: integ(nil), headers: []string{"Content-Type", ";;;"}, want: 415},
		{name: "JSON in Latin-1", method: "POST", path: integrations, body: integ(nil), headers: []string{"Content-Type", "application/json; charset=iso-8859-1"}, want: 415},
		{name: "text/json", method: "POST", path: integrations, body: integ(nil), headers: []string{"Content-Type", "text/json"}, want: 415},
		{name: "+json outside application", method: "POST", path: integrations, body: integ(nil), headers: []string{"Content-Type", "text/x+json"}, want: 415},
		{name: "form content type on a patch", method: "PATCH", path: existing, body: `{"name":"changed"}`, headers: []string{"Content-Type", "application/x-www-form-urlencoded"}, want: 415},
		{name: "form content type on a login", method: "POST", path: "/api/v1/auth/login", as: "anon", body: `{"email":"a@example.com","password":"secret-password-0006"}`,
			headers: []string{"Content-Type", "multipart/form-data; boundary=x"}, want: 415, secrets: []string{"secret-password-0006"}},

		// Cursors of users and tokens.
		{name: "users cursor", method: "GET", path: "/api/v1/users?cursor=garbage", want: 422, locations: []string{"query.cursor"}},
		{name: "users cursor of a token", method: "GET", path: "/api/v1/users?cursor=tok_AAAAAAAAAAAAAAAA", want: 422, locations: []string{"query.cursor"}},
		{name: "users cursor bare prefix", method: "GET", path: "/api/v1/users?cursor=usr_", want: 422, locations: []string{"query.cursor"}},
		{name: "tokens cursor", method: "GET", path: "/api/v1/tokens?cursor=%21%21", want: 422, locations: []string{"query.cursor"}},
		{name: "all tokens cursor", method: "GET", path: "/api/v1/tokens?all=true&cursor=usr_AAAAAAAAAAAAAAAA", want: 422, locations: []string{"query.cursor"}},

		// Control characters.
		{name: "name with a tab", method: "POST", path: integrations, body: integ(map[string]any{"name": "a\tb"}), want: 422, locations: []string{"body.name"}},
		{name: "name with an escape", method: "POST", path: integrations, body: integ(map[string]any{"name": "a\x1b[31mb"}), want: 422, locations: []string{"body.name"}},
		{name: "name with a C1 control", method: "POST", path: integrations, body: integ(map[string]any{"name": "a\u0085b"}), want: 422, locations: []string{"body.name"}},
		{name: "patch name with a line break", method: "PATCH", path: existing, body: map[string]any{"name": "a\nb"}, want: 422, locations: []string{"body.name"}},
		{name: "WHM username with a header", method: "POST", path: integrations, body: whmInteg("root\r\nX-Evil: 1", "tok"), want: 422, locations: []string{"body.username"}},
		{name: "WHM username with a tab", method: "POST", path: integrations, body: whmInteg("ro\tot", "tok"), want: 422, locations: []string{"body.username"}},
		{name: "WHM token with a header", method: "POST", path: integrations, body: whmInteg("root", "tok-SUBMITTED\r\nX-Evil: 1"), want: 422,
			locations: []string{"body.credentials.apiToken"}, secrets: []string{"tok-SUBMITTED", "X-Evil"}},
		{name: "token with a DEL", method: "POST", path: integrations, body: integ(map[string]any{"credentials": map[string]any{github.FieldToken: "ghp_SUBMITTED\x7f"}}), want: 422,
			locations: []string{"body.credentials.token"}, secrets: []string{"ghp_SUBMITTED"}},
		{name: "patch token with a line break", method: "PATCH", path: existing, body: map[string]any{"credentials": map[string]any{github.FieldToken: "ghp_SUBMITTED\nX"}}, want: 422,
			locations: []string{"body.credentials.token"}, secrets: []string{"ghp_SUBMITTED"}},
		{name: "endpoint name with a tab", method: "POST", path: existing + "/webhooks", body: map[string]any{"name": "hook\tone"}, want: 422, locations: []string{"body.name"}},
		{name: "subscription name with an escape", method: "POST", path: "/api/v1/subscriptions", body: map[string]any{"name": "sub\x1bx", "url": "https://hooks.example.com/x"}, want: 422, locations: []string{"body.name"}},

		// SMTP port.
		{name: "SMTP port zero", method: "POST", path: integrations, body: smtpInteg(0), want: 422, locations: []string{"body.settings.port"}},
		{name: "SMTP port 65536", method: "POST", path: integrations, body: smtpInteg(65536), want: 422, locations: []string{"body.settings.port"}},
		{name: "SMTP port negative", method: "POST", path: integrations, body: smtpInteg(-25), want: 422, locations: []string{"body.settings.port"}},

		// null where no null goes.
		{name: "null name", method: "POST", path: integrations, body: rawInteg(`"name":null`), want: 422, locations: []string{"body.name"}},
		{name: "null isActive", method: "POST", path: integrations, body: rawInteg(`"name":"x","isActive":null`), want: 422, locations: []string{"body.isActive"}},
		{name: "null settings", method: "POST", path: integrations, body: rawInteg(`"name":"x","settings":null`), want: 422, locations: []string{"body.settings"}},
		{name: "null label", method: "POST", path: integrations, body: rawInteg(`"name":"x","labels":{"a":null}`), want: 422, locations: []string{"body.labels.a"}},
		{name: "patch null name", method: "PATCH", path: existing, body: `{"name":null}`, want: 422, locations: []string{"body.name"}},
		{name: "patch null interval", method: "PATCH", path: existing, body: `{"healthCheckIntervalMinutes":null}`, want: 422, locations: []string{"body.healthCheckIntervalMinutes"}},
		{name: "null token expiry", method: "POST", path: "/api/v1/tokens", body: `{"name":"x","expiresAt":null}`, want: 422, locations: []string{"body.expiresAt"}},
		{name: "null scope", method: "POST", path: "/api/v1/tokens", body: `{"name":"x","scopes":[null]}`, want: 422, locations: []string{"body.scopes[0]"}},
		{name: "null user role", method: "PATCH", path: "/api/v1/users/usr_nope", body: `{"role":null}`, want: 422, locations: []string{"body.role"}},
		{name: "null NATS auth", method: "POST", path: "/api/v1/subscriptions", body: `{"url":"https://hooks.example.com/x","natsAuth":null}`, want: 422, locations: []string{"body.natsAuth"}},
		{name: "null event type", method: "POST", path: "/api/v1/subscriptions", body: `{"url":"https://hooks.example.com/x","eventTypes":[null]}`, want: 422, locations: []string{"body.eventTypes[0]"}},

		// Dot segments and empty ones, under /api/, for any method.
		{name: "proxy climbing to the connection test", method: "POST", path: existing + "/proxy/a/../../test", want: 422, locations: []string{"path"}},
		{name: "proxy dot segment", method: "GET", path: existing + "/proxy/./user", want: 422, locations: []string{"path"}},
		{name: "dot-dot before a route", method: "DELETE", path: "/api/v1/integrations/x/../existing", want: 422, locations: []string{"path"}},
		{name: "dot segment in a route", method: "GET", path: "/api/v1/./users", want: 422, locations: []string{"path"}},
		{name: "trailing dot segment", method: "GET", path: "/api/v1/users/.", want: 422, locations: []string{"path"}},
		{name: "empty segment", method: "PATCH", path: "/api/v1/integrations//existing", body: map[string]any{"name": "changed"}, want: 422, locations: []string{"path"}},
		{name: "empty segment in the proxy", method: "GET", path: existing + "/proxy/a//b", want: 422, locations: []string{"path"}},
		{name: "dot-dot on the ingress", method: "POST", path: "/api/v1/hooks/x/../y", as: "anon", body: `{}`, want: 422, locations: []string{"path"}},

		// A query parameter without "=".
		{name: "search without a value", method: "GET", path: integrations + "?q", want: 422, locations: []string{"query.q"}},
		{name: "cursor without a value", method: "GET", path: integrations + "?limit=5&cursor", want: 422, locations: []string{"query.cursor"}},
		{name: "label without a value", method: "GET", path: integrations + "?label", want: 422, locations: []string{"query.label"}},
		{name: "flag without a value", method: "GET", path: "/api/v1/tokens?all", want: 422, locations: []string{"query.all"}},

		// The activity log's time range.
		{name: "activity since in the future", method: "GET", path: "/api/v1/activity?since=" + future, want: 422, locations: []string{"query.since"}},
		{name: "activity CSV since in the future", method: "GET", path: "/api/v1/activity.csv?since=" + future, want: 422, locations: []string{"query.since"}},

		// Messages that repeated the value.
		{name: "unknown scope named", method: "POST", path: "/api/v1/tokens", body: map[string]any{"name": "x", "scopes": []string{"bogus:perm"}}, want: 422,
			locations: []string{"body.scopes[0]"}, secrets: []string{"bogus:perm"}},
		{name: "unknown provider named", method: "POST", path: integrations, body: integ(map[string]any{"provider": "provider-SUBMITTED"}), want: 422,
			locations: []string{"body.provider"}, secrets: []string{"provider-SUBMITTED"}},
		{name: "unknown provider filter named", method: "GET", path: integrations + "?provider=provider-SUBMITTED", want: 422,
			locations: []string{"query.provider"}, secrets: []string{"provider-SUBMITTED"}},
		{name: "unknown action named", method: "POST", path: existing + "/actions/action-SUBMITTED", want: 404, secrets: []string{"action-SUBMITTED"}},
	}
}

// TestBodyTextAccepted: what the body checks must let through, on the
// text and content-type paths: a surrogate pair, an escaped backslash
// before "ud800", a key that only looks like another, the JSON media types
// and null for a list.
func TestBodyTextAccepted(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for i, tc := range []struct {
		name        string
		body        string
		contentType string
		wantName    string
	}{
		{"a surrogate pair", rawInteg(`"name":"smile \ud83d\ude00"`), "", "smile \U0001F600"},
		{"an escaped backslash", rawInteg(`"name":"a\\ud800"`), "", `a\ud800`},
		{"U+FFFD itself", rawInteg(`"name":"a\ufffd"`), "", "a\ufffd"},
		{"keys differing in case", rawInteg(`"name":"x","labels":{"a":"1","A":"2"}`), "", "x"},
		{"no content type", rawInteg(`"name":"none"`), "-", "none"},
		{"charset utf-8", rawInteg(`"name":"utf8"`), "application/json; charset=UTF-8", "utf8"},
		{"a +json type", rawInteg(`"name":"merge"`), "application/merge-patch+json", "merge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			headers := []string{"Content-Type", tc.contentType}
			switch tc.contentType {
			case "":
				headers = nil
			case "-":
				headers = []string{"Content-Type", ""}
			}
			body := strings.Replace(tc.body, `"provider":"github",`, `"provider":"github","slug":"ok-`+string(rune('a'+i))+`",`, 1)
			r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, body, headers...)
			if r.Status != http.StatusCreated {
				t.Fatalf("create = %d %s; want 201", r.Status, r.Body)
			}
			var got httpapi.IntegrationBody
			decode(t, r, &got)
			if got.Name != tc.wantName {
				t.Errorf("name = %q, want %q", got.Name, tc.wantName)
			}
		})
	}
	t.Run("null for a list", func(t *testing.T) {
		r := call(t, env, "POST", "/api/v1/tokens", env.AdminToken, `{"name":"all scopes","scopes":null}`)
		if r.Status != http.StatusCreated {
			t.Fatalf("create token with scopes null = %d %s; want 201", r.Status, r.Body)
		}
		r = call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, `{"url":"https://hooks.example.com/x","eventTypes":null,"integrationIds":null}`)
		if r.Status != http.StatusCreated {
			t.Fatalf("create subscription with lists null = %d %s; want 201", r.Status, r.Body)
		}
	})
	t.Run("free-form values take null", func(t *testing.T) {
		// null deletes a credential and removes a setting, as documented.
		r := call(t, env, "PATCH", "/api/v1/integrations/ok-a", env.AdminToken, `{"credentials":{"webhookSecret":null}}`)
		if r.Status != http.StatusOK {
			t.Errorf("PATCH credentials.webhookSecret null = %d %s; want 200", r.Status, r.Body)
		}
		r = call(t, env, "POST", "/api/v1/integrations", env.AdminToken, `{"provider":"smtp","name":"mail","isActive":false,`+
			`"settings":{"host":"smtp.example.com","from":"ihub@example.com","heloName":"a"}}`)
		if r.Status != http.StatusCreated {
			t.Fatalf("create SMTP = %d %s", r.Status, r.Body)
		}
		r = call(t, env, "PATCH", "/api/v1/integrations/mail", env.AdminToken, `{"settings":{"heloName":null}}`)
		if r.Status != http.StatusOK {
			t.Errorf("PATCH settings.heloName null = %d %s; want 200", r.Status, r.Body)
		}
	})
	t.Run("a text Content-Type without a body", func(t *testing.T) {
		// curl -X POST -d '' sends a form type with nothing in it.
		r := call(t, env, "POST", "/api/v1/integrations/ok-a/actions/nope", env.AdminToken, nil, "Content-Type", "application/x-www-form-urlencoded")
		if r.Status != http.StatusNotFound {
			t.Errorf("POST with no body and a form Content-Type = %d %s; want 404 (no such action), not 415", r.Status, r.Body)
		}
	})
	t.Run("SMTP ports at the bounds", func(t *testing.T) {
		for _, port := range []int{1, 65535} {
			r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"provider": "smtp", "name": "port " + strconv.Itoa(port),
				"isActive": false, "settings": map[string]any{"host": "smtp.example.com", "from": "ihub@example.com", "port": port}})
			if r.Status != http.StatusCreated {
				t.Errorf("SMTP port %d = %d %s; want 201", port, r.Status, r.Body)
			}
		}
	})
}

// TestHookIngressTakesAnyBody: the 415 and the body checks are the API's:
// the ingress takes a provider's body whatever its type or bytes, and the
// proxy passes one on as sent.
func TestHookIngressTakesAnyBody(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	const secret = "hook-secret-0001"
	id := shopHMACEndpoint(t, env, secret, nil)
	for _, tc := range []struct{ name, body, contentType string }{
		{"form", "a=1&b=2", "application/x-www-form-urlencoded"},
		{"text", "hello", "text/plain; charset=iso-8859-1"},
		{"malformed type", `{"a":1}`, ";;;"},
		{"repeated key, lone surrogate", `{"a":1,"a":"\ud800"}`, "application/json"},
		{"not UTF-8", "\xff\xfe", "application/octet-stream"},
	} {
		r := call(t, env, "POST", "/api/v1/hooks/"+id, "", tc.body, "Content-Type", tc.contentType, "X-Signature", hexHMAC(secret, tc.body))
		if r.Status != http.StatusAccepted {
			t.Errorf("%s: ingress = %d %s; want 202", tc.name, r.Status, r.Body)
		}
	}
}

// TestPatchThatChangesNothing: a PATCH of an integration or a user that
// changes nothing ({}, or the values it has) writes nothing: the same
// version and ETag, no activity entry, the same updatedAt; on both engines.
func TestPatchThatChangesNothing(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"provider": github.ID, "name": "Same",
				"isActive": false, "labels": map[string]string{"env": "prod"}, "credentials": map[string]any{github.FieldToken: "ghp_x"}})
			if r.Status != http.StatusCreated {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			var created httpapi.IntegrationBody
			decode(t, r, &created)
			u, err := env.App.Auth.CreateUser(context.Background(), auth.NewUser{Email: "same@example.com", Name: "Sam",
				Role: auth.RoleSupportAgent, Password: "a long enough password"}, audit.System)
			if err != nil {
				t.Fatal(err)
			}
			activity := func() []int64 {
				var act struct{ Items []struct{ ID int64 } }
				decode(t, call(t, env, "GET", "/api/v1/activity?limit=500", env.AdminToken, nil), &act)
				var ids []int64
				for _, a := range act.Items {
					ids = append(ids, a.ID)
				}
				return ids
			}
			before := activity()
			for _, body := range []any{
				map[string]any{},
				map[string]any{"name": "Same", "isActive": false, "labels": map[string]string{"env": "prod"}, "slug": created.Slug},
				map[string]any{"name": "  Same  ", "healthCheckIntervalMinutes": created.HealthCheckIntervalMinutes, "settings": map[string]any{}},
				map[string]any{"credentials": map[string]any{github.FieldWebhookSecret: nil}}, // deletes one not set
			} {
				r := call(t, env, "PATCH", "/api/v1/integrations/"+created.ID, env.AdminToken, body, "If-Match", etagOf(created.Version))
				if r.Status != http.StatusOK {
					t.Fatalf("PATCH %v = %d %s; want 200", body, r.Status, r.Body)
				}
				var got httpapi.IntegrationBody
				decode(t, r, &got)
				if got.Version != created.Version || r.Header.Get("ETag") != etagOf(created.Version) || !got.UpdatedAt.Equal(created.UpdatedAt) {
					t.Errorf("PATCH %v: version %d, ETag %s, updatedAt %v; want %d, %s, %v", body, got.Version, r.Header.Get("ETag"),
						got.UpdatedAt, created.Version, etagOf(created.Version), created.UpdatedAt)
				}
			}
			for _, body := range []any{map[string]any{}, map[string]any{"name": "Sam", "role": "support_agent", "disabled": false}} {
				r := call(t, env, "PATCH", "/api/v1/users/"+u.ID, env.AdminToken, body)
				if r.Status != http.StatusOK {
					t.Fatalf("PATCH user %v = %d %s; want 200", body, r.Status, r.Body)
				}
				var got httpapi.UserBody
				decode(t, r, &got)
				if !got.UpdatedAt.Equal(u.UpdatedAt) || got.Name != "Sam" {
					t.Errorf("PATCH user %v: updatedAt %v, name %q; want %v, Sam", body, got.UpdatedAt, got.Name, u.UpdatedAt)
				}
			}
			if after := activity(); !slices.Equal(after, before) {
				t.Errorf("activity after PATCHes that change nothing: %v; want %v", after, before)
			}

			// A change is still one.
			r = call(t, env, "PATCH", "/api/v1/integrations/"+created.ID, env.AdminToken, map[string]any{"name": "Other"})
			var got httpapi.IntegrationBody
			decode(t, r, &got)
			if r.Status != http.StatusOK || got.Version != created.Version+1 {
				t.Errorf("PATCH a new name = %d, version %d; want 200, %d", r.Status, got.Version, created.Version+1)
			}
			if r := call(t, env, "PATCH", "/api/v1/users/"+u.ID, env.AdminToken, map[string]any{"name": "Samuel"}); r.Status != http.StatusOK {
				t.Errorf("PATCH a user's new name = %d %s", r.Status, r.Body)
			}
			if after := activity(); len(after) != len(before)+2 {
				t.Errorf("activity after two changes: %d entries; want %d", len(after), len(before)+2)
			}
		})
	}
}

func etagOf(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// TestNamesRefuseControlCharactersOnPatch: renaming a webhook endpoint (by
// either route) or a subscription to a name with control characters is a
// 422 naming body.name that changes nothing; spaces around a name are
// still trimmed.
func TestNamesRefuseControlCharactersOnPatch(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	ep := shopHMACEndpoint(t, env, "a-long-enough-secret", map[string]any{"name": "hook"})
	r := call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"name": "sub", "url": "https://hooks.example.com/x"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create subscription = %d %s", r.Status, r.Body)
	}
	var sub struct{ ID string }
	decode(t, r, &sub)
	paths := map[string]string{
		"/api/v1/integrations/webhooks/" + ep:      "hook",
		"/api/v1/integrations/shop/webhooks/" + ep: "hook",
		"/api/v1/subscriptions/" + sub.ID:          "sub",
	}
	for path, name := range paths {
		for _, bad := range []string{"a\tb", "a\r\nb", "a\x1b[2Jb", "a\u009bb", "a\x7fb"} {
			r := call(t, env, "PATCH", path, env.AdminToken, map[string]any{"name": bad})
			p, _ := readProblem(t, r)
			if r.Status != http.StatusUnprocessableEntity || !slices.Equal(p.locations(), []string{"body.name"}) {
				t.Errorf("PATCH %s name %q = %d %s; want 422 at body.name", path, bad, r.Status, r.Body)
			}
		}
		var got struct{ Name string }
		decode(t, call(t, env, "GET", path, env.AdminToken, nil), &got)
		if got.Name != name {
			t.Errorf("GET %s: name %q after refused renames; want %q", path, got.Name, name)
		}
	}
	for path, name := range paths {
		if r := call(t, env, "PATCH", path, env.AdminToken, map[string]any{"name": "  " + name + " 2\t"}); r.Status != http.StatusOK {
			t.Errorf("PATCH %s with spaces around the name = %d %s; want 200", path, r.Status, r.Body)
		}
	}
}
