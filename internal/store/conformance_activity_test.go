package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/store/storetest"
)

// activityFixture is a log of seven entries, oldest first, one minute apart.
var activityFixture = []audit.Entry{
	{Action: audit.IntegrationCreated, IntegrationID: "int_a", Actor: audit.Actor{Type: audit.ActorUser, ID: "usr_1"}},
	{Action: audit.IntegrationUpdated, IntegrationID: "int_a", Actor: audit.Actor{Type: audit.ActorUser, ID: "usr_2"}},
	{Action: audit.IntegrationTested, IntegrationID: "int_b", Actor: audit.System},
	{Action: audit.CredentialsDecrypted, IntegrationID: "int_a", Actor: audit.Actor{Type: audit.ActorToken, ID: "usr_1", TokenID: "tok_9"}},
	{Action: audit.LoginSucceeded, Actor: audit.Actor{Type: audit.ActorUser, ID: "usr_2"}},
	{Action: audit.IntegrationDeleted, IntegrationID: "int_b", Actor: audit.Actor{Type: audit.ActorUser, ID: "usr_1"}},
	{Action: audit.IntegrationUpdated, IntegrationID: "int_a", Actor: audit.Actor{Type: audit.ActorUser, ID: "usr_1"}},
}

func TestListActivity(t *testing.T) {
	t.Parallel()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	tests := []struct {
		name string
		f    audit.Filter
		want []int // indexes into activityFixture, newest first
	}{
		{"all, newest first", audit.Filter{}, []int{6, 5, 4, 3, 2, 1, 0}},
		{"limit", audit.Filter{Limit: 2}, []int{6, 5}},
		{"integration", audit.Filter{IntegrationID: "int_a"}, []int{6, 3, 1, 0}},
		{"unknown integration", audit.Filter{IntegrationID: "int_nosuch"}, nil},
		{"actor", audit.Filter{ActorID: "usr_2"}, []int{4, 1}},
		{"token actor is its owner", audit.Filter{ActorID: "usr_1"}, []int{6, 5, 3, 0}},
		{"action", audit.Filter{Action: audit.IntegrationUpdated}, []int{6, 1}},
		{"since is inclusive", audit.Filter{Since: at(4)}, []int{6, 5, 4}},
		{"until is exclusive", audit.Filter{Until: at(2)}, []int{1, 0}},
		{"window", audit.Filter{Since: at(1), Until: at(4)}, []int{3, 2, 1}},
		{"sub-millisecond since", audit.Filter{Since: at(4).Add(-time.Microsecond)}, []int{6, 5, 4}},
		{"integration, actor and action", audit.Filter{IntegrationID: "int_a", ActorID: "usr_1", Action: audit.IntegrationUpdated}, []int{6}},
		{"integration and window", audit.Filter{IntegrationID: "int_b", Since: at(3)}, []int{5}},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		for i, en := range activityFixture {
			en.At = at(i)
			en.Success = i%2 == 0
			en.Details = map[string]any{"i": float64(i)}
			if err := b.db.RecordActivity(ctx, en); err != nil {
				t.Fatalf("RecordActivity(%d) = %v", i, err)
			}
		}
		all, err := b.db.ListActivity(ctx, audit.Filter{Limit: 100})
		if err != nil {
			t.Fatalf("ListActivity = %v", err)
		}
		if len(all) != len(activityFixture) {
			t.Fatalf("ListActivity returned %d entries, want %d", len(all), len(activityFixture))
		}
		// idOf maps a fixture index to the id the store gave it.
		idOf := map[int]int64{}
		for _, en := range all {
			idOf[int(en.Details["i"].(float64))] = en.ID
		}
		for i := 1; i < len(activityFixture); i++ {
			if idOf[i] <= idOf[i-1] {
				t.Errorf("entry %d has id %d, not above entry %d's %d: ids must grow", i, idOf[i], i-1, idOf[i-1])
			}
		}

		t.Run("entries round-trip", func(t *testing.T) {
			for _, got := range all {
				i := int(got.Details["i"].(float64))
				want := activityFixture[i]
				want.ID, want.At, want.Success = idOf[i], at(i), i%2 == 0
				want.Details = map[string]any{"i": float64(i)} // the token id is in the actor, not repeated here
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("entry %d mismatch (-want +got):\n%s", i, diff)
				}
			}
		})

		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				f := tt.f
				if f.Limit == 0 {
					f.Limit = 100
				}
				got, err := b.db.ListActivity(t.Context(), f)
				if err != nil {
					t.Fatalf("ListActivity(%+v) = %v", f, err)
				}
				var want []int64
				for _, i := range tt.want {
					want = append(want, idOf[i])
				}
				var gotIDs []int64
				for _, en := range got {
					gotIDs = append(gotIDs, en.ID)
				}
				if diff := cmp.Diff(want, gotIDs, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("ListActivity(%+v) ids mismatch (-want +got):\n%s", f, diff)
				}
			})
		}

		t.Run("paging backwards", func(t *testing.T) {
			t.Parallel()
			for _, limit := range []int{1, 2, 3, 7} {
				var got []int64
				f := audit.Filter{Limit: limit}
				for page := 0; page < 10; page++ {
					es, err := b.db.ListActivity(t.Context(), f)
					if err != nil {
						t.Fatalf("ListActivity(%+v) = %v", f, err)
					}
					for _, en := range es {
						got = append(got, en.ID)
					}
					if len(es) < limit {
						break
					}
					f.BeforeID = es[len(es)-1].ID
				}
				var want []int64
				for i := len(activityFixture) - 1; i >= 0; i-- {
					want = append(want, idOf[i])
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("pages of %d mismatch (-want +got):\n%s", limit, diff)
				}
			}
			// Paging within a filter.
			f := audit.Filter{IntegrationID: "int_a", BeforeID: idOf[3], Limit: 10}
			es, err := b.db.ListActivity(t.Context(), f)
			if err != nil {
				t.Fatalf("ListActivity(%+v) = %v", f, err)
			}
			var got []int64
			for _, en := range es {
				got = append(got, en.ID)
			}
			if diff := cmp.Diff([]int64{idOf[1], idOf[0]}, got); diff != "" {
				t.Errorf("ListActivity(%+v) mismatch (-want +got):\n%s", f, diff)
			}
		})
	})
}

