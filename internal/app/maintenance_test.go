package app_test

import (
	"context"
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
