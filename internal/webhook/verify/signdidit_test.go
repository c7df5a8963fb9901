package verify_test

import (
	"testing"

	"ihub/internal/webhook/verify"
)

// TestSignDiditWithoutBodyTimestamp: Sign's didit request verifies whether
// or not its body carries a "timestamp" (the gateway's test delivery has
// none): without one, the signature covers X-Timestamp (X-Signature-V2's
// "{timestamp}:" form), as the verifier requires, so a test send to a
// Didit endpoint is not rejected by ihub's own check.
func TestSignDiditWithoutBodyTimestamp(t *testing.T) {
	t.Parallel()
	cfg := verify.Config{Scheme: "didit", Secrets: [][]byte{[]byte("didit-secret")}, Now: at(now)}
	for _, body := range []string{
		`{"type":"ihub.test","id":"test_1","created_at":"2026-12-07T00:00:00Z","data":{"message":"test delivery from ihub"}}`,
		`{"session_id":"s1","status":"Approved","webhook_type":"status.updated","timestamp":1700000000}`,
	} {
		r := verify.Request{Method: "POST", URL: "https://hub.example.com/hook", Header: hdr("Content-Type", "application/json"),
			Body: []byte(body)}
		if err := verify.Sign(cfg, &r); err != nil {
			t.Fatalf("Sign(%s) error = %v", body, err)
		}
		if _, err := verify.Verify(cfg, r); err != nil {
			t.Errorf("Verify(Sign(%s)) error = %v; want accepted", body, err)
		}
		r.Body = append([]byte(nil), r.Body...)
		r.Body[len(r.Body)/2] ^= 0x01
		if _, err := verify.Verify(cfg, r); err == nil {
			t.Errorf("Verify(Sign(%s) with a changed body byte) accepted", body)
		}
	}
}
