package httpapi_test

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook/verify"
)

// TestWebhookHostileDeliveryIDs: the delivery id and event headers are not
// covered by GitHub's signature, so a sender can put anything there. A
// delivery with a binary or huge id is stored (bounded, printable) and
// answered 2xx, and the good deliveries sharing its group commit are not
// failed with it (PostgreSQL refused such rows, failing the whole batch).
func TestWebhookHostileDeliveryIDs(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "gh", "provider": "github",
				"isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			var ep struct{ ID string }
			r := call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken, map[string]any{"secret": ghSecret})
			if r.Status != 201 {
				t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
			}
			decode(t, r, &ep)
			hook := "/api/v1/hooks/" + ep.ID
			hostile := []string{"\xc3\x28bad", "\xff\xfe", strings.Repeat("a", 9000), "caf\u00e9-id"}
			var wg sync.WaitGroup
			var mu sync.Mutex
			failed := map[string]int{}
			for i := range 120 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id, event, kind := "good-"+strconv.Itoa(i), "push", "good"
					if i%4 == 0 {
						id, event, kind = hostile[(i/4)%len(hostile)]+strconv.Itoa(i), "push\xff"+strings.Repeat("p", 500), "hostile"
					}
					body := pushFor(strconv.Itoa(i))
					st, b := deliver(t, env, hook, body, "X-GitHub-Event", event, "X-GitHub-Delivery", id,
						"X-Hub-Signature-256", ghSign(ghSecret, body))
					if st != 202 {
						mu.Lock()
						failed[kind]++
						mu.Unlock()
						t.Logf("%s delivery %d = %d %s", kind, i, st, b)
					}
				}()
			}
			wg.Wait()
			if len(failed) > 0 {
				t.Errorf("deliveries not accepted, by kind: %v", failed)
			}
			var logs struct {
				Deliveries []struct {
					Status, ProviderDeliveryID, EventType string
				}
			}
			decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep.ID+"/logs?limit=200", env.AdminToken, nil), &logs)
			if len(logs.Deliveries) != 120 {
				t.Errorf("%d deliveries logged, want 120", len(logs.Deliveries))
			}
			for _, d := range logs.Deliveries {
				if d.Status != "processed" || len(d.ProviderDeliveryID) > 256 || !utf8.ValidString(d.ProviderDeliveryID) ||
					len(d.EventType) > 128 || !utf8.ValidString(d.EventType) {
					t.Errorf("stored delivery %+v: want processed, with a bounded, valid id and event type", d)
				}
			}
		})
	}
}

