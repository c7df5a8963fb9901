package zohofake_test

import (
	"io"
	"net/http"
	"testing"

	"ihub/internal/provider/internal/zoho/zohofake"
	"ihub/internal/provider/providertest"
)

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	}
	hc := providertest.HTTPClient()
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServer(t *testing.T) {
	t.Parallel()
	s := zohofake.New(zohofake.Options{})
	t.Cleanup(s.Close)
	tok := zohofake.DefaultToken
	tests := []struct {
		name, path, token string
		status            int
		body              string
	}{
		{"crm without token", "/crm/v7/org", "", 401, `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token","status":"error"}`},
		{"billing without token", "/billing/v1/organizations", "wrong", 401, `{"code":14,"message":"Invalid oauth token","status":"failure"}`},
		{"sign without token", "/api/v1/requests", "wrong", 401, `{"code":9041,"message":"Invalid Oauth token","status":"failure"}`},
		{"desk without token", "/api/v1/organizations", "wrong", 401, `{"errorCode":"INVALID_OAUTH","message":"The OAuth Token you provided is invalid."}`},
		{"records need fields", "/crm/v7/Leads", tok, 400, `{"code":"REQUIRED_PARAM_MISSING","details":{"param":"fields"},"message":"One of the expected parameter is missing","status":"error"}`},
		{"empty module is 204", "/crm/v7/Accounts?fields=Account_Name", tok, 204, ``},
		{"records", "/crm/v7/Contacts?fields=Last_Name", tok, 200, `{"data":[{"Last_Name":"Dlamini","id":"4150868000000400001"}],"info":{"count":1,"more_records":false,"page":1,"per_page":200}}`},
		{"unknown crm path", "/crm/v7/settings/nothing", tok, 404, `{"code":"INVALID_URL_PATTERN","details":{},"message":"Please check if the URL trying to access is a correct one","status":"error"}`},
		{"billing organizations", "/billing/v1/organizations", tok, 200, `{"code":0,"message":"success","organizations":[{"currency_code":"ZAR","is_default_org":true,"name":"Example Hosting Billing","organization_id":"10234695"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := get(t, s.URL()+tt.path, tt.token)
			if status != tt.status || body != tt.body {
				t.Errorf("GET %s = %d %s, want %d %s", tt.path, status, body, tt.status, tt.body)
			}
		})
	}
}
