package verify_test

import (
	"crypto/ed25519"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"maps"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/webhook/verify"
)

// respell returns a change to a request that applies f to the value of
// header.
func respell(header string, f func(string) string) func(*verify.Request) {
	return func(r *verify.Request) { r.Header.Set(header, f(r.Header.Get(header))) }
}

// after applies f to what follows the first prefix in a header value.
func after(prefix string, f func(string) string) func(string) string {
	return func(v string) string {
		head, tail, _ := strings.Cut(v, prefix)
		return head + prefix + f(tail)
	}
}

// mixedCase upper-cases every other letter.
func mixedCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		if i%2 == 0 && c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// padded surrounds s with spaces and a tab.
func padded(s string) string { return " \t" + s + " " }

// b64LowBits sets the unused low bits of the last character of a padded
// base64 string: Go's decoder (not Strict) ignores them, so the bytes stay
// the same.
func b64LowBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	data := strings.TrimRight(s, "=")
	unused := map[int]int{1: 2, 2: 4}[len(s)-len(data)]
	if unused == 0 || data == "" {
		return s
	}
	i := strings.IndexByte(alphabet, data[len(data)-1]) | (1<<unused - 1)
	return data[:len(data)-1] + string(alphabet[i]) + s[len(data):]
}

// TestSignatureCanonical checks, for every scheme that sets
// Result.Signature, that the spellings of one valid signature its parser
// accepts all verify with the same Result (so a replay cannot get past the
// gateway's replay cache by re-spelling the signature), and that another
// valid signature gives another Signature.
func TestSignatureCanonical(t *testing.T) {
	t.Parallel()
	const ts = "1700000000"
	key := []byte("k3y")
	signed := func(c verify.Config, kv ...string) func(body string) verify.Request {
		return func(body string) verify.Request {
			r := verify.Request{Method: "POST", URL: "https://hub.example.com/hook", Header: hdr(kv...), Body: []byte(body)}
			c.Now = at(now)
			if err := verify.Sign(c, &r); err != nil {
				t.Fatalf("Sign(%s) error = %v", c.Scheme, err)
			}
			return r
		}
	}
	discordSeed := sha256.Sum256([]byte("canonical-discord"))
	discordPriv := ed25519.NewKeyFromSeed(discordSeed[:])
	rotation := [][]byte{[]byte("current-k3y"), []byte("previous-k3y")}
	swRotation := [][]byte{whsec([]byte("current-k3y")), whsec([]byte("previous-k3y"))}
	tests := []struct {
		name     string
		cfg      verify.Config // without Now
		request  func(body string) verify.Request
		spelling []func(*verify.Request)
	}{
		{
			name:    "github",
			cfg:     verify.Config{Scheme: "github", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "github", Secrets: [][]byte{key}}),
			spelling: []func(*verify.Request){
				respell("X-Hub-Signature-256", after("sha256=", strings.ToUpper)),
				respell("X-Hub-Signature-256", after("sha256=", mixedCase)),
				respell("X-Hub-Signature-256", padded),
			},
		},
		{
			name: "github legacy sha1",
			cfg:  verify.Config{Scheme: "github", Secrets: [][]byte{key}, Legacy: true},
			request: func(body string) verify.Request {
				return verify.Request{Header: hdr("X-Hub-Signature", "sha1="+hexMAC(sha1.New, string(key), body)), Body: []byte(body)}
			},
			spelling: []func(*verify.Request){
				respell("X-Hub-Signature", after("sha1=", strings.ToUpper)),
				respell("X-Hub-Signature", padded),
			},
		},
		{
			name:    "bitbucket",
			cfg:     verify.Config{Scheme: "bitbucket", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "bitbucket", Secrets: [][]byte{key}}, "X-Request-UUID", "{u-1}"),
			spelling: []func(*verify.Request){
				respell("X-Hub-Signature", after("sha256=", strings.ToUpper)),
				respell("X-Hub-Signature", padded),
			},
		},
		{
			name:    "terraform",
			cfg:     verify.Config{Scheme: "terraform", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "terraform", Secrets: [][]byte{key}}),
			spelling: []func(*verify.Request){
				respell("X-TFE-Notification-Signature", strings.ToUpper),
				respell("X-TFE-Notification-Signature", mixedCase),
				respell("X-TFE-Notification-Signature", padded),
			},
		},
		{
			name:    "whmcs",
			cfg:     verify.Config{Scheme: "whmcs", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "whmcs", Secrets: [][]byte{key}}, "X-Hub-Delivery", "wh-1"),
			spelling: []func(*verify.Request){
				respell("X-Hub-Signature-256", after("sha256=", strings.ToUpper)),
				respell("X-Hub-Signature-256", after("sha256=", mixedCase)),
				respell("X-Hub-Signature-256", padded),
			},
		},
		{
			name:    "slack",
			cfg:     verify.Config{Scheme: "slack", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "slack", Secrets: [][]byte{key}}),
			spelling: []func(*verify.Request){
				respell("X-Slack-Signature", after("v0=", strings.ToUpper)),
				respell("X-Slack-Signature", padded),
			},
		},
		{
			name:    "stripe",
			cfg:     verify.Config{Scheme: "stripe", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "stripe", Secrets: [][]byte{key}}),
			spelling: []func(*verify.Request){
				respell("Stripe-Signature", after("v1=", strings.ToUpper)),
				respell("Stripe-Signature", func(v string) string { return strings.ReplaceAll(v, ",", " , ") + " " }),
				respell("Stripe-Signature", func(v string) string { t, v1, _ := strings.Cut(v, ","); return v1 + "," + t }),
				respell("Stripe-Signature", func(v string) string {
					t, v1, _ := strings.Cut(v, ",")
					return t + ",v1=" + strings.Repeat("ab", 32) + ",v0=00," + v1 + ",v1=zz"
				}),
			},
		},
		{
			// Two valid v1 during a rotation: their order does not matter.
			name: "stripe rotation",
			cfg:  verify.Config{Scheme: "stripe", Secrets: rotation},
			request: func(body string) verify.Request {
				return verify.Request{Header: hdr("Stripe-Signature", "t="+ts+",v1="+hexMAC(sha256.New, "current-k3y", ts+"."+body)+
					",v1="+hexMAC(sha256.New, "previous-k3y", ts+"."+body)), Body: []byte(body)}
			},
			spelling: []func(*verify.Request){
				respell("Stripe-Signature", func(v string) string {
					parts := strings.Split(v, ",")
					return parts[0] + "," + parts[2] + "," + parts[1]
				}),
			},
		},
		{
			name:    "standard_webhooks",
			cfg:     verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{whsec(key)}},
			request: signed(verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{whsec(key)}}, "webhook-id", "msg_1"),
			spelling: []func(*verify.Request){
				respell("webhook-signature", after("v1,", b64LowBits)),
				respell("webhook-signature", padded),
				respell("webhook-signature", func(v string) string { return "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v1a,AAAA  " + v }),
				respell("webhook-signature", func(v string) string { return v + "\tv2,AAAA v1,AAAA" }),
			},
		},
		{
			name:    "standard_webhooks svix",
			cfg:     verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{whsec(key)}},
			request: signed(verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{whsec(key)}}, "svix-id", "msg_2"),
			spelling: []func(*verify.Request){
				respell("svix-signature", after("v1,", b64LowBits)),
				respell("svix-signature", func(v string) string { return "v1a,AAAA " + v }),
			},
		},
		{
			name: "standard_webhooks rotation",
			cfg:  verify.Config{Scheme: "standard_webhooks", Secrets: swRotation},
			request: func(body string) verify.Request {
				sig := func(i int) string {
					r := verify.Request{Header: hdr("webhook-id", "msg_3"), Body: []byte(body)}
					signWith(t, verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{swRotation[i]}}, &r, at(now)())
					return r.Header.Get("webhook-signature")
				}
				r := verify.Request{Header: hdr("webhook-id", "msg_3", "webhook-timestamp", ts), Body: []byte(body)}
				r.Header.Set("webhook-signature", sig(0)+" "+sig(1))
				return r
			},
			spelling: []func(*verify.Request){
				respell("webhook-signature", func(v string) string { a, b, _ := strings.Cut(v, " "); return b + " " + a }),
			},
		},
		{
			name: "gitlab signing token",
			cfg:  verify.Config{Scheme: "gitlab_token", Secrets: [][]byte{key}},
			request: func(body string) verify.Request {
				r := verify.Request{Header: hdr("webhook-id", "idem-1", "Idempotency-Key", "idem-1"), Body: []byte(body)}
				signWith(t, verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{whsec(key)}}, &r, at(now)())
				return r
			},
			spelling: []func(*verify.Request){
				respell("webhook-signature", after("v1,", b64LowBits)),
				respell("webhook-signature", func(v string) string { return "v1a,AAAA " + v + " " }),
			},
		},
		{
			name: "discord_ed25519",
			cfg:  verify.Config{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(hex.EncodeToString(discordPriv.Public().(ed25519.PublicKey)))}},
			request: func(body string) verify.Request {
				return verify.Request{Header: hdr("X-Signature-Timestamp", ts,
					"X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(discordPriv, []byte(ts+body)))), Body: []byte(body)}
			},
			spelling: []func(*verify.Request){
				respell("X-Signature-Ed25519", strings.ToUpper),
				respell("X-Signature-Ed25519", mixedCase),
				respell("X-Signature-Ed25519", padded),
			},
		},
		{
			name: "twilio form",
			cfg:  verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}},
			request: func(body string) verify.Request {
				r := verify.Request{Method: "POST", URL: twilioURL, Header: hdr("Content-Type", "application/x-www-form-urlencoded"),
					Body: []byte(twilioForm(body))}
				signWith(t, verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}}, &r, at(now)())
				return r
			},
			spelling: []func(*verify.Request){
				respell("X-Twilio-Signature", b64LowBits),
				respell("X-Twilio-Signature", padded),
				// The same signature on the URL with the default port.
				func(r *verify.Request) { r.URL = strings.Replace(r.URL, "mycompany.com", "mycompany.com:443", 1) },
			},
		},
		{
			name:    "twilio JSON",
			cfg:     verify.Config{Scheme: "twilio", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "twilio", Secrets: [][]byte{key}}, "Content-Type", "application/json"),
			spelling: []func(*verify.Request){
				respell("X-Twilio-Signature", b64LowBits),
				respell("X-Twilio-Signature", padded),
			},
		},
		{
			name:    "didit X-Signature",
			cfg:     verify.Config{Scheme: "didit", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "didit", Secrets: [][]byte{key}}),
			spelling: []func(*verify.Request){
				respell("X-Signature", strings.ToUpper),
				respell("X-Signature", padded),
			},
		},
		{
			name: "didit X-Signature-V2",
			cfg:  verify.Config{Scheme: "didit", Secrets: [][]byte{key}},
			request: func(body string) verify.Request {
				// body is already canonical JSON.
				return verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-V2", hexMAC(sha256.New, string(key), body)), Body: []byte(body)}
			},
			spelling: []func(*verify.Request){
				respell("X-Signature-V2", strings.ToUpper),
				respell("X-Signature-V2", padded),
			},
		},
		{
			name: "didit X-Signature-Simple",
			cfg:  verify.Config{Scheme: "didit", Secrets: [][]byte{key}, Legacy: true},
			request: func(body string) verify.Request {
				return verify.Request{Header: hdr("X-Timestamp", ts, "X-Signature-Simple",
					hexMAC(sha256.New, string(key), ts+":s:"+body+":status.updated")),
					Body: []byte(`{"timestamp":` + ts + `,"session_id":"s","status":` + strconv.Quote(body) + `,"webhook_type":"status.updated"}`)}
			},
			spelling: []func(*verify.Request){
				respell("X-Signature-Simple", mixedCase),
				respell("X-Signature-Simple", padded),
			},
		},
		{
			name:    "zoho_sign",
			cfg:     verify.Config{Scheme: "zoho_sign", Secrets: [][]byte{key}},
			request: signed(verify.Config{Scheme: "zoho_sign", Secrets: [][]byte{key}}),
			spelling: []func(*verify.Request){
				respell("X-ZS-WEBHOOK-SIGNATURE", b64LowBits),
				respell("X-ZS-WEBHOOK-SIGNATURE", padded),
			},
		},
		{
			name: "hmac hex with timestamp",
			cfg: verify.Config{Scheme: "hmac", Secrets: [][]byte{key}, HMAC: verify.HMACConfig{Header: "X-Sig", Prefix: "sha256=",
				Signed: "timestamp.body", TimestampHeader: "X-Ts", DeliveryIDHeader: "X-Id"}},
			request: func(body string) verify.Request {
				return verify.Request{Header: hdr("X-Id", "d-1", "X-Ts", ts, "X-Sig", "sha256="+hexMAC(sha256.New, string(key), ts+"."+body)), Body: []byte(body)}
			},
			spelling: []func(*verify.Request){
				respell("X-Sig", after("sha256=", strings.ToUpper)),
				respell("X-Sig", after("sha256=", mixedCase)),
				respell("X-Sig", padded),
			},
		},
		{
			name: "hmac base64 sha512 with timestamp",
			cfg: verify.Config{Scheme: "hmac", Secrets: [][]byte{key}, HMAC: verify.HMACConfig{Algorithm: "sha512", Header: "X-Sig",
				Encoding: "base64", Signed: "timestamp.body", TimestampHeader: "X-Ts"}},
			request: func(body string) verify.Request {
				return verify.Request{Header: hdr("X-Ts", ts, "X-Sig", b64MAC(sha512.New, string(key), ts+"."+body)), Body: []byte(body)}
			},
			spelling: []func(*verify.Request){
				respell("X-Sig", b64LowBits),
				respell("X-Sig", padded),
			},
		},
		{
			name: "hmac base64 sha1 body",
			cfg:  verify.Config{Scheme: "hmac", Secrets: [][]byte{key}, HMAC: verify.HMACConfig{Algorithm: "sha1", Header: "X-Sig", Encoding: "base64"}},
			request: func(body string) verify.Request {
				return verify.Request{Header: hdr("X-Sig", b64MAC(sha1.New, string(key), body)), Body: []byte(body)}
			},
			spelling: []func(*verify.Request){
				respell("X-Sig", b64LowBits),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.Now = at(now)
			// Bodies valid for every scheme here (Didit's V2 wants
			// canonical JSON, its Simple form a status).
			bodyA, bodyB := `{"n":1,"timestamp":1700000000}`, `{"n":2,"timestamp":1700000000}`
			orig := tt.request(bodyA)
			want, err := verify.Verify(cfg, orig)
			if err != nil {
				t.Fatalf("Verify(as sent) error = %v; want accepted", err)
			}
			wantPrefix := cfg.Scheme + ":"
			if rest, ok := strings.CutPrefix(want.Signature, wantPrefix); !ok || rest != strings.ToLower(rest) || len(rest) == 0 {
				t.Errorf("Signature = %q; want %q and lower-case hex", want.Signature, wantPrefix+"…")
			}
			for _, s := range cfg.Secrets {
				if strings.Contains(want.Signature, string(s)) || strings.Contains(want.Signature, hex.EncodeToString(s)) {
					t.Errorf("Signature %q contains a secret", want.Signature)
				}
			}
			for i, change := range tt.spelling {
				r := orig
				r.Header = maps.Clone(orig.Header)
				change(&r)
				if cmp.Equal(r.Header, orig.Header) && r.URL == orig.URL {
					t.Fatalf("spelling %d changes nothing", i)
				}
				got, err := verify.Verify(cfg, r)
				if err != nil {
					t.Errorf("spelling %d (%q): Verify() error = %v; want accepted", i, r.Header, err)
					continue
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("spelling %d (%q): Verify() result differs from the original's (-want +got):\n%s", i, r.Header, diff)
				}
			}
			other, err := verify.Verify(cfg, tt.request(bodyB))
			if err != nil {
				t.Fatalf("Verify(other signature) error = %v; want accepted", err)
			}
			if other.Signature == want.Signature {
				t.Errorf("two different signatures give the same Signature %q", want.Signature)
			}
		})
	}
}