// TestWebhookDefaultEndpoint: the integration-scoped ingress URL goes to
// the endpoint marked default; marking another moves the mark in one
// PATCH; with none marked (the default deleted) it goes to the first.
func TestWebhookDefaultEndpoint(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			var it struct{ ID string }
			r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "api", "provider": "http",
				"baseUrl": "https://api.example.com", "isActive": false})
			if r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			decode(t, r, &it)
			type endpoint struct {
				ID, Secret string
				IsDefault  bool
			}
			eps := make([]endpoint, 3)
			for i := range eps {
				r := call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, map[string]any{
					"scheme": "header_token", "settings": map[string]any{"headerName": "X-Hook-Token"}, "generateSecret": true})
				if r.Status != 201 {
					t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
				}
				decode(t, r, &eps[i])
				time.Sleep(2 * time.Millisecond) // "first" is by creation time, in milliseconds
			}
			// Which endpoint the legacy URL reaches: the one whose token
			// it takes.
			sent := 0
			reaches := func() string {
				t.Helper()
				for _, ep := range eps {
					sent++ // a body of its own: the same one would be a duplicate
					if st, _ := deliver(t, env, "/api/v1/integrations/hooks/"+it.ID, `{"type":"x","n":`+strconv.Itoa(sent)+`}`,
						"X-Hook-Token", ep.Secret); st == 202 {
						return ep.ID
					}
				}
				return "none"
			}
			defaults := func() []string {
				t.Helper()
				var list struct{ Endpoints []endpoint }
				decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks?integration=api", env.AdminToken, nil), &list)
				var out []string
				for _, ep := range list.Endpoints {
					if ep.IsDefault {
						out = append(out, ep.ID)
					}
				}
				return out
			}
			if got := reaches(); got != eps[0].ID {
				t.Errorf("legacy URL reaches %s, want the first endpoint %s", got, eps[0].ID)
			}
			if r := call(t, env, "GET", "/api/v1/integrations/api/webhooks/"+eps[2].ID, env.AdminToken, nil); r.Status != 200 ||
				!strings.Contains(string(r.Body), eps[2].ID) {
				t.Errorf("GET by integration = %d %s, want 200 with the endpoint", r.Status, r.Body)
			}
			if r := call(t, env, "GET", "/api/v1/integrations/api/webhooks/whe_other", env.AdminToken, nil); r.Status != 404 {
				t.Errorf("GET of another integration's endpoint = %d, want 404", r.Status)
			}
			if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+eps[1].ID, env.AdminToken, map[string]any{"isDefault": true}); r.Status != 200 {
				t.Fatalf("mark the second default = %d %s, want 200", r.Status, r.Body)
			}
			if diff := cmp.Diff([]string{eps[1].ID}, defaults()); diff != "" {
				t.Errorf("defaults after the move (-want +got):\n%s", diff)
			}
			if got := reaches(); got != eps[1].ID {
				t.Errorf("legacy URL reaches %s, want the new default %s", got, eps[1].ID)
			}
			if r := call(t, env, "DELETE", "/api/v1/integrations/webhooks/"+eps[1].ID, env.AdminToken, nil); r.Status != 204 {
				t.Fatalf("delete the default = %d %s", r.Status, r.Body)
			}
			eps = slices.Delete(eps, 1, 2)
			if got := reaches(); got != eps[0].ID {
				t.Errorf("with no default, legacy URL reaches %s, want the first endpoint %s", got, eps[0].ID)
			}
		})
	}
}

// TestWebhookEndpointDefaults: endpoints made with the provider's defaults
// and no secret work: a header_token endpoint (Clickatell's default) reads
// X-Webhook-Token, and a basic_auth one gets a generated password, shown
// once, that its test delivery and a sender using it pass.
func TestWebhookEndpointDefaults(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, it := range []map[string]any{
		{"name": "sms", "provider": "clickatell", "isActive": false, "credentials": map[string]any{"apiKey": "clickatell-api-key-123"}},
		{"name": "api", "provider": "http", "baseUrl": "https://api.example.com", "isActive": false},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration = %d %s", r.Status, r.Body)
		}
	}
	for _, tc := range []struct {
		name, integration string
		body              map[string]any
		auth              func(secret string) []string
	}{
		{"clickatell default", "sms", map[string]any{}, func(s string) []string { return []string{"X-Webhook-Token", s} }},
		{"basic auth", "api", map[string]any{"scheme": "basic_auth", "settings": map[string]any{"username": "awx"}},
			func(s string) []string {
				return []string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("awx:"+s))}
			}},
	} {
		var ep struct{ ID, Secret, Scheme string }
		r := call(t, env, "POST", "/api/v1/integrations/"+tc.integration+"/webhooks", env.AdminToken, tc.body)
		if r.Status != 201 {
			t.Errorf("%s: create endpoint = %d %s, want 201", tc.name, r.Status, r.Body)
			continue
		}
		decode(t, r, &ep)
		if ep.Secret == "" {
			t.Errorf("%s: no generated secret shown: %s", tc.name, r.Body)
			continue
		}
		if st, b := deliver(t, env, "/api/v1/hooks/"+ep.ID, `{"messageId":"m1","status":"003"}`, tc.auth(ep.Secret)...); st != 202 {
			t.Errorf("%s: delivery with the secret = %d %s, want 202", tc.name, st, b)
		}
		if st, _ := deliver(t, env, "/api/v1/hooks/"+ep.ID, `{"messageId":"m2","status":"003"}`, tc.auth("wrong-secret")...); st != 401 {
			t.Errorf("%s: delivery with a wrong secret = %d, want 401", tc.name, st)
		}
		if r := call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/test", env.AdminToken, nil); r.Status != 200 ||
			!strings.Contains(string(r.Body), "processed") {
			t.Errorf("%s: test delivery = %d %s, want 200 processed", tc.name, r.Status, r.Body)
		}
	}
}