func TestCountLoginFailures(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		fail := func(at time.Time, email, ip string) audit.Entry {
			return audit.Entry{At: at, Action: audit.LoginFailed, TargetType: "user", TargetName: email, Success: false,
				Actor: audit.Actor{Type: audit.ActorAnon, IP: ip}}
		}
		entries := []audit.Entry{
			fail(t0.Add(-2*time.Hour), "a@example.com", "192.0.2.1"), // outside the window
			fail(t0.Add(-10*time.Minute), "a@example.com", "192.0.2.1"),
			fail(t0.Add(-5*time.Minute), "a@example.com", "192.0.2.2"),
			fail(t0.Add(-time.Minute), "b@example.com", "192.0.2.1"),
			fail(t0, "A@example.com", "192.0.2.1"), // another target name: emails arrive normalized
			{At: t0, Action: audit.LoginSucceeded, TargetName: "a@example.com", Success: true,
				Actor: audit.Actor{Type: audit.ActorUser, IP: "192.0.2.1"}}, // not a failure
		}
		for i, en := range entries {
			if err := b.db.RecordActivity(ctx, en); err != nil {
				t.Fatalf("RecordActivity(%d) = %v", i, err)
			}
		}
		tests := []struct {
			email, ip string
			since     time.Time
			want      auth.LoginFailures
		}{
			{"a@example.com", "192.0.2.1", t0.Add(-time.Hour), auth.LoginFailures{Account: 2, AccountFromIP: 1, IP: 3}},
			{"a@example.com", "192.0.2.2", t0.Add(-time.Hour), auth.LoginFailures{Account: 2, AccountFromIP: 1, IP: 1}},
			{"a@example.com", "", t0.Add(-time.Hour), auth.LoginFailures{Account: 2}},
			{"a@example.com", "192.0.2.1", t0.Add(-3 * time.Hour), auth.LoginFailures{Account: 3, AccountFromIP: 2, IP: 4}},
			{"a@example.com", "192.0.2.1", t0.Add(-5 * time.Minute), auth.LoginFailures{Account: 1, AccountFromIP: 0, IP: 2}}, // since is inclusive
			{"b@example.com", "198.51.100.1", t0.Add(-time.Hour), auth.LoginFailures{Account: 1}},
			{"nobody@example.com", "192.0.2.9", t0.Add(-time.Hour), auth.LoginFailures{}},
			{"a@example.com", "192.0.2.1", t0.Add(time.Minute), auth.LoginFailures{}},
		}
		for _, tt := range tests {
			got, err := b.db.CountLoginFailures(ctx, tt.email, tt.ip, tt.since)
			if err != nil {
				t.Fatalf("CountLoginFailures(%q, %q, %v) = %v", tt.email, tt.ip, tt.since, err)
			}
			if got != tt.want {
				t.Errorf("CountLoginFailures(%q, %q, %v) = %+v; want %+v", tt.email, tt.ip, tt.since, got, tt.want)
			}
		}
	})
}

