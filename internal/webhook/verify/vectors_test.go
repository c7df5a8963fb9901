package verify_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/webhook/verify"
)

// Published and self-generated vectors from providers.md Part D.
const (
	githubSecret = "It's a Secret to Everybody"
	githubSig    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

	slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	slackTS     = "1531420618"
	slackBody   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackSig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

	swSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swTS     = "1614265330"
	swBody   = `{"test": 2432232314}`
	swSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	swBadSig = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="

	twilioToken = "12345"
	twilioURL   = "https://mycompany.com/myapp.php?foo=1&bar=2"

	rfcKey  = "Jefe"
	rfcData = "what do ya want for nothing?"

	ed25519Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	ed25519Pub  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
	ed25519Sig  = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"

	stripeBody = `{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}`
	stripeSig  = "v1=f457ee3d89f52f9f02936e1cd1173dd5dfa132cdc78ec55ea964a53098c5a1c0"

	discordSig = "1695961a47c91a1ec033b819b7e87e3dbc583dd0cee6d1fd0216f58ac87b6228ae531ddbf91fb7bc28d7edf7f08604da16f54624f38a6bc0614e4dc13cd47f0f"

	tfcSig = "e20f6bc030643c6ab745931094db418d7705b4e8657f201bd7a844d4dc07567ded9c240ce2e3d60605cc75f871a3442715c8dbac64ff61e44e051486721620a1"

	diditSimpleSig = "e243530e3cd47726aa7639fdcfb0c0a548c6592d277dc106b0ae89a3c49345f0"

	zohoSig = "uAMIQn0N87PVeiPjZ5Mjma8qJ0FdmINJoFqDiOw9ZCc="
)

// The Result.Signature of the vectors: the scheme id and the lower-case hex
// of the decoded signature (base64 ones decoded with python3).
const (
	githubHex  = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	slackHex   = "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	swHex      = "83484cf52b04f8e4cf2531adfed9882ad4b2665137b852442d594d20e2c9d4e1"
	twilioHex1 = "d3f2824d1e832e92a69007fc9aecd9aa8d670e04" // 0/KCTR6DLpKmkAf8muzZqo1nDgQ=
	twilioHex2 = "1af59fd5c158fd0ecf9e87a6a46c83e685c07b37" // GvWf1cFY/Q7PnoempGyD5oXAezc=
	rfc256Hex  = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	rfc512Hex  = "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
	stripeHex  = "f457ee3d89f52f9f02936e1cd1173dd5dfa132cdc78ec55ea964a53098c5a1c0"
	zohoHex    = "b80308427d0df3b3d57a23e367932399af2a27415d988349a05a8388ec3d6427"
)

// at returns a clock stopped at Unix second s.
func at(s int64) func() time.Time { return func() time.Time { return time.Unix(s, 0) } }

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func twilioForm(caller string) string {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"}, "Caller": {caller}, "Digits": {"1234"},
		"From": {caller}, "To": {"+18005551212"},
	}.Encode()
}

// TestVectors runs every vector of providers.md Part D that concerns a
// scheme: D1 (published) must pass exactly, D2 (self-generated) guards
// against regressions.
const zohoPaymentsHex = "635487626698aeb9b496aa6d970f46b5e99e0790fea157e7b8f5f699a5ab6e58"

