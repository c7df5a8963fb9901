package mtncoveragefake_test

import (
	"io"
	"net/http"
	"testing"

	"ihub/internal/provider/mtncoverage/mtncoveragefake"
	"ihub/internal/provider/providertest"
)

func TestServer(t *testing.T) {
	t.Parallel()
	s := mtncoveragefake.New(mtncoveragefake.Options{})
	t.Cleanup(s.Close)
	hc := providertest.HTTPClient()
	t.Cleanup(hc.CloseIdleConnections)
	tests := []struct {
		name, path, key string
		status          int
		body            string
	}{
		{"no key", "/coverage?latitude=-26.1&longitude=28", "", 401, `{"fault":{"detail":{"errorcode":"oauth.v2.InvalidApiKey"},"faultstring":"Invalid ApiKey"}}`},
		{"no location", "/coverage", mtncoveragefake.DefaultKey, 400, `{"code":"INVALID_REQUEST","message":"latitude and longitude, or address, are required"}`},
		{"covered", "/coverage?latitude=-26.1376&longitude=27.9478", mtncoveragefake.DefaultKey, 200,
			`{"area":"Johannesburg","covered":true,"latitude":"-26.1376","longitude":"27.9478","technologies":["4G","5G","Fibre"]}`},
		{"not covered", "/coverage?address=Windhoek", mtncoveragefake.DefaultKey, 200, `{"address":"Windhoek","covered":false,"technologies":[]}`},
		{"unknown path", "/other", mtncoveragefake.DefaultKey, 404, `{"code":"NOT_FOUND","message":"Resource not found"}`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+tt.path, nil)
		if tt.key != "" {
			req.Header.Set("X-API-Key", tt.key)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || string(b) != tt.body {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.StatusCode, b, tt.status, tt.body)
		}
	}
}
