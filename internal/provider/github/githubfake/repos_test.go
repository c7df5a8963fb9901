package githubfake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/providertest"
)

func post(t *testing.T, rawURL, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "test")
	req.Header.Set("Authorization", auth)
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

func TestCommits(t *testing.T) {
	t.Parallel()
	s := githubfake.New(githubfake.Options{})
	t.Cleanup(s.Close)
	auth := "Bearer " + githubfake.DefaultToken
	a := get(t, s.URL()+"/repos/octocat/Hello-World/commits?per_page=2", "Authorization", auth)
	var commits []struct {
		SHA    string `json:"sha"`
		Commit struct {
			Message string `json:"message"`
		} `json:"commit"`
	}
	if err := json.Unmarshal([]byte(a.body), &commits); err != nil || a.status != 200 || len(commits) != 2 {
		t.Fatalf("GET commits = %d %s", a.status, a.body)
	}
	if !strings.Contains(a.header.Get("Link"), `rel="next"`) || strings.Contains(a.header.Get("Link"), `rel="last"`) {
		t.Errorf("Link = %q, want next and no last", a.header.Get("Link"))
	}
	// The commits listing can start from a SHA.
	b := get(t, s.URL()+"/repos/octocat/Hello-World/commits?sha="+commits[1].SHA, "Authorization", auth)
	if !strings.Contains(b.body, commits[1].SHA) || strings.Contains(b.body, commits[0].SHA) {
		t.Errorf("GET commits?sha= = %s", b.body)
	}
	if a := get(t, s.URL()+"/repos/someone/Hello-World/commits", "Authorization", auth); a.status != 404 {
		t.Errorf("other owner's repository status = %d, want 404", a.status)
	}
	if n := s.Calls("GET /repos/octocat/Hello-World/commits"); n != 2 {
		t.Errorf("Calls = %d, want 2", n)
	}
}

func TestCreateHook(t *testing.T) {
	t.Parallel()
	s := githubfake.New(githubfake.Options{})
	t.Cleanup(s.Close)
	auth := "Bearer " + githubfake.DefaultToken
	hooks := s.URL() + "/repos/octocat/Spoon-Knife/hooks"
	status, body := post(t, hooks, auth, `{"name":"web","events":["push"],"config":{"url":"https://hub.example.com/h","content_type":"json","secret":"s3cret"}}`)
	if status != 201 || !strings.Contains(body, `"secret":"********"`) || strings.Contains(body, "s3cret") {
		t.Errorf("create = %d %s", status, body)
	}
	status, body = post(t, hooks, auth, `{"name":"web","config":{"url":"https://hub.example.com/h"}}`)
	if status != 422 || !strings.Contains(body, "Hook already exists on this repository") {
		t.Errorf("duplicate = %d %s", status, body)
	}
	status, body = post(t, hooks, auth, `{"name":"web","config":{}}`)
	if status != 422 || !strings.Contains(body, "Config must contain url") {
		t.Errorf("no url = %d %s", status, body)
	}
	if status, _ := post(t, hooks, "Bearer nope", `{}`); status != 401 {
		t.Errorf("bad token status = %d, want 401", status)
	}
	got := s.Hooks("octocat", "Spoon-Knife")
	if len(got) != 1 || got[0].Secret != "s3cret" || got[0].ContentType != "json" {
		t.Errorf("Hooks = %+v", got)
	}
}
