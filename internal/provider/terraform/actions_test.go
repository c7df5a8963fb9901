package terraform_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
	"ihub/internal/provider/providertest"
	"ihub/internal/provider/terraform"
	"ihub/internal/provider/terraform/terraformfake"
	"ihub/internal/secret"
)

func TestActions(t *testing.T) {
	t.Parallel()
	f := fake(t, terraformfake.Options{})
	const token = terraformfake.DefaultToken
	wrong := conn(f.URL(), "WrongToken000000.atlasv1.000000000000000000000000000000000000")
	orgToken := conn(f.URL(), terraformfake.DefaultOrgToken)
	noOrg := withOrg(conn(f.URL(), token), "")
	badOrg := withOrg(conn(f.URL(), token), "acme/../x")
	providertest.Actions{
		Provider: terraform.New(),
		Conn:     func(u string) provider.Connection { return conn(u, token) },
		FakeURL:  f.URL(),
		Cases: []providertest.ActionCase{
			{
				Name: "list workspaces", Action: "list_workspaces", Input: `{"pageSize":2}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					o := out.(terraform.ListWorkspacesOutput)
					want := terraform.ListWorkspacesOutput{TotalCount: 3, NextPage: 2, Workspaces: []terraform.WorkspaceSummary{
						{ID: "ws-Db8Lr2nKw6Gj5zCu", Name: "app-prod", TerraformVersion: "1.9.8", ExecutionMode: "agent", ResourceCount: 23, UpdatedAt: terraformfake.Epoch},
						{ID: "ws-Ap3Tq7vMx1Hc4yBe", Name: "app-staging", TerraformVersion: "1.9.8", ExecutionMode: "remote", AutoApply: true, ResourceCount: 21, UpdatedAt: terraformfake.Epoch},
					}}
					if diff := cmp.Diff(want, o); diff != "" {
						t.Errorf("output (-want +got):\n%s", diff)
					}
				},
			},
			{
				Name: "search workspaces", Action: "list_workspaces", Input: `{"search":"network","organization":"acme"}`,
				Want: providertest.Want{OK: true, Contains: `"description":"Core VPC"`},
			},
			{
				Name: "list workspaces of an invisible organization", Action: "list_workspaces", Input: `{"organization":"other"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound, Contains: "not visible to this token"},
			},
			{
				Name: "list workspaces without an organization", Action: "list_workspaces", Conn: &noOrg,
				Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "no organization"},
			},
			{
				Name: "list workspaces with a bad organization setting", Action: "list_workspaces", Conn: &badOrg,
				Want: providertest.Want{Kind: provider.ErrInvalid, Contains: "organization setting"},
			},
			{
				Name: "list workspaces of a bad organization", Action: "list_workspaces", Input: `{"organization":"acme/x"}`,
				Want: providertest.Want{Input: true, Field: "organization"},
			},
			{
				Name: "start run in a bad organization", Action: "start_run", Input: `{"workspace":"app-prod","organization":"../x"}`,
				Want: providertest.Want{Input: true, Field: "organization"},
			},
			{
				Name: "start run in a bad workspace name", Action: "start_run", Input: `{"workspace":"app/prod"}`,
				Want: providertest.Want{Input: true, Field: "workspace"},
			},
			{
				Name: "start run in a bad workspace id", Action: "start_run", Input: `{"workspaceId":"ws-../x"}`,
				Want: providertest.Want{Input: true, Field: "workspaceId"},
			},
			{
				Name: "list workspaces with a wrong token", Action: "list_workspaces", Conn: &wrong,
				Want: providertest.Want{Kind: provider.ErrAuth, Status: http.StatusUnauthorized},
			},
			{
				Name: "start run by id", Action: "start_run", Input: `{"workspaceId":"ws-Ap3Tq7vMx1Hc4yBe","message":"Triggered by ihub"}`,
				Want: providertest.Want{OK: true},
				Output: func(t *testing.T, out any) {
					r := out.(terraform.StartRunOutput).Run
					want := terraform.RunSummary{ID: r.ID, WorkspaceID: "ws-Ap3Tq7vMx1Hc4yBe", Status: "pending",
						Message: "Triggered by ihub", AutoApply: true, CreatedAt: r.CreatedAt}
					if diff := cmp.Diff(want, r); diff != "" {
						t.Errorf("run (-want +got):\n%s", diff)
					}
					if r.ID == "" || r.CreatedAt.IsZero() {
						t.Errorf("run = %+v, want an id and a creation time", r)
					}
				},
			},
			{
				Name: "start run by name", Action: "start_run", Input: `{"workspace":"app-prod","autoApply":false,"isDestroy":true}`,
				Want: providertest.Want{OK: true, Contains: `"workspaceId":"ws-Db8Lr2nKw6Gj5zCu"`},
			},
			{
				Name: "start run in a locked workspace", Action: "start_run", Input: `{"workspace":"network-prod"}`,
				Want: providertest.Want{Kind: provider.ErrProvider, Status: http.StatusConflict, Contains: "Workspace is locked"},
			},
			{
				Name: "start run in an unknown workspace", Action: "start_run", Input: `{"workspaceId":"ws-DoesNotExist0000"}`,
				Want: providertest.Want{Kind: provider.ErrNotFound},
			},
			{
				Name: "start run with an organization token", Action: "start_run", Conn: &orgToken,
				Input: `{"workspaceId":"ws-Ap3Tq7vMx1Hc4yBe"}`,
				Want:  providertest.Want{Kind: provider.ErrNotFound, Contains: "not visible to this token"},
			},
			{
				Name: "start run without a workspace", Action: "start_run", Input: `{"message":"x"}`,
				Want: providertest.Want{Input: true, Field: "workspaceId"},
			},
		},
	}.Run(t)
}

