package verify_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider/providertest"
	"ihub/internal/webhook/verify"
)

const now = 1700000000

// secrets used by the matrix: current, previous (rotation) and a wrong one.
var (
	current  = []byte("current-secret-0123456789")
	previous = []byte("previous-secret-9876543210")
	wrong    = []byte("wrong-secret-abcdefghijkl")
)

// schemeCase describes one scheme for the common matrix of checks.
type schemeCase struct {
	cfg verify.Config // without Secrets and Now
	// secrets holds what Config.Secrets carries for current, previous and
	// wrong; nil means the raw secrets above.
	secrets [3][]byte
	// base returns the unsigned request, with its delivery id header.
	base func() verify.Request
	// sign signs r as the provider would with secret i at time at; nil
	// means verify.Sign with secrets[i].
	sign func(t *testing.T, r *verify.Request, i int, at time.Time)
	// header is removed for the "missing header" check.
	header string
	// want is the expected result for a delivery signed at now (Signature
	// is filled from the header when sigInResult: see sigID).
	want        verify.Result
	sigInResult bool
	// sigPrefix precedes the signature in the header; sigBase64 says it is
	// base64 rather than hex.
	sigPrefix string
	sigBase64 bool
	// bodyCovered: changing a body byte must be rejected.
	bodyCovered bool
	timestamped bool
}

func (sc schemeCase) secret(i int) []byte {
	if sc.secrets[i] != nil {
		return sc.secrets[i]
	}
	return [][]byte{current, previous, wrong}[i]
}

func (sc schemeCase) config() verify.Config {
	c := sc.cfg
	c.Secrets = [][]byte{sc.secret(0), sc.secret(1)}
	c.Now = at(now)
	return c
}

func (sc schemeCase) signed(t *testing.T, i int, when time.Time) verify.Request {
	t.Helper()
	r := sc.base()
	r.Body = slices.Clone(r.Body)
	if sc.sign != nil {
		sc.sign(t, &r, i, when)
		return r
	}
	c := sc.cfg
	c.Secrets = [][]byte{sc.secret(i)}
	c.Now = func() time.Time { return when }
	if err := verify.Sign(c, &r); err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
	return r
}

func whsec(raw []byte) []byte { return []byte("whsec_" + base64.StdEncoding.EncodeToString(raw)) }

// discordKeys are three Ed25519 key pairs (current, previous, wrong).
var discordKeys = func() [3]ed25519.PrivateKey {
	var k [3]ed25519.PrivateKey
	for i := range k {
		seed := sha256.Sum256([]byte("discord-key-" + strconv.Itoa(i)))
		k[i] = ed25519.NewKeyFromSeed(seed[:])
	}
	return k
}()

func discordPub(i int) []byte {
	return []byte(hex.EncodeToString(discordKeys[i].Public().(ed25519.PublicKey)))
}

func jsonRequest(body string, kv ...string) func() verify.Request {
	return func() verify.Request {
		return verify.Request{Method: "POST", URL: "https://hub.example.com/api/v1/hooks/ep1", Header: hdr(kv...), Body: []byte(body)}
	}
}

