package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestWebhookDefaultMoveAtOnce checks that the seed's URL form
// (/api/v1/integrations/hooks/{id or slug}) follows the default mark at
// once on the replica that moved it, whichever form of the integration's
// name the sender uses: the ingest cache must not keep the old default.
func TestWebhookDefaultMoveAtOnce(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			cases := []struct {
				name string
				key  func(id, slug string) string
			}{
				{"by slug", func(_, slug string) string { return slug }},
				{"by id", func(id, _ string) string { return id }},
			}
			for i, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					var it struct{ ID, Slug string }
					r := call(t, env, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": fmt.Sprintf("gh %d", i),
						"provider": "github", "credentials": map[string]any{"token": "ghp_0123456789abcdefghijklmnopqrstuvwxyz"}})
					if r.Status != 201 {
						t.Fatalf("create integration = %d %s", r.Status, r.Body)
					}
					decode(t, r, &it)
					secrets := []string{"the secret of the first endpoint", "the secret of the second endpoint"}
					var ids []string
					for _, s := range secrets {
						var ep struct{ ID string }
						r := call(t, env, "POST", "/api/v1/integrations/"+it.ID+"/webhooks", env.AdminToken, map[string]any{"secret": s})
						if r.Status != 201 {
							t.Fatalf("create endpoint = %d %s", r.Status, r.Body)
						}
						decode(t, r, &ep)
						ids = append(ids, ep.ID)
					}
					path := "/api/v1/integrations/hooks/" + tc.key(it.ID, it.Slug)
					send := func(n int, secret string) int {
						body := pushFor(fmt.Sprintf("default-move-%d-%d", i, n))
						st, _ := deliver(t, env, path, body, "X-GitHub-Event", "push",
							"X-GitHub-Delivery", fmt.Sprintf("default-move-%d-%d", i, n), "X-Hub-Signature-256", ghSign(secret, body))
						return st
					}
					var got []int
					got = append(got, send(1, secrets[0])) // the first endpoint, now in the cache
					if r := call(t, env, "PATCH", "/api/v1/integrations/webhooks/"+ids[1], env.AdminToken, map[string]any{"isDefault": true}); r.Status != 200 {
						t.Fatalf("move the default = %d %s", r.Status, r.Body)
					}
					got = append(got, send(2, secrets[1]), send(3, secrets[0]))
					if diff := cmp.Diff([]int{202, 202, 401}, got); diff != "" {
						t.Errorf("deliveries to %s before and after the default moved (-want +got):\n%s", path, diff)
					}
				})
			}
		})
	}
}
