package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store/storetest"
)

func TestCleanupRemovesExpiredSessionsAndOldActivity(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ctx := context.Background()
			db := env.App.DB
			old := audit.Entry{At: time.Now().Add(-91 * 24 * time.Hour), Actor: audit.System, Action: "test.old", Success: true}
			recent := audit.Entry{At: time.Now().Add(-89 * 24 * time.Hour), Actor: audit.System, Action: "test.recent", Success: true}
			for _, en := range []audit.Entry{old, recent} {
				if err := db.RecordActivity(ctx, en); err != nil {
					t.Fatal(err)
				}
			}
			me, err := env.App.Auth.TokenPrincipal(ctx, env.AdminToken)
			if err != nil {
				t.Fatal(err)
			}
			expired := auth.Session{TokenHash: "expired", UserID: me.UserID, CreatedAt: time.Now().Add(-48 * time.Hour),
				ExpiresAt: time.Now().Add(-time.Hour), LastSeenAt: time.Now().Add(-2 * time.Hour)}
			live := expired
			live.TokenHash, live.ExpiresAt = "live", time.Now().Add(time.Hour)
			for _, s := range []auth.Session{expired, live} {
				if err := db.CreateSession(ctx, s, audit.Entry{At: time.Now(), Actor: audit.System, Action: "test.session", Success: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := env.App.WorkCleanup(ctx); err != nil {
				t.Fatal(err)
			}
			for action, want := range map[string]int{"test.old": 0, "test.recent": 1} {
				got, err := db.ListActivity(ctx, audit.Filter{Action: action, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != want {
					t.Errorf("activity %s: %d entries after cleanup, want %d", action, len(got), want)
				}
			}
			if _, err := db.GetSession(ctx, "expired"); err == nil {
				t.Error("the expired session survived the cleanup")
			}
			if _, err := db.GetSession(ctx, "live"); err != nil {
				t.Errorf("the live session was removed: %v", err)
			}
		})
	}
}

// TestMaintenancePurgesDeletedSubscriptions: a subscription deleted
// through the API is gone at once; the table maintenance loop then removes
// its row (store.DB.PurgeDeletedSubscriptions does the batches).
func TestMaintenancePurgesDeletedSubscriptions(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			env := apptest.New(t, e, apptest.Options{})
			ctx := context.Background()
			r := env.Do("POST", "/api/v1/subscriptions", env.AdminToken, map[string]any{"url": "https://example.com/hook"})
			var created struct{ ID string }
			r.JSON(t, &created)
			if r.Status != 201 || created.ID == "" {
				t.Fatalf("create = %d %s", r.Status, r.Body)
			}
			if r := env.Do("DELETE", "/api/v1/subscriptions/"+created.ID, env.AdminToken, nil); r.Status != 204 {
				t.Fatalf("DELETE = %d %s", r.Status, r.Body)
			}
			if r := env.Do("GET", "/api/v1/subscriptions/"+created.ID, env.AdminToken, nil); r.Status != 404 {
				t.Errorf("GET after the delete = %d %s, want 404", r.Status, r.Body)
			}
			if r := env.Do("GET", "/api/v1/subscriptions", env.AdminToken, nil); strings.Contains(string(r.Body), created.ID) {
				t.Errorf("the list after the delete shows it: %s", r.Body)
			}
			env.App.MaintainTables(ctx)
			if !strings.Contains(env.Logs.String(), `msg="purged deleted subscriptions" subscriptions=1 attempts=0`) {
				t.Errorf("no purge logged after a maintenance step:\n%s", env.Logs.String())
			}
			if s, a, err := env.App.DB.PurgeDeletedSubscriptions(ctx); s != 0 || a != 0 || err != nil {
				t.Errorf("PurgeDeletedSubscriptions after the maintenance step = %d, %d, %v; want nothing left", s, a, err)
			}
		})
	}
}
