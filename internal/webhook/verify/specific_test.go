package verify_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"testing"
	"time"

	"ihub/internal/webhook/verify"
)

func hexMAC(h func() hash.Hash, key, msg string) string {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

func b64MAC(h func() hash.Hash, key, msg string) string {
	m := hmac.New(h, []byte(key))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// errKind returns the Kind of a *verify.Error, "" for nil and "other" for
// any other error.
func errKind(err error) verify.Kind {
	if err == nil {
		return ""
	}
	var ve *verify.Error
	if errors.As(err, &ve) {
		return ve.Kind
	}
	return "other"
}

// TestCases covers the schemes' particular rules, with signatures computed
// here independently of Sign.
func TestCases(t *testing.T) {
	t.Parallel()
	const key = "k3y"
	body := `{"a":1}`
	ts := "1700000000"
	diditOld := `{"session_id":"s","status":"Approved","webhook_type":"status.updated","timestamp":1697408000}` // 30 days before ts
	v2Body := `{"z":{"b":2.0,"a":[1,"é",true,null]},"a":"x\"y<>&","n":1.5,"timestamp":1700000000,"big":12345678901234567890}`
	v2Unicode := `{"a":"x\"y<>&","big":12345678901234567890,"n":1.5,"timestamp":1700000000,"z":{"a":[1,"é",true,null],"b":2}}`
	v2ASCII := `{"a":"x\"y<>&","big":12345678901234567890,"n":1.5,"timestamp":1700000000,"z":{"a":[1,"\u00e9",true,null],"b":2}}`
	twilioJSONURL := "https://hub.example.com/hook?bodySHA256=" + hex.EncodeToString(func() []byte { s := sha256.Sum256([]byte(body)); return s[:] }())
	secret := [][]byte{[]byte(key)}
	form := "Content-Type"
	formType := "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		cfg  verify.Config
		req  verify.Request
		want verify.Kind // "" = accepted
	}{
		// GitHub legacy SHA-1.
		{"github sha1 refused by default", verify.Config{Scheme: "github", Secrets: secret},
			verify.Request{Header: hdr("X-Hub-Signature", "sha1="+hexMAC(sha1.New, key, body)), Body: []byte(body)}, verify.KindMissing},
		{"github sha1 with Legacy", verify.Config{Scheme: "github", Secrets: secret, Legacy: true},
			verify.Request{Header: hdr("X-Hub-Signature", "sha1="+hexMAC(sha1.New, key, body)), Body: []byte(body)}, ""},
		{"github sha256 wins over sha1", verify.Config{Scheme: "github", Secrets: secret, Legacy: true},
			verify.Request{Header: hdr("X-Hub-Signature", "sha1="+hexMAC(sha1.New, key, body), "X-Hub-Signature-256", "sha256=00"), Body: []byte(body)}, verify.KindMismatch},
		{"github upper-case hex", verify.Config{Scheme: "github", Secrets: secret},
			verify.Request{Header: hdr("X-Hub-Signature-256", "sha256="+hexUpper(hexMAC(sha256.New, key, body))), Body: []byte(body)}, ""},
		{"github no prefix", verify.Config{Scheme: "github", Secrets: secret},
			verify.Request{Header: hdr("X-Hub-Signature-256", hexMAC(sha256.New, key, body)), Body: []byte(body)}, verify.KindMalformed},
		// WHMCS hub-defined scheme.
		{"whmcs", verify.Config{Scheme: "whmcs", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Hub-Timestamp", ts, "X-Hub-Signature-256", "sha256="+hexMAC(sha256.New, key, ts+"."+body)), Body: []byte(body)}, ""},
		{"whmcs body-only signature refused", verify.Config{Scheme: "whmcs", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Hub-Timestamp", ts, "X-Hub-Signature-256", "sha256="+hexMAC(sha256.New, key, body)), Body: []byte(body)}, verify.KindMismatch},
		{"whmcs missing timestamp", verify.Config{Scheme: "whmcs", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Hub-Signature-256", "sha256="+hexMAC(sha256.New, key, ts+"."+body)), Body: []byte(body)}, verify.KindMissing},
		// Slack, Stripe timestamp forms.
		{"slack non-numeric timestamp", verify.Config{Scheme: "slack", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Slack-Request-Timestamp", "17e8", "X-Slack-Signature", "v0="+hexMAC(sha256.New, key, "v0:17e8:"+body)), Body: []byte(body)}, verify.KindMalformed},
		{"stripe no timestamp", verify.Config{Scheme: "stripe", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("Stripe-Signature", "v1="+hexMAC(sha256.New, key, ts+"."+body)), Body: []byte(body)}, verify.KindMalformed},
		{"stripe no v1", verify.Config{Scheme: "stripe", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("Stripe-Signature", "t="+ts+",v0="+hexMAC(sha256.New, key, ts+"."+body)), Body: []byte(body)}, verify.KindMalformed},
		{"stripe custom tolerance", verify.Config{Scheme: "stripe", Secrets: secret, Now: at(now + 11), Tolerance: 10 * time.Second},
			verify.Request{Header: hdr("Stripe-Signature", "t="+ts+",v1="+hexMAC(sha256.New, key, ts+"."+body)), Body: []byte(body)}, verify.KindTimestamp},
		// Standard Webhooks forms.
		{"standard webhooks missing id", verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)},
			verify.Request{Header: hdr("webhook-timestamp", swTS, "webhook-signature", swSig), Body: []byte(swBody)}, verify.KindMissing},
		{"standard webhooks only v1a", verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)},
			verify.Request{Header: hdr("webhook-id", swID, "webhook-timestamp", swTS, "webhook-signature", "v1a,"+swSig[3:]), Body: []byte(swBody)}, verify.KindMalformed},
		{"standard webhooks secret without whsec_ prefix", verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret[6:])}, Now: at(1614265330)},
			verify.Request{Header: hdr("webhook-id", swID, "webhook-timestamp", swTS, "webhook-signature", swSig), Body: []byte(swBody)}, ""},
		// GitLab.
		{"gitlab signing token given as whsec_", verify.Config{Scheme: "gitlab_token", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)},
			verify.Request{Header: hdr("webhook-id", swID, "webhook-timestamp", swTS, "webhook-signature", swSig), Body: []byte(swBody)}, ""},
		{"gitlab both forms, token valid", verify.Config{Scheme: "gitlab_token", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Gitlab-Token", key, "webhook-id", "1", "webhook-timestamp", ts, "webhook-signature", swBadSig), Body: []byte(body)}, ""},
		{"gitlab token wrong", verify.Config{Scheme: "gitlab_token", Secrets: secret},
			verify.Request{Header: hdr("X-Gitlab-Token", key+"x"), Body: []byte(body)}, verify.KindMismatch},
		{"gitlab token prefix only", verify.Config{Scheme: "gitlab_token", Secrets: secret},
			verify.Request{Header: hdr("X-Gitlab-Token", key[:2]), Body: []byte(body)}, verify.KindMismatch},
		// Twilio.
		{"twilio default port added by proxy", verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}},
			verify.Request{Method: "POST", URL: "https://mycompany.com:443/myapp.php?foo=1&bar=2", Body: []byte(twilioForm("+14158675310")),
				Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", form, formType)}, ""},
		{"twilio other host", verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}},
			verify.Request{Method: "POST", URL: "https://mycompany.org/myapp.php?foo=1&bar=2", Body: []byte(twilioForm("+14158675310")),
				Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", form, formType)}, verify.KindMismatch},
		{"twilio http scheme differs", verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}},
			verify.Request{Method: "POST", URL: "http://mycompany.com/myapp.php?foo=1&bar=2", Body: []byte(twilioForm("+14158675310")),
				Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", form, formType)}, verify.KindMismatch},
		{"twilio without URL", verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}},
			verify.Request{Method: "POST", Body: []byte(twilioForm("+14158675310")),
				Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", form, formType)}, verify.KindConfig},
		{"twilio JSON with bodySHA256", verify.Config{Scheme: "twilio", Secrets: secret},
			verify.Request{Method: "POST", URL: twilioJSONURL, Body: []byte(body),
				Header: hdr("X-Twilio-Signature", b64MAC(sha1.New, key, twilioJSONURL), "Content-Type", "application/json")}, ""},
		{"twilio JSON body changed", verify.Config{Scheme: "twilio", Secrets: secret},
			verify.Request{Method: "POST", URL: twilioJSONURL, Body: []byte(`{"a":2}`),
				Header: hdr("X-Twilio-Signature", b64MAC(sha1.New, key, twilioJSONURL), "Content-Type", "application/json")}, verify.KindMismatch},
		{"twilio GET signs the URL only", verify.Config{Scheme: "twilio", Secrets: secret},
			verify.Request{Method: "GET", URL: "https://hub.example.com/hook?MessageSid=SM1&MessageStatus=delivered",
				Header: hdr("X-Twilio-Signature", b64MAC(sha1.New, key, "https://hub.example.com/hook?MessageSid=SM1&MessageStatus=delivered"))}, ""},
		// Didit variants.
		{"didit v1 raw body", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature", hexMAC(sha256.New, key, v2Body)), Body: []byte(v2Body)}, ""},
		{"didit v2 unicode kept", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, v2Unicode)), Body: []byte(v2Body)}, ""},
		{"didit v2 ascii escaped", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, v2ASCII)), Body: []byte(v2Body)}, ""},
		{"didit v2 timestamp prefix", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, ts+":"+v2Unicode)), Body: []byte(v2Body)}, ""},
		{"didit v2 over raw body is not canonical", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, v2Body)), Body: []byte(v2Body)}, verify.KindMismatch},
		{"didit v2 changed value", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, v2Unicode)), Body: []byte(`{"z":{"b":3.0,"a":[1,"é",true,null]},"a":"x\"y<>&","n":1.5,"timestamp":1700000000,"big":12345678901234567890}`)}, verify.KindMismatch},
		{"didit v2 reformatted body still accepted", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, v2Unicode)), Body: []byte("{\n \"a\": \"x\\\"y<>&\", \"n\": 1.5, \"timestamp\": 1700000000, \"big\": 12345678901234567890,\n \"z\": {\"a\": [1, \"\\u00e9\", true, null], \"b\": 2}}")}, ""},
		{"didit v2 duplicate key refused", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, `{"status":"Approved"}`)), Body: []byte(`{"status":"Declined","status":"Approved"}`)}, verify.KindMismatch},
		{"didit simple duplicate key refused", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now), Legacy: true},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-Simple", hexMAC(sha256.New, key, "1700000000:s:Approved:status.updated")), Body: []byte(`{"timestamp":1700000000,"session_id":"s","status":"Declined","status":"Approved","webhook_type":"status.updated"}`)}, verify.KindMismatch},
		{"didit simple", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now), Legacy: true},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-Simple", hexMAC(sha256.New, key, "1700000000:s:Approved:status.updated")), Body: []byte(`{"timestamp":1700000000,"session_id":"s","status":"Approved","webhook_type":"status.updated","decision":{"x":1}}`)}, ""},
		// X-Timestamp is not signed; the body's timestamp is: a stale body
		// under a fresh header is stale, whichever signature carries it.
		{"didit stale body, fresh header, X-Signature", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature", hexMAC(sha256.New, key, diditOld)), Body: []byte(diditOld)}, verify.KindTimestamp},
		{"didit stale body, fresh header, X-Signature-V2", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, `{"session_id":"s","status":"Approved","timestamp":1697408000,"webhook_type":"status.updated"}`)), Body: []byte(diditOld)}, verify.KindTimestamp},
		{"didit stale body, fresh header, X-Signature-Simple", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now), Legacy: true},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-Simple", hexMAC(sha256.New, key, "1697408000:s:Approved:status.updated")), Body: []byte(diditOld)}, verify.KindTimestamp},
		{"didit future body", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature", hexMAC(sha256.New, key, `{"timestamp":"1700000400"}`)), Body: []byte(`{"timestamp":"1700000400"}`)}, verify.KindTimestamp},
		{"didit body timestamp within tolerance", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature", hexMAC(sha256.New, key, `{"timestamp":1699999800}`)), Body: []byte(`{"timestamp":1699999800}`)}, ""},
		{"didit body timestamp not seconds", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature", hexMAC(sha256.New, key, `{"timestamp":1.7e9}`)), Body: []byte(`{"timestamp":1.7e9}`)}, verify.KindMalformed},
		{"didit simple without body timestamp", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now), Legacy: true},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-Simple", hexMAC(sha256.New, key, ":s:Approved:status.updated")), Body: []byte(`{"session_id":"s","status":"Approved","webhook_type":"status.updated"}`)}, verify.KindMissing},
		// Nothing signed says when a body without a timestamp was sent,
		// unless the V2 form with the "{ts}:" prefix signs X-Timestamp.
		{"didit X-Signature without body timestamp", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature", hexMAC(sha256.New, key, `{"session_id":"s","status":"Approved"}`)), Body: []byte(`{"session_id":"s","status":"Approved"}`)}, verify.KindMissing},
		{"didit X-Signature-V2 without body timestamp", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, `{"session_id":"s","status":"Approved"}`)), Body: []byte(`{"session_id":"s","status":"Approved"}`)}, verify.KindMissing},
		{"didit X-Signature-V2 with ts prefix, without body timestamp", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, key, ts+`:{"session_id":"s","status":"Approved"}`)), Body: []byte(`{"session_id":"s","status":"Approved"}`)}, ""},
		{"didit missing timestamp", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now)},
			verify.Request{Header: hdr("X-Signature", hexMAC(sha256.New, key, body)), Body: []byte(body)}, verify.KindMissing},
		{"didit stale", verify.Config{Scheme: "didit", Secrets: secret, Now: at(now + 301)},
			verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature", hexMAC(sha256.New, key, body)), Body: []byte(body)}, verify.KindTimestamp},
		// NetCash.
		{"netcash amount written differently", verify.Config{Scheme: "netcash", Secrets: secret},
			netcashReq(t, key, "INV-1", "99.5", "99.50"), ""},
		{"netcash amount changed", verify.Config{Scheme: "netcash", Secrets: secret},
			netcashReq(t, key, "INV-1", "99.50", "9.95"), verify.KindMismatch},
		{"netcash reference repeated", verify.Config{Scheme: "netcash", Secrets: secret},
			func() verify.Request {
				r := netcashReq(t, key, "INV-1", "99.50", "99.50")
				r.Body = []byte(string(r.Body) + "&Reference=INV-2")
				return r
			}(), verify.KindMalformed},
		// A JSON body would be read as JSON by the normalizer, not as the
		// form whose fields the token covers.
		{"netcash JSON body hiding form fields", verify.Config{Scheme: "netcash", Secrets: secret},
			func() verify.Request {
				r := netcashReq(t, key, "MY-REF", "1.00", "1.00")
				r.Body = []byte(`{"Reference":"VICTIM","Amount":"5000.00","pad":"&` + string(r.Body) + `&z="}`)
				return r
			}(), verify.KindMalformed},
		{"netcash missing Extra3", verify.Config{Scheme: "netcash", Secrets: secret},
			verify.Request{Body: []byte("Reference=INV-1&Amount=1.00")}, verify.KindMissing},
		{"netcash bad amount", verify.Config{Scheme: "netcash", Secrets: secret},
			verify.Request{Body: []byte("Reference=INV-1&Amount=1.001&Extra3=AAAA")}, verify.KindMalformed},
		{"netcash fields in query", verify.Config{Scheme: "netcash", Secrets: secret},
			func() verify.Request {
				r := netcashReq(t, key, "INV-1", "10", "10")
				r.URL = "https://h.example/x?" + string(r.Body)
				r.Body = nil
				return r
			}(), ""},
		// Tokens and basic auth.
		{"header token case-insensitive header name", verify.Config{Scheme: "header_token", Secrets: secret, HeaderName: "x-callback-token"},
			verify.Request{Header: hdr("X-Callback-Token", key)}, ""},
		{"basic auth wrong user", verify.Config{Scheme: "basic_auth", Secrets: secret, Username: "awx"},
			verify.Request{Header: hdr("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("root:"+key)))}, verify.KindMismatch},
		{"basic auth bearer", verify.Config{Scheme: "basic_auth", Secrets: secret, Username: "awx"},
			verify.Request{Header: hdr("Authorization", "Bearer "+key)}, verify.KindMalformed},
		{"basic auth lower-case scheme", verify.Config{Scheme: "basic_auth", Secrets: secret, Username: "awx"},
			verify.Request{Header: hdr("Authorization", "basic "+base64.StdEncoding.EncodeToString([]byte("awx:"+key)))}, ""},
		// Generic HMAC, computed here.
		{"hmac sha256 hex prefix", verify.Config{Scheme: "hmac", Secrets: secret, HMAC: verify.HMACConfig{Header: "X-Sig", Prefix: "sha256="}},
			verify.Request{Header: hdr("X-Sig", "sha256="+hexMAC(sha256.New, key, body)), Body: []byte(body)}, ""},
		{"hmac sha512 base64 timestamp", verify.Config{Scheme: "hmac", Secrets: secret, Now: at(now), HMAC: verify.HMACConfig{Algorithm: "sha512", Header: "X-Sig", Encoding: "base64", Signed: "timestamp.body", TimestampHeader: "X-Ts"}},
			verify.Request{Header: hdr("X-Ts", ts, "X-Sig", b64MAC(sha512.New, key, ts+"."+body)), Body: []byte(body)}, ""},
		{"hmac timestamp not signed", verify.Config{Scheme: "hmac", Secrets: secret, Now: at(now), HMAC: verify.HMACConfig{Header: "X-Sig", Signed: "timestamp.body", TimestampHeader: "X-Ts"}},
			verify.Request{Header: hdr("X-Ts", ts, "X-Sig", hexMAC(sha256.New, key, body)), Body: []byte(body)}, verify.KindMismatch},
		{"hmac wrong algorithm", verify.Config{Scheme: "hmac", Secrets: secret, HMAC: verify.HMACConfig{Algorithm: "sha1", Header: "X-Sig"}},
			verify.Request{Header: hdr("X-Sig", hexMAC(sha256.New, key, body)), Body: []byte(body)}, verify.KindMismatch},
		{"hmac empty signature", verify.Config{Scheme: "hmac", Secrets: secret, HMAC: verify.HMACConfig{Header: "X-Sig", Prefix: "sha256="}},
			verify.Request{Header: hdr("X-Sig", "sha256="), Body: []byte(body)}, verify.KindMalformed},
		// Discord.
		{"discord truncated signature", verify.Config{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(ed25519Pub)}, Now: at(now)},
			verify.Request{Header: hdr("X-Signature-Ed25519", discordSig[:64], "X-Signature-Timestamp", ts), Body: []byte(`{"type":1}`)}, verify.KindMalformed},
		{"discord timestamp changed", verify.Config{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(ed25519Pub)}, Now: at(now)},
			verify.Request{Header: hdr("X-Signature-Ed25519", discordSig, "X-Signature-Timestamp", "1700000001"), Body: []byte(`{"type":1}`)}, verify.KindMismatch},
		// none.
		{"none accepts when chosen", verify.Config{Scheme: "none"}, verify.Request{Body: []byte(body)}, ""},
		{"no scheme is refused", verify.Config{}, verify.Request{Body: []byte(body)}, verify.KindConfig},
		{"nil header", verify.Config{Scheme: "github", Secrets: secret}, verify.Request{Body: []byte(body)}, verify.KindMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := verify.Verify(tt.cfg, tt.req)
			if got := errKind(err); got != tt.want {
				t.Errorf("Verify() error = %v (kind %q); want kind %q", err, got, tt.want)
			}
		})
	}
}

func hexUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// netcashReq builds a postback whose Extra3 was issued for signedAmount and
// that reports amount.
func netcashReq(t *testing.T, key, ref, signedAmount, amount string) verify.Request {
	t.Helper()
	tok, err := verify.NetcashExtra3([]byte(key), ref, signedAmount)
	if err != nil {
		t.Fatal(err)
	}
	return verify.Request{Method: "POST", Header: hdr("Content-Type", "application/x-www-form-urlencoded"),
		Body: []byte("TransactionAccepted=true&Reference=" + ref + "&Amount=" + amount + "&Extra3=" + tok + "&RequestTrace=t1")}
}

func TestNetcashExtra3(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		secret            string
		ref, amount       string
		wantErr           bool
		wantLen           int
		sameAs            string // an amount that must give the same token
		differentFromAmnt string
	}{
		{name: "ok", secret: "s", ref: "INV-1", amount: "100.00", wantLen: 32, sameAs: "100", differentFromAmnt: "100.01"},
		{name: "trailing zeros", secret: "s", ref: "INV-1", amount: "1.5000", wantLen: 32, sameAs: "1.50", differentFromAmnt: "15"},
		{name: "no secret", ref: "INV-1", amount: "1", wantErr: true},
		{name: "no reference", secret: "s", amount: "1", wantErr: true},
		{name: "negative", secret: "s", ref: "INV-1", amount: "-1", wantErr: true},
		{name: "three decimals", secret: "s", ref: "INV-1", amount: "1.001", wantErr: true},
		{name: "comma", secret: "s", ref: "INV-1", amount: "1,00", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := verify.NetcashExtra3([]byte(tt.secret), tt.ref, tt.amount)
			if (err != nil) != tt.wantErr {
				t.Fatalf("NetcashExtra3() error = %v; want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if len(got) != tt.wantLen {
				t.Errorf("len(NetcashExtra3()) = %d; want %d", len(got), tt.wantLen)
			}
			if same, _ := verify.NetcashExtra3([]byte(tt.secret), tt.ref, tt.sameAs); same != got {
				t.Errorf("token for %q differs from token for %q", tt.sameAs, tt.amount)
			}
			if other, _ := verify.NetcashExtra3([]byte(tt.secret), tt.ref, tt.differentFromAmnt); other == got {
				t.Errorf("token for %q equals token for %q", tt.differentFromAmnt, tt.amount)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	s := [][]byte{[]byte("secret")}
	tests := []struct {
		name    string
		cfg     verify.Config
		wantErr bool
	}{
		{"github", verify.Config{Scheme: "github", Secrets: s}, false},
		{"empty scheme", verify.Config{Secrets: s}, true},
		{"unknown scheme", verify.Config{Scheme: "gitHub", Secrets: s}, true},
		{"no secrets", verify.Config{Scheme: "github"}, true},
		{"empty secret", verify.Config{Scheme: "github", Secrets: [][]byte{[]byte("a"), nil}}, true},
		{"negative tolerance", verify.Config{Scheme: "slack", Secrets: s, Tolerance: -time.Second}, true},
		{"none without secrets", verify.Config{Scheme: "none"}, false},
		{"standard webhooks whsec", verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}}, false},
		{"standard webhooks not base64", verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte("whsec_not*base64")}}, true},
		{"discord hex key", verify.Config{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(ed25519Pub)}}, false},
		{"discord short key", verify.Config{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(ed25519Pub[:62])}}, true},
		{"header token", verify.Config{Scheme: "header_token", Secrets: s, HeaderName: "X-Token"}, false},
		{"header token without name", verify.Config{Scheme: "header_token", Secrets: s}, true},
		{"header token bad name", verify.Config{Scheme: "header_token", Secrets: s, HeaderName: "X Token"}, true},
		{"hmac minimal", verify.Config{Scheme: "hmac", Secrets: s, HMAC: verify.HMACConfig{Header: "X-Sig"}}, false},
		{"hmac without header", verify.Config{Scheme: "hmac", Secrets: s}, true},
		{"hmac md5", verify.Config{Scheme: "hmac", Secrets: s, HMAC: verify.HMACConfig{Header: "X-Sig", Algorithm: "md5"}}, true},
		{"hmac base32", verify.Config{Scheme: "hmac", Secrets: s, HMAC: verify.HMACConfig{Header: "X-Sig", Encoding: "base32"}}, true},
		{"hmac signed unknown", verify.Config{Scheme: "hmac", Secrets: s, HMAC: verify.HMACConfig{Header: "X-Sig", Signed: "headers"}}, true},
		{"hmac timestamp without header", verify.Config{Scheme: "hmac", Secrets: s, HMAC: verify.HMACConfig{Header: "X-Sig", Signed: "timestamp.body"}}, true},
		{"hmac bad delivery header", verify.Config{Scheme: "hmac", Secrets: s, HMAC: verify.HMACConfig{Header: "X-Sig", DeliveryIDHeader: "a:b"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := verify.Validate(tt.cfg)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() error = %v; want error %v", err, tt.wantErr)
			}
			if err != nil && errKind(err) != verify.KindConfig {
				t.Errorf("Validate() error kind = %q; want %q", errKind(err), verify.KindConfig)
			}
		})
	}
}

