package integration_test

import (
	"context"
	"sync"
	"testing"

	"ihub/internal/app"
	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/store/storetest"
)

func seedWHM(t testing.TB, a *app.App, url, token string) integration.Integration {
	t.Helper()
	name, prov, user, yes := "w", "whm", "root", true
	in, err := a.Integrations.Create(context.Background(), audit.System, integration.Input{Name: &name, Provider: &prov,
		BaseURL: &url, Username: &user, IsActive: &yes, Credentials: map[string]any{"apiToken": token}})
	if err != nil {
		t.Fatalf("Create = %v", err)
	}
	return in
}

func TestFactory(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fake := whmfake.New(whmfake.Options{})
			t.Cleanup(fake.Close)
			env := apptest.New(t, e, apptest.Options{})
			in := seedWHM(t, env.App, fake.URL(), whmfake.DefaultToken)
			f := env.App.Integrations.Clients()
			ctx := t.Context()

			h1, err := f.Get(ctx, in.ID)
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			h2, _ := f.Get(ctx, in.Slug)
			if h1 != h2 || h1.Client == nil || h1.ClientErr != nil {
				t.Errorf("by id and by slug: %p %p, client %T %v; want one cached handle with a client", h1, h2, h1.Client, h1.ClientErr)
			}
			if st := f.Stats(); st.Hits != 1 || st.Misses != 1 || st.Cached != 1 {
				t.Errorf("Stats = %+v, want 1 hit, 1 miss, 1 cached", st)
			}

			// A change made through this replica's service is seen at once.
			bad := "WRONGTOKEN"
			if _, err := env.App.Integrations.Update(ctx, audit.System, in.ID,
				integration.Input{Credentials: map[string]any{"apiToken": bad}}, nil); err != nil {
				t.Fatal(err)
			}
			h3, _ := f.Get(ctx, in.ID)
			if h3 == h1 || h3.Conn.Secret("apiToken") != bad {
				t.Errorf("after an update the factory still serves the old credentials")
			}

			// A change made by another replica (a second app on the same
			// database) is seen after Refresh.
			other := apptest.Reopen(t, env)
			if _, err := other.Integrations.Update(ctx, audit.System, in.ID,
				integration.Input{Credentials: map[string]any{"apiToken": whmfake.DefaultToken}}, nil); err != nil {
				t.Fatal(err)
			}
			if err := f.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			h4, _ := f.Get(ctx, in.ID)
			if h4.Conn.Secret("apiToken") != whmfake.DefaultToken {
				t.Errorf("after another replica's update and Refresh the factory serves stale credentials")
			}
			// Deleted elsewhere: gone after Refresh.
			if err := other.Integrations.Delete(ctx, audit.System, in.ID); err != nil {
				t.Fatal(err)
			}
			if err := f.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Get(ctx, in.ID); err == nil {
				t.Errorf("Get after delete = nil error, want not found")
			}
		})
	}
}

// TestFactoryConcurrent: many goroutines asking for the same integration
// at once load it once and all get the same handle.
func TestFactoryConcurrent(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	in := seedWHM(t, env.App, "https://whm.example.com:2087", whmfake.DefaultToken)
	f := env.App.Integrations.Clients()
	var wg sync.WaitGroup
	handles := make([]*integration.Handle, 50)
	for i := range handles {
		wg.Go(func() {
			h, err := f.Get(context.Background(), in.ID)
			if err != nil {
				t.Error(err)
			}
			handles[i] = h
		})
	}
	wg.Wait()
	for _, h := range handles {
		if h != handles[0] {
			t.Fatalf("concurrent Gets returned different handles")
		}
	}
	if st := f.Stats(); st.Cached != 1 {
		t.Errorf("Stats = %+v, want one cached handle", st)
	}
}

// BenchmarkFactoryGet measures a cached lookup (the steady state of every
// action and proxy call) and reports the hit rate.
func BenchmarkFactoryGet(b *testing.B) {
	env := apptest.New(b, storetest.Engines(b)[0], apptest.Options{})
	in := seedWHM(b, env.App, "https://whm.example.com:2087", whmfake.DefaultToken)
	f := env.App.Integrations.Clients()
	ctx := context.Background()
	if _, err := f.Get(ctx, in.ID); err != nil {
		b.Fatal(err)
	}
	start := f.Stats()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.Get(ctx, in.ID); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	st := f.Stats()
	hits, misses := st.Hits-start.Hits, st.Misses-start.Misses
	b.ReportMetric(100*float64(hits)/float64(hits+misses), "hit%")
}