func TestStartRunStored(t *testing.T) {
	t.Parallel()
	f := fake(t, terraformfake.Options{})
	p := terraform.New()
	cl, err := p.NewClient(providertest.HTTPClient(), conn(f.URL(), terraformfake.DefaultToken))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := provider.FindAction(p, "start_run")
	if _, err := a.Run(t.Context(), cl, []byte(`{"workspaceId":"ws-Nw5KZ8dLq2Fp9xRs","planOnly":true}`)); err != nil {
		t.Fatalf("start_run: %v", err)
	}
	want := []terraformfake.Run{{ID: "run-Fk00000000000001", WorkspaceID: "ws-Nw5KZ8dLq2Fp9xRs",
		Message: "Queued manually via the Terraform Enterprise API", PlanOnly: true, CreatedAt: terraformfake.Epoch.Add(time.Minute)}}
	if diff := cmp.Diff(want, f.Runs()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
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
		{"401", 401, `{"errors":[{"status":"401","title":"unauthorized"}]}`, nil,
			provider.Error{Kind: provider.ErrAuth, Status: 401}},
		{"404", 404, `{"errors":[{"status":"404","title":"not found"}]}`, nil,
			provider.Error{Kind: provider.ErrNotFound, Status: 404, Message: "not found, or not visible to this token"}},
		{"422 several", 422, `{"errors":[{"status":"422","title":"invalid attribute","detail":"Name has already been taken","code":"taken"},{"status":"422","title":"invalid attribute","detail":"Name is too long"}]}`, nil,
			provider.Error{Kind: provider.ErrProvider, Status: 422, Code: "taken", Message: "invalid attribute: Name has already been taken; invalid attribute: Name is too long"}},
		{"429 numeric status", 429, `{"errors":[{"detail":"You have exceeded the API's rate limit.","status":429,"title":"Too many requests"}]}`, []string{"X-RateLimit-Reset", "0.25"},
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Message: "Too many requests: You have exceeded the API's rate limit.", RetryAfter: 250 * time.Millisecond}},
		{"429 without headers", 429, `{"errors":["slow down please"]}`, nil,
			provider.Error{Kind: provider.ErrRateLimited, Status: 429, Message: "slow down please", RetryAfter: time.Second}},
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
			c, err := terraform.NewClient(srv.URL+"/api/v2", providertest.HTTPClient(), secret.NewValue("tok-client-errors-0123"))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = c.AccountDetails(t.Context())
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

func TestCreateRunRequest(t *testing.T) {
	t.Parallel()
	var ctype, path string
	var body map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctype, path = r.Header.Get("Content-Type"), r.URL.Path
		_ = jsonDecode(r, &body)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"data":{"id":"run-1","type":"runs","attributes":{"status":"pending"},"relationships":{"workspace":{"data":{"id":"ws-abc","type":"workspaces"}}}}}`))
	}))
	t.Cleanup(srv.Close)
	c, err := terraform.NewClient(srv.URL+"/api/v2", providertest.HTTPClient(), secret.NewValue("tok-create-run-0123"))
	if err != nil {
		t.Fatal(err)
	}
	no := false
	run, _, err := c.CreateRun(t.Context(), &terraform.RunCreateOptions{WorkspaceID: "ws-abc", Message: "hi", AutoApply: &no})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"data": map[string]any{
		"type":          "runs",
		"attributes":    map[string]any{"message": "hi", "auto-apply": false},
		"relationships": map[string]any{"workspace": map[string]any{"data": map[string]any{"type": "workspaces", "id": "ws-abc"}}},
	}}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	if ctype != terraform.MediaType || path != "/api/v2/runs" || run.ID != "run-1" || run.WorkspaceID != "ws-abc" || run.Status != "pending" {
		t.Errorf("content type %q, path %q, run %+v", ctype, path, run)
	}
}

func TestProxy(t *testing.T) {
	t.Parallel()
	p := terraform.New()
	base, err := p.ProxyBase(provider.Connection{})
	if err != nil || base.String() != terraform.DefaultBaseURL {
		t.Errorf("ProxyBase(default) = %v, %v", base, err)
	}
	req := httptest.NewRequest(http.MethodGet, "https://app.terraform.io/api/v2/account/details", nil)
	if err := p.Authorize(t.Context(), req, conn("", terraformfake.DefaultToken)); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+terraformfake.DefaultToken {
		t.Errorf("Authorization = %q", got)
	}
	var perr *provider.Error
	if err := p.Authorize(t.Context(), req, provider.Connection{}); !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid {
		t.Errorf("Authorize(no token) = %v, want invalid", err)
	}
}

func jsonDecode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
