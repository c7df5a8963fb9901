package bitbucketfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/bitbucket/bitbucketfake"
	"ihub/internal/provider/providertest"
)

func do(t *testing.T, method, rawURL, body string, auth func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != nil {
		auth(req)
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
	return resp.StatusCode, string(b)
}

func basic(r *http.Request) { r.SetBasicAuth(bitbucketfake.DefaultEmail, bitbucketfake.DefaultToken) }

func access(r *http.Request) {
	r.Header.Set("Authorization", "Bearer "+bitbucketfake.DefaultAccessToken)
}

func TestWireFormat(t *testing.T) {
	t.Parallel()
	s := bitbucketfake.New(bitbucketfake.Options{})
	t.Cleanup(s.Close)
	tests := []struct {
		name, method, path, body string
		auth                     func(*http.Request)
		wantStatus               int
		wantBody                 string
	}{
		{"user", "GET", "/user", "", basic, 200, `"nickname":"jdoe"`},
		{"no auth", "GET", "/user", "", nil, 401, `{"error":{"message":"Unauthorized"},"type":"error"}`},
		{"wrong email", "GET", "/user", "", func(r *http.Request) { r.SetBasicAuth("x@example.com", bitbucketfake.DefaultToken) }, 401, `"type":"error"`},
		{"access token is not a user", "GET", "/user", "", access, 401, "only accessible"},
		{"repositories page", "GET", "/repositories/acme?pagelen=2", "", basic, 200, `"next":"http://`},
		{"repositories size", "GET", "/repositories/acme", "", access, 200, `"size":3`},
		{"unknown workspace", "GET", "/repositories/nobody", "", basic, 404, "No workspace with identifier 'nobody'."},
		{"commits without size", "GET", "/repositories/acme/docs/commits/master?pagelen=1", "", basic, 200, `"next":"http://`},
		{"hook field errors", "POST", "/repositories/acme/api/hooks", `{"events":["nope"]}`, basic, 400, `"fields":{"events":["Invalid event: nope"],"url":["This field is required."]}`},
		{"hook", "POST", "/repositories/acme/api/hooks", `{"url":"https://h.example","events":["repo:push"],"secret":"s3cr3t"}`, basic, 201, `"secret_set":true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, body := do(t, tt.method, s.URL()+tt.path, tt.body, tt.auth)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("%s %s = %d %s; want %d containing %s", tt.method, tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
			if strings.Contains(body, "s3cr3t") {
				t.Errorf("the hook secret was echoed: %s", body)
			}
		})
	}
}

func TestCommitPagination(t *testing.T) {
	t.Parallel()
	s := bitbucketfake.New(bitbucketfake.Options{})
	t.Cleanup(s.Close)
	next := s.URL() + "/repositories/acme/website/commits?pagelen=2"
	var seen int
	for i := 0; next != "" && i < 5; i++ {
		status, body := do(t, "GET", next, "", basic)
		var env struct {
			Next   string            `json:"next"`
			Size   *int              `json:"size"`
			Values []json.RawMessage `json:"values"`
		}
		if status != 200 || json.Unmarshal([]byte(body), &env) != nil || env.Size != nil {
			t.Fatalf("GET %s = %d %s", next, status, body)
		}
		seen += len(env.Values)
		next = env.Next
	}
	if seen != 3 {
		t.Errorf("followed next to %d commits, want 3", seen)
	}
}
