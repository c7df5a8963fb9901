package github_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/github"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

// endpointTransport records the endpoint template of every request.
type endpointTransport struct {
	base http.RoundTripper
	got  *[]string
}

func (e endpointTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	*e.got = append(*e.got, provider.EndpointFrom(r.Context()))
	return e.base.RoundTrip(r)
}

func TestEndpointTemplates(t *testing.T) {
	t.Parallel()
	f := fake(t, githubfake.Options{})
	var got []string
	hc := &http.Client{Transport: endpointTransport{base: &http.Transport{}, got: &got}}
	c, err := github.NewClient(f.URL(), hc, secret.NewValue(githubfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	_, _, _ = c.User(ctx)
	_, _, _ = c.ListRepos(ctx, nil)
	_, _, _ = c.ListCommits(ctx, "octocat", "Hello-World", nil)
	_, _, _ = c.CreateHook(ctx, "octocat", "Hello-World", &github.HookRequest{Name: "web", Config: github.HookConfig{URL: "https://hub.example.com/x"}})
	want := []string{"GET /user", "GET /user/repos", "GET /repos/{owner}/{repo}/commits", "POST /repos/{owner}/{repo}/hooks"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
}

func TestListCommitsQuery(t *testing.T) {
	t.Parallel()
	var uri string
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		uri = r.URL.RequestURI()
		w.Header().Set("Link", `<https://api.github.com/repositories/1/commits?page=3>; rel="next"`)
		_, _ = w.Write([]byte(`[{"sha":"abc","commit":{"message":"m","author":{"name":"n","email":"e","date":"2026-01-02T03:04:05Z"}},"author":null,"html_url":"h"}]`))
	})
	got, resp, err := c.ListCommits(t.Context(), "octo-org", "my.repo_1", &github.CommitListOptions{
		SHA: "release/1.x", Path: "docs/a b.md", Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 3600)),
		ListOptions: github.ListOptions{Page: 2, PerPage: 50},
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "/repos/octo-org/my.repo_1/commits?page=2&path=docs%2Fa+b.md&per_page=50&sha=release%2F1.x&since=2025-12-31T23%3A00%3A00Z"; uri != want {
		t.Errorf("request URI = %q, want %q", uri, want)
	}
	if resp.NextPage != 3 || len(got) != 1 || got[0].Author != nil || got[0].Commit.Author.Date.IsZero() {
		t.Errorf("commits = %+v, next page %d", got, resp.NextPage)
	}
}

func TestRepoPathChecked(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL)
	}))
	t.Cleanup(srv.Close)
	c, err := github.NewClient(srv.URL, providertest.HTTPClient(), secret.NewValue(testToken))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range [][2]string{{"octocat", ".."}, {"..", "x"}, {"a/b", "x"}, {"octocat", "x?y"}, {"", "x"}, {"octocat", ""}, {"-bad", "x"}} {
		_, _, err := c.ListCommits(t.Context(), tc[0], tc[1], nil)
		var perr *provider.Error
		if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
			t.Errorf("ListCommits(%q, %q) error = %v, want invalid", tc[0], tc[1], err)
		}
	}
}
