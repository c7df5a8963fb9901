package googlemapsfake_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ihub/internal/provider/googlemaps/googlemapsfake"
	"ihub/internal/provider/providertest"
)

func TestServer(t *testing.T) {
	t.Parallel()
	s := googlemapsfake.New(googlemapsfake.Options{})
	t.Cleanup(s.Close)
	hc := providertest.HTTPClient()
	t.Cleanup(hc.CloseIdleConnections)
	tests := []struct {
		name  string
		query url.Values
		want  string
	}{
		{"no key", url.Values{"address": {"x"}}, `"status":"REQUEST_DENIED"`},
		{"wrong key", url.Values{"address": {"x"}, "key": {"nope"}}, `The provided API key is invalid.`},
		{"nothing to geocode", url.Values{"key": {googlemapsfake.DefaultKey}}, `"status":"INVALID_REQUEST"`},
		{"found", url.Values{"key": {googlemapsfake.DefaultKey}, "address": {"1 long street, cape town"}}, `"status":"OK"`},
		{"not found", url.Values{"key": {googlemapsfake.DefaultKey}, "address": {"Atlantis"}}, `{"results":[],"status":"ZERO_RESULTS"}`},
	}
	for _, tt := range tests {
		resp, err := hc.Get(s.URL() + "/geocode/json?" + tt.query.Encode())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %d %s, want 200 containing %s", tt.name, resp.StatusCode, b, tt.want)
		}
	}
}
