package httpapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/store/storetest"
)

// TestTestDeliverySourceIP: a test delivery's sourceIp in the logs is the
// address of the API caller who sent it (docs/webhooks.md), not a fixed
// loopback address.
func TestTestDeliverySourceIP(t *testing.T) {
	t.Parallel()
	e := storetest.Engines(t)[0]
	env := apptest.New(t, e, apptest.Options{})
	ep := shopHMACEndpoint(t, env, "test-source-secret-0123456789", nil)
	req := httptest.NewRequest("POST", "/api/v1/integrations/webhooks/"+ep+"/test", strings.NewReader("{}"))
	req.RemoteAddr = "198.51.100.7:5000"
	req.Header.Set("Authorization", "Bearer "+env.AdminToken)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	env.App.Handler.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("test send = %d %s", rec.Code, rec.Body)
	}
	var logs struct {
		Deliveries []struct {
			SourceIP string
			Test     bool
		}
	}
	decode(t, call(t, env, "GET", "/api/v1/integrations/webhooks/"+ep+"/logs", env.AdminToken, nil), &logs)
	if len(logs.Deliveries) != 1 || !logs.Deliveries[0].Test || logs.Deliveries[0].SourceIP != "198.51.100.7" {
		t.Errorf("logs = %+v, want the test delivery from the caller's address 198.51.100.7", logs.Deliveries)
	}
}
