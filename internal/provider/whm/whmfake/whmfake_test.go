package whmfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider/providertest"
	"ihub/internal/provider/whm/whmfake"
)

// call sends a raw request and returns the status and decoded JSON body.
func call(t *testing.T, method, rawURL, auth string, form url.Values) (int, map[string]any) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := providertest.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return resp.StatusCode, map[string]any{"_raw": string(b)}
	}
	return resp.StatusCode, m
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := whmfake.New(whmfake.Options{Hostname: "h.example"})
	t.Cleanup(s.Close)
	good := "whm root:" + whmfake.DefaultToken
	tests := []struct {
		name, method, path, auth string
		form                     url.Values
		wantStatus               int
		want                     map[string]any
	}{
		{
			name: "version", method: "GET", path: "/json-api/version?api.version=1", auth: good, wantStatus: 200,
			want: map[string]any{"data": map[string]any{"version": whmfake.DefaultVersion},
				"metadata": map[string]any{"command": "version", "reason": "OK", "result": 1.0, "version": 1.0}},
		},
		{
			name: "scheme is case-insensitive", method: "GET", path: "/json-api/gethostname?api.version=1",
			auth: "WHM root:" + whmfake.DefaultToken, wantStatus: 200,
			want: map[string]any{"data": map[string]any{"hostname": "h.example"},
				"metadata": map[string]any{"command": "gethostname", "reason": "OK", "result": 1.0, "version": 1.0}},
		},
		{
			name: "POST form", method: "POST", path: "/json-api/gethostname", auth: good,
			form: url.Values{"api.version": {"1"}}, wantStatus: 200,
			want: map[string]any{"data": map[string]any{"hostname": "h.example"},
				"metadata": map[string]any{"command": "gethostname", "reason": "OK", "result": 1.0, "version": 1.0}},
		},
		{
			name: "API 0 without api.version", method: "GET", path: "/json-api/version", auth: good, wantStatus: 200,
			want: map[string]any{"version": whmfake.DefaultVersion},
		},
		{
			name: "API 0 unknown function", method: "GET", path: "/json-api/bogus", auth: good, wantStatus: 200,
			want: map[string]any{"status": 0.0, "statusmsg": "Unknown function bogus"},
		},
		{
			name: "wrong token", method: "GET", path: "/json-api/version?api.version=1", auth: "whm root:nope", wantStatus: 403,
			want: map[string]any{"cpanelresult": map[string]any{"apiversion": "2", "error": "Access denied",
				"data": map[string]any{"reason": "Access denied", "result": "0"}, "type": "text"}},
		},
		{
			name: "bearer is not WHM auth", method: "GET", path: "/json-api/version?api.version=1",
			auth: "Bearer " + whmfake.DefaultToken, wantStatus: 403,
			want: map[string]any{"cpanelresult": map[string]any{"apiversion": "2", "error": "Access denied",
				"data": map[string]any{"reason": "Access denied", "result": "0"}, "type": "text"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, got := call(t, tt.method, s.URL()+tt.path, tt.auth, tt.form)
			if status != tt.wantStatus {
				t.Errorf("%s %s status = %d, want %d", tt.method, tt.path, status, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s body mismatch (-want +got):\n%s", tt.method, tt.path, diff)
			}
		})
	}
}

func TestCountsAndFailHook(t *testing.T) {
	t.Parallel()
	s := whmfake.New(whmfake.Options{Fail: func(r *http.Request) *whmfake.Reply {
		if r.URL.Query().Get("fail") == "1" {
			return whmfake.Failure("version", "injected")
		}
		return nil
	}})
	t.Cleanup(s.Close)
	good := "whm root:" + whmfake.DefaultToken
	call(t, "GET", s.URL()+"/json-api/version?api.version=1", good, nil)
	call(t, "GET", s.URL()+"/json-api/version?api.version=1", "whm root:bad", nil)
	status, body := call(t, "GET", s.URL()+"/json-api/version?api.version=1&fail=1", good, nil)
	if status != 200 || body["metadata"].(map[string]any)["reason"] != "injected" {
		t.Errorf("injected failure = %d %v, want 200 with reason injected", status, body)
	}
	status, _ = call(t, "GET", s.URL()+"/cpsess123/other", good, nil)
	if status != http.StatusNotFound {
		t.Errorf("non-API path status = %d, want 404", status)
	}
	if got := s.Requests(); got != 4 {
		t.Errorf("Requests() = %d, want 4", got)
	}
	if got := s.Calls("version"); got != 1 {
		t.Errorf("Calls(version) = %d, want 1 (rejected and injected requests are not calls)", got)
	}
}

func TestAccountFunctions(t *testing.T) {
	t.Parallel()
	s := whmfake.New(whmfake.Options{})
	t.Cleanup(s.Close)
	good := "whm root:" + whmfake.DefaultToken
	status, body := call(t, "POST", s.URL()+"/json-api/createacct", good, url.Values{"api.version": {"1"},
		"username": {"delta"}, "domain": {"delta.example"}, "password": {"long-enough-pw"}, "plan": {"gold"}})
	md := body["metadata"].(map[string]any)
	if status != 200 || md["result"] != 1.0 || md["reason"] != "Account Creation Ok" {
		t.Fatalf("createacct = %d %v, want result 1", status, body)
	}
	_, body = call(t, "GET", s.URL()+"/json-api/createacct?api.version=1&username=delta&domain=x.example&password=long-enough-pw", good, nil)
	if md := body["metadata"].(map[string]any); md["result"] != 0.0 || md["reason"] != "The account 'delta' already exists." {
		t.Errorf("duplicate createacct = %v, want result 0 already exists", body)
	}
	_, body = call(t, "GET", s.URL()+"/json-api/suspendacct?api.version=1&user=delta&reason=Spam", good, nil)
	if md := body["metadata"].(map[string]any); md["result"] != 1.0 {
		t.Errorf("suspendacct = %v, want result 1", body)
	}
	var delta whmfake.Account
	for _, a := range s.Accounts() {
		if a.User == "delta" {
			delta = a
		}
	}
	want := whmfake.Account{User: "delta", Domain: "delta.example", Plan: "gold", Owner: "root", Suspended: true,
		SuspendReason: "Spam", DiskUsed: "0M", DiskLimit: "unlimited", IP: "192.0.2.10", UnixStartDate: delta.UnixStartDate}
	if diff := cmp.Diff(want, delta); diff != "" {
		t.Errorf("account mismatch (-want +got):\n%s", diff)
	}
	_, body = call(t, "GET", s.URL()+"/json-api/get_disk_usage?api.version=1", good, nil)
	accts := body["data"].(map[string]any)["accounts"].([]any)
	if len(accts) != 4 || accts[1].(map[string]any)["blocks_used"] != float64(2<<20) || accts[1].(map[string]any)["blocks_limit"] != nil {
		t.Errorf("get_disk_usage = %v, want 4 accounts with bravo at 2 GiB unlimited", accts)
	}
	_, body = call(t, "GET", s.URL()+"/json-api/showbw?api.version=1&month=2&year=2026", good, nil)
	d := body["data"].(map[string]any)
	if d["month"] != 2.0 || d["year"] != 2026.0 || d["totalused"] != float64(734003200+52428800) {
		t.Errorf("showbw = %v, want February 2026 with the seeded total", d)
	}
	_, body = call(t, "GET", s.URL()+"/json-api/start_autossl_check_for_all_users?api.version=1", good, nil)
	if body["data"].(map[string]any)["pid"] != 4001.0 {
		t.Errorf("start_autossl_check_for_all_users = %v, want pid 4001", body)
	}
}