// TestTwilioBody checks that Twilio's signature covers the body: a form
// body through its parameters, any other one through the bodySHA256 URL
// parameter, which must be there and match (providers.md B8).
func TestTwilioBody(t *testing.T) {
	t.Parallel()
	const key = "k3y"
	body := `{"MessageSid":"SM1","MessageStatus":"delivered"}`
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	otherSum := sha256.Sum256([]byte(`{"MessageSid":"SM1","MessageStatus":"failed"}`))
	base := "https://hub.example.com/hook"
	// The second secret is the one of Twilio's published vectors.
	cfg := verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(key), []byte(twilioToken)}}
	// signedReq is a request whose signature over rawURL is right, so that
	// only the body rules decide.
	signedReq := func(method, rawURL, contentType, body string) verify.Request {
		h := hdr("X-Twilio-Signature", b64MAC(sha1.New, key, rawURL))
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		return verify.Request{Method: method, URL: rawURL, Header: h, Body: []byte(body)}
	}
	formType := "application/x-www-form-urlencoded"
	tests := []struct {
		name string
		req  verify.Request
		want verify.Kind // "" = accepted
	}{
		{"JSON without bodySHA256", signedReq("POST", base, "application/json", body), verify.KindMissing},
		{"JSON without bodySHA256, other query", signedReq("POST", base+"?x=1", "application/json", body), verify.KindMissing},
		{"JSON with bodySHA256", signedReq("POST", base+"?bodySHA256="+hash, "application/json", body), ""},
		{"JSON with bodySHA256 among other parameters", signedReq("POST", base+"?x=1&bodySHA256="+hash+"&y=2", "application/json; charset=utf-8", body), ""},
		{"JSON with upper-case bodySHA256", signedReq("POST", base+"?bodySHA256="+strings.ToUpper(hash), "application/json", body), ""},
		{"JSON with another body's bodySHA256", signedReq("POST", base+"?bodySHA256="+hex.EncodeToString(otherSum[:]), "application/json", body), verify.KindMismatch},
		{"JSON with truncated bodySHA256", signedReq("POST", base+"?bodySHA256="+hash[:62], "application/json", body), verify.KindMalformed},
		{"JSON with non-hex bodySHA256", signedReq("POST", base+"?bodySHA256=not-hex", "application/json", body), verify.KindMalformed},
		{"JSON with empty bodySHA256", signedReq("POST", base+"?bodySHA256=", "application/json", body), verify.KindMalformed},
		{"JSON with repeated bodySHA256", signedReq("POST", base+"?bodySHA256="+hash+"&bodySHA256="+hash, "application/json", body), verify.KindMalformed},
		{"JSON bodySHA256 right, signature over the bare URL", func() verify.Request {
			r := signedReq("POST", base, "application/json", body)
			r.URL = base + "?bodySHA256=" + hash
			return r
		}(), verify.KindMismatch},
		{"text/plain without bodySHA256", signedReq("POST", base, "text/plain", "hello"), verify.KindMissing},
		{"no content type without bodySHA256", signedReq("POST", base, "", body), verify.KindMissing},
		{"malformed content type without bodySHA256", signedReq("POST", base, "application/x-www-form-urlencoded; ;", "a=1"), verify.KindMissing},
		{"GET with a body without bodySHA256", signedReq("GET", base+"?MessageSid=SM1", formType, "MessageStatus=failed"), verify.KindMissing},
		{"GET without a body", signedReq("GET", base+"?MessageSid=SM1", "", ""), ""},
		{"JSON empty body without bodySHA256", signedReq("POST", base, "application/json", ""), ""},
		{"text/plain with bodySHA256", signedReq("POST", base+"?bodySHA256="+hash, "text/plain", body), ""},
		{"form as before (D1.5)", verify.Request{Method: "POST", URL: twilioURL, Body: []byte(twilioForm("+14158675310")),
			Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", "Content-Type", formType)}, ""},
		{"form changed", verify.Request{Method: "POST", URL: twilioURL, Body: []byte(twilioForm("+14158675311")),
			Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", "Content-Type", formType)}, verify.KindMismatch},
		{"form with charset", verify.Request{Method: "POST", URL: twilioURL, Body: []byte(twilioForm("+14158675310")),
			Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", "Content-Type", formType+"; charset=utf-8")}, ""},
		{"form sent as JSON", verify.Request{Method: "POST", URL: twilioURL, Body: []byte(twilioForm("+14158675310")),
			Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", "Content-Type", "application/json")}, verify.KindMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := verify.Verify(cfg, tt.req)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Verify() error = %v; want accepted", err)
				}
				return
			}
			if got := errKind(err); got != tt.want {
				t.Fatalf("Verify() error = %v (kind %q); want kind %q", err, got, tt.want)
			}
			if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), hash) {
				t.Errorf("Verify() error %q shows the secret or the body hash", err)
			}
		})
	}
}