func TestVectors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      verify.Config
		req      verify.Request
		want     verify.Result
		wantKind verify.Kind // set when the request must be rejected
	}{
		{
			name: "D1.1 github",
			cfg:  verify.Config{Scheme: "github", Secrets: [][]byte{[]byte(githubSecret)}},
			req:  verify.Request{Header: hdr("X-Hub-Signature-256", githubSig, "X-GitHub-Delivery", "d-1"), Body: []byte("Hello, World!")},
			want: verify.Result{DeliveryID: "d-1", Signature: "github:" + githubHex},
		},
		{
			name: "D1.1 bitbucket (same vector under X-Hub-Signature)",
			cfg:  verify.Config{Scheme: "bitbucket", Secrets: [][]byte{[]byte(githubSecret)}},
			req:  verify.Request{Header: hdr("X-Hub-Signature", githubSig, "X-Request-UUID", "u-1"), Body: []byte("Hello, World!")},
			want: verify.Result{DeliveryID: "u-1", Signature: "bitbucket:" + githubHex},
		},
		{
			name: "D1.2 slack",
			cfg:  verify.Config{Scheme: "slack", Secrets: [][]byte{[]byte(slackSecret)}, Now: at(1531420618)},
			req:  verify.Request{Header: hdr("X-Slack-Signature", slackSig, "X-Slack-Request-Timestamp", slackTS), Body: []byte(slackBody)},
			want: verify.Result{Timestamp: time.Unix(1531420618, 0), Signature: "slack:" + slackHex},
		},
		{
			name: "D1.3 standard webhooks",
			cfg:  verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)},
			req:  verify.Request{Header: hdr("webhook-id", swID, "webhook-timestamp", swTS, "webhook-signature", swSig), Body: []byte(swBody)},
			want: verify.Result{Timestamp: time.Unix(1614265330, 0), DeliveryID: swID, Signature: "standard_webhooks:" + swHex},
		},
		{
			name: "D1.3 svix headers (Resend)",
			cfg:  verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)},
			req:  verify.Request{Header: hdr("svix-id", swID, "svix-timestamp", swTS, "svix-signature", swSig), Body: []byte(swBody)},
			want: verify.Result{Timestamp: time.Unix(1614265330, 0), DeliveryID: swID, Signature: "standard_webhooks:" + swHex},
		},
		{
			name: "D1.3 several signatures, one valid",
			cfg:  verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)},
			req:  verify.Request{Header: hdr("webhook-id", swID, "webhook-timestamp", swTS, "webhook-signature", swBadSig+" v1a,AAAA "+swSig), Body: []byte(swBody)},
			want: verify.Result{Timestamp: time.Unix(1614265330, 0), DeliveryID: swID, Signature: "standard_webhooks:" + swHex},
		},
		{
			name:     "D1.3 negative vector",
			cfg:      verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}, Now: at(1614265330)},
			req:      verify.Request{Header: hdr("webhook-id", swID, "webhook-timestamp", swTS, "webhook-signature", swBadSig), Body: []byte(swBody)},
			wantKind: verify.KindMismatch,
		},
		{
			name: "D1.4 twilio (older doc)",
			cfg:  verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}},
			req: verify.Request{Method: "POST", URL: twilioURL, Body: []byte(twilioForm("+12349013030")),
				Header: hdr("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "Content-Type", "application/x-www-form-urlencoded")},
			want: verify.Result{Signature: "twilio:" + twilioHex1},
		},
		{
			name: "D1.5 twilio (current doc)",
			cfg:  verify.Config{Scheme: "twilio", Secrets: [][]byte{[]byte(twilioToken)}},
			req: verify.Request{Method: "POST", URL: twilioURL, Body: []byte(twilioForm("+14158675310")),
				Header: hdr("X-Twilio-Signature", "GvWf1cFY/Q7PnoempGyD5oXAezc=", "Content-Type", "application/x-www-form-urlencoded", "I-Twilio-Idempotency-Token", "tok-1")},
			want: verify.Result{DeliveryID: "tok-1", Signature: "twilio:" + twilioHex2},
		},
		{
			name: "D1.7 HMAC-SHA256 (RFC 4231 TC2) through generic hmac",
			cfg:  verify.Config{Scheme: "hmac", Secrets: [][]byte{[]byte(rfcKey)}, HMAC: verify.HMACConfig{Algorithm: "sha256", Header: "X-Sig"}},
			req:  verify.Request{Header: hdr("X-Sig", rfc256Hex), Body: []byte(rfcData)},
			want: verify.Result{Signature: "hmac:" + rfc256Hex},
		},
		{
			name: "D1.8 HMAC-SHA512 (RFC 4231 TC2) through terraform",
			cfg:  verify.Config{Scheme: "terraform", Secrets: [][]byte{[]byte(rfcKey)}},
			req:  verify.Request{Header: hdr("X-TFE-Notification-Signature", rfc512Hex), Body: []byte(rfcData)},
			want: verify.Result{Signature: "terraform:" + rfc512Hex},
		},
		{
			name: "D2 stripe",
			cfg:  verify.Config{Scheme: "stripe", Secrets: [][]byte{[]byte("whsec_test_secret")}, Now: at(1700000000)},
			req:  verify.Request{Header: hdr("Stripe-Signature", "t=1700000000,"+stripeSig), Body: []byte(stripeBody)},
			want: verify.Result{Timestamp: time.Unix(1700000000, 0), Signature: "stripe:" + stripeHex},
		},
		{
			name: "D2 stripe, second v1 matches, v0 ignored",
			cfg:  verify.Config{Scheme: "stripe", Secrets: [][]byte{[]byte("whsec_test_secret")}, Now: at(1700000000)},
			req: verify.Request{Header: hdr("Stripe-Signature", "t=1700000000,v1=00ff,"+stripeSig+",v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"),
				Body: []byte(stripeBody)},
			want: verify.Result{Timestamp: time.Unix(1700000000, 0), Signature: "stripe:" + stripeHex},
		},
		{
			name: "D2 discord",
			cfg:  verify.Config{Scheme: "discord_ed25519", Secrets: [][]byte{[]byte(ed25519Pub)}, Now: at(1700000000)},
			req:  verify.Request{Header: hdr("X-Signature-Ed25519", discordSig, "X-Signature-Timestamp", "1700000000"), Body: []byte(`{"type":1}`)},
			want: verify.Result{Timestamp: time.Unix(1700000000, 0), Signature: "discord_ed25519:" + discordSig},
		},
		{
			name: "D2 terraform",
			cfg:  verify.Config{Scheme: "terraform", Secrets: [][]byte{[]byte("tfc-token")}},
			req:  verify.Request{Header: hdr("X-TFE-Notification-Signature", tfcSig), Body: []byte(`{"payload_version":1}`)},
			want: verify.Result{Signature: "terraform:" + tfcSig},
		},
		{
			name: "D2 didit simple",
			cfg:  verify.Config{Scheme: "didit", Secrets: [][]byte{[]byte("didit-secret")}, Now: at(1700000000), Legacy: true},
			req: verify.Request{Header: hdr("X-Signature-Simple", diditSimpleSig, "X-Timestamp", "1700000000"),
				Body: []byte(`{"session_id":"11111111-2222-3333-4444-555555555555","status":"Approved","webhook_type":"status.updated","timestamp":1700000000,"decision":{}}`)},
			want: verify.Result{Timestamp: time.Unix(1700000000, 0), Signature: "didit:" + diditSimpleSig},
		},
		{
			name:     "D2 didit simple refused without Legacy",
			cfg:      verify.Config{Scheme: "didit", Secrets: [][]byte{[]byte("didit-secret")}, Now: at(1700000000)},
			req:      verify.Request{Header: hdr("X-Signature-Simple", diditSimpleSig, "X-Timestamp", "1700000000"), Body: []byte(`{"session_id":"11111111-2222-3333-4444-555555555555","status":"Approved","webhook_type":"status.updated","timestamp":1700000000}`)},
			wantKind: verify.KindMissing,
		},
		{
			name: "D2 zoho sign",
			cfg:  verify.Config{Scheme: "zoho_sign", Secrets: [][]byte{[]byte("zs-secret")}},
			req:  verify.Request{Header: hdr("X-ZS-WEBHOOK-SIGNATURE", zohoSig), Body: []byte(`{"requests":{"request_id":"1"}}`)},
			want: verify.Result{Signature: "zoho_sign:" + zohoHex},
		},
		{
			// Self-computed (python3 hmac): providers.md B13 gives the format,
			// t in milliseconds, no vector.
			name: "zoho payments",
			cfg:  verify.Config{Scheme: "zoho_payments", Secrets: [][]byte{[]byte("zp-signing-key")}, Now: func() time.Time { return time.UnixMilli(1700000000123 + 60_000) }},
			req: verify.Request{Header: hdr("X-Zoho-Webhook-Signature", "t=1700000000123,v="+zohoPaymentsHex),
				Body: []byte(`{"event_id":"2000000001","event_type":"payment.succeeded"}`)},
			want: verify.Result{Timestamp: time.UnixMilli(1700000000123), Signature: "zoho_payments:" + zohoPaymentsHex},
		},
		{
			name: "zoho payments 10 minutes later",
			cfg:  verify.Config{Scheme: "zoho_payments", Secrets: [][]byte{[]byte("zp-signing-key")}, Now: func() time.Time { return time.UnixMilli(1700000000123 + 600_000) }},
			req: verify.Request{Header: hdr("X-Zoho-Webhook-Signature", "t=1700000000123,v="+zohoPaymentsHex),
				Body: []byte(`{"event_id":"2000000001","event_type":"payment.succeeded"}`)},
			wantKind: verify.KindTimestamp,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := verify.Verify(tt.cfg, tt.req)
			if tt.wantKind != "" {
				var ve *verify.Error
				if !errors.As(err, &ve) || ve.Kind != tt.wantKind {
					t.Fatalf("Verify() error = %v; want kind %s", err, tt.wantKind)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify() error = %v; want accepted", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verify() result mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEd25519Vector pins the primitive with RFC 8032 test 1 (D1.9): the
// seed gives the public key, and the signature of the empty message
// verifies under the key as the discord scheme parses it.
func TestEd25519Vector(t *testing.T) {
	t.Parallel()
	seed, _ := hex.DecodeString(ed25519Seed)
	priv := ed25519.NewKeyFromSeed(seed)
	if got := hex.EncodeToString(priv.Public().(ed25519.PublicKey)); got != ed25519Pub {
		t.Fatalf("public key = %s; want %s", got, ed25519Pub)
	}
	if got := hex.EncodeToString(ed25519.Sign(priv, nil)); got != ed25519Sig {
		t.Fatalf("signature = %s; want %s", got, ed25519Sig)
	}
	// The D2 Discord vector is the same key over "1700000000{"type":1}".
	if got := hex.EncodeToString(ed25519.Sign(priv, []byte(`1700000000{"type":1}`))); got != discordSig {
		t.Fatalf("discord signature = %s; want %s", got, discordSig)
	}
}