func schemeCases() map[string]schemeCase {
	body := `{"action":"opened","number":42,"name":"café"}`
	form := "CallSid=CA1&From=%2B27820000000&Body=hello+world&Body=again"
	return map[string]schemeCase{
		"github": {
			cfg: verify.Config{Scheme: "github"}, base: jsonRequest(body, "X-GitHub-Delivery", "gh-1"),
			header: "X-Hub-Signature-256", want: verify.Result{DeliveryID: "gh-1"}, sigInResult: true, sigPrefix: "sha256=",
			bodyCovered: true,
		},
		"gitlab_token": {
			cfg: verify.Config{Scheme: "gitlab_token"}, base: jsonRequest(body, "X-Gitlab-Event-UUID", "gl-1"),
			header: "X-Gitlab-Token", want: verify.Result{DeliveryID: "gl-1"},
		},
		"gitlab_signing": {
			cfg: verify.Config{Scheme: "gitlab_token"}, base: jsonRequest(body, "Idempotency-Key", "idem-1", "webhook-id", "idem-1"),
			sign: func(t *testing.T, r *verify.Request, i int, when time.Time) {
				// GitLab's signing token used as the raw HMAC key [?].
				signWith(t, verify.Config{Scheme: "standard_webhooks", Secrets: [][]byte{whsec([][]byte{current, previous, wrong}[i])}}, r, when)
			},
			header: "webhook-signature", want: verify.Result{Timestamp: time.Unix(now, 0), DeliveryID: "idem-1"},
			sigInResult: true, sigPrefix: "v1,", sigBase64: true, bodyCovered: true, timestamped: true,
		},
		"slack": {
			cfg: verify.Config{Scheme: "slack"}, base: jsonRequest(body),
			header: "X-Slack-Signature", want: verify.Result{Timestamp: time.Unix(now, 0)}, sigInResult: true, sigPrefix: "v0=",
			bodyCovered: true, timestamped: true,
		},
		"standard_webhooks": {
			cfg: verify.Config{Scheme: "standard_webhooks"}, base: jsonRequest(body, "webhook-id", "msg_1"),
			secrets: [3][]byte{whsec(current), whsec(previous), whsec(wrong)},
			header:  "webhook-signature", want: verify.Result{Timestamp: time.Unix(now, 0), DeliveryID: "msg_1"},
			sigInResult: true, sigPrefix: "v1,", sigBase64: true, bodyCovered: true, timestamped: true,
		},
		"standard_webhooks_svix": {
			cfg: verify.Config{Scheme: "standard_webhooks"}, base: jsonRequest(body, "svix-id", "msg_2"),
			secrets: [3][]byte{whsec(current), whsec(previous), whsec(wrong)},
			header:  "svix-signature", want: verify.Result{Timestamp: time.Unix(now, 0), DeliveryID: "msg_2"},
			sigInResult: true, sigPrefix: "v1,", sigBase64: true, bodyCovered: true, timestamped: true,
		},
		"stripe": {
			cfg: verify.Config{Scheme: "stripe"}, base: jsonRequest(body),
			header: "Stripe-Signature", want: verify.Result{Timestamp: time.Unix(now, 0)}, sigInResult: true, sigPrefix: "v1=",
			bodyCovered: true, timestamped: true,
		},
		"zoho_payments": {
			cfg: verify.Config{Scheme: "zoho_payments"}, base: jsonRequest(body),
			header: "X-Zoho-Webhook-Signature", want: verify.Result{Timestamp: time.Unix(now, 0)}, sigInResult: true, sigPrefix: "v=",
			bodyCovered: true, timestamped: true,
		},
		"bitbucket": {
			cfg: verify.Config{Scheme: "bitbucket"}, base: jsonRequest(body, "X-Request-UUID", "{bb-1}"),
			header: "X-Hub-Signature", want: verify.Result{DeliveryID: "{bb-1}"}, sigInResult: true, sigPrefix: "sha256=",
			bodyCovered: true,
		},
		"discord_ed25519": {
			cfg: verify.Config{Scheme: "discord_ed25519"}, base: jsonRequest(`{"type":1}`),
			secrets: [3][]byte{discordPub(0), discordPub(1), discordPub(2)},
			sign: func(_ *testing.T, r *verify.Request, i int, when time.Time) {
				ts := strconv.FormatInt(when.Unix(), 10)
				r.Header.Set("X-Signature-Timestamp", ts)
				r.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(discordKeys[i], append([]byte(ts), r.Body...))))
			},
			header: "X-Signature-Ed25519", want: verify.Result{Timestamp: time.Unix(now, 0)}, sigInResult: true,
			bodyCovered: true, timestamped: true,
		},
		"twilio": {
			cfg: verify.Config{Scheme: "twilio"},
			base: func() verify.Request {
				return verify.Request{Method: "POST", URL: "https://hub.example.com/api/v1/hooks/ep1?x=1",
					Header: hdr("Content-Type", "application/x-www-form-urlencoded", "I-Twilio-Idempotency-Token", "tw-1"), Body: []byte(form)}
			},
			header: "X-Twilio-Signature", want: verify.Result{DeliveryID: "tw-1"}, sigInResult: true, sigBase64: true,
			bodyCovered: true,
		},
		"twilio_json": {
			// Sign adds bodySHA256 to the URL, as Twilio does for JSON.
			cfg: verify.Config{Scheme: "twilio"}, base: jsonRequest(body, "Content-Type", "application/json", "I-Twilio-Idempotency-Token", "tw-2"),
			header: "X-Twilio-Signature", want: verify.Result{DeliveryID: "tw-2"}, sigInResult: true, sigBase64: true,
			bodyCovered: true,
		},
		"terraform": {
			cfg: verify.Config{Scheme: "terraform"}, base: jsonRequest(`{"payload_version":1}`),
			header: "X-TFE-Notification-Signature", sigInResult: true, bodyCovered: true,
		},
		"whmcs": {
			cfg: verify.Config{Scheme: "whmcs"}, base: jsonRequest(body, "X-Hub-Delivery", "wh-1", "X-Hub-Event", "TicketOpen"),
			header: "X-Hub-Signature-256", want: verify.Result{Timestamp: time.Unix(now, 0), DeliveryID: "wh-1"},
			sigInResult: true, sigPrefix: "sha256=", bodyCovered: true, timestamped: true,
		},
		"netcash": {
			cfg: verify.Config{Scheme: "netcash"},
			base: func() verify.Request {
				return verify.Request{Method: "POST", URL: "https://hub.example.com/api/v1/hooks/ep1",
					Header: hdr("Content-Type", "application/x-www-form-urlencoded")}
			},
			sign: func(t *testing.T, r *verify.Request, i int, _ time.Time) {
				tok, err := verify.NetcashExtra3([][]byte{current, previous, wrong}[i], "INV-1001", "250.00")
				if err != nil {
					t.Fatal(err)
				}
				r.Body = []byte(url.Values{"TransactionAccepted": {"true"}, "Reason": {"Success"}, "Reference": {"INV-1001"},
					"Amount": {"250.00"}, "RequestTrace": {"trace-1"}, "Extra3": {tok}}.Encode())
			},
			// No delivery id: the normalizer's (trace and outcome) is the
			// one, as a settlement reuses the pending postback's trace.
			want: verify.Result{},
		},
		"didit": {
			cfg: verify.Config{Scheme: "didit"}, base: jsonRequest(`{"session_id":"s-1","status":"Approved","webhook_type":"status.updated","timestamp":1700000000}`),
			header: "X-Signature", want: verify.Result{Timestamp: time.Unix(now, 0)}, sigInResult: true,
			bodyCovered: true, timestamped: true,
		},
		"zoho_sign": {
			cfg: verify.Config{Scheme: "zoho_sign"}, base: jsonRequest(body),
			header: "X-ZS-WEBHOOK-SIGNATURE", sigInResult: true, sigBase64: true, bodyCovered: true,
		},
		"header_token": {
			cfg: verify.Config{Scheme: "header_token", HeaderName: "X-Callback-Token"}, base: jsonRequest(body),
			header: "X-Callback-Token",
		},
		"query_token": {
			// Sign adds ?token=<secret> to the URL; the body is not covered.
			cfg: verify.Config{Scheme: "query_token", QueryParam: "token"}, base: jsonRequest(body),
		},
		"body_token": {
			// Sign adds "token":"<secret>" to the body, which the token
			// covers no more than a header token does.
			cfg: verify.Config{Scheme: "body_token", BodyField: "token"}, base: jsonRequest(body),
		},
		"basic_auth": {
			cfg: verify.Config{Scheme: "basic_auth", Username: "awx"}, base: jsonRequest(body),
			header: "Authorization",
		},
		"hmac": {
			cfg: verify.Config{Scheme: "hmac", HMAC: verify.HMACConfig{Algorithm: "sha512", Header: "X-Signature", Encoding: "base64",
				Prefix: "sha512=", Signed: "timestamp.body", TimestampHeader: "X-Timestamp", DeliveryIDHeader: "X-Delivery"}},
			base:   jsonRequest(body, "X-Delivery", "hm-1"),
			header: "X-Signature", want: verify.Result{Timestamp: time.Unix(now, 0), DeliveryID: "hm-1"}, sigInResult: true,
			sigPrefix: "sha512=", sigBase64: true, bodyCovered: true, timestamped: true,
		},
		"hmac_body": {
			cfg:    verify.Config{Scheme: "hmac", HMAC: verify.HMACConfig{Algorithm: "sha1", Header: "X-Signature"}},
			base:   jsonRequest(body),
			header: "X-Signature", sigInResult: true, bodyCovered: true,
		},
	}
}

