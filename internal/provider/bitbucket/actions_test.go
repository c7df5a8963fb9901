package bitbucket_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"ihub/internal/provider"
	"ihub/internal/provider/bitbucket"
	"ihub/internal/provider/bitbucket/bitbucketfake"
	"ihub/internal/provider/providertest"
	"ihub/internal/secret"
)

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, bitbucketfake.Options{})
	const token = bitbucketfake.DefaultToken
	wrong := conn(f.URL(), "ATATT3xFfGF0WrongToken000000000000")
	access := bearer(f.URL(), bitbucketfake.DefaultAccessToken)
	none := noWorkspace(conn(f.URL(), token))
	badSetting := conn(f.URL(), token)
	badSetting.Settings = map[string]any{bitbucket.FieldWorkspace: "acme/../x"}
	providertest.Actions{
		Provider: bitbucket.New(),
		Conn:     func(u string) provider.Connection { return conn(u, token) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{
				Name: "list repos", Action: "list_repos", Input: `{"pageLen":2}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(bitbucket.ListReposOutput)
					var names []string
					for _, r := range o.Repositories {
						names = append(names, r.FullName+"@"+r.MainBranch)
					}
					if diff := cmp.Diff([]string{"acme/website@main", "acme/api@main"}, names); diff != "" {
						t.Errorf("repositories (-want +got):\n%s", diff)
					}
					if o.NextPage != "2" || o.Size != 3 {
						t.Errorf("nextPage, size = %q, %d; want 2, 3", o.NextPage, o.Size)
					}
				},
			},
			{
				Name: "list repos page 2", Action: "list_repos", Input: `{"pageLen":2,"page":"2"}`,
				Want: providertest.Want{OK: true, Contains: `"fullName":"acme/docs"`},
			},
			{
				Name: "list repos across workspaces", Action: "list_repos", Conn: &none,
				Want: providertest.Want{OK: true, Contains: `"workspace":"acme"`},
			},
			{
				Name: "list repos of an unknown workspace", Action: "list_repos", Input: `{"workspace":"nobody"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "No workspace with identifier"},
			},
			{
				Name: "list repos with a wrong token", Action: "list_repos", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
			},
			{
				Name: "list repos with an access token", Action: "list_repos", Conn: &access,
				Want: providertest.Want{OK: true, Contains: `"slug":"website"`},
			},
			{
				Name: "list commits", Action: "list_commits", Input: `{"repo":"website","branch":"main","pageLen":2}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(bitbucket.ListCommitsOutput)
					if len(o.Commits) != 2 || o.NextPage != "c2" {
						t.Fatalf("output = %+v, want 2 commits and nextPage c2", o)
					}
					c := o.Commits[0]
					if c.Message != "Bump the version to 1.4.2\n" || c.AuthorName != "J Doe" || c.AuthorRaw != "J Doe <jdoe@example.com>" || len(c.Hash) != 40 {
						t.Errorf("commit = %+v", c)
					}
				},
			},
			{
				Name: "list commits next page", Action: "list_commits", Input: `{"repo":"website","pageLen":2,"page":"c2"}`,
				Want: providertest.Want{OK: true, Contains: "Initial commit"},
			},
			{
				Name: "list commits of an unknown revision", Action: "list_commits", Input: `{"repo":"website","branch":"feature/x"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "Commit not found"},
			},
			{
				Name: "list commits of an unknown repository", Action: "list_commits", Input: `{"repo":"nope"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound},
			},
			{
				Name: "list commits without a workspace", Action: "list_commits", Input: `{"repo":"website"}`, Conn: &none,
				Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "no workspace"},
			},
			{
				Name: "list commits with a bad workspace setting", Action: "list_commits", Input: `{"repo":"website"}`, Conn: &badSetting,
				Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "workspace setting"},
			},
			{
				Name: "list repos with a bad workspace setting", Action: "list_repos", Conn: &badSetting,
				Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "workspace setting"},
			},
			{
				Name: "list repos of a bad workspace", Action: "list_repos", Input: `{"workspace":"acme/.."}`,
				Want: providertest.Want{Input: true, Field: "workspace"},
			},
			{
				Name: "list repos with a bad page", Action: "list_repos", Input: `{"page":"2&role=owner"}`,
				Want: providertest.Want{Input: true, Field: "page"},
			},
			{
				Name: "list commits of a path-changing repository", Action: "list_commits", Input: `{"repo":".."}`,
				Want: providertest.Want{Input: true, Field: "repo"},
			},
			{
				Name: "list commits of a bad workspace", Action: "list_commits", Input: `{"workspace":"a b","repo":"website"}`,
				Want: providertest.Want{Input: true, Field: "workspace"},
			},
			{
				Name: "list commits of a bad branch", Action: "list_commits", Input: `{"repo":"website","branch":".."}`,
				Want: providertest.Want{Input: true, Field: "branch"},
			},
			{
				Name: "list commits with a bad page", Action: "list_commits", Input: `{"repo":"website","page":"../x"}`,
				Want: providertest.Want{Input: true, Field: "page"},
			},
			{
				Name: "create webhook on a bad repository", Action: "create_repo_webhook",
				Input: `{"repo":"a/b","url":"https://hub.example.com/in/bitbucket"}`,
				Want:  providertest.Want{Input: true, Field: "repo"},
			},
			{
				Name: "create webhook", Action: "create_repo_webhook",
				Input: `{"repo":"api","url":"https://hub.example.com/in/bitbucket","events":["repo:push","pullrequest:created"],"secret":"whsec-bb-hook-secret"}`,
				Want:  providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					w := out.(bitbucket.CreateRepoWebhookOutput).Webhook
					want := bitbucket.Webhook{UUID: w.UUID, Description: "ihub", URLHost: "hub.example.com",
						Events: []string{"repo:push", "pullrequest:created"}, Active: true, SecretSet: true, CreatedAt: w.CreatedAt}
					if diff := cmp.Diff(want, w); diff != "" {
						t.Errorf("webhook (-want +got):\n%s", diff)
					}
					if w.UUID == "" || w.CreatedAt.IsZero() {
						t.Errorf("webhook = %+v, want a uuid and a creation time", w)
					}
				},
			},
			{
				Name: "create webhook with an unknown event", Action: "create_repo_webhook",
				Input: `{"repo":"api","url":"https://hub.example.com/in/bitbucket","events":["repo:teleport"]}`,
				Want:  providertest.Want{Kind: provider.ErrProvider, Status: http.StatusBadRequest, Contains: "Bad request; events: Invalid event: repo:teleport"},
			},
			{
				Name: "create webhook with a bad URL", Action: "create_repo_webhook",
				Input: `{"repo":"api","url":"mailto:x@example.com"}`,
				Want:  providertest.Want{Input: true, Field: "url"},
			},
		},
	}.Run(t)
}

func TestCreateWebhookStored(t *testing.T) {
	t.Parallel()
	f := fake(t, bitbucketfake.Options{})
	p := bitbucket.New()
	cl, err := p.NewClient(providertest.HTTPClient(), bearer(f.URL(), bitbucketfake.DefaultAccessToken))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "create_repo_webhook")
	if _, err := a.Run(t.Context(), cl, []byte(`{"repo":"docs","url":"https://hub.example.com/x","description":"ci","active":false,"secret":"whsec-stored-secret"}`)); err != nil {
		t.Fatalf("create: %v", err)
	}
	want := []bitbucketfake.Hook{{Repo: "acme/docs", Description: "ci", URL: "https://hub.example.com/x", Secret: "whsec-stored-secret", Events: []string{"repo:push"}}}
	got := f.Hooks("acme", "docs")
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(bitbucketfake.Hook{}, "UUID", "CreatedAt")); diff != "" {
		t.Errorf("stored hooks (-want +got):\n%s", diff)
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		header []string
		want   provider.Error
	}{
		{"401 empty", 401, ``, nil, provider.Error{Kind: provider.ErrAuth, Status: 401}},
		{"403 detail", 403, `{"type":"error","error":{"message":"Access denied","detail":"You must have admin access."}}`, nil,
			provider.Error{Kind: provider.ErrAuth, Status: 403, Message: "Access denied — You must have admin access."}},
		{"400 fields", 400, `{"type":"error","error":{"message":"Bad request","fields":{"url":["Enter a valid URL."],"events":"required"}}}`, nil,
			provider.Error{Kind: provider.ErrProvider, Status: 400, Message: "Bad request; events: required; url: Enter a valid URL."}},
		{"429 retry", 429, `{"type":"error","error":{"message":"Rate limited"}}`, []string{"Retry-After", "9"},
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Message: "Rate limited", RetryAfter: 9e9}},
		{"502 HTML", 502, `<html><head><title>502 Bad Gateway</title></head></html>`, nil,
			provider.Error{Kind: provider.ErrProvider, Status: 502}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for i := 0; i+1 < len(tt.header); i += 2 {
					w.Header().Set(tt.header[i], tt.header[i+1])
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			c, err := bitbucket.NewClient(srv.URL, providertest.HTTPClient(), "", secret.NewValue("tok-client-errors-0123"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CurrentUser(t.Context())
			var perr *provider.Error
			if !errors.As(err, &perr) {
				t.Fatalf("error = %v, want *provider.Error", err)
			}
			if diff := cmp.Diff(tt.want, *perr); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	var path, query, user, pass string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, query = r.URL.EscapedPath(), r.URL.RawQuery
		user, pass, _ = r.BasicAuth()
		_, _ = w.Write([]byte(`{"pagelen":5,"values":[]}`))
	}))
	t.Cleanup(srv.Close)
	c, err := bitbucket.NewClient(srv.URL+"/2.0", providertest.HTTPClient(), "me@example.com", secret.NewValue("tok-request-shape-0123"))
	if err != nil {
		t.Fatal(err)
	}
	commits, pg, err := c.ListCommits(t.Context(), "acme", "web.site", "feature/x", &bitbucket.ListOptions{PageLen: 500})
	if err != nil {
		t.Fatal(err)
	}
	got := []any{path, query, user, pass, len(commits), pg.Size, pg.NextPage}
	want := []any{"/2.0/repositories/acme/web.site/commits/feature%2Fx", "pagelen=100", "me@example.com", "tok-request-shape-0123", 0, -1, ""}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	for _, bad := range [][2]string{{"../x", "r"}, {"acme", ".."}, {"acme", "a/b"}, {"", "r"}} {
		if _, _, err := c.ListCommits(t.Context(), bad[0], bad[1], "", nil); err == nil {
			t.Errorf("ListCommits(%q, %q) error = nil, want invalid", bad[0], bad[1])
		}
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := bitbucket.New()
	base, err := p.ProxyBase(provider.Connection{})
	if err != nil || base.String() != bitbucket.DefaultBaseURL {
		t.Errorf("ProxyBase(default) = %v, %v", base, err)
	}
	req := httptest.NewRequest(http.MethodGet, "https://api.bitbucket.org/2.0/user", nil)
	if err := p.Authorize(t.Context(), req, conn("", bitbucketfake.DefaultToken)); err != nil {
		t.Fatal(err)
	}
	if u, pw, ok := req.BasicAuth(); !ok || u != bitbucketfake.DefaultEmail || pw != bitbucketfake.DefaultToken {
		t.Errorf("basic auth = %q, %q, %v", u, pw, ok)
	}
	req = httptest.NewRequest(http.MethodGet, "https://api.bitbucket.org/2.0/user", nil)
	if err := p.Authorize(t.Context(), req, bearer("", bitbucketfake.DefaultAccessToken)); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+bitbucketfake.DefaultAccessToken {
		t.Errorf("Authorization = %q", got)
	}
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, provider.Connection{}); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize(no token) = %v, want invalid", err)
	}
}
