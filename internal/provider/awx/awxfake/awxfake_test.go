package awxfake_test

import (
	"net/http"
	"testing"

	"ihub/internal/provider/awx/awxfake"
	"ihub/internal/provider/providertest"
)

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := awxfake.New(awxfake.Options{})
	t.Cleanup(s.Close)
	hc := providertest.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(path, auth string) (int, string) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL()+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Location")
	}
	tests := []struct {
		path, auth string
		status     int
		location   string
	}{
		{"/api/v2/ping/", "", http.StatusOK, ""},
		{"/api/v2/me/", "", http.StatusUnauthorized, ""},
		{"/api/v2/me/", "Bearer " + awxfake.DefaultToken, http.StatusOK, ""},
		{"/api/v2/me", "Bearer " + awxfake.DefaultToken, http.StatusMovedPermanently, "/api/v2/me/"},
		{"/api/v2/jobs/42/", "Bearer " + awxfake.DefaultToken, http.StatusOK, ""},
		{"/api/v2/jobs/43/", "Bearer " + awxfake.DefaultToken, http.StatusNotFound, ""},
		{"/", "", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		status, loc := get(tt.path, tt.auth)
		if status != tt.status || loc != tt.location {
			t.Errorf("GET %s = %d (Location %q), want %d (%q)", tt.path, status, loc, tt.status, tt.location)
		}
	}
}