// TestWebhookEventTypesFilter: an endpoint's eventTypes filter by the
// provider's event name wherever the provider puts it (GitHub's header,
// Resend's body) or by ihub's type; a delivery naming no event is filtered
// out too, and a provider's ping always passes.
func TestWebhookEventTypesFilter(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	for _, it := range []map[string]any{
		{"name": "gh", "provider": "github", "isActive": false, "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}},
		{"name": "mail", "provider": "resend", "isActive": false,
			"settings": map[string]any{"from": "ihub <alerts@example.com>"}, "credentials": map[string]any{"apiKey": "re_test_key_123"}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration = %d %s", r.Status, r.Body)
		}
	}
	const whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // providers.md B4
	var gh, gh2, gh3, mail struct{ ID string }
	decode(t, call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken,
		map[string]any{"secret": ghSecret, "eventTypes": []string{"push"}}), &gh)
	decode(t, call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken,
		map[string]any{"secret": ghSecret, "eventTypes": []string{"code.pr.opened"}}), &gh2)
	decode(t, call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken,
		map[string]any{"secret": ghSecret, "eventTypes": []string{"code.*"}}), &gh3)
	// A wildcard that could match nothing would reject every delivery.
	for i, bad := range []string{"*", "code*", "*.push", "code.*.x", ".*"} {
		r := call(t, env, "POST", "/api/v1/integrations/gh/webhooks", env.AdminToken,
			map[string]any{"secret": ghSecret, "eventTypes": []string{"push", bad}})
		if r.Status != 422 || !strings.Contains(string(r.Body), "body.eventTypes[1]") {
			t.Errorf("endpoint eventTypes %q (#%d) = %d %s, want 422 naming body.eventTypes[1]", bad, i, r.Status, r.Body)
		}
	}
	decode(t, call(t, env, "POST", "/api/v1/integrations/mail/webhooks", env.AdminToken,
		map[string]any{"secret": whsec, "eventTypes": []string{"email.bounced"}}), &mail)
	github := func(event string) func(body string) []string {
		return func(body string) []string {
			h := []string{"X-GitHub-Delivery", "d-" + strconv.Itoa(len(body)) + event, "X-Hub-Signature-256", ghSign(ghSecret, body)}
			if event != "" {
				h = append(h, "X-GitHub-Event", event)
			}
			return h
		}
	}
	n := 0
	resend := func(body string) []string {
		n++
		id, ts := "msg_"+strconv.Itoa(n), strconv.FormatInt(time.Now().Unix(), 10)
		key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(whsec, "whsec_"))
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + ts + "." + body))
		return []string{"webhook-id", id, "webhook-timestamp", ts, "webhook-signature", "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))}
	}
	pr := `{"action":"opened","number":1,"pull_request":{"number":1,"title":"t","html_url":"https://github.com/o/r/pull/1"},"repository":{"full_name":"o/r"}}`
	for _, tc := range []struct {
		name, endpoint, body string
		headers              func(string) []string
		want                 string // the delivery's status in the logs
	}{
		{"github push, accepted", gh.ID, githubPush, github("push"), "processed"},
		{"github issues, filtered", gh.ID, `{"action":"opened","issue":{"number":1},"repository":{"full_name":"o/r"}}`, github("issues"), "rejected"},
		{"github without an event header, filtered", gh.ID, pushFor("no header"), github(""), "rejected"},
		{"github ping, always accepted", gh.ID, `{"zen":"Keep it logically awesome.","hook_id":1}`, github("ping"), "processed"},
		{"github by ihub type, accepted", gh2.ID, pr, github("pull_request"), "processed"},
		{"github by ihub type, filtered", gh2.ID, pushFor("by type"), github("push"), "rejected"},
		{"github by family, accepted", gh3.ID, pr, github("pull_request"), "processed"},
		{"github by family, filtered", gh3.ID, `{"action":"opened","issue":{"number":2},"repository":{"full_name":"o/r"}}`, github("issues"), "rejected"},
		{"resend bounced, accepted", mail.ID, `{"type":"email.bounced","created_at":"2026-11-30T10:00:00Z","data":{"email_id":"e1"}}`, resend, "processed"},
		{"resend delivered, filtered", mail.ID, `{"type":"email.delivered","created_at":"2026-11-30T10:00:00Z","data":{"email_id":"e2"}}`, resend, "rejected"},
	} {
		st, b := deliver(t, env, "/api/v1/hooks/"+tc.endpoint, tc.body, tc.headers(tc.body)...)
		if st/100 != 2 {
			t.Errorf("%s: %d %s, want 2xx (a filtered delivery is not retried)", tc.name, st, b)
			continue
		}
		var out struct{ DeliveryID int64 }
		if err := json.Unmarshal([]byte(b), &out); err != nil || out.DeliveryID == 0 {
			t.Errorf("%s: answer %s names no delivery", tc.name, b)
			continue
		}
		type logRow struct {
			ID            int64
			Status, Error string
		}
		var logs struct{ Deliveries []logRow }
		decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+tc.endpoint+"/logs?limit=100", env.AdminToken, nil), &logs)
		i := slices.IndexFunc(logs.Deliveries, func(d logRow) bool { return d.ID == out.DeliveryID })
		if i < 0 {
			t.Errorf("%s: delivery %d not in the logs", tc.name, out.DeliveryID)
			continue
		}
		if d := logs.Deliveries[i]; d.Status != tc.want || (tc.want == "rejected" && !strings.Contains(d.Error, "event type not accepted")) {
			t.Errorf("%s: delivery %+v, want %s", tc.name, d, tc.want)
		}
	}
}

