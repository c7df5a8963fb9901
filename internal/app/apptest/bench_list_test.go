package apptest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
)

// keepAlive is a testing.TB whose cleanups never run, so that an env built
// in one run of a benchmark function survives into the next (the testing
// package calls a benchmark several times, and seeding is slow).
type keepAlive struct{ *testing.B }

func (keepAlive) Cleanup(func()) {}

var listEnv struct {
	once sync.Once
	env  *apptest.Env
	dir  string
}

// BenchmarkListIntegrations measures GET /api/v1/integrations in process
// (no network): 10,000 integrations, a page of 50 filtered by provider.
// The load figure with a real client comes from scripts/bench-http.sh.
func BenchmarkListIntegrations(b *testing.B) {
	listEnv.once.Do(func() {
		dir, err := os.MkdirTemp("", "ihub-bench-")
		if err != nil {
			b.Fatal(err)
		}
		listEnv.dir = dir
		e := storetest.Engine{Name: "sqlite", Options: func(testing.TB) store.Options { return store.Options{DataDir: dir} }}
		listEnv.env = apptest.New(keepAlive{b}, e, apptest.Options{})
		if err := listEnv.env.App.SeedSample(context.Background(), 10000); err != nil {
			b.Fatal(err)
		}
	})
	env := listEnv.env
	h := env.App.Handler
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/api/v1/integrations?provider=github&limit=50", nil)
			req.Header.Set("Authorization", "Bearer "+env.AdminToken)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

func TestMain(m *testing.M) {
	code := m.Run()
	if listEnv.dir != "" {
		os.RemoveAll(listEnv.dir)
	}
	os.Exit(code)
}