// sigID is the Result.Signature expected for a signature header value: the
// scheme id, a colon and the lower-case hex of the signature after the
// last prefix (hex or base64).
func sigID(t *testing.T, scheme, value, prefix string, b64 bool) string {
	t.Helper()
	if prefix != "" {
		value = value[strings.LastIndex(value, prefix)+len(prefix):]
	}
	value = strings.TrimSpace(value)
	decode := hex.DecodeString
	if b64 {
		decode = base64.StdEncoding.DecodeString
	}
	b, err := decode(value)
	if err != nil {
		t.Fatalf("signature %q does not decode: %v", value, err)
	}
	return scheme + ":" + hex.EncodeToString(b)
}

func signWith(t *testing.T, c verify.Config, r *verify.Request, when time.Time) {
	t.Helper()
	c.Now = func() time.Time { return when }
	if err := verify.Sign(c, r); err != nil {
		t.Fatalf("Sign() error = %v", err)
	}
}

func wantKind(t *testing.T, err error, kinds ...verify.Kind) {
	t.Helper()
	var ve *verify.Error
	if !errors.As(err, &ve) {
		t.Fatalf("Verify() error = %v; want a *verify.Error of kind %v", err, kinds)
	}
	if len(kinds) > 0 && !slices.Contains(kinds, ve.Kind) {
		t.Fatalf("Verify() error kind = %s (%v); want %v", ve.Kind, err, kinds)
	}
	for _, s := range [][]byte{current, previous, wrong} {
		if strings.Contains(err.Error(), string(s)) {
			t.Fatalf("Verify() error %q shows a secret", err)
		}
	}
}

