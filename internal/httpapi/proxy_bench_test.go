package httpapi_test

import (
	"io"
	"net/http"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/provider/generichttp/generichttpfake"
	"ihub/internal/store/storetest"
)

// BenchmarkProxy measures GET /items through the proxy against the generic
// HTTP fake, in process (client, ihub and upstream share the CPUs), for
// profiling; the figures in docs/benchmarks.md come from
// scripts/bench-proxy.sh with wrk.
func BenchmarkProxy(b *testing.B) {
	up := generichttpfake.New(generichttpfake.Options{})
	b.Cleanup(up.Close)
	env := apptest.New(b, storetest.Engines(b)[0], apptest.Options{})
	if r := env.DoAs(b, "POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "api", "provider": "http",
		"baseUrl": up.URL(), "settings": map[string]any{"authMode": "bearer"},
		"credentials": map[string]any{"token": generichttpfake.DefaultToken}}); r.Status != 201 {
		b.Fatalf("create = %d %s", r.Status, r.Body)
	}
	url := env.Server.URL + "/api/v1/integrations/api/proxy/items"
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr}
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("Authorization", "Bearer "+env.AdminToken)
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