// TestSignRefuses checks the schemes whose secret cannot sign.
func TestSignRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []verify.Config{
		{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(ed25519Pub)}},
		{Scheme: "netcash", Secrets: [][]byte{[]byte("s")}},
		{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}}, // no webhook-id
		{Scheme: "bogus"},
	} {
		r := verify.Request{Body: []byte("{}")}
		if err := verify.Sign(c, &r); err == nil {
			t.Errorf("Sign(%s) error = nil; want an error", c.Scheme)
		}
	}
}

// TestDiditV2Numbers pins the number forms of the canonical JSON against
// what Python's json.dumps prints after Didit's float shortening.
func TestDiditV2Numbers(t *testing.T) {
	t.Parallel()
	const key = "k"
	tests := []struct{ in, canonical string }{
		{`{"n":1.0,"timestamp":1700000000}`, `{"n":1,"timestamp":1700000000}`},
		{`{"n":-0.0,"timestamp":1700000000}`, `{"n":0,"timestamp":1700000000}`},
		{`{"n":1234567.5,"timestamp":1700000000}`, `{"n":1234567.5,"timestamp":1700000000}`},
		{`{"n":0.1,"timestamp":1700000000}`, `{"n":0.1,"timestamp":1700000000}`},
		{`{"n":1e-5,"timestamp":1700000000}`, `{"n":1e-05,"timestamp":1700000000}`},
		{`{"n":1.5e-300,"timestamp":1700000000}`, `{"n":1.5e-300,"timestamp":1700000000}`},
		{`{"n":1e20,"timestamp":1700000000}`, `{"n":100000000000000000000,"timestamp":1700000000}`},
		{`{"n":98765432109876543210,"timestamp":1700000000}`, `{"n":98765432109876543210,"timestamp":1700000000}`},
		{`{"s":"\u2028\u0001\ud83d\ude00","timestamp":1700000000}`, `{"s":"` + "\u2028" + `\u0001` + "\U0001F600" + `","timestamp":1700000000}`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			c := verify.Config{Scheme: "didit", Secrets: [][]byte{[]byte(key)}, Now: at(now)}
			r := verify.Request{Header: hdr("X-Timestamp", "1700000000", "X-Signature-V2", hexMAC(sha256.New, key, tt.canonical)), Body: []byte(tt.in)}
			if _, err := verify.Verify(c, r); err != nil {
				t.Errorf("Verify(%s) with the signature of %s: %v", tt.in, tt.canonical, err)
			}
		})
	}
}

