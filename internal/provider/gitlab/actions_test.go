package gitlab_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/gitlab"
	"ihub/internal/provider/gitlab/gitlabfake"
	"ihub/internal/provider/providertest"
)

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, gitlabfake.Options{})
	readOnly := fake(t, gitlabfake.Options{Tokens: map[string]gitlabfake.Token{
		"glpat-ReadOnly00000000000000": {User: gitlabfake.User{ID: 9, Username: "ro"}, Scopes: []string{"read_api"},
			Projects: []gitlabfake.Project{{ID: 42, Namespace: "acme", Path: "website"}}},
	}})
	const token = gitlabfake.DefaultToken
	wrong := conn(f.URL(), "glpat-WrongToken000000000000")
	ro := conn(readOnly.URL(), "glpat-ReadOnly00000000000000")
	providertest.Actions{
		Provider: gitlab.New(),
		Conn:     func(u string) provider.Connection { return conn(u, token) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{
				Name: "list projects", Action: "list_repos", Input: `{"perPage":2}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(gitlab.ListReposOutput)
					want := gitlab.ListReposOutput{NextPage: 2, Projects: []gitlab.ProjectSummary{
						{ID: 42, Name: "Website", PathWithNamespace: "acme/website", DefaultBranch: "main", Visibility: "internal", WebURL: "https://gitlab.example.com/acme/website"},
						{ID: 43, Name: "terraform-modules", PathWithNamespace: "acme/infra/terraform-modules", DefaultBranch: "main", Visibility: "private", WebURL: "https://gitlab.example.com/acme/infra/terraform-modules"},
					}}
					if diff := cmp.Diff(want, o); diff != "" {
						t.Errorf("output (-want +got):\n%s", diff)
					}
				},
			},
			{
				Name: "search archived projects", Action: "list_repos", Input: `{"archived":true,"search":"dot"}`,
				Want: providertest.Want{OK: true, Contains: `"pathWithNamespace":"jdoe/dotfiles"`},
			},
			{
				Name: "list projects with a wrong token", Action: "list_repos", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
			},
			{
				Name: "list commits by path", Action: "list_commits", Input: `{"project":"acme/infra/terraform-modules","perPage":1}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(gitlab.ListCommitsOutput)
					if len(o.Commits) != 1 || o.NextPage != 2 {
						t.Fatalf("output = %+v, want one commit and nextPage 2", o)
					}
					c := o.Commits[0]
					if c.Title != "Update the deploy script" || c.AuthorName != "J Doe" || len(c.ID) != 40 || c.ShortID != c.ID[:8] || c.CreatedAt.IsZero() {
						t.Errorf("commit = %+v", c)
					}
				},
			},
			{
				Name: "list commits by id until", Action: "list_commits", Input: `{"project":"42","until":"2026-11-01T12:00:00Z"}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					if n := len(out.(gitlab.ListCommitsOutput).Commits); n != 2 {
						t.Errorf("got %d commits, want 2", n)
					}
				},
			},
			{
				Name: "list commits of an unknown project", Action: "list_commits", Input: `{"project":"acme/nope"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "404 Not Found — 404 Project Not Found"},
			},
			{
				Name: "list commits with a traversing path", Action: "list_commits", Input: `{"project":"acme/../../user"}`,
				Want: providertest.Want{Input: true, Field: "project"},
			},
			{
				Name: "list commits of a project without a group", Action: "list_commits", Input: `{"project":"website"}`,
				Want: providertest.Want{Input: true, Field: "project"},
			},
			{
				Name: "create webhook on a traversing path", Action: "create_repo_webhook",
				Input: `{"project":"acme/..","url":"https://hub.example.com/in/gitlab"}`,
				Want:  providertest.Want{Input: true, Field: "project"},
			},
			{
				Name: "create webhook", Action: "create_repo_webhook",
				Input: `{"project":"acme/website","url":"https://hub.example.com/in/gitlab","token":"whsec-gitlab-hook-token","mergeRequestsEvents":true,"pushEventsBranchFilter":"main"}`,
				Want:  providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					w := out.(gitlab.CreateRepoWebhookOutput).Webhook
					want := gitlab.Webhook{ID: w.ID, ProjectID: 42, URLHost: "hub.example.com", PushEvents: true,
						MergeRequestsEvents: true, EnableSSLVerification: true, PushEventsBranchFilter: "main", CreatedAt: w.CreatedAt}
					if diff := cmp.Diff(want, w); diff != "" {
						t.Errorf("webhook (-want +got):\n%s", diff)
					}
				},
			},
			{
				Name: "create webhook without the api scope", Action: "create_repo_webhook", Conn: &ro,
				Input: `{"project":"42","url":"https://hub.example.com/in/gitlab"}`,
				Want:  providertest.Want{Kind: provider.ErrAuth, Status: http.StatusForbidden, Contains: "higher privileges"},
			},
			{
				Name: "create webhook with a bad URL", Action: "create_repo_webhook",
				Input: `{"project":"42","url":"javascript:alert(1)"}`,
				Want:  providertest.Want{Input: true, Field: "url"},
			},
		},
	}.Run(t)
}