// TestWebhookEndpointDefaultsFromIntegration: an endpoint created with
// neither secret nor settings takes what its provider's catalog tells users
// to set on the integration: Clickatell's webhookToken credential, and the
// generic http provider's signature header, algorithm, encoding and prefix
// (their catalog defaults when the integration has none); and the seed's
// URL form finds the endpoint by the integration's slug.
func TestWebhookEndpointDefaultsFromIntegration(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	const token, hookSecret = "a clickatell callback token 0123", "an http sender's signing secret 0123"
	for _, it := range []map[string]any{
		{"name": "sms", "provider": "clickatell", "isActive": false, "settings": map[string]any{"from": "27820000001"},
			"credentials": map[string]any{"apiKey": "0123456789abcdef0123456789abcdef", "webhookToken": token}},
		{"name": "shop", "provider": "http", "baseUrl": "https://shop.example.com", "isActive": false,
			"settings": map[string]any{"authMode": "none", "signatureHeader": "X-Shop-Signature", "signatureAlgorithm": "sha512",
				"signatureEncoding": "base64", "signaturePrefix": "v1="},
			"credentials": map[string]any{"webhookSecret": hookSecret}},
		{"name": "plain", "provider": "http", "baseUrl": "https://plain.example.com", "isActive": false,
			"settings": map[string]any{"authMode": "none"}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration %s = %d %s", it["name"], r.Status, r.Body)
		}
	}
	type endpoint struct {
		ID, Secret string
		HasSecret  bool
		Settings   map[string]string
	}
	eps := map[string]*endpoint{}
	for _, name := range []string{"sms", "shop", "plain"} {
		eps[name] = &endpoint{}
		r := call(t, env, "POST", "/api/v1/integrations/"+name+"/webhooks", env.AdminToken, map[string]any{})
		if r.Status != 201 {
			t.Fatalf("create endpoint for %s = %d %s", name, r.Status, r.Body)
		}
		decode(t, r, eps[name])
	}
	if sms := eps["sms"]; !sms.HasSecret || sms.Secret != "" {
		t.Errorf("Clickatell endpoint %+v: want the integration's webhookToken, set and not shown", sms)
	}
	// Only the credential the endpoint takes is decrypted, and recorded.
	var act struct {
		Items []struct {
			TargetName string
			Details    map[string]any
		}
	}
	decode(t, call(t, env, "GET", "/api/v1/activity?action=integration.credentials_decrypted&limit=10", env.AdminToken, nil), &act)
	var smsFields []any
	for _, e := range act.Items {
		if e.TargetName == "sms" {
			smsFields, _ = e.Details["fields"].([]any)
		}
	}
	if !slices.Equal(smsFields, []any{"webhookToken"}) {
		t.Errorf("credentials decrypted for the Clickatell endpoint = %v, want only webhookToken (entries %+v)", smsFields, act.Items)
	}
	if st, b := deliver(t, env, "/api/v1/hooks/"+eps["sms"].ID, `{"messageId":"m-1","status":"DELIVERED_TO_HANDSET"}`,
		"X-Webhook-Token", token); st != 202 {
		t.Errorf("Clickatell callback with the integration's webhookToken = %d %s, want 202", st, b)
	}
	wantShop := map[string]string{"header": "X-Shop-Signature", "algorithm": "sha512", "encoding": "base64", "prefix": "v1="}
	if diff := cmp.Diff(wantShop, eps["shop"].Settings); diff != "" || eps["shop"].Secret != "" {
		t.Errorf("http endpoint settings (-want +got):\n%s (secret shown: %q)", diff, eps["shop"].Secret)
	}
	body := `{"type":"order.created","id":"o-1"}`
	m := hmac.New(sha512.New, []byte(hookSecret))
	m.Write([]byte(body))
	if st, b := deliver(t, env, "/api/v1/hooks/"+eps["shop"].ID, body,
		"X-Shop-Signature", "v1="+base64.StdEncoding.EncodeToString(m.Sum(nil))); st != 202 {
		t.Errorf("http delivery signed as the integration says = %d %s, want 202", st, b)
	}
	// The seed's URL form takes the integration's slug as well as its id.
	body2 := `{"type":"order.created","id":"o-2"}`
	m = hmac.New(sha512.New, []byte(hookSecret))
	m.Write([]byte(body2))
	if st, b := deliver(t, env, "/api/v1/integrations/hooks/shop", body2,
		"X-Shop-Signature", "v1="+base64.StdEncoding.EncodeToString(m.Sum(nil))); st != 202 {
		t.Errorf("seed URL form by slug = %d %s, want 202", st, b)
	}
	// Another scheme takes none of them.
	var tokenEP endpoint
	decode(t, call(t, env, "POST", "/api/v1/integrations/plain/webhooks", env.AdminToken, map[string]any{"scheme": "header_token"}), &tokenEP)
	if diff := cmp.Diff(map[string]string{"headerName": "X-Webhook-Token"}, tokenEP.Settings); diff != "" {
		t.Errorf("header_token endpoint of an http integration: settings (-want +got):\n%s", diff)
	}
	wantPlain := map[string]string{"header": "X-Signature-256", "algorithm": "sha256", "encoding": "hex"}
	if diff := cmp.Diff(wantPlain, eps["plain"].Settings); diff != "" || eps["plain"].Secret == "" {
		t.Errorf("http endpoint without signature settings (-want +got):\n%s (generated secret shown: %v)", diff, eps["plain"].Secret != "")
	}
	// Changed to hmac later, the endpoint takes the same defaults as on
	// create; new settings are completed by them too.
	var rescheme endpoint
	r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+tokenEP.ID, env.AdminToken, map[string]any{"scheme": "hmac"})
	if r.Status != 200 {
		t.Fatalf("PATCH scheme hmac = %d %s", r.Status, r.Body)
	}
	decode(t, r, &rescheme)
	if diff := cmp.Diff(wantPlain, rescheme.Settings); diff != "" {
		t.Errorf("after a PATCH to hmac: settings (-want +got):\n%s", diff)
	}
	r = call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+tokenEP.ID, env.AdminToken, map[string]any{"settings": map[string]string{"algorithm": "sha512"}})
	decode(t, r, &rescheme)
	if want := map[string]string{"header": "X-Signature-256", "algorithm": "sha512", "encoding": "hex"}; r.Status != 200 || !cmp.Equal(want, rescheme.Settings) {
		t.Errorf("PATCH of one hmac setting = %d %s, want %v", r.Status, r.Body, want)
	}
}

