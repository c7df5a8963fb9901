package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/auth"
	"ihub/internal/integration"
	"ihub/internal/jobqueue"
	"ihub/internal/store/storetest"
)

// testJob is a job the store enqueues with a write.
type testJob struct {
	IntegrationID string `json:"integrationId"`
}

func (testJob) Kind() string { return "conformance.test" }

// snapshot is everything the store can hold, read both through the store
// and around it.
type snapshot struct {
	Integrations []integration.Integration
	Creds        map[string][]integration.SealedCredential
	Labels       [][2]string
	Users        []auth.User
	Sessions     [][2]string
	Tokens       []auth.Token
	Activity     []audit.Entry
	Rows         map[string]int64
}

func takeSnapshot(t *testing.T, b *bundle) snapshot {
	t.Helper()
	ctx := t.Context()
	var s snapshot
	var err error
	if s.Integrations, err = b.db.ListIntegrations(ctx, integration.Filter{Limit: 1000}); err != nil {
		t.Fatalf("ListIntegrations = %v", err)
	}
	s.Creds = map[string][]integration.SealedCredential{}
	for _, in := range s.Integrations {
		s.Creds[in.ID] = mustCreds(t, b.db, in.ID)
	}
	if s.Labels, err = b.raw.queryPairs(ctx, "SELECT integration_id, key || '=' || value FROM integration_labels ORDER BY 1, 2"); err != nil {
		t.Fatalf("labels: %v", err)
	}
	if s.Users, err = b.db.ListUsers(ctx, "", 1000); err != nil {
		t.Fatalf("ListUsers = %v", err)
	}
	if s.Sessions, err = b.raw.queryPairs(ctx, "SELECT token_hash, user_id FROM sessions ORDER BY 1"); err != nil {
		t.Fatalf("sessions: %v", err)
	}
	if s.Tokens, err = b.db.ListTokens(ctx, "", "", 1000); err != nil {
		t.Fatalf("ListTokens = %v", err)
	}
	s.Activity = allActivity(t, b.db)
	s.Rows = map[string]int64{}
	for _, table := range []string{"integrations", "integration_labels", "integration_credentials", "users", "sessions",
		"api_tokens", "activity", "vault_keys", "river_job"} {
		s.Rows[table] = b.count(t, table, "")
	}
	return s
}

