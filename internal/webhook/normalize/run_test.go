package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func allCases() []normalizeCase {
	return slices.Concat(normalizeCases, moreCases, extraCases, reviewCases)
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for _, tc := range allCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Normalize(tc.provider, tc.header, []byte(tc.body))
			if err != nil {
				t.Fatalf("Normalize(%q) error = %v; want nil", tc.provider, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Normalize(%q) mismatch (-want +got):\n%s", tc.provider, diff)
			}
		})
	}
}

// TestCatalogue checks that every standard type the cases produce is in
// the catalogue with that provider listed, and that the rest are
// "<provider>.<raw>" (or the generic http provider's own names).
func TestCatalogue(t *testing.T) {
	t.Parallel()
	byType := map[string]TypeInfo{}
	for _, ti := range Types() {
		byType[ti.Type] = ti
	}
	for _, tc := range allCases() {
		ti, ok := byType[tc.want.Type]
		switch {
		case tc.provider == "http" && tc.want.Type == tc.want.RawType:
			// The generic provider's own event names pass through.
		case ok && !slices.Contains(ti.Providers, tc.provider):
			t.Errorf("case %q: type %q is in the catalogue without provider %q", tc.name, tc.want.Type, tc.provider)
		case !ok && tc.provider != "http" && !strings.HasPrefix(tc.want.Type, tc.provider+"."):
			t.Errorf("case %q: type %q is neither catalogued nor %q-prefixed", tc.name, tc.want.Type, tc.provider)
		}
	}
}

func TestTypes(t *testing.T) {
	t.Parallel()
	types := Types()
	if len(types) == 0 {
		t.Fatal("Types() is empty")
	}
	for i, ti := range types {
		if i > 0 && types[i-1].Type >= ti.Type {
			t.Errorf("Types()[%d] = %q after %q; want sorted and unique", i, ti.Type, types[i-1].Type)
		}
		if ti.Description == "" || len(ti.Providers) == 0 {
			t.Errorf("Types() entry %q lacks a description or providers", ti.Type)
		}
		for _, p := range ti.Providers {
			if _, ok := normalizers[p]; !ok {
				t.Errorf("Types() entry %q names unknown provider %q", ti.Type, p)
			}
		}
	}
	// The result is a copy.
	types[0].Providers[0] = "changed"
	if Types()[0].Providers[0] == "changed" {
		t.Error("Types() shares its slices with the catalogue")
	}
}

func TestNormalizeUnknownProvider(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, provider, body string
		want                 Event
	}{
		{"typed", "acme", `{"event":"order.created"}`, Event{Type: "acme.order.created", RawType: "order.created"}},
		{"untyped", "acme", `{"x":"y"}`, Event{Type: "acme.event", Data: map[string]any{"x": "y"}}},
		{"malformed", "acme", `{`, Event{Type: "acme.unparsed"}},
		{"empty id", "", `{"type":"t"}`, Event{Type: "unknown.t", RawType: "t"}},
		{"hostile id", "a b\x00", `{}`, Event{Type: "a_b_.event"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Normalize(tc.provider, nil, []byte(tc.body))
			if !errors.Is(err, ErrUnknownProvider) {
				t.Errorf("Normalize(%q) error = %v; want ErrUnknownProvider", tc.provider, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Normalize(%q) mismatch (-want +got):\n%s", tc.provider, diff)
			}
		})
	}
}

