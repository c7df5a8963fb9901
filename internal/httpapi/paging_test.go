package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/auth"
	"ihub/internal/provider/github"
	"ihub/internal/store/storetest"
)

// TestPaging walks every cursor-paged list two items at a time: limit and
// cursor must reach the handler, not just validate.
func TestPaging(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			for _, name := range []string{"one", "two", "three"} {
				res := call(t, env, http.MethodPost, "/api/v1/integrations", env.AdminToken,
					map[string]any{"provider": github.ID, "name": name, "credentials": map[string]any{github.FieldToken: "ghp_" + name}})
				if res.Status != http.StatusCreated {
					t.Fatalf("create integration %s = %d, want 201: %s", name, res.Status, res.Body)
				}
				res = call(t, env, http.MethodPost, "/api/v1/tokens", env.AdminToken, map[string]any{"name": name})
				if res.Status != http.StatusCreated {
					t.Fatalf("create token %s = %d, want 201: %s", name, res.Status, res.Body)
				}
				env.UserToken(auth.RoleSupportAgent)
			}
			tests := []struct {
				path string
				// want is the number of items; 0 means more than a page.
				want int
			}{
				{"/api/v1/integrations", 3},
				{"/api/v1/tokens", 4}, // the admin's: apptest's and three
				{"/api/v1/users", 4},
				{"/api/v1/activity", 0},
			}
			for _, tc := range tests {
				t.Run(tc.path, func(t *testing.T) {
					t.Parallel()
					all := pages(t, env, tc.path, 200)
					if (tc.want == 0 && len(all) <= 2) || (tc.want > 0 && len(all) != tc.want) {
						t.Fatalf("GET %s = %d items, want %d (0: more than 2)", tc.path, len(all), tc.want)
					}
					if diff := cmp.Diff(all, pages(t, env, tc.path, 2)); diff != "" {
						t.Errorf("GET %s two at a time (-one page +pages of two):\n%s", tc.path, diff)
					}
				})
			}

			// The CSV export honours its filters.
			res := call(t, env, http.MethodGet, "/api/v1/activity.csv?action=integration.created&limit=2", env.AdminToken, nil)
			if res.Status != http.StatusOK {
				t.Fatalf("GET activity.csv = %d, want 200: %s", res.Status, res.Body)
			}
			rows, err := csv.NewReader(bytes.NewReader(res.Body)).ReadAll()
			if err != nil {
				t.Fatalf("activity.csv: %v", err)
			}
			var actions []string
			for _, r := range rows[1:] {
				actions = append(actions, r[6])
			}
			if want := []string{"integration.created", "integration.created"}; !cmp.Equal(actions, want) {
				t.Errorf("activity.csv?action=integration.created&limit=2 actions = %q, want %q", actions, want)
			}
		})
	}
}

// pages lists path page by page, limit items at a time, and returns the
// ids in order. It fails on a page longer than limit or a cursor loop.
func pages(t *testing.T, env *apptest.Env, path string, limit int) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 100 {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		res := call(t, env, http.MethodGet, path+"?"+q.Encode(), env.AdminToken, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s?%s = %d, want 200: %s", path, q.Encode(), res.Status, res.Body)
		}
		var page struct {
			Items []struct {
				ID any `json:"id"`
			}
			NextCursor string
		}
		decode(t, res, &page)
		if len(page.Items) > limit {
			t.Fatalf("GET %s?%s = %d items, want at most %d", path, q.Encode(), len(page.Items), limit)
		}
		for _, it := range page.Items {
			b, _ := json.Marshal(it.ID)
			ids = append(ids, string(b))
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
	t.Fatalf("GET %s: more than 100 pages of %d", path, limit)
	return nil
}