// TestFailedWritesLeaveNothing makes each write fail, some at their first
// statement and some at their last (the audit entry), and checks that the
// database is exactly as before.
func TestFailedWritesLeaveNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	t1 := t0.Add(time.Hour)
	taken := newIntegration(1, "taken")
	taken.Labels = map[string]string{"env": "prod"}
	takenCreds := creds(t, taken.ID, t0, "password", "token")
	taken.Credentials = credMeta(takenCreds)
	other := newIntegration(2, "other")
	user := auth.User{ID: "usr_a", Email: "a@example.com", Name: "A", Role: auth.RoleSuperAdmin, PasswordHash: "h1", CreatedAt: t0, UpdatedAt: t0}
	session := auth.Session{TokenHash: "sess_a", UserID: user.ID, CreatedAt: t0, ExpiresAt: t1, IP: "192.0.2.1", UserAgent: "ua"}
	token := auth.Token{ID: "tok_a", UserID: user.ID, Name: "ci", Prefix: "ihub_a", Hash: "hash_a", CreatedAt: t0}

	// current returns the stored integration at the time of the call.
	current := func(t *testing.T, b *bundle) integration.Integration { return mustGet(t, b.db, taken.ID) }
	tests := []struct {
		name string
		op   func(t *testing.T, b *bundle) error
		// kind is the error kind wanted; Internal means any error.
		kind apperr.Kind
	}{
		{"create with a taken slug", func(t *testing.T, b *bundle) error {
			in := newIntegration(10, "taken")
			in.Labels = map[string]string{"env": "dev"}
			cs := creds(t, in.ID, t1, "token")
			in.Credentials = credMeta(cs)
			return b.db.CreateIntegration(ctx, in, cs, entry(audit.IntegrationCreated, in.ID))
		}, apperr.Conflict},
		{"create whose audit entry fails", func(t *testing.T, b *bundle) error {
			in := newIntegration(11, "fresh")
			in.Labels = map[string]string{"env": "dev", "team": "x"}
			cs := creds(t, in.ID, t1, "password", "token")
			in.Credentials = credMeta(cs)
			return b.db.CreateIntegration(ctx, in, cs, badEntry(audit.IntegrationCreated, in.ID))
		}, apperr.Internal},
		{"create with a job and no queue", func(t *testing.T, b *bundle) error {
			in := newIntegration(12, "queued")
			in.Labels = map[string]string{"env": "dev"}
			cs := creds(t, in.ID, t1, "token")
			in.Credentials = credMeta(cs)
			return b.db.CreateIntegration(ctx, in, cs, entry(audit.IntegrationCreated, in.ID), testJob{IntegrationID: in.ID})
		}, apperr.Internal},
		{"update with a stale version", func(t *testing.T, b *bundle) error {
			in := current(t, b)
			in.Version--
			in.Name, in.Labels = "Stale", map[string]string{"stale": "yes"}
			return b.db.UpdateIntegration(ctx, in, creds(t, in.ID, t1, "apiKey", "token"), []string{"password"}, entry(audit.IntegrationUpdated, in.ID))
		}, apperr.PreconditionFailed},
		{"update to a taken slug", func(t *testing.T, b *bundle) error {
			in := current(t, b)
			in.Slug, in.Labels = "other", map[string]string{"moved": "yes"}
			return b.db.UpdateIntegration(ctx, in, creds(t, in.ID, t1, "apiKey"), []string{"password"}, entry(audit.IntegrationUpdated, in.ID))
		}, apperr.Conflict},
		{"update whose audit entry fails", func(t *testing.T, b *bundle) error {
			in := current(t, b)
			in.Name, in.Labels = "Half", map[string]string{"half": "written"}
			return b.db.UpdateIntegration(ctx, in, creds(t, in.ID, t1, "apiKey", "token"), []string{"password"}, badEntry(audit.IntegrationUpdated, in.ID))
		}, apperr.Internal},
		{"delete whose audit entry fails", func(t *testing.T, b *bundle) error {
			return b.db.DeleteIntegration(ctx, taken.ID, badEntry(audit.IntegrationDeleted, taken.ID))
		}, apperr.Internal},
		{"delete an unknown integration", func(t *testing.T, b *bundle) error {
			return b.db.DeleteIntegration(ctx, "int_nosuch", entry(audit.IntegrationDeleted, "int_nosuch"))
		}, apperr.NotFound},
		{"record a test whose audit entry fails", func(t *testing.T, b *bundle) error {
			return b.db.RecordTest(ctx, taken.ID, integration.Health{Status: integration.HealthDown, LastCheckedAt: &t1, ConsecutiveFailures: 9},
				badEntry(audit.IntegrationTested, taken.ID))
		}, apperr.Internal},
		{"record a test of an unknown integration", func(t *testing.T, b *bundle) error {
			return b.db.RecordTest(ctx, "int_nosuch", integration.Health{Status: integration.HealthDown}, entry(audit.IntegrationTested, "int_nosuch"))
		}, apperr.NotFound},
		{"create a user with a taken email", func(t *testing.T, b *bundle) error {
			u := user
			u.ID = "usr_b"
			return b.db.CreateUser(ctx, u, entry(audit.UserCreated, ""))
		}, apperr.Conflict},
		{"create a user whose audit entry fails", func(t *testing.T, b *bundle) error {
			u := user
			u.ID, u.Email = "usr_c", "c@example.com"
			return b.db.CreateUser(ctx, u, badEntry(audit.UserCreated, ""))
		}, apperr.Internal},
		{"change a password whose audit entry fails", func(t *testing.T, b *bundle) error {
			// The user's sessions are deleted before the entry is written.
			u := user
			u.PasswordHash, u.UpdatedAt = "h2", t1
			return b.db.UpdateUser(ctx, u, badEntry(audit.UserUpdated, ""))
		}, apperr.Internal},
		{"update an unknown user", func(t *testing.T, b *bundle) error {
			u := user
			u.ID, u.Disabled = "usr_nosuch", true
			return b.db.UpdateUser(ctx, u, entry(audit.UserUpdated, ""))
		}, apperr.NotFound},
		{"delete a user whose audit entry fails", func(t *testing.T, b *bundle) error {
			return b.db.DeleteUser(ctx, user.ID, badEntry(audit.UserDeleted, ""))
		}, apperr.Internal},
		{"delete an unknown user", func(t *testing.T, b *bundle) error {
			return b.db.DeleteUser(ctx, "usr_nosuch", entry(audit.UserDeleted, ""))
		}, apperr.NotFound},
		{"create a session for an unknown user", func(t *testing.T, b *bundle) error {
			s := session
			s.TokenHash, s.UserID = "sess_b", "usr_nosuch"
			return b.db.CreateSession(ctx, s, entry(audit.LoginSucceeded, ""))
		}, apperr.Internal},
		{"create a session whose audit entry fails", func(t *testing.T, b *bundle) error {
			s := session
			s.TokenHash = "sess_c"
			return b.db.CreateSession(ctx, s, badEntry(audit.LoginSucceeded, ""))
		}, apperr.Internal},
		{"delete a session whose audit entry fails", func(t *testing.T, b *bundle) error {
			return b.db.DeleteSession(ctx, session.TokenHash, badEntry(audit.Logout, ""))
		}, apperr.Internal},
		{"create a token for an unknown user", func(t *testing.T, b *bundle) error {
			tk := token
			tk.ID, tk.Hash, tk.UserID = "tok_b", "hash_b", "usr_nosuch"
			return b.db.CreateToken(ctx, tk, entry(audit.TokenCreated, ""))
		}, apperr.Internal},
		{"create a token with a taken hash", func(t *testing.T, b *bundle) error {
			tk := token
			tk.ID = "tok_c"
			return b.db.CreateToken(ctx, tk, entry(audit.TokenCreated, ""))
		}, apperr.Internal},
		{"create a token whose audit entry fails", func(t *testing.T, b *bundle) error {
			tk := token
			tk.ID, tk.Hash = "tok_d", "hash_d"
			return b.db.CreateToken(ctx, tk, badEntry(audit.TokenCreated, ""))
		}, apperr.Internal},
		{"revoke a token whose audit entry fails", func(t *testing.T, b *bundle) error {
			return b.db.RevokeToken(ctx, token.ID, t1, badEntry(audit.TokenRevoked, ""))
		}, apperr.Internal},
		{"revoke an unknown token", func(t *testing.T, b *bundle) error {
			return b.db.RevokeToken(ctx, "tok_nosuch", t1, entry(audit.TokenRevoked, ""))
		}, apperr.NotFound},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		mustCreate(t, b.db, taken, takenCreds)
		// One update, so that a stale version (1) exists below the stored one.
		cur := mustGet(t, b.db, taken.ID)
		if err := b.db.UpdateIntegration(ctx, cur, nil, nil, entry(audit.IntegrationUpdated, taken.ID)); err != nil {
			t.Fatalf("UpdateIntegration = %v", err)
		}
		mustCreate(t, b.db, other, nil)
		if err := b.db.CreateUser(ctx, user, entry(audit.UserCreated, "")); err != nil {
			t.Fatalf("CreateUser = %v", err)
		}
		if err := b.db.CreateSession(ctx, session, entry(audit.LoginSucceeded, "")); err != nil {
			t.Fatalf("CreateSession = %v", err)
		}
		if err := b.db.CreateToken(ctx, token, entry(audit.TokenCreated, "")); err != nil {
			t.Fatalf("CreateToken = %v", err)
		}
		// The cases share one database: each must leave it as it found it,
		// which is what they check, so they run one after another.
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := takeSnapshot(t, b)
				err := tt.op(t, b)
				if err == nil {
					t.Fatalf("write succeeded, want an error")
				}
				if tt.kind != apperr.Internal {
					wantKind(t, "write", err, tt.kind)
				}
				if diff := cmp.Diff(before, takeSnapshot(t, b), integrationOpts); diff != "" {
					t.Errorf("database changed by a failed write (-before +after):\n%s", diff)
				}
			})
		}
	})
}