func TestCreateWebhookStored(t *testing.T) {
	t.Parallel()
	f := fake(t, gitlabfake.Options{})
	p := gitlab.New()
	cl, err := p.NewClient(providertest.HTTPClient(), withHeader(conn(f.URL(), gitlabfake.DefaultToken), gitlab.HeaderPrivateToken))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "create_repo_webhook")
	in := `{"project":"43","url":"https://hub.example.com/in/gitlab","token":"whsec-stored-token","pushEvents":false,"pipelineEvents":true,"enableSslVerification":false}`
	if _, err := a.Run(t.Context(), cl, []byte(in)); err != nil {
		t.Fatalf("create: %v", err)
	}
	hooks := f.Hooks(43)
	if len(hooks) != 1 {
		t.Fatalf("hooks = %+v, want one", hooks)
	}
	h := hooks[0]
	if h.Token != "whsec-stored-token" || h.Events["push_events"] || !h.Events["pipeline_events"] || h.EnableSSLVerification {
		t.Errorf("stored hook = %+v", h)
	}
}

func TestAddHookErrorRedactsURL(t *testing.T) {
	t.Parallel()
	const hookURL = "https://hub.example.com/in/gitlab/s3cr3t-path-token-0123456789"
	c := setup(t, reply(422, `{"message":{"url":["`+hookURL+` is blocked: Requests to localhost are not allowed"]}}`))
	_, _, err := c.AddProjectHook(t.Context(), "42", &gitlab.AddHookOptions{URL: hookURL, Token: "tok-abcdef"})
	var perr *provider.Error
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v, want a *provider.Error", err)
	}
	want := "422 Unprocessable Entity — url [REDACTED] is blocked: Requests to localhost are not allowed"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := gitlab.New()
	base, err := p.ProxyBase(provider.Connection{})
	if err != nil || base.String() != gitlab.DefaultBaseURL {
		t.Errorf("ProxyBase(default) = %v, %v", base, err)
	}
	base, err = p.ProxyBase(provider.Connection{BaseURL: "https://git.example.com/api/v4/"})
	if err != nil || base.String() != "https://git.example.com/api/v4" {
		t.Errorf("ProxyBase(self-managed) = %v, %v", base, err)
	}
	for _, tc := range []struct {
		header string
		want   http.Header
	}{
		{"", http.Header{"Authorization": {"Bearer " + gitlabfake.DefaultToken}, "User-Agent": {"ihub"}}},
		{gitlab.HeaderPrivateToken, http.Header{"Private-Token": {gitlabfake.DefaultToken}, "User-Agent": {"ihub"}}},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://gitlab.com/api/v4/user", nil)
		c := conn("", gitlabfake.DefaultToken)
		if tc.header != "" {
			c = withHeader(c, tc.header)
		}
		if err := p.Authorize(t.Context(), req, c); err != nil {
			t.Fatalf("Authorize(%q) error = %v", tc.header, err)
		}
		if diff := cmp.Diff(tc.want, req.Header); diff != "" {
			t.Errorf("Authorize(%q) headers (-want +got):\n%s", tc.header, diff)
		}
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "https://gitlab.com/api/v4/user", nil)
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, provider.Connection{}); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize(no token) = %v, want an invalid error", err)
	}
}
