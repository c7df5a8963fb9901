package github_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/github"
	"ihub/internal/provider/github/githubfake"
	"ihub/internal/provider/providertest"
)

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, githubfake.Options{})
	const token = githubfake.DefaultToken
	wrong := conn(f.URL(), "ghp_WrongToken0000000000000000000000000")
	providertest.Actions{
		Provider: github.New(),
		Conn:     func(u string) provider.Connection { return conn(u, token) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{
				Name: "list repos", Action: "list_repos", Input: `{"perPage":2}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(github.ListReposOutput)
					var names []string
					for _, r := range o.Repositories {
						names = append(names, r.FullName)
					}
					if diff := cmp.Diff([]string{"octocat/Hello-World", "octocat/secret-plans"}, names); diff != "" {
						t.Errorf("repositories (-want +got):\n%s", diff)
					}
					if o.NextPage != 2 {
						t.Errorf("nextPage = %d, want 2", o.NextPage)
					}
				},
			},
			{
				Name: "list private repos", Action: "list_repos", Input: `{"visibility":"private"}`,
				Want: providertest.Want{OK: true, Contains: `"fullName":"octocat/secret-plans"`},
			},
			{
				Name: "list repos with a wrong token", Action: "list_repos", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized, Contains: "Bad credentials"},
			},
			{
				Name: "list commits", Action: "list_commits", Input: `{"owner":"octocat","repo":"Hello-World","perPage":2}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(github.ListCommitsOutput)
					if len(o.Commits) != 2 || o.NextPage != 2 {
						t.Fatalf("commits = %+v, nextPage %d; want 2 commits and nextPage 2", o.Commits, o.NextPage)
					}
					c := o.Commits[0]
					if c.Message != "Fix the README links" || c.AuthorLogin != "octocat" || c.AuthorName != "The Octocat" || len(c.SHA) != 40 || c.Date.IsZero() {
						t.Errorf("first commit = %+v", c)
					}
				},
			},
			{
				Name: "list commits since", Action: "list_commits",
				Input: `{"owner":"octocat","repo":"Hello-World","since":"2026-11-01T00:00:00Z"}`,
				Want:  providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					if n := len(out.(github.ListCommitsOutput).Commits); n != 2 {
						t.Errorf("got %d commits since 2026-11-01, want 2", n)
					}
				},
			},
			{
				Name: "list commits of an unknown repository", Action: "list_commits", Input: `{"owner":"octocat","repo":"nope"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Status: http.StatusNotFound},
			},
			{
				Name: "list commits of an unknown branch", Action: "list_commits", Input: `{"owner":"octocat","repo":"Hello-World","branch":"feature-x"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "No commit found for SHA: feature-x"},
			},
			{
				Name: "list commits with a path-changing name", Action: "list_commits", Input: `{"owner":"octocat","repo":".."}`,
				Want: providertest.Want{Input: true, Field: "repo"},
			},
			{
				Name: "list commits with a path in the owner", Action: "list_commits", Input: `{"owner":"octocat/x","repo":"Hello-World"}`,
				Want: providertest.Want{Input: true, Field: "owner"},
			},
			{
				Name: "create webhook with a path-changing name", Action: "create_repo_webhook",
				Input: `{"owner":"octocat","repo":".","url":"https://hub.example.com/h"}`,
				Want:  providertest.Want{Input: true, Field: "repo"},
			},
			{
				Name: "create webhook with a bad owner", Action: "create_repo_webhook",
				Input: `{"owner":"-octocat","repo":"Spoon-Knife","url":"https://hub.example.com/h"}`,
				Want:  providertest.Want{Input: true, Field: "owner"},
			},
			{
				Name: "list commits with a bad time", Action: "list_commits", Input: `{"owner":"octocat","repo":"Hello-World","since":"yesterday"}`,
				Want: providertest.Want{Input: true, Field: "since"},
			},
			{
				Name: "create webhook", Action: "create_repo_webhook",
				Input: `{"owner":"octocat","repo":"Spoon-Knife","url":"https://hub.example.com/hooks/github/abc","events":["push","pull_request"],"secret":"whsec-create-hook-secret"}`,
				Want:  providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					w := out.(github.CreateRepoWebhookOutput).Webhook
					want := github.Webhook{ID: w.ID, Name: "web", Active: true, Events: []string{"push", "pull_request"},
						URLHost: "hub.example.com", ContentType: "json", HasSecret: true, CreatedAt: w.CreatedAt}
					if diff := cmp.Diff(want, w); diff != "" {
						t.Errorf("webhook (-want +got):\n%s", diff)
					}
					if w.ID == 0 || w.CreatedAt.IsZero() {
						t.Errorf("webhook = %+v, want an id and a creation time", w)
					}
				},
			},
			{
				Name: "create webhook on an unknown repository", Action: "create_repo_webhook",
				Input: `{"owner":"someone-else","repo":"x","url":"https://hub.example.com/h"}`,
				Want:  providertest.Want{Kind: provider.ErrNotFound},
			},
			{
				Name: "create webhook with a bad URL", Action: "create_repo_webhook",
				Input: `{"owner":"octocat","repo":"Spoon-Knife","url":"ftp://hub.example.com/h"}`,
				Want:  providertest.Want{Input: true, Field: "url"},
			},
			{
				Name: "create webhook with a relative URL", Action: "create_repo_webhook",
				Input: `{"owner":"octocat","repo":"Spoon-Knife","url":"/hooks/github"}`,
				Want:  providertest.Want{Input: true, Field: "url"},
			},
		},
	}.Run(t)
}