// TestWebhookEndpointFromChatAndAWXIntegrations: Slack's signing secret,
// Discord's application public key (a plain setting) and AWX's
// notification user name and password, kept on the integration as the
// catalog asks, verify an endpoint created with neither secret nor
// settings.
func TestWebhookEndpointFromChatAndAWXIntegrations(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	const signing, awxPassword = "8f742231b10e8888abcd99yyyzzz85a5", "a long notification password 0123"
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60") // RFC 8032 key 1
	priv := ed25519.NewKeyFromSeed(seed)
	for _, it := range []map[string]any{
		{"name": "team", "provider": "slack", "isActive": false, "credentials": map[string]any{"botToken": "xoxb-test-token", "signingSecret": signing}},
		{"name": "bot", "provider": "discord", "isActive": false, "settings": map[string]any{"publicKey": hex.EncodeToString(priv.Public().(ed25519.PublicKey))},
			"credentials": map[string]any{"webhookUrl": "https://discord.com/api/webhooks/1/abc"}},
		{"name": "nobot", "provider": "discord", "isActive": false, "credentials": map[string]any{"webhookUrl": "https://discord.com/api/webhooks/2/abc"}},
		{"name": "jobs", "provider": "awx", "baseUrl": "https://awx.example.com", "isActive": false,
			"settings": map[string]any{"webhookUsername": "awx-notify"}, "credentials": map[string]any{"token": "awx-token-0123456789", "webhookPassword": awxPassword}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration %s = %d %s", it["name"], r.Status, r.Body)
		}
	}
	eps := map[string]struct {
		ID, Secret string
		HasSecret  bool
		Settings   map[string]string
	}{}
	for _, name := range []string{"team", "bot", "jobs"} {
		ep := eps[name]
		r := call(t, env, "POST", "/api/v1/integrations/"+name+"/webhooks", env.AdminToken, map[string]any{})
		if r.Status != 201 {
			t.Fatalf("create endpoint for %s = %d %s", name, r.Status, r.Body)
		}
		decode(t, r, &ep)
		if !ep.HasSecret || ep.Secret != "" {
			t.Errorf("%s endpoint %+v: want the integration's secret, set and not shown", name, ep)
		}
		eps[name] = ep
	}
	if diff := cmp.Diff(map[string]string{"username": "awx-notify"}, eps["jobs"].Settings); diff != "" {
		t.Errorf("AWX endpoint settings (-want +got):\n%s", diff)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	event := `{"type":"event_callback","event_id":"Ev1","team_id":"T1","event":{"type":"app_mention","text":"hi","user":"U1","channel":"C1"}}`
	m := hmac.New(sha256.New, []byte(signing))
	m.Write([]byte("v0:" + ts + ":" + event))
	if st, b := deliver(t, env, "/api/v1/hooks/"+eps["team"].ID, event,
		"X-Slack-Request-Timestamp", ts, "X-Slack-Signature", "v0="+hex.EncodeToString(m.Sum(nil))); st/100 != 2 {
		t.Errorf("Slack event signed with the integration's signing secret = %d %s, want 2xx", st, b)
	}
	ping := `{"id":"1","application_id":"2","type":1,"token":"tok","version":1}`
	if st, b := deliver(t, env, "/api/v1/hooks/"+eps["bot"].ID, ping,
		"X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, []byte(ts+ping))), "X-Signature-Timestamp", ts); st != 200 {
		t.Errorf("Discord PING signed for the integration's public key = %d %s, want 200", st, b)
	}
	job := `{"id":7,"name":"deploy","status":"successful"}`
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("awx-notify:"+awxPassword))
	if st, b := deliver(t, env, "/api/v1/hooks/"+eps["jobs"].ID, job, "Authorization", auth); st != 202 {
		t.Errorf("AWX notification with the integration's user name and password = %d %s, want 202", st, b)
	}
	// Without a public key on the integration, the endpoint still needs one.
	r := call(t, env, "POST", "/api/v1/integrations/nobot/webhooks", env.AdminToken, map[string]any{})
	if r.Status != 422 || !strings.Contains(string(r.Body), "body.secret") {
		t.Errorf("Discord endpoint without any public key = %d %s, want 422 naming body.secret", r.Status, r.Body)
	}
}

