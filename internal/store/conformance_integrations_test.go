package store_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/provider"
	"ihub/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func TestIntegrationRoundTrip(t *testing.T) {
	t.Parallel()
	// A creation time with nanoseconds in another zone: the store keeps
	// milliseconds and returns UTC.
	odd := time.Date(2025, 3, 4, 5, 6, 7, 123_456_789, time.FixedZone("UTC+2", 2*3600))
	full := newIntegration(2, "full-one")
	full.Name = "Full One"
	full.Provider = "whm"
	full.Category = provider.CategoryHosting
	full.Username = "root"
	full.Settings = map[string]any{
		"port": float64(2087), "ratio": 0.25, "verifyTLS": false, "empty": "", "nil": nil,
		"nested":  map[string]any{"list": []any{"a", float64(1), true}, "deep": map[string]any{"x": "y"}},
		"unicode": "héllo ✓",
	}
	full.Labels = map[string]string{"env": "prod", "team": "core", "a/b.c-d_e": "v"}
	full.IsActive = false
	full.LinkedServerID = ptr("srv_123")
	full.HealthCheckIntervalMinutes = 60
	full.AllowPrivateNetwork = true
	full.CreatedAt = odd
	fullCreds := creds(t, full.ID, odd.Add(time.Second), "apiToken", "password")
	full.Credentials = credMeta(fullCreds)

	tests := []struct {
		name  string
		in    integration.Integration
		creds []integration.SealedCredential
	}{
		{"minimal with nil maps and pointers", newIntegration(1, "minimal"), nil},
		{"every field set", full, fullCreds},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				mustCreate(t, b.db, tt.in, tt.creds)
				want := created(tt.in)
				for _, key := range []string{tt.in.ID, tt.in.Slug} {
					got := mustGet(t, b.db, key)
					if diff := cmp.Diff(want, got, integrationOpts); diff != "" {
						t.Errorf("GetIntegration(%q) mismatch (-want +got):\n%s", key, diff)
					}
					if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
						t.Errorf("GetIntegration(%q) times in %v/%v, want UTC", key, got.CreatedAt.Location(), got.UpdatedAt.Location())
					}
				}
				if diff := cmp.Diff(credsAsStored(tt.creds), mustCreds(t, b.db, tt.in.ID), integrationOpts); diff != "" {
					t.Errorf("IntegrationCredentials mismatch (-want +got):\n%s", diff)
				}
				checkLastActivity(t, b.db, entry(audit.IntegrationCreated, tt.in.ID))
			})
		}
		t.Run("unknown", func(t *testing.T) {
			for _, key := range []string{"int_doesnotexist", "no-such-slug", ""} {
				_, err := b.db.GetIntegration(t.Context(), key)
				wantKind(t, "GetIntegration("+key+")", err, apperr.NotFound)
			}
		})
	})
}

func TestCreateIntegrationDuplicateSlug(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		mustCreate(t, b.db, newIntegration(1, "taken"), nil)
		before := len(allActivity(t, b.db))

		dup := newIntegration(2, "taken")
		dup.Labels = map[string]string{"env": "prod"}
		cs := creds(t, dup.ID, t0, "token")
		dup.Credentials = credMeta(cs)
		err := b.db.CreateIntegration(ctx, dup, cs, entry(audit.IntegrationCreated, dup.ID))
		wantKind(t, "CreateIntegration(duplicate slug)", err, apperr.Conflict)
		if ae, ok := apperr.As(err); ok {
			want := []apperr.FieldError{{Field: "body.slug", Message: "is already in use"}}
			if diff := cmp.Diff(want, ae.Fields); diff != "" {
				t.Errorf("CreateIntegration(duplicate slug) fields mismatch (-want +got):\n%s", diff)
			}
		}
		if _, err := b.db.GetIntegration(ctx, dup.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetIntegration(%s) after failed create = %v, want NotFound", dup.ID, err)
		}
		if n := b.count(t, "integration_labels", "integration_id = $1", dup.ID); n != 0 {
			t.Errorf("labels of failed create = %d rows, want 0", n)
		}
		if got := mustCreds(t, b.db, dup.ID); len(got) != 0 {
			t.Errorf("IntegrationCredentials of failed create = %d values, want 0", len(got))
		}
		if got := len(allActivity(t, b.db)); got != before {
			t.Errorf("activity entries after failed create = %d, want %d", got, before)
		}
	})
}

