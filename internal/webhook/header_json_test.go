package webhook

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestHeaderJSONMatchesEncodingJSON: stored headers read back as before the
// hand-written encoder (names sorted, values escaped as encoding/json does).
func TestHeaderJSONMatchesEncodingJSON(t *testing.T) {
	for _, h := range []http.Header{
		{},
		{"Content-Type": {"application/json"}, "X-Delivery-Id": {"d-1"}, "Accept": {"a", "b<c>&"}},
		{"X-Odd": {"\x00\n\"\\\u2028", "bad\xff"}, "X-Nil": nil, "X-Empty": {}, "User-Agent": {"GitHub-Hookshot/044aadd"}},
	} {
		want, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		got := NewDelivery{Header: h}.HeaderJSON()
		if diff := cmp.Diff(string(want), got); diff != "" {
			t.Errorf("HeaderJSON(%v) (-encoding/json +got):\n%s", h, diff)
		}
	}
	if got := (NewDelivery{}).HeaderJSON(); got != "{}" {
		t.Errorf("HeaderJSON(nil) = %s, want {}", got)
	}
}

// TestRedactHeaders: credentials, the endpoint's own token and signature
// headers, and every signature are not stored; the rest is.
func TestRedactHeaders(t *testing.T) {
	in := http.Header{
		"Content-Type": {"application/json"}, "X-Github-Event": {"push"}, "X-Github-Delivery": {"d-1"},
		"Authorization": {"Basic YTpi"}, "Cookie": {"s=1"}, "Private-Token": {"glpat-x"}, "X-Auth-Token": {"t"},
		"X-Hub-Signature-256": {"sha256=ab"}, "X-Hub-Signature": {"sha1=ab"}, "Stripe-Signature": {"t=1,v1=ab"},
		"Webhook-Signature": {"v1,ab"}, "X-Signature-Ed25519": {"ab"}, "X-Zs-Webhook-Signature": {"ab"},
		"X-Hook-Token": {"tok"}, "X-Sig": {"ab"}, "X-Signer": {"kept: not a signature"},
		// Named like credentials, whatever the endpoint reads.
		"X-Webhook-Token": {"t"}, "X-Api-Token": {"t"}, "X-Webhook-Secret": {"s"}, "Api-Key": {"k"}, "X-Api-Key": {"k"},
		"X-Shopify-Hmac-Sha256": {"h"}, "X-Access-Token": {"t"}, "X-Client-Secret": {"s"}, "X-Password": {"p"},
		"X-Amz-Security-Token": {"t"}, "Set-Cookie": {"c"}, "X-Clickatell-Auth": {"a"}, "Proxy-Authorization": {"a"},
		"X-Event-Key": {"repo:push"}, "X-Gitlab-Event-Uuid": {"u-1"},
		"X-Accesskey": {"k"}, "X-Private_key": {"k"},
		// A signature's timestamp (Discord) is kept for diagnosis; under
		// such a name anything but a number is not.
		"X-Signature-Timestamp": {"1700000000"}, "X-Token-Timestamp": {"1700000000x"}, "X-Signature-Timestamps": {"1"},
		// Under a name the endpoint no longer reads, the secret itself.
		"X-Shared": {"the-endpoint-secret-123"}, "X-Previous": {"Bearer the-previous-secret"},
	}
	r := "[REDACTED]"
	want := http.Header{
		"Content-Type": {"application/json"}, "X-Github-Event": {"push"}, "X-Github-Delivery": {"d-1"},
		"Authorization": {r}, "Cookie": {r}, "Private-Token": {r}, "X-Auth-Token": {r},
		"X-Hub-Signature-256": {r}, "X-Hub-Signature": {r}, "Stripe-Signature": {r},
		"Webhook-Signature": {r}, "X-Signature-Ed25519": {r}, "X-Zs-Webhook-Signature": {r},
		"X-Hook-Token": {r}, "X-Sig": {r}, "X-Signer": {"kept: not a signature"},
		"X-Webhook-Token": {r}, "X-Api-Token": {r}, "X-Webhook-Secret": {r}, "Api-Key": {r}, "X-Api-Key": {r},
		"X-Shopify-Hmac-Sha256": {r}, "X-Access-Token": {r}, "X-Client-Secret": {r}, "X-Password": {r},
		"X-Amz-Security-Token": {r}, "Set-Cookie": {r}, "X-Clickatell-Auth": {r}, "Proxy-Authorization": {r},
		"X-Event-Key": {"repo:push"}, "X-Gitlab-Event-Uuid": {"u-1"},
		"X-Accesskey": {r}, "X-Private_key": {r},
		"X-Signature-Timestamp": {"1700000000"}, "X-Token-Timestamp": {r}, "X-Signature-Timestamps": {r},
		"X-Shared": {r}, "X-Previous": {r},
	}
	secrets := [][]byte{[]byte("the-endpoint-secret-123"), []byte("the-previous-secret"), []byte("short")}
	if diff := cmp.Diff(want, redactHeaders(in, secrets, "X-Hook-Token", "x-sig", "")); diff != "" {
		t.Errorf("redactHeaders (-want +got):\n%s", diff)
	}
}

// TestRedactHeadersURLs: a header repeating the URL a query_token endpoint
// reads (Referer, a proxy's X-Original-URL) holds the secret
// percent-encoded, or as a parameter's value however short it is: either
// way it is not stored. A short secret inside a word is no echo of it.
func TestRedactHeadersURLs(t *testing.T) {
	secrets := [][]byte{[]byte("Ab+Cd/Ef&Gh=Ij%Kl"), []byte("Zq7x")}
	in := http.Header{
		"Referer":         {"https://crm.example.com/wf?token=Ab%2BCd%2FEf%26Gh%3DIj%25Kl&x=1"},
		"X-Original-Url":  {"/api/v1/hooks/whe_1?token=Zq7x"},
		"X-Forwarded-Uri": {"/api/v1/hooks/whe_1?a=b&token=Zq7x&c=d"},
		"X-Old-Header":    {"Zq7x"},
		"X-Bearer":        {"Bearer Zq7x"},
		"User-Agent":      {"Zq7xBot/1.0 (+https://bot.example/Zq7x1)"},
		"X-Trace":         {"aZq7x"},
	}
	r := "[REDACTED]"
	want := http.Header{"Referer": {r}, "X-Original-Url": {r}, "X-Forwarded-Uri": {r}, "X-Old-Header": {r}, "X-Bearer": {r},
		"User-Agent": in["User-Agent"], "X-Trace": in["X-Trace"]}
	if diff := cmp.Diff(want, redactHeaders(in, secrets)); diff != "" {
		t.Errorf("redactHeaders (-want +got):\n%s", diff)
	}
}
