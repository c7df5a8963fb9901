package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestTestSendEverySignableScheme: POST /webhooks/{id}/test signs its
// payload with the endpoint's scheme and secret, so it passes that scheme's
// verification and is processed, for every scheme ihub can sign for (as
// docs/webhooks.md promises) — Didit's too, whose verification requires a
// signed "timestamp" in the body.
func TestTestSendEverySignableScheme(t *testing.T) {
	t.Parallel()
	e := storetest.Engines(t)[0]
	env := apptest.New(t, e, apptest.Options{})
	for _, tc := range []struct {
		provider string
		fields   map[string]any
	}{
		{"didit", map[string]any{"credentials": map[string]any{"apiKey": "k", "webhookSecret": "didit-webhook-secret-0123"}}},
		{"github", map[string]any{"credentials": map[string]any{"token": "t", "webhookSecret": "github-webhook-secret-0123"}}},
	} {
		body := map[string]any{"name": tc.provider + "-t", "provider": tc.provider, "isActive": false}
		for k, v := range tc.fields {
			body[k] = v
		}
		if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, body); r.Status != 201 {
			t.Fatalf("%s: create integration = %d %s", tc.provider, r.Status, r.Body)
		}
		var ep struct{ ID string }
		r := call(t, env, "POST", "/api/v1/integrations/"+tc.provider+"-t/webhooks", env.AdminToken, map[string]any{})
		if r.Status != 201 {
			t.Fatalf("%s: create endpoint = %d %s", tc.provider, r.Status, r.Body)
		}
		decode(t, r, &ep)
		r = call(t, env, "POST", "/api/v1/integrations/webhooks/"+ep.ID+"/test", env.AdminToken, map[string]any{})
		if r.Status != 200 || !strings.Contains(string(r.Body), `"processed"`) {
			t.Errorf("%s: test delivery = %d %s, want 200 processed", tc.provider, r.Status, r.Body)
		}
	}
}

// TestForwardedWHMHook: WHM has no webhooks of its own; a hook script
// forwards its data with the endpoint's token in X-Webhook-Token, the
// default for a WHM integration's endpoint, and the event is an account
// event.
func TestForwardedWHMHook(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "w", "provider": "whm",
		"baseUrl": "https://whm.example.com:2087", "username": "root", "isActive": false,
		"credentials": map[string]any{"apiToken": "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"}}); r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	var ep struct{ ID, Scheme, Secret string }
	r := call(t, env, "POST", "/api/v1/integrations/w/webhooks", env.AdminToken, nil) // no body: the defaults
	if r.Status != 201 {
		t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
	}
	decode(t, r, &ep)
	if ep.Scheme != "header_token" || ep.Secret == "" {
		t.Fatalf("endpoint scheme %q, secret shown %v; want header_token with a generated secret", ep.Scheme, ep.Secret != "")
	}
	hook := `{"context":{"category":"Whostmgr","event":"Accounts::suspendacct","stage":"post"},"data":{"user":"bob","reason":"unpaid"}}`
	if st, body := deliver(t, env, "/api/v1/hooks/"+ep.ID, hook, "X-Webhook-Token", "wrong"); st != 401 {
		t.Errorf("a hook with the wrong token = %d %s, want 401", st, body)
	}
	if st, body := deliver(t, env, "/api/v1/hooks/"+ep.ID, hook, "X-Webhook-Token", ep.Secret); st != 202 {
		t.Fatalf("the hook = %d %s, want 202", st, body)
	}
	var events struct {
		Events []struct {
			Type, Subject string
			DeliveryID    int64
		}
	}
	decode(t, call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil), &events)
	if len(events.Events) != 1 || events.Events[0].Type != "account.suspended" || events.Events[0].Subject != "bob" {
		t.Fatalf("events = %+v; want account.suspended for bob", events.Events)
	}
	// The event's deliveryId links to the raw delivery.
	var d struct{ EndpointID, Payload, Status string }
	r = call(t, env, "GET", "/api/v1/webhook-deliveries/"+strconv.FormatInt(events.Events[0].DeliveryID, 10), env.AdminToken, nil)
	if r.Status != 200 {
		t.Fatalf("the event's delivery = %d %s", r.Status, r.Body)
	}
	decode(t, r, &d)
	if d.EndpointID != ep.ID || d.Payload != hook || d.Status != "processed" && d.Status != "pending" {
		t.Errorf("the event's delivery = %+v; want the hook as received at %s", d, ep.ID)
	}
	for path, want := range map[string]int{"/api/v1/webhook-deliveries/999999": 404, "/api/v1/webhook-deliveries/abc": 422, "/api/v1/webhook-deliveries/0": 422} {
		if r := call(t, env, "GET", path, env.AdminToken, nil); r.Status != want {
			t.Errorf("GET %s = %d %s, want %d", path, r.Status, r.Body, want)
		}
	}
}

// TestZohoPaymentsWebhook: a Zoho Payments webhook, signed with
// X-Zoho-Webhook-Signature (t in milliseconds), on a zoho_billing
// integration's endpoint with the zoho_payments scheme, is accepted and
// normalized; the same request with a byte changed is 401.
func TestZohoPaymentsWebhook(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	if r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "zb", "provider": "zoho_billing",
		"isActive": false, "settings": map[string]any{"organizationId": "10234695", "clientId": "1000.ABC"},
		"credentials": map[string]any{"clientSecret": "s3cret-client", "refreshToken": "1000.refresh"}}); r.Status != 201 {
		t.Fatalf("create integration = %d %s", r.Status, r.Body)
	}
	const key = "zp-signing-key-0123456789"
	var ep struct{ ID string }
	r := call(t, env, "POST", "/api/v1/integrations/zb/webhooks", env.AdminToken, map[string]any{"scheme": "zoho_payments", "secret": key})
	if r.Status != 201 {
		t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
	}
	decode(t, r, &ep)
	body := `{"event_id":"2000000001","event_type":"payment.succeeded","event_time":"2026-12-07T01:00:00Z",` +
		`"event_object":{"payment":{"payment_id":"pay_1","amount":"250.00","currency":"ZAR"}}}`
	ms := strconv.FormatInt(time.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ms + "." + body))
	sig := "t=" + ms + ",v=" + hex.EncodeToString(mac.Sum(nil))
	if st, b := deliver(t, env, "/api/v1/hooks/"+ep.ID, strings.Replace(body, "250", "950", 1), "X-Zoho-Webhook-Signature", sig); st != 401 {
		t.Errorf("a changed body = %d %s, want 401", st, b)
	}
	if st, b := deliver(t, env, "/api/v1/hooks/"+ep.ID, body, "X-Zoho-Webhook-Signature", sig); st != 202 {
		t.Fatalf("the webhook = %d %s, want 202", st, b)
	}
	r = call(t, env, "GET", "/api/v1/events?after=0", env.AdminToken, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"type":"payment.succeeded"`) {
		t.Errorf("events = %d %s; want payment.succeeded", r.Status, r.Body)
	}
}
