package app_test

import (
	"strings"
	"testing"

	"ihub/internal/app/apptest"
	"ihub/internal/provider/whm/whmfake"
	"ihub/internal/store/storetest"
)

// TestSelfSignedWHM: a WHM with a self-signed certificate fails the test
// with a certificate error until the integration opts into tlsSkipVerify.
func TestSelfSignedWHM(t *testing.T) {
	t.Parallel()
	whm := whmfake.New(whmfake.Options{TLS: true})
	t.Cleanup(whm.Close)
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	r := env.Do("POST", "/api/v1/integrations", env.AdminToken, map[string]any{"name": "whm tls", "provider": "whm",
		"baseUrl": whm.URL(), "username": whmfake.DefaultUser, "isActive": false,
		"credentials": map[string]any{"apiToken": whmfake.DefaultToken}})
	if r.Status != 201 || !strings.HasPrefix(whm.URL(), "https://") {
		t.Fatalf("create = %d %s (fake at %s)", r.Status, r.Body, whm.URL())
	}
	var res testJSON
	env.Do("POST", "/api/v1/integrations/whm-tls/test", env.AdminToken, nil).JSON(t, &res)
	if res.Success || res.ErrorKind != "transport" || !strings.Contains(res.Message, "certificate") {
		t.Errorf("test against a self-signed certificate = %+v; want a transport failure naming the certificate", res)
	}
	if r := env.Do("PATCH", "/api/v1/integrations/whm-tls", env.AdminToken, map[string]any{"tlsSkipVerify": true}); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"tlsSkipVerify":true`) {
		t.Fatalf("PATCH tlsSkipVerify = %d %s", r.Status, r.Body)
	}
	env.Do("POST", "/api/v1/integrations/whm-tls/test", env.AdminToken, nil).JSON(t, &res)
	if !res.Success {
		t.Errorf("test with tlsSkipVerify = %+v; want success", res)
	}
}