// TestGitlabSignedDeliveryID: a request in GitLab's signing form is
// identified by its signed webhook-id, not by the Idempotency-Key beside
// it, which is not signed: with the latter, a captured request sent again
// with a new key passed for a new delivery.
func TestGitlabSignedDeliveryID(t *testing.T) {
	t.Parallel()
	c := verify.Config{Scheme: "gitlab_token", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)}
	for _, key := range []string{"", "attacker-chosen"} {
		r := verify.Request{Header: hdr("webhook-id", swID, "webhook-timestamp", swTS, "webhook-signature", swSig), Body: []byte(swBody)}
		if key != "" {
			r.Header.Set("Idempotency-Key", key)
		}
		res, err := verify.Verify(c, r)
		if err != nil || res.DeliveryID != swID {
			t.Errorf("Idempotency-Key %q: Verify() = %q, %v; want the signed webhook-id %q", key, res.DeliveryID, err, swID)
		}
	}
}

// TestDiscordSmallOrderKeys: a public key of small order, which the
// identity signature ("01" then zeros) verifies under for any message, or
// one that is no point of the curve, is refused when configured, not taken
// as a key under which forged interactions verify.
func TestDiscordSmallOrderKeys(t *testing.T) {
	t.Parallel()
	identitySig := "01" + strings.Repeat("00", 63)
	for name, key := range map[string]string{
		"identity":       "01" + strings.Repeat("00", 31),
		"order 2 (y=-1)": "ec" + strings.Repeat("ff", 30) + "7f",
		"order 4 (y=0)":  strings.Repeat("00", 32),
		"not a point":    "02" + strings.Repeat("00", 31),
	} {
		if p := verify.SecretProblem("discord_ed25519", key); p == "" {
			t.Errorf("%s: SecretProblem = \"\"; want the key refused", name)
		}
		c := verify.Config{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(key)}, Now: at(now)}
		r := verify.Request{Header: hdr("X-Signature-Ed25519", identitySig, "X-Signature-Timestamp", "1700000000"), Body: []byte(`{"type":1}`)}
		if _, err := verify.Verify(c, r); err == nil {
			t.Errorf("%s: Verify() accepted a forged interaction", name)
		}
	}
	if p := verify.SecretProblem("discord_ed25519", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"); p != "" {
		t.Errorf("RFC 8032's test key: SecretProblem = %q; want none", p)
	}
}

