package whmcsfake_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whmcs/whmcsfake"
)

func post(t *testing.T, s *whmcsfake.Server, form url.Values) (int, string) {
	t.Helper()
	resp, err := providertest.HTTPClient().PostForm(s.URL()+"/includes/api.php", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := whmcsfake.New(whmcsfake.Options{})
	t.Cleanup(s.Close)
	auth := url.Values{"identifier": {whmcsfake.DefaultIdentifier}, "secret": {whmcsfake.DefaultSecret}, "action": {"WhmcsDetails"}}
	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"json", with(auth, "responsetype", "json"), `"result":"success"`},
		{"xml without responsetype", auth, `<result>success</result>`},
		{"credentials as username and password", url.Values{"username": {whmcsfake.DefaultIdentifier}, "password": {whmcsfake.DefaultSecret},
			"action": {"WhmcsDetails"}, "responsetype": {"json"}}, `"version":"8.10.1"`},
		{"legacy admin login", url.Values{"username": {"admin"}, "password": {whmcsfake.MD5(whmcsfake.DefaultAdminPassword)},
			"action": {"WhmcsDetails"}, "responsetype": {"json"}}, `"result":"success"`},
		{"plain admin password is refused", url.Values{"username": {"admin"}, "password": {whmcsfake.DefaultAdminPassword},
			"action": {"WhmcsDetails"}, "responsetype": {"json"}}, `"message":"Authentication Failed"`},
		{"unknown action", with(with(auth, "responsetype", "json"), "action", "Nope"), `"message":"Command Not Found"`},
	}
	for _, tt := range tests {
		status, body := post(t, s, tt.form)
		if status != http.StatusOK || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want 200 containing %s", tt.name, status, body, tt.want)
		}
	}
}

func with(v url.Values, k, val string) url.Values {
	out := url.Values{}
	for kk, vv := range v {
		out[kk] = append([]string(nil), vv...)
	}
	out.Set(k, val)
	return out
}
