package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/store/storetest"
)

// TestCancelledTestRecordsNothing: a connection test whose caller goes away
// (or that shutdown cancels) says nothing about the provider, so the
// integration's health must not change.
func TestCancelledTestRecordsNothing(t *testing.T) {
	t.Parallel()
	hang := whmfake.New(whmfake.Options{Fail: whmfake.Hang})
	t.Cleanup(hang.Close)
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	r := env.Do("POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "slow", "provider": "whm",
		"baseUrl": hang.URL(), "username": "root", "isActive": false, "credentials": map[string]any{"apiToken": "tok"}})
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", env.Server.URL+"/api/v1/integrations/slow/test", nil)
	req.Header.Set("Authorization", "Bearer "+env.AdminToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the test answered (%d) although the provider hangs", resp.StatusCode)
	}
	time.Sleep(200 * time.Millisecond) // let the server notice and unwind
	var got integrationJSON
	env.Do("GET", "/api/v1/integrations/slow", env.AdminToken, nil).JSON(t, &got)
	if got.HealthStatus != "unknown" || got.ConsecutiveFailures != 0 || got.LastError != nil {
		t.Errorf("after a cancelled test: %+v; want health unchanged (unknown, no failures)", got)
	}
}