// listFixture is five integrations covering every filter.
var listFixture = []struct {
	n        int
	slug     string
	name     string
	provider string
	category provider.Category
	active   bool
	labels   map[string]string
	health   integration.HealthStatus
}{
	{1, "alpha-gh", "Alpha GitHub", "github", provider.CategoryVCS, true, map[string]string{"env": "prod", "team": "core"}, integration.HealthHealthy},
	{2, "beta-slack", "Beta Chat", "slack", provider.CategoryCommunication, false, map[string]string{"env": "dev"}, integration.HealthDown},
	{3, "gamma", "GAMMA Repo", "github", provider.CategoryVCS, true, nil, integration.HealthUnknown},
	{4, "delta-mail", "Delta", "smtp", provider.CategoryEmail, true, map[string]string{"team": "core"}, integration.HealthDegraded},
	{5, "epsilon-gh", "Épsilon GitHub", "github", provider.CategoryVCS, false, map[string]string{"env": "prod"}, integration.HealthHealthy},
}

func seedList(t *testing.T, b *bundle) {
	t.Helper()
	for _, f := range listFixture {
		in := newIntegration(f.n, f.slug)
		in.Name, in.Provider, in.Category, in.IsActive, in.Labels = f.name, f.provider, f.category, f.active, f.labels
		mustCreate(t, b.db, in, nil)
		if f.health != integration.HealthUnknown {
			h := integration.Health{Status: f.health, LastCheckedAt: ptr(t0)}
			if err := b.db.RecordTest(t.Context(), in.ID, h, entry(audit.IntegrationTested, in.ID)); err != nil {
				t.Fatalf("RecordTest(%s) = %v", in.ID, err)
			}
		}
	}
}

func slugs(ins []integration.Integration) []string {
	out := make([]string, len(ins))
	for i, in := range ins {
		out[i] = in.Slug
	}
	return out
}