func TestDeleteActivityBefore(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		for i := range 5 {
			en := entry(audit.IntegrationUpdated, "int_a")
			en.At = t0.Add(time.Duration(i) * time.Hour)
			if err := b.db.RecordActivity(ctx, en); err != nil {
				t.Fatalf("RecordActivity = %v", err)
			}
		}
		for _, tt := range []struct {
			before time.Time
			want   int64
			left   int
		}{
			{t0, 0, 5},
			{t0.Add(2 * time.Hour), 2, 3}, // strictly before
			{t0.Add(2 * time.Hour), 0, 3},
			{t0.Add(100 * time.Hour), 3, 0},
		} {
			n, err := b.db.DeleteActivityBefore(ctx, tt.before)
			if err != nil {
				t.Fatalf("DeleteActivityBefore(%v) = %v", tt.before, err)
			}
			if n != tt.want {
				t.Errorf("DeleteActivityBefore(%v) = %d, want %d", tt.before, n, tt.want)
			}
			if got := len(allActivity(t, b.db)); got != tt.left {
				t.Errorf("entries left after DeleteActivityBefore(%v) = %d, want %d", tt.before, got, tt.left)
			}
		}
		// Ids are not reused after retention deleted the newest entries.
		if err := b.db.RecordActivity(ctx, entry(audit.IntegrationUpdated, "int_a")); err != nil {
			t.Fatalf("RecordActivity = %v", err)
		}
		es := allActivity(t, b.db)
		if len(es) != 1 || es[0].ID <= 5 {
			t.Errorf("entry after retention = %+v, want one entry with id above 5", es)
		}
	})
}

// TestActivityAppendOnly checks that the database itself refuses to change
// a log entry, whatever the client.
func TestActivityAppendOnly(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		en := entry(audit.IntegrationUpdated, "int_a")
		if err := b.db.RecordActivity(ctx, en); err != nil {
			t.Fatalf("RecordActivity = %v", err)
		}
		for _, q := range []string{
			"UPDATE activity SET action = 'tampered'",
			"UPDATE activity SET success = NOT success WHERE id > 0",
			"UPDATE activity SET at = at + 1",
		} {
			n, err := b.raw.exec(ctx, q)
			if err == nil {
				t.Errorf("%s changed %d rows, want an error", q, n)
				continue
			}
			if !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s = %v, want the append-only error", q, err)
			}
		}
		checkLastActivity(t, b.db, en)
		// Retention may delete.
		if n, err := b.raw.exec(ctx, "DELETE FROM activity WHERE id > 0"); err != nil || n != 1 {
			t.Errorf("DELETE FROM activity = %d, %v; want 1, nil", n, err)
		}
	})
}

func TestActivityDetailsDoNotAlias(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		en := entry(audit.CredentialsDecrypted, "int_a")
		en.Actor.TokenID = "tok_1"
		en.Details = map[string]any{"field": "token"}
		if err := b.db.RecordActivity(t.Context(), en); err != nil {
			t.Fatalf("RecordActivity = %v", err)
		}
		// The store adds tokenId to what it writes, not to the caller's map.
		if diff := cmp.Diff(map[string]any{"field": "token"}, en.Details); diff != "" {
			t.Errorf("caller's details changed (-want +got):\n%s", diff)
		}
		checkLastActivity(t, b.db, en)
	})
}

// TestUntrustedTextInAuditLog records entries carrying bytes a client
// controls: an HTTP header may hold bytes 0x80–0xFF (Go's server accepts
// obs-text), and a JSON string may hold U+0000. The log must not lose the
// entry because of them, on either engine.
func TestUntrustedTextInAuditLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(e *audit.Entry)
	}{
		{"user agent with invalid UTF-8", func(e *audit.Entry) { e.Actor.UserAgent = "curl/8 \xff\xfe" }},
		{"target name with NUL", func(e *audit.Entry) { e.TargetName = "a\x00@example.com" }},
		{"details with NUL", func(e *audit.Entry) { e.Details = map[string]any{"email": "a\x00@example.com"} }},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				en := audit.Entry{At: t0, Action: audit.LoginFailed, Actor: audit.Actor{Type: audit.ActorAnon, IP: "192.0.2.1"}}
				tt.change(&en)
				if err := b.db.RecordActivity(t.Context(), en); err != nil {
					t.Errorf("RecordActivity = %v, want nil", err)
				}
			})
		}
	})
}