// TestSignTwilio checks that Sign adds bodySHA256 to the URL for a body
// that is not a form, as Twilio does, so that the gateway's test delivery
// (JSON, URL without query) verifies; and that it leaves form requests'
// URLs alone.
func TestSignTwilio(t *testing.T) {
	t.Parallel()
	const body = `{"type":"ihub.test","data":{"message":"test delivery from ihub"}}`
	sum := sha256.Sum256([]byte(body))
	hash := hex.EncodeToString(sum[:])
	cfg := verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte("k3y"), []byte("old")}}
	tests := []struct {
		name, method, url, contentType, body string
		wantURL                              string
	}{
		{"JSON, URL without query", "POST", "https://hub.example.com/api/v1/hooks/ep1", "application/json", body,
			"https://hub.example.com/api/v1/hooks/ep1?bodySHA256=" + hash},
		{"JSON, URL with query", "POST", "https://hub.example.com/hook?x=1", "application/json", body,
			"https://hub.example.com/hook?x=1&bodySHA256=" + hash},
		{"JSON, URL ending in ?", "POST", "https://hub.example.com/hook?", "application/json", body,
			"https://hub.example.com/hook?bodySHA256=" + hash},
		{"JSON, URL with default port", "POST", "https://hub.example.com:443/hook", "application/json", body,
			"https://hub.example.com:443/hook?bodySHA256=" + hash},
		{"JSON, bodySHA256 already there", "POST", "https://hub.example.com/hook?bodySHA256=" + hash, "application/json", body,
			"https://hub.example.com/hook?bodySHA256=" + hash},
		{"text body", "POST", "https://hub.example.com/hook", "text/plain", "hello",
			"https://hub.example.com/hook?bodySHA256=2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"},
		{"form", "POST", twilioURL, "application/x-www-form-urlencoded", twilioForm("+14158675310"), twilioURL},
		{"GET without body", "GET", "https://hub.example.com/hook?MessageSid=SM1", "", "", "https://hub.example.com/hook?MessageSid=SM1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := verify.Request{Method: tt.method, URL: tt.url, Header: hdr("Content-Type", tt.contentType), Body: []byte(tt.body)}
			if err := verify.Sign(cfg, &r); err != nil {
				t.Fatalf("Sign() error = %v", err)
			}
			if r.URL != tt.wantURL {
				t.Errorf("Sign() URL = %q; want %q", r.URL, tt.wantURL)
			}
			if _, err := verify.Verify(cfg, r); err != nil {
				t.Fatalf("Verify(Sign()) error = %v; want accepted", err)
			}
			if len(r.Body) > 0 {
				r.Body = append([]byte(nil), r.Body...)
				r.Body[len(r.Body)/2] ^= 0x01
				if _, err := verify.Verify(cfg, r); errKind(err) != verify.KindMismatch {
					t.Errorf("Verify(Sign() with a changed body byte) error = %v; want kind %q", err, verify.KindMismatch)
				}
			}
		})
	}
	t.Run("bodySHA256 of another body refused", func(t *testing.T) {
		t.Parallel()
		r := verify.Request{Method: "POST", URL: "https://hub.example.com/hook?bodySHA256=" + strings.Repeat("00", 32),
			Header: hdr("Content-Type", "application/json"), Body: []byte(body)}
		if err := verify.Sign(cfg, &r); errKind(err) != verify.KindMismatch {
			t.Errorf("Sign() error = %v; want kind %q", err, verify.KindMismatch)
		}
	})
}