func TestListIntegrations(t *testing.T) {
	t.Parallel()
	all := []string{"alpha-gh", "beta-slack", "gamma", "delta-mail", "epsilon-gh"}
	tests := []struct {
		name string
		f    integration.Filter
		want []string
	}{
		{"no filter, ordered by id", integration.Filter{}, all},
		{"provider", integration.Filter{Provider: "github"}, []string{"alpha-gh", "gamma", "epsilon-gh"}},
		{"unknown provider", integration.Filter{Provider: "nosuch"}, nil},
		{"category", integration.Filter{Category: "email"}, []string{"delta-mail"}},
		{"health healthy", integration.Filter{HealthStatus: "healthy"}, []string{"alpha-gh", "epsilon-gh"}},
		{"health unknown", integration.Filter{HealthStatus: "unknown"}, []string{"gamma"}},
		{"health down", integration.Filter{HealthStatus: "down"}, []string{"beta-slack"}},
		{"active", integration.Filter{IsActive: ptr(true)}, []string{"alpha-gh", "gamma", "delta-mail"}},
		{"inactive", integration.Filter{IsActive: ptr(false)}, []string{"beta-slack", "epsilon-gh"}},
		{"label key", integration.Filter{LabelKey: "env"}, []string{"alpha-gh", "beta-slack", "epsilon-gh"}},
		{"label key and value", integration.Filter{LabelKey: "env", LabelValue: "prod"}, []string{"alpha-gh", "epsilon-gh"}},
		{"label value of another key", integration.Filter{LabelKey: "team", LabelValue: "prod"}, nil},
		{"unknown label key", integration.Filter{LabelKey: "nosuch"}, nil},
		{"label value without key does not filter", integration.Filter{LabelValue: "prod"}, all},
		{"search name", integration.Filter{Search: "alpha"}, []string{"alpha-gh"}},
		{"search name upper case", integration.Filter{Search: "ALPHA"}, []string{"alpha-gh"}},
		{"search stored upper case", integration.Filter{Search: "gamma repo"}, []string{"gamma"}},
		{"search slug", integration.Filter{Search: "-gh"}, []string{"alpha-gh", "epsilon-gh"}},
		{"search slug upper case", integration.Filter{Search: "-MAIL"}, []string{"delta-mail"}},
		{"search non-ASCII", integration.Filter{Search: "ÉPSILON"}, []string{"epsilon-gh"}},
		{"search no match", integration.Filter{Search: "zzz"}, nil},
		// Search is a substring, not a LIKE pattern.
		{"search percent is literal", integration.Filter{Search: "%"}, nil},
		{"search underscore is literal", integration.Filter{Search: "_"}, nil},
		{"search backslash is literal", integration.Filter{Search: `\`}, nil},
		{"after id", integration.Filter{AfterID: integrationID(2)}, []string{"gamma", "delta-mail", "epsilon-gh"}},
		{"limit", integration.Filter{Limit: 2}, []string{"alpha-gh", "beta-slack"}},
		{"provider and active", integration.Filter{Provider: "github", IsActive: ptr(true)}, []string{"alpha-gh", "gamma"}},
		{"provider, label and inactive", integration.Filter{Provider: "github", LabelKey: "env", LabelValue: "prod", IsActive: ptr(false)}, []string{"epsilon-gh"}},
		{"search and health", integration.Filter{Search: "gh", HealthStatus: "healthy"}, []string{"alpha-gh", "epsilon-gh"}},
		{"category, search and label key", integration.Filter{Category: "vcs", Search: "a", LabelKey: "team"}, []string{"alpha-gh"}},
		{"every filter", integration.Filter{Provider: "github", Category: "vcs", HealthStatus: "healthy", IsActive: ptr(true),
			LabelKey: "team", LabelValue: "core", Search: "git", AfterID: "int_", Limit: 10}, []string{"alpha-gh"}},
		{"filters exclude each other", integration.Filter{Provider: "smtp", IsActive: ptr(false)}, nil},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		seedList(t, b)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				f := tt.f
				if f.Limit == 0 {
					f.Limit = 100
				}
				got, err := b.db.ListIntegrations(t.Context(), f)
				if err != nil {
					t.Fatalf("ListIntegrations(%+v) = %v", f, err)
				}
				if diff := cmp.Diff(tt.want, slugs(got), integrationOpts); diff != "" {
					t.Errorf("ListIntegrations(%+v) mismatch (-want +got):\n%s", f, diff)
				}
			})
		}
		t.Run("items are complete", func(t *testing.T) {
			t.Parallel()
			got, err := b.db.ListIntegrations(t.Context(), integration.Filter{Limit: 100})
			if err != nil {
				t.Fatalf("ListIntegrations = %v", err)
			}
			for _, in := range got {
				if diff := cmp.Diff(mustGet(t, b.db, in.ID), in, integrationOpts); diff != "" {
					t.Errorf("ListIntegrations item %s differs from GetIntegration (-get +list):\n%s", in.Slug, diff)
				}
			}
		})
		for _, tt := range []struct {
			name string
			f    integration.Filter
			want []string
		}{
			{"paginate all", integration.Filter{}, all},
			{"paginate filtered", integration.Filter{Provider: "github"}, []string{"alpha-gh", "gamma", "epsilon-gh"}},
		} {
			for _, limit := range []int{1, 2, 3, 5, 6} {
				t.Run(tt.name+"/limit "+strconv.Itoa(limit), func(t *testing.T) {
					t.Parallel()
					f := tt.f
					f.Limit = limit
					var got []string
					for page := 0; ; page++ {
						if page > 10 {
							t.Fatalf("pagination does not end")
						}
						items, err := b.db.ListIntegrations(t.Context(), f)
						if err != nil {
							t.Fatalf("ListIntegrations(%+v) = %v", f, err)
						}
						if len(items) > limit {
							t.Fatalf("ListIntegrations(%+v) returned %d items, want at most %d", f, len(items), limit)
						}
						got = append(got, slugs(items)...)
						if len(items) < limit {
							break
						}
						f.AfterID = items[len(items)-1].ID
					}
					if diff := cmp.Diff(tt.want, got); diff != "" {
						t.Errorf("pages mismatch (-want +got):\n%s", diff)
					}
				})
			}
		}
	})
}

func TestUpdateIntegration(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		in := newIntegration(1, "upd")
		in.Labels = map[string]string{"env": "prod", "team": "core"}
		cs := creds(t, in.ID, t0, "password", "token")
		in.Credentials = credMeta(cs)
		mustCreate(t, b.db, in, cs)

		// A connection test before the update: it does not change the
		// version, and the update does not overwrite its result.
		checked := t0.Add(time.Minute)
		health := integration.Health{Status: integration.HealthDegraded, LastCheckedAt: &checked, LastConnectedAt: &checked,
			LastError: ptr("slow"), LastLatencyMs: ptr(int64(1500)), ConsecutiveFailures: 1}
		if err := b.db.RecordTest(ctx, in.ID, health, entry(audit.IntegrationTested, in.ID)); err != nil {
			t.Fatalf("RecordTest = %v", err)
		}
		cur := mustGet(t, b.db, in.ID)
		if cur.Version != 1 {
			t.Fatalf("Version after RecordTest = %d, want 1", cur.Version)
		}

		t1 := t0.Add(time.Hour)
		next := cur
		next.Slug, next.Name, next.BaseURL, next.Username = "upd-renamed", "Renamed", "https://example.com", "bob"
		next.Settings = map[string]any{"a": true, "n": float64(3)}
		next.Labels = map[string]string{"env": "staging", "owner": "ops"}
		next.IsActive = false
		next.LinkedServerID = ptr("srv_9")
		next.HealthCheckIntervalMinutes = 30
		next.AllowPrivateNetwork = true
		next.UpdatedAt = t1
		set := creds(t, in.ID, t1, "token", "apiKey") // replace token, add apiKey
		next.Credentials = map[string]time.Time{"token": t1, "apiKey": t1}
		upd := entry(audit.IntegrationUpdated, in.ID)
		if err := b.db.UpdateIntegration(ctx, next, set, []string{"password"}, upd); err != nil {
			t.Fatalf("UpdateIntegration = %v", err)
		}
		got := mustGet(t, b.db, in.ID)
		want := next
		want.Version = 2
		want.UpdatedAt = msUTC(t1)
		want.Credentials = map[string]time.Time{"token": msUTC(t1), "apiKey": msUTC(t1)}
		if diff := cmp.Diff(want, got, integrationOpts); diff != "" {
			t.Errorf("GetIntegration after update mismatch (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(credsAsStored(set), mustCreds(t, b.db, in.ID)); diff != "" {
			t.Errorf("IntegrationCredentials after update mismatch (-want +got):\n%s", diff)
		}
		checkLastActivity(t, b.db, upd)
		for _, tt := range []struct {
			f    integration.Filter
			want []string
		}{
			{integration.Filter{LabelKey: "env", LabelValue: "staging"}, []string{"upd-renamed"}},
			{integration.Filter{LabelKey: "owner"}, []string{"upd-renamed"}},
			{integration.Filter{LabelKey: "env", LabelValue: "prod"}, nil},
			{integration.Filter{LabelKey: "team"}, nil},
			{integration.Filter{Search: "renamed"}, []string{"upd-renamed"}},
		} {
			tt.f.Limit = 10
			list, err := b.db.ListIntegrations(ctx, tt.f)
			if err != nil {
				t.Fatalf("ListIntegrations(%+v) = %v", tt.f, err)
			}
			if diff := cmp.Diff(tt.want, slugs(list), integrationOpts); diff != "" {
				t.Errorf("ListIntegrations(%+v) after update mismatch (-want +got):\n%s", tt.f, diff)
			}
		}

		t.Run("pointers and maps back to nil", func(t *testing.T) {
			back := got
			back.LinkedServerID = nil
			back.Settings = nil
			back.Labels = nil
			if err := b.db.UpdateIntegration(ctx, back, nil, nil, upd); err != nil {
				t.Fatalf("UpdateIntegration = %v", err)
			}
			got2 := mustGet(t, b.db, in.ID)
			if got2.LinkedServerID != nil || len(got2.Settings) != 0 || len(got2.Labels) != 0 || got2.Version != 3 {
				t.Errorf("after update = LinkedServerID %v, Settings %v, Labels %v, Version %d; want nil, empty, empty, 3",
					got2.LinkedServerID, got2.Settings, got2.Labels, got2.Version)
			}
			if n := b.count(t, "integration_labels", "integration_id = $1", in.ID); n != 0 {
				t.Errorf("label rows after clearing labels = %d, want 0", n)
			}
			got = got2
		})

		t.Run("stale version changes nothing", func(t *testing.T) {
			before := got
			beforeCreds := mustCreds(t, b.db, in.ID)
			beforeActivity := allActivity(t, b.db)
			stale := before
			stale.Version = 2 // the stored version is 3
			stale.Name = "Stale"
			stale.Labels = map[string]string{"stale": "yes"}
			stale.Credentials = map[string]time.Time{"stale": t1}
			err := b.db.UpdateIntegration(ctx, stale, creds(t, in.ID, t1, "stale"), []string{"token", "apiKey"}, upd)
			wantKind(t, "UpdateIntegration(stale)", err, apperr.PreconditionFailed)
			if diff := cmp.Diff(before, mustGet(t, b.db, in.ID), integrationOpts); diff != "" {
				t.Errorf("integration after stale update mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(beforeCreds, mustCreds(t, b.db, in.ID)); diff != "" {
				t.Errorf("credentials after stale update mismatch (-want +got):\n%s", diff)
			}
			if n := b.count(t, "integration_labels", "integration_id = $1", in.ID); n != 0 {
				t.Errorf("label rows after stale update = %d, want 0", n)
			}
			if diff := cmp.Diff(beforeActivity, allActivity(t, b.db), integrationOpts); diff != "" {
				t.Errorf("activity after stale update mismatch (-want +got):\n%s", diff)
			}
		})

		t.Run("unknown id", func(t *testing.T) {
			ghost := newIntegration(99, "ghost")
			ghost.Version = 1
			err := b.db.UpdateIntegration(ctx, ghost, nil, nil, upd)
			// The store cannot tell a deleted row from a changed one: either
			// kind is a refusal the API can map.
			if !apperr.Is(err, apperr.PreconditionFailed) && !apperr.Is(err, apperr.NotFound) {
				t.Errorf("UpdateIntegration(unknown) = %v, want PreconditionFailed or NotFound", err)
			}
		})

		t.Run("slug taken by another", func(t *testing.T) {
			mustCreate(t, b.db, newIntegration(2, "other"), nil)
			cur := mustGet(t, b.db, in.ID)
			moved := cur
			moved.Slug = "other"
			err := b.db.UpdateIntegration(ctx, moved, nil, nil, upd)
			wantKind(t, "UpdateIntegration(taken slug)", err, apperr.Conflict)
			if ae, ok := apperr.As(err); ok && (len(ae.Fields) != 1 || ae.Fields[0].Field != "body.slug") {
				t.Errorf("UpdateIntegration(taken slug) fields = %v, want body.slug", ae.Fields)
			}
			if diff := cmp.Diff(cur, mustGet(t, b.db, in.ID), integrationOpts); diff != "" {
				t.Errorf("integration after conflicting update mismatch (-want +got):\n%s", diff)
			}
		})
	})
}

func TestIntegrationCredentialsFieldByField(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		in := newIntegration(1, "creds")
		initial := creds(t, in.ID, t0, "password", "token")
		mustCreate(t, b.db, in, initial)
		want := map[string]integration.SealedCredential{}
		for _, c := range initial {
			want[c.Field] = c
		}
		steps := []struct {
			name string
			set  []string
			del  []string
		}{
			{"add one", []string{"apiKey"}, nil},
			{"replace one", []string{"token"}, nil},
			{"delete one", nil, []string{"password"}},
			{"delete a field that is not set", nil, []string{"nosuch"}},
			{"replace and delete together", []string{"apiKey"}, []string{"token"}},
			{"nothing", nil, nil},
			{"delete the last", nil, []string{"apiKey"}},
		}
		cur := mustGet(t, b.db, in.ID)
		for i, st := range steps {
			at := t0.Add(time.Duration(i+1) * time.Minute)
			set := make([]integration.SealedCredential, 0, len(st.set))
			for _, f := range st.set {
				c := seal(t, fakeSealer{}, in.ID, f, "v"+strconv.Itoa(i)+f, at)
				set = append(set, c)
				want[f] = c
			}
			for _, f := range st.del {
				delete(want, f)
			}
			if err := b.db.UpdateIntegration(ctx, cur, set, st.del, entry(audit.CredentialsChanged, in.ID)); err != nil {
				t.Fatalf("%s: UpdateIntegration = %v", st.name, err)
			}
			var wantList []integration.SealedCredential
			for _, c := range want {
				wantList = append(wantList, c)
			}
			if diff := cmp.Diff(credsAsStored(wantList), mustCreds(t, b.db, in.ID), integrationOpts); diff != "" {
				t.Errorf("%s: IntegrationCredentials mismatch (-want +got):\n%s", st.name, diff)
			}
			cur = mustGet(t, b.db, in.ID)
		}
	})
}

func TestDeleteIntegration(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		keep := newIntegration(1, "keep")
		keep.Labels = map[string]string{"env": "prod"}
		keepCreds := creds(t, keep.ID, t0, "token")
		mustCreate(t, b.db, keep, keepCreds)
		gone := newIntegration(2, "gone")
		gone.Labels = map[string]string{"env": "prod", "team": "core"}
		mustCreate(t, b.db, gone, creds(t, gone.ID, t0, "password", "token"))

		del := entry(audit.IntegrationDeleted, gone.ID)
		if err := b.db.DeleteIntegration(ctx, gone.ID, del); err != nil {
			t.Fatalf("DeleteIntegration = %v", err)
		}
		checkLastActivity(t, b.db, del)
		if _, err := b.db.GetIntegration(ctx, gone.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetIntegration(deleted) = %v, want NotFound", err)
		}
		if _, err := b.db.GetIntegration(ctx, "gone"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GetIntegration(deleted slug) = %v, want NotFound", err)
		}
		if got := mustCreds(t, b.db, gone.ID); len(got) != 0 {
			t.Errorf("IntegrationCredentials(deleted) = %d values, want 0", len(got))
		}
		if n := b.count(t, "integration_labels", "integration_id = $1", gone.ID); n != 0 {
			t.Errorf("label rows of deleted integration = %d, want 0", n)
		}
		if n := b.count(t, "integration_credentials", "integration_id = $1", gone.ID); n != 0 {
			t.Errorf("credential rows of deleted integration = %d, want 0", n)
		}
		// The other integration is untouched.
		if diff := cmp.Diff(credsAsStored(keepCreds), mustCreds(t, b.db, keep.ID)); diff != "" {
			t.Errorf("credentials of the other integration mismatch (-want +got):\n%s", diff)
		}
		if n := b.count(t, "integration_labels", "integration_id = $1", keep.ID); n != 1 {
			t.Errorf("label rows of the other integration = %d, want 1", n)
		}
		// The slug is free again.
		mustCreate(t, b.db, newIntegration(3, "gone"), nil)

		before := len(allActivity(t, b.db))
		err := b.db.DeleteIntegration(ctx, gone.ID, del)
		wantKind(t, "DeleteIntegration(deleted)", err, apperr.NotFound)
		if got := len(allActivity(t, b.db)); got != before {
			t.Errorf("activity entries after failed delete = %d, want %d", got, before)
		}
	})
}

func TestRecordTest(t *testing.T) {
	t.Parallel()
	checked := time.Date(2025, 6, 1, 13, 0, 0, 987_654_321, time.UTC)
	earlier := checked.Add(-time.Hour)
	// The steps run in order on one integration: the store counts failures
	// itself and keeps the last success when a check fails.
	steps := []struct {
		name         string
		h            integration.Health
		wantConnect  *time.Time
		wantFailures int
	}{
		{"success", integration.Health{Status: integration.HealthHealthy, LastCheckedAt: &earlier, LastConnectedAt: &earlier,
			LastLatencyMs: ptr(int64(42))}, &earlier, 0},
		{"failure keeps last connected", integration.Health{Status: integration.HealthDown, LastCheckedAt: &checked,
			LastError: ptr("connection refused")}, &earlier, 1},
		{"second failure counts", integration.Health{Status: integration.HealthDown, LastCheckedAt: &checked,
			LastError: ptr("403 Forbidden — Access denied"), LastLatencyMs: ptr(int64(7))}, &earlier, 2},
		{"provider text is cleaned for storage", integration.Health{Status: integration.HealthDown, LastCheckedAt: &checked,
			LastError: ptr("bad \x00 byte \xff")}, &earlier, 3},
		{"success resets the count", integration.Health{Status: integration.HealthHealthy, LastCheckedAt: &checked,
			LastConnectedAt: &checked}, &checked, 0},
	}
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		in := newIntegration(1, "tested")
		mustCreate(t, b.db, in, nil)
		before := mustGet(t, b.db, in.ID)
		for _, st := range steps {
			ent := entry(audit.IntegrationTested, in.ID)
			ent.Success = st.h.LastError == nil
			if err := b.db.RecordTest(ctx, in.ID, st.h, ent); err != nil {
				t.Fatalf("%s: RecordTest = %v", st.name, err)
			}
			got := mustGet(t, b.db, in.ID)
			want := before
			want.Health = st.h
			want.Health.LastCheckedAt = ptr(msUTC(*st.h.LastCheckedAt))
			want.Health.LastConnectedAt = ptr(msUTC(*st.wantConnect))
			want.Health.ConsecutiveFailures = st.wantFailures
			if st.h.LastError != nil {
				want.Health.LastError = ptr(strings.ToValidUTF8(strings.ReplaceAll(*st.h.LastError, "\x00", "\uFFFD"), "\uFFFD"))
			}
			if diff := cmp.Diff(want, got, integrationOpts); diff != "" {
				t.Errorf("%s: GetIntegration after RecordTest mismatch (-want +got):\n%s", st.name, diff)
			}
			checkLastActivity(t, b.db, ent)
		}
		t.Run("unknown id", func(t *testing.T) {
			n := len(allActivity(t, b.db))
			err := b.db.RecordTest(ctx, "int_nosuch", integration.Health{Status: integration.HealthHealthy}, entry(audit.IntegrationTested, "int_nosuch"))
			wantKind(t, "RecordTest(unknown)", err, apperr.NotFound)
			if got := len(allActivity(t, b.db)); got != n {
				t.Errorf("activity entries after failed RecordTest = %d, want %d", got, n)
			}
		})
	})
}

func TestRecordActivityThroughIntegrationStore(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		var st integration.Store = b.db
		e1 := entry(audit.CredentialsDecrypted, "int_x")
		e1.Actor = audit.Actor{Type: audit.ActorToken, ID: "usr_1", Name: "ci", TokenID: "tok_1", IP: "198.51.100.1"}
		if err := st.RecordActivity(t.Context(), e1); err != nil {
			t.Fatalf("RecordActivity = %v", err)
		}
		checkLastActivity(t, b.db, e1)
	})
}

// TestListSeesEveryChange lists, changes, and lists again, with the change
// made through the same store, through another store on the same database
// (another replica, or the CLI), and around the store with raw SQL: a list
// never returns what was true before a committed change.
func TestListSeesEveryChange(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		other := openStore(t, b.opts)
		a, c := newIntegration(1, "a"), newIntegration(2, "c")
		mustCreate(t, b.db, a, nil)

		list := func(f integration.Filter) []string {
			t.Helper()
			f.Limit = 100
			got, err := b.db.ListIntegrations(ctx, f)
			if err != nil {
				t.Fatalf("ListIntegrations(%+v) = %v", f, err)
			}
			return slugs(got)
		}
		all := integration.Filter{}
		healthy := integration.Filter{HealthStatus: "healthy"}
		env := integration.Filter{LabelKey: "env", LabelValue: "prod"}
		search := integration.Filter{Search: "raw"}
		steps := []struct {
			name   string
			change func(t *testing.T)
			f      integration.Filter
			want   []string
		}{
			{"another store creates", func(t *testing.T) { mustCreate(t, other, c, nil) }, all, []string{"a", "c"}},
			{"another store records a test", func(t *testing.T) {
				if err := other.RecordTest(ctx, c.ID, integration.Health{Status: integration.HealthHealthy}, entry(audit.IntegrationTested, c.ID)); err != nil {
					t.Fatalf("RecordTest = %v", err)
				}
			}, healthy, []string{"c"}},
			{"another store changes labels", func(t *testing.T) {
				cur := mustGet(t, other, a.ID)
				cur.Labels = map[string]string{"env": "prod"}
				if err := other.UpdateIntegration(ctx, cur, nil, nil, entry(audit.IntegrationUpdated, a.ID)); err != nil {
					t.Fatalf("UpdateIntegration = %v", err)
				}
			}, env, []string{"a"}},
			{"the list item carries the new labels", func(t *testing.T) {}, all, []string{"a", "c"}},
			{"another store deletes", func(t *testing.T) {
				if err := other.DeleteIntegration(ctx, c.ID, entry(audit.IntegrationDeleted, c.ID)); err != nil {
					t.Fatalf("DeleteIntegration = %v", err)
				}
			}, healthy, nil},
			{"raw SQL renames", func(t *testing.T) {
				if _, err := b.raw.exec(ctx, "UPDATE integrations SET name = 'Raw Name', name_lower = 'raw name' WHERE id = $1", a.ID); err != nil {
					t.Fatalf("raw update: %v", err)
				}
			}, search, []string{"a"}},
			{"raw SQL deletes labels", func(t *testing.T) {
				if _, err := b.raw.exec(ctx, "DELETE FROM integration_labels WHERE integration_id = $1", a.ID); err != nil {
					t.Fatalf("raw delete: %v", err)
				}
			}, env, nil},
			{"the same store updates", func(t *testing.T) {
				cur := mustGet(t, b.db, a.ID)
				cur.IsActive = false
				if err := b.db.UpdateIntegration(ctx, cur, nil, nil, entry(audit.IntegrationUpdated, a.ID)); err != nil {
					t.Fatalf("UpdateIntegration = %v", err)
				}
			}, integration.Filter{IsActive: ptr(true)}, nil},
		}
		for _, st := range steps {
			// Read before the change, so that any cache holds the old answer.
			for _, f := range []integration.Filter{all, healthy, env, search, st.f} {
				list(f)
			}
			st.change(t)
			if diff := cmp.Diff(st.want, list(st.f), integrationOpts); diff != "" {
				t.Errorf("%s: ListIntegrations(%+v) mismatch (-want +got):\n%s", st.name, st.f, diff)
			}
			// Every item is what GetIntegration returns now.
			items, err := b.db.ListIntegrations(ctx, integration.Filter{Limit: 100})
			if err != nil {
				t.Fatalf("ListIntegrations = %v", err)
			}
			for _, in := range items {
				if diff := cmp.Diff(mustGet(t, b.db, in.ID), in, integrationOpts); diff != "" {
					t.Errorf("%s: list item %s differs from GetIntegration (-get +list):\n%s", st.name, in.Slug, diff)
				}
			}
		}
	})
}

// TestListFilterByValue reuses one filter whose IsActive pointer points at
// a variable that changes between calls: the filter is what it says at the
// time of the call.
func TestListFilterByValue(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		seedList(t, b)
		active := true
		f := integration.Filter{IsActive: &active, Limit: 100}
		for _, tt := range []struct {
			active bool
			want   []string
		}{
			{true, []string{"alpha-gh", "gamma", "delta-mail"}},
			{false, []string{"beta-slack", "epsilon-gh"}},
			{true, []string{"alpha-gh", "gamma", "delta-mail"}},
		} {
			active = tt.active
			got, err := b.db.ListIntegrations(t.Context(), f)
			if err != nil {
				t.Fatalf("ListIntegrations = %v", err)
			}
			if diff := cmp.Diff(tt.want, slugs(got)); diff != "" {
				t.Errorf("ListIntegrations(IsActive → %v) mismatch (-want +got):\n%s", tt.active, diff)
			}
		}
	})
}

// TestListWhileWriting lists from several goroutines while another writes;
// once the writes are done, a list shows all of them.
func TestListWhileWriting(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		b := setup(t, e)
		ctx := t.Context()
		const n = 20
		done := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if _, err := b.db.ListIntegrations(ctx, integration.Filter{Provider: "github", Limit: 50}); err != nil {
						t.Errorf("ListIntegrations = %v", err)
						return
					}
				}
			})
		}
		for i := range n {
			mustCreate(t, b.db, newIntegration(i+1, fmt.Sprintf("w-%d", i+1)), nil)
		}
		close(done)
		wg.Wait()
		got, err := b.db.ListIntegrations(ctx, integration.Filter{Provider: "github", Limit: 50})
		if err != nil {
			t.Fatalf("ListIntegrations = %v", err)
		}
		if len(got) != n {
			t.Errorf("ListIntegrations after %d creates returned %d items", n, len(got))
		}
	})
}