// TestWebhookSecretFromIntegration: an endpoint created without a secret
// verifies with the integration's webhookSecret credential, as the provider
// catalog says; and a NetCash postback whose fields came in the query
// string is stored and normalized with those fields.
func TestWebhookSecretFromIntegration(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	const postback = "a long random postback secret 0123"
	for _, it := range []map[string]any{
		{"name": "gh", "provider": "github", "isActive": false,
			"credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz", "webhookSecret": ghSecret}},
		{"name": "pay", "provider": "netcash", "isActive": false, "settings": map[string]any{"accountNumber": "52340889417"},
			"credentials": map[string]any{"serviceKey": "9ba6a4d7-5b8e-4b4c-8f5e-2a4c0f3b1d11", "webhookSecret": postback}},
	} {
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, it); r.Status != 201 {
			t.Fatalf("create integration = %d %s", r.Status, r.Body)
		}
	}
	var gh, pay struct {
		ID, Secret string
		HasSecret  bool
	}
	for name, ep := range map[string]any{"gh": &gh, "pay": &pay} {
		r := call(t, env, "POST", "/api/v1/integrations/"+name+"/webhooks", env.AdminToken, map[string]any{})
		if r.Status != 201 {
			t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
		}
		decode(t, r, ep)
	}
	if !gh.HasSecret || gh.Secret != "" || !pay.HasSecret || pay.Secret != "" {
		t.Errorf("endpoints %+v %+v: want the integration's secret, set and not shown", gh, pay)
	}
	if st, b := deliver(t, env, "/api/v1/hooks/"+gh.ID, githubPush, "X-GitHub-Event", "push", "X-GitHub-Delivery", "d-1",
		"X-Hub-Signature-256", ghSign(ghSecret, githubPush)); st != 202 {
		t.Errorf("GitHub delivery signed with the integration's webhookSecret = %d %s, want 202", st, b)
	}
	for _, trace := range []string{"trace-1", "trace-2"} {
		extra3, err := verify.NetcashExtra3([]byte(postback), "INV-1001", "100.00")
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{"TransactionAccepted": {"true"}, "Reason": {"Success"}, "Reference": {"INV-1001"}, "Amount": {"100.00"},
			"RequestTrace": {trace}, "Extra3": {extra3}}
		st, b := deliver(t, env, "/api/v1/hooks/"+pay.ID+"?"+q.Encode(), "")
		if st != 202 {
			t.Errorf("NetCash postback in the query (%s) = %d %s, want 202 accepted", trace, st, b)
		}
	}
	var evs struct {
		Events []struct {
			Type string
			Data map[string]any
		}
	}
	decode(t, call(t, env, "GET", "/api/v1/events?limit=10", env.AdminToken, nil), &evs)
	var got []string
	for _, ev := range evs.Events {
		if ev.Type == "payment.succeeded" && ev.Data["reference"] == "INV-1001" {
			got = append(got, ev.Type)
		}
	}
	if len(got) != 2 {
		t.Errorf("events %+v: want two payment.succeeded for INV-1001, from the query's fields", evs.Events)
	}

	// An EFT payment posts pending, then, with the same RequestTrace, its
	// settlement: a new delivery, not a duplicate of the first. The same
	// postback again is one.
	extra3, err := verify.NetcashExtra3([]byte(postback), "INV-2002", "75.00")
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		accepted, reason string
		status           int
		word             string
	}{
		{"false", "Pending EFT payment", 202, "accepted"},
		{"true", "Success", 202, "accepted"},
		{"true", "Success", 200, "duplicate"},
	} {
		body := url.Values{"TransactionAccepted": {step.accepted}, "Reason": {step.reason}, "Reference": {"INV-2002"}, "Amount": {"75.00"},
			"RequestTrace": {"trace-eft"}, "Method": {"2"}, "Extra3": {extra3}}.Encode()
		st, b := deliver(t, env, "/api/v1/hooks/"+pay.ID, body, "Content-Type", "application/x-www-form-urlencoded")
		if st != step.status || !strings.Contains(b, step.word) {
			t.Errorf("NetCash postback %q = %d %s, want %d %s", step.reason, st, b, step.status, step.word)
		}
	}
	decode(t, call(t, env, "GET", "/api/v1/events?limit=50", env.AdminToken, nil), &evs)
	got = nil
	for _, ev := range evs.Events {
		if ev.Data["reference"] == "INV-2002" {
			got = append(got, ev.Type)
		}
	}
	if want := []string{"payment.pending", "payment.succeeded"}; !slices.Equal(got, want) {
		t.Errorf("events for INV-2002 = %v, want %v", got, want)
	}
}