// TestSchemes runs the same checks on every scheme: a correct delivery and
// one signed with the previous secret are accepted; a changed body byte, a
// wrong secret, a missing header, and a stale or future timestamp are
// rejected.
func TestSchemes(t *testing.T) {
	t.Parallel()
	cases := schemeCases()
	nowT := time.Unix(now, 0)
	for name, sc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := sc.config()
			t.Run("correct accepted", func(t *testing.T) {
				t.Parallel()
				r := sc.signed(t, 0, nowT)
				got, err := verify.Verify(cfg, r)
				if err != nil {
					t.Fatalf("Verify() error = %v; want accepted", err)
				}
				want := sc.want
				if sc.sigInResult {
					want.Signature = sigID(t, sc.cfg.Scheme, r.Header.Get(sc.header), sc.sigPrefix, sc.sigBase64)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Verify() result mismatch (-want +got):\n%s", diff)
				}
			})
			t.Run("previous secret accepted", func(t *testing.T) {
				t.Parallel()
				if _, err := verify.Verify(cfg, sc.signed(t, 1, nowT)); err != nil {
					t.Fatalf("Verify() error = %v; want accepted", err)
				}
			})
			t.Run("wrong secret rejected", func(t *testing.T) {
				t.Parallel()
				_, err := verify.Verify(cfg, sc.signed(t, 2, nowT))
				wantKind(t, err, verify.KindMismatch)
			})
			t.Run("changed body byte rejected", func(t *testing.T) {
				t.Parallel()
				if !sc.bodyCovered {
					t.Skip("the scheme does not sign the body")
				}
				r := sc.signed(t, 0, nowT)
				r.Body[len(r.Body)/2] ^= 0x01
				_, err := verify.Verify(cfg, r)
				wantKind(t, err, verify.KindMismatch, verify.KindMalformed)
			})
			t.Run("missing header rejected", func(t *testing.T) {
				t.Parallel()
				if sc.header == "" {
					t.Skip("no header")
				}
				r := sc.signed(t, 0, nowT)
				r.Header.Del(sc.header)
				_, err := verify.Verify(cfg, r)
				wantKind(t, err, verify.KindMissing)
			})
			for _, d := range []struct {
				name   string
				offset time.Duration
				ok     bool
			}{
				{"stale timestamp rejected", -verify.DefaultTolerance - time.Second, false},
				{"future timestamp rejected", verify.DefaultTolerance + time.Second, false},
				{"oldest in tolerance accepted", -verify.DefaultTolerance, true},
				{"latest in tolerance accepted", verify.DefaultTolerance, true},
			} {
				t.Run(d.name, func(t *testing.T) {
					t.Parallel()
					if !sc.timestamped {
						t.Skip("no timestamp")
					}
					_, err := verify.Verify(cfg, sc.signed(t, 0, nowT.Add(d.offset)))
					if d.ok {
						if err != nil {
							t.Fatalf("Verify() error = %v; want accepted", err)
						}
						return
					}
					wantKind(t, err, verify.KindTimestamp)
				})
			}
		})
	}
}

// TestSchemesMatchProviderList keeps Schemes in step with the scheme ids
// descriptors may name.
func TestSchemesMatchProviderList(t *testing.T) {
	t.Parallel()
	if diff := cmp.Diff(providertest.WebhookSchemes, verify.Schemes()); diff != "" {
		t.Errorf("Schemes() differs from providertest.WebhookSchemes (-want +got):\n%s", diff)
	}
	covered := map[string]bool{}
	for _, sc := range schemeCases() {
		covered[sc.cfg.Scheme] = true
	}
	for _, s := range verify.Schemes() {
		if !covered[s] && s != "none" {
			t.Errorf("scheme %s has no case in TestSchemes", s)
		}
	}
}