func sha(body string) string {
	sum := sha256.Sum256([]byte(body))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestDeliveryID(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	tests := []struct {
		name, provider string
		header         http.Header
		body, want     string
	}{
		{"github header", "github", hdr("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"), `{}`, "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
		{"github hand-built header key", "github", http.Header{"X-GitHub-Delivery": {"d-1"}}, `{}`, "d-1"},
		{"resend svix-id", "resend", hdr("svix-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"), `{"type":"email.sent"}`, "msg_p5jXN8AQM9LWM0D4loKWxJek"},
		{"standard webhooks id", "http", hdr("webhook-id", "msg_1"), `{"type":"x"}`, "msg_1"},
		{"gitlab idempotency key first", "gitlab", hdr("X-Gitlab-Event-UUID", "ev-1", "Idempotency-Key", "idem-1"), `{}`, "idem-1"},
		{"gitlab event uuid", "gitlab", hdr("X-Gitlab-Event-UUID", "ev-1"), `{}`, "ev-1"},
		{"bitbucket request uuid", "bitbucket", hdr("X-Request-UUID", "afe5a5b4"), `{}`, "afe5a5b4"},
		{"whmcs hub delivery", "whmcs", hdr("X-Hub-Delivery", "0d9a1c7e"), `{}`, "0d9a1c7e"},
		{"twilio idempotency token", "sms_webhook", hdr("I-Twilio-Idempotency-Token", "tok-1"), "MessageSid=SM1&MessageStatus=sent", "tok-1"},
		{"twilio sid and status", "sms_webhook", nil, "MessageSid=SM1&MessageStatus=sent", "SM1:sent"},
		{"sns header", "aws_sns", hdr("x-amz-sns-message-id", "m-1"), `{"MessageId":"m-2"}`, "m-1"},
		{"sns body", "aws_sns", nil, `{"MessageId":"m-2"}`, "m-2"},
		{"slack event id", "slack", hdr("X-Slack-Retry-Num", "1"), `{"type":"event_callback","event_id":"Ev123ABC456","event":{"type":"message"}}`, "Ev123ABC456"},
		{"slack slash trigger id", "slack", hdr("Content-Type", form), "command=%2Fx&trigger_id=398738663015.47445629121", "398738663015.47445629121"},
		{"slack interaction trigger id", "slack", nil, "payload=%7B%22type%22%3A%22block_actions%22%2C%22trigger_id%22%3A%22t-9%22%7D", "t-9"},
		{"discord interaction id", "discord", nil, `{"id":"1176284400000000000","type":2}`, "1176284400000000000"},
		{"stripe event id", "http", nil, `{"id":"evt_test","object":"event","type":"payment_intent.succeeded"}`, "evt_test"},
		{"generic body id is not a delivery id", "http", nil, `{"id":"5","status":"paid"}`, sha(`{"id":"5","status":"paid"}`)},
		{"zoho billing event id", "zoho_billing", nil, `{"event_id":"2000000164010"}`, "2000000164010"},
		{"netcash trace and outcome", "netcash", nil, "TransactionAccepted=true&Reason=Success&RequestTrace=t-1", "t-1:succeeded"},
		{"netcash pending differs", "netcash", nil, "TransactionAccepted=false&Reason=Pending&RequestTrace=t-1", "t-1:pending"},
		{"clickatell message and status", "clickatell", nil, `{"messageId":"m-1","status":"004"}`, "m-1:004"},
		{"didit envelope", "didit", nil, `{"session_id":"s-1","status":"Approved","webhook_type":"status.updated","timestamp":1700000000}`, "s-1:status.updated:Approved:1700000000"},
		{"didit partial envelope hashes", "didit", nil, `{"session_id":"s-1"}`, sha(`{"session_id":"s-1"}`)},
		{"terraform has none", "terraform", nil, `{"payload_version":1}`, sha(`{"payload_version":1}`)},
		// The generic headers are not signed: for a provider ihub knows,
		// they must not replace the id from its signed body or the
		// body's hash, or a captured request with a new one would pass
		// for a new delivery.
		{"terraform ignores webhook-id", "terraform", hdr("webhook-id", "x-3"), `{"payload_version":1}`, sha(`{"payload_version":1}`)},
		{"zoho sign ignores Idempotency-Key", "zoho_sign", hdr("Idempotency-Key", "x-1"), `{"a":1}`, sha(`{"a":1}`)},
		{"slack event id beats Idempotency-Key", "slack", hdr("Idempotency-Key", "evil-2"), `{"type":"event_callback","event_id":"Ev1"}`, "Ev1"},
		{"discord id beats svix-id", "discord", hdr("svix-id", "evil"), `{"id":"117","type":2}`, "117"},
		{"didit envelope beats webhook-id", "didit", hdr("webhook-id", "evil"), `{"session_id":"s-1","status":"Approved","webhook_type":"status.updated","timestamp":1700000000}`, "s-1:status.updated:Approved:1700000000"},
		{"generic http reads Idempotency-Key", "http", hdr("Idempotency-Key", "k-1"), `{"a":1}`, "k-1"},
		{"unknown provider reads svix-id", "acme", hdr("svix-id", "m-1"), `{"a":1}`, "m-1"},
		{"garbage body", "github", nil, "\x00\xff", sha("\x00\xff")},
		{"empty body", "github", nil, "", sha("")},
		{"unknown provider", "acme", nil, `{"a":1}`, sha(`{"a":1}`)},
		{"long header hashed", "github", hdr("X-GitHub-Delivery", long), `{}`, sha(long)},
		{"control bytes hashed", "github", http.Header{"X-Github-Delivery": {"a\x01b"}}, `{}`, sha("a\x01b")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := DeliveryID(tc.provider, tc.header, []byte(tc.body)); got != tc.want {
				t.Errorf("DeliveryID(%q, %v, %q) = %q; want %q", tc.provider, tc.header, tc.body, got, tc.want)
			}
		})
	}
}

// fuzzProviders is every known provider plus an unknown one.
func fuzzProviders() []string {
	ps := []string{"acme"}
	for p := range normalizers {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// addSeeds adds every test case as a seed, with its event header and
// content type.
func addSeeds(f *testing.F) {
	for _, tc := range allCases() {
		var event, ctype string
		for _, name := range []string{"X-GitHub-Event", "X-Gitlab-Event", "X-Event-Key", "X-Hub-Event"} {
			if v := tc.header.Get(name); v != "" {
				event = v
			}
		}
		ctype = tc.header.Get("Content-Type")
		f.Add(tc.provider, event, ctype, []byte(tc.body))
	}
}

// fuzzHeader puts the fuzzed event name in every provider's event header
// and delivery-id header.
func fuzzHeader(event, ctype string) http.Header {
	h := http.Header{}
	for _, name := range []string{"X-GitHub-Event", "X-Gitlab-Event", "X-Event-Key", "X-Hub-Event", "x-amz-sns-message-type"} {
		h.Set(name, event)
	}
	h.Set("Content-Type", ctype)
	return h
}

func FuzzNormalize(f *testing.F) {
	addSeeds(f)
	providers := fuzzProviders()
	f.Fuzz(func(t *testing.T, provider, event, ctype string, body []byte) {
		header := fuzzHeader(event, ctype)
		// Run the given provider and every known one, so that each
		// normalizer sees every body.
		for _, p := range append([]string{provider}, providers...) {
			ev, err := Normalize(p, header, body)
			_, known := normalizers[p]
			if known && err != nil {
				t.Fatalf("Normalize(%q) error = %v; want nil for a known provider", p, err)
			}
			if !known && !errors.Is(err, ErrUnknownProvider) {
				t.Fatalf("Normalize(%q) error = %v; want ErrUnknownProvider", p, err)
			}
			if ev.Type == "" || strings.HasPrefix(ev.Type, ".") || strings.HasSuffix(ev.Type, ".") {
				t.Fatalf("Normalize(%q).Type = %q; want a non-empty dotted name", p, ev.Type)
			}
			if !utf8.ValidString(ev.RawType) || len(ev.RawType) > maxRawType || !utf8.ValidString(ev.Subject) {
				t.Fatalf("Normalize(%q) RawType %q / Subject %q not bounded valid UTF-8", p, ev.RawType, ev.Subject)
			}
			if ev.Data != nil && len(ev.Data) == 0 {
				t.Fatalf("Normalize(%q).Data is empty but not nil", p)
			}
		}
	})
}

func FuzzDeliveryID(f *testing.F) {
	addSeeds(f)
	providers := fuzzProviders()
	f.Fuzz(func(t *testing.T, provider, id, ctype string, body []byte) {
		header := http.Header{}
		for _, name := range []string{"X-GitHub-Delivery", "svix-id", "X-Request-UUID"} {
			if id != "" {
				header.Set(name, id)
			}
		}
		header.Set("Content-Type", ctype)
		for _, p := range append([]string{provider}, providers...) {
			got := DeliveryID(p, header, body)
			if got == "" || len(got) > maxDeliveryID {
				t.Fatalf("DeliveryID(%q) = %q; want 1..%d bytes", p, got, maxDeliveryID)
			}
			for i := 0; i < len(got); i++ {
				if got[i] < 0x20 || got[i] > 0x7e {
					t.Fatalf("DeliveryID(%q) = %q; want printable ASCII", p, got)
				}
			}
			if again := DeliveryID(p, header, body); again != got {
				t.Fatalf("DeliveryID(%q) not deterministic: %q then %q", p, got, again)
			}
		}
	})
}