// TestConcurrentPatchesWithoutIfMatch: PATCHes of an endpoint, a
// subscription or an integration sent at once without
// If-Match (which asks for no precondition) all take effect, one after the
// other, on both engines; none is answered 412.
func TestConcurrentPatchesWithoutIfMatch(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, eng, apptest.Options{})
			if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "api", "provider": "http",
				"baseUrl": "https://api.example.com", "isActive": false}); r.Status != 201 {
				t.Fatalf("create integration = %d %s", r.Status, r.Body)
			}
			var ep, sub struct {
				ID      string
				Version int64
			}
			decode(t, call(t, env, "POST", "/api/v1/integrations/api/webhooks", env.AdminToken, map[string]any{"generateSecret": true}), &ep)
			decode(t, call(t, env, "POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://subscriber.example.com/hook",
				"isActive": false}), &sub)
			const n = 8
			for _, path := range []string{"/api/v1/integrations/webhooks/" + ep.ID, "/api/v1/subscriptions/" + sub.ID, "/api/v1/integrations/api"} {
				var wg sync.WaitGroup
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						body := map[string]any{"name": "renamed " + strconv.Itoa(i)}
						if strings.Contains(path, "webhooks") && i%2 == 0 {
							body["generateSecret"] = true // a rotation races the renames
						}
						if r := call(t, env, "PATCH", path, env.AdminToken, body); r.Status != 200 {
							t.Errorf("PATCH %s #%d = %d %s, want 200", path, i, r.Status, r.Body)
						}
					}()
				}
				wg.Wait()
				var got struct{ Version int64 }
				decode(t, call(t, env, "GET", path, env.AdminToken, nil), &got)
				if got.Version != 1+n {
					t.Errorf("%s: version %d after %d PATCHes, want %d", path, got.Version, n, 1+n)
				}
			}
		})
	}
}

// TestForeignEventHeaderIgnored: a provider that names its events in the
// body is not named by another provider's (unsigned) event header: not in
// the logs, and not past the endpoint's eventTypes filter.
func TestForeignEventHeaderIgnored(t *testing.T) {
	t.Parallel()
	const secret = "foreign-header-secret-0123456789"
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ep := shopHMACEndpoint(t, env, secret, map[string]any{"eventTypes": []string{"order.created"}})
			body := `{"type":"refund.issued","event_id":"e-1"}`
			st, got := deliver(t, env, "/api/v1/hooks/"+ep, body, "X-Signature", hexHMAC(secret, body),
				"X-Event-Key", "order.created", "X-GitHub-Event", "order.created")
			if st != 200 || !strings.Contains(got, `"rejected"`) {
				t.Errorf("a refund named order.created by a foreign header = %d %s, want 200 rejected by the filter", st, got)
			}
			var logs struct{ Deliveries []struct{ EventType string } }
			decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs?limit=1", env.AdminToken, nil), &logs)
			if len(logs.Deliveries) != 1 || logs.Deliveries[0].EventType != "refund.issued" {
				t.Errorf("logged event type = %+v, want the body's refund.issued", logs.Deliveries)
			}
		})
	}
}