// TestStandardWebhooksMissingNamesSendersHeaders: a Svix-style sender
// (Resend) whose signature header was lost on the way sends svix-id and
// svix-timestamp: the rejection names svix-signature, the header it lacks,
// not webhook-signature, which it never sends.
func TestStandardWebhooksMissingNamesSendersHeaders(t *testing.T) {
	t.Parallel()
	c := verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")},
		Now: func() time.Time { return time.Unix(1614265330, 0) }}
	for _, tc := range []struct {
		name   string
		header []string
		want   string
	}{
		{"svix without signature", []string{"svix-id", "msg_1", "svix-timestamp", "1614265330"}, "missing svix-signature header"},
		{"svix id alone", []string{"svix-id", "msg_1"}, "missing svix-signature header"},
		{"webhook without signature", []string{"webhook-id", "msg_1", "webhook-timestamp", "1614265330"}, "missing webhook-signature header"},
		{"nothing", nil, "missing webhook-signature header"},
		{"svix signature without id", []string{"svix-timestamp", "1614265330", "svix-signature", "v1,AAAA"}, "missing svix-id header"},
	} {
		_, err := verify.Verify(c, verify.Request{Method: "POST", Header: hdr(tc.header...), Body: []byte(`{"test": 2432232314}`)})
		var ve *verify.Error
		if !errors.As(err, &ve) || ve.Kind != verify.KindMissing || ve.Reason != tc.want {
			t.Errorf("%s: Verify() error = %v; want %q", tc.name, err, tc.want)
		}
	}
}