func TestCreateWebhookDuplicate(t *testing.T) {
	t.Parallel()
	f := fake(t, githubfake.Options{})
	p := github.New()
	cl, err := p.NewClient(providertest.HTTPClient(), conn(f.URL(), githubfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "create_repo_webhook")
	const hookURL = "https://hub.example.com/in/github/tok3n-in-the-path-0123456789"
	in := `{"owner":"octocat","repo":"Hello-World","url":"` + hookURL + `","secret":"whsec-duplicate-secret"}`
	if _, err := a.Run(t.Context(), cl, []byte(in)); err != nil {
		t.Fatalf("first create: %v", err)
	}
	_, err = a.Run(t.Context(), cl, []byte(in))
	want := "422 Unprocessable Entity — Validation Failed: Hook already exists on this repository"
	if err == nil || err.Error() != want {
		t.Fatalf("second create error = %v, want %q", err, want)
	}
	hooks := f.Hooks("octocat", "Hello-World")
	if len(hooks) != 1 || hooks[0].Secret != "whsec-duplicate-secret" || hooks[0].ContentType != "json" || hooks[0].InsecureSSL != "0" {
		t.Errorf("stored hooks = %+v", hooks)
	}
}

func TestCreateHookErrorRedactsURL(t *testing.T) {
	t.Parallel()
	const hookURL = "https://hub.example.com/in/github/tok3n-in-the-path-0123456789"
	c := setup(t, reply(422, `{"message":"Validation Failed","errors":[{"resource":"Hook","code":"custom","message":"url `+hookURL+` is not reachable"}]}`))
	_, _, err := c.CreateHook(t.Context(), "octocat", "Hello-World", &github.HookRequest{Name: "web", Config: github.HookConfig{URL: hookURL}})
	if err == nil {
		t.Fatal("CreateHook() error = nil")
	}
	want := "422 Unprocessable Entity — Validation Failed: url [REDACTED] is not reachable"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := github.New()
	base, err := p.ProxyBase(provider.Connection{})
	if err != nil || base.String() != github.DefaultBaseURL {
		t.Errorf("ProxyBase(default) = %v, %v; want %s", base, err, github.DefaultBaseURL)
	}
	base, err = p.ProxyBase(provider.Connection{BaseURL: "https://ghe.example.com/api/v3/"})
	if err != nil || base.String() != "https://ghe.example.com/api/v3" {
		t.Errorf("ProxyBase(GHES) = %v, %v", base, err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.github.com/user", nil)
	if err := p.Authorize(t.Context(), req, conn("", githubfake.DefaultToken)); err != nil {
		t.Fatalf("Authorize() error = %v", err)
	}
	got := map[string]string{
		"Authorization": req.Header.Get("Authorization"), "X-GitHub-Api-Version": req.Header.Get("X-GitHub-Api-Version"),
		"User-Agent": req.Header.Get("User-Agent"),
	}
	want := map[string]string{"Authorization": "Bearer " + githubfake.DefaultToken, "X-GitHub-Api-Version": github.APIVersion, "User-Agent": "ihub"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("headers (-want +got):\n%s", diff)
	}
	err = p.Authorize(t.Context(), req, provider.Connection{})
	if pe, ok := err.(*provider.Error); !ok || pe.Kind != provider.ErrInvalid {
		t.Errorf("Authorize(no token) = %v, want an invalid error", err)
	}
}
