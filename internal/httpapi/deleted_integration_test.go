package httpapi_test

import (
	"fmt"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestDeletedIntegrationRefusesAtOnce: once an integration is deleted, its
// endpoints' ingress URLs (both forms) answer 404 at once on the replica
// that deleted it, though ingest had just resolved them.
func TestDeletedIntegrationRefusesAtOnce(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			const secret = "deleted-integration-secret-0123"
			ep := shopHMACEndpoint(t, env, secret, nil)
			paths := []string{"/api/v1/hooks/" + ep, "/api/v1/integrations/hooks/shop"}
			n := 0
			send := func(path string) int {
				n++
				body := fmt.Sprintf(`{"type":"order.created","n":%d}`, n)
				st, _ := deliver(t, env, path, body, "X-Signature", hexHMAC(secret, body))
				return st
			}
			for _, p := range paths {
				if st := send(p); st != 202 {
					t.Fatalf("POST %s before the delete = %d, want 202", p, st)
				}
			}
			if r := call(t, env, "DELETE", "/api/v1/integrations/shop", env.AdminToken, nil); r.Status != 204 {
				t.Fatalf("DELETE = %d %s", r.Status, r.Body)
			}
			for _, p := range paths {
				if st := send(p); st != 404 {
					t.Errorf("POST %s after the delete = %d, want 404", p, st)
				}
			}
		})
	}
}