// TestJobsCommitWithTheWrite checks that a job is enqueued in the write's
// transaction: present when the write commits, absent when it fails.
func TestJobsCommitWithTheWrite(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		q, err := b.db.NewQueue(jobqueue.Config{Paused: true})
		if err != nil {
			t.Fatalf("NewQueue = %v", err)
		}
		b.db.AttachQueue(q)

		in := newIntegration(1, "with-job")
		if err := b.db.CreateIntegration(ctx, in, nil, entry(audit.IntegrationCreated, in.ID), testJob{IntegrationID: in.ID}); err != nil {
			t.Fatalf("CreateIntegration with a job = %v", err)
		}
		if n := b.count(t, "river_job", "kind = $1", testJob{}.Kind()); n != 1 {
			t.Errorf("jobs after a committed write = %d, want 1", n)
		}

		dup := newIntegration(2, "with-job")
		err = b.db.CreateIntegration(ctx, dup, nil, entry(audit.IntegrationCreated, dup.ID), testJob{IntegrationID: dup.ID})
		wantKind(t, "CreateIntegration(taken slug, with a job)", err, apperr.Conflict)
		if n := b.count(t, "river_job", ""); n != 1 {
			t.Errorf("jobs after a failed write = %d, want 1", n)
		}

		bad := newIntegration(3, "bad-entry")
		if err := b.db.CreateIntegration(ctx, bad, nil, badEntry(audit.IntegrationCreated, bad.ID), testJob{IntegrationID: bad.ID}); err == nil {
			t.Errorf("CreateIntegration with an unencodable entry = nil, want an error")
		}
		if n := b.count(t, "river_job", ""); n != 1 {
			t.Errorf("jobs after a write failing before the job = %d, want 1", n)
		}
	})
}

// TestJobWithoutQueue checks that a write asking for a job on a store with
// no queue fails whole instead of committing without its job.
func TestJobWithoutQueue(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		in := newIntegration(1, "no-queue")
		in.Labels = map[string]string{"env": "prod"}
		cs := creds(t, in.ID, t0, "token")
		err := b.db.CreateIntegration(ctx, in, cs, entry(audit.IntegrationCreated, in.ID), testJob{IntegrationID: in.ID})
		if err == nil {
			t.Fatalf("CreateIntegration with a job and no queue = nil, want an error")
		}
		if _, err := b.db.GetIntegration(ctx, in.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetIntegration after failed create = %v, want NotFound", err)
		}
		for _, table := range []string{"integrations", "integration_labels", "integration_credentials", "activity"} {
			if n := b.count(t, table, ""); n != 0 {
				t.Errorf("%s rows after failed create = %d, want 0", table, n)
			}
		}
		// Without jobs the same write goes through.
		mustCreate(t, b.db, in, cs)
	})
}
