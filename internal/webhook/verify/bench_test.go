package verify_test

import (
	"bytes"
	"testing"

	"ihub/internal/webhook/verify"
)

// BenchmarkVerify measures one verification of a 2 KB body per scheme
// family.
func BenchmarkVerify(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 2048)
	for _, c := range []verify.Config{
		{Scheme: "github", Secrets: [][]byte{[]byte("s1"), []byte("s2")}},
		{Scheme: "standard_webhooks", Secrets: [][]byte{[]byte(swSecret)}},
	} {
		c.Now = at(now)
		r := verify.Request{Header: hdr("webhook-id", "msg_1"), Body: body}
		if err := verify.Sign(c, &r); err != nil {
			b.Fatal(err)
		}
		b.Run(c.Scheme, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := verify.Verify(c, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
