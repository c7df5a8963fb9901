package terraform

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// NewClient returns the connection's *Client, with the connection's
// organization as its default (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return client(hc, c)
}

// Actions lists Terraform's typed actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "list_workspaces",
			Title: "List workspaces",
			Description: "Lists an organization's workspaces (GET /api/v2/organizations/{organization}/workspaces), " +
				"one page at a time; nextPage is set when there are more.",
		}, listWorkspaces),
		provider.NewAction(provider.ActionSpec{
			Name:  "start_run",
			Title: "Start run",
			Description: "Queues a run in a workspace (POST /api/v2/runs): a plan, applied automatically when " +
				"auto-apply is on. Needs a user or team token with permission to queue runs.",
			Mutating: true,
		}, startRun),
	}
}

// organization returns the input's organization (the client checks it as
// input) or else the integration's.
func (c *Client) organization(in string) (string, error) {
	switch {
	case in != "":
		return in, nil
	case c.Organization == "":
		// Either the integration or the input can name it, so it stays a
		// configuration error (409).
		return "", &provider.Error{Kind: provider.ErrInvalid, Message: "no organization: set one on the integration or in the input"}
	case !orgRE.MatchString(c.Organization):
		return "", errOrgSetting
	}
	return c.Organization, nil
}

// ListWorkspacesInput is the input of list_workspaces.
type ListWorkspacesInput struct {
	Organization string `json:"organization,omitempty" pattern:"^[A-Za-z0-9_-]{1,64}$" doc:"Organization name; default: the integration's organization."`
	Search       string `json:"search,omitempty" maxLength:"90" doc:"Only workspaces whose name contains this text."`
	Page         int    `json:"page,omitempty" minimum:"1" doc:"Page number, from 1."`
	PageSize     int    `json:"pageSize,omitempty" minimum:"1" maximum:"100" doc:"Workspaces per page, at most 100 (default 20)."`
}

// WorkspaceSummary is one workspace in list_workspaces' output.
type WorkspaceSummary struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Description      string    `json:"description,omitempty"`
	TerraformVersion string    `json:"terraformVersion"`
	ExecutionMode    string    `json:"executionMode"`
	AutoApply        bool      `json:"autoApply"`
	Locked           bool      `json:"locked"`
	ResourceCount    int       `json:"resourceCount"`
	UpdatedAt        time.Time `json:"updatedAt"`
}

// ListWorkspacesOutput is the output of list_workspaces.
type ListWorkspacesOutput struct {
	Workspaces []WorkspaceSummary `json:"workspaces"`
	// TotalCount is the number of workspaces across pages.
	TotalCount int `json:"totalCount"`
	// NextPage is the next page number, 0 on the last page.
	NextPage int `json:"nextPage,omitempty"`
}

func listWorkspaces(ctx context.Context, c *Client, in ListWorkspacesInput) (ListWorkspacesOutput, error) {
	org, err := c.organization(in.Organization)
	if err != nil {
		return ListWorkspacesOutput{}, err
	}
	ws, pg, _, err := c.ListWorkspaces(ctx, org, &WorkspaceListOptions{Search: in.Search, PageNumber: in.Page, PageSize: in.PageSize})
	if err != nil {
		return ListWorkspacesOutput{}, err
	}
	out := ListWorkspacesOutput{Workspaces: make([]WorkspaceSummary, 0, len(ws)), TotalCount: pg.TotalCount, NextPage: pg.NextPage}
	for _, w := range ws {
		out.Workspaces = append(out.Workspaces, WorkspaceSummary{
			ID: w.ID, Name: w.Name, Description: w.Description, TerraformVersion: w.TerraformVersion,
			ExecutionMode: w.ExecutionMode, AutoApply: w.AutoApply, Locked: w.Locked, ResourceCount: w.ResourceCount,
			UpdatedAt: w.UpdatedAt,
		})
	}
	return out, nil
}

// StartRunInput is the input of start_run.
type StartRunInput struct {
	WorkspaceID  string `json:"workspaceId,omitempty" pattern:"^ws-[A-Za-z0-9]{1,64}$" doc:"The workspace id (ws-…); or give workspace instead."`
	Workspace    string `json:"workspace,omitempty" pattern:"^[A-Za-z0-9_-]{1,90}$" doc:"The workspace name, looked up in the organization, when workspaceId is not given."`
	Organization string `json:"organization,omitempty" pattern:"^[A-Za-z0-9_-]{1,64}$" doc:"Organization of the workspace name; default: the integration's organization."`
	Message      string `json:"message,omitempty" maxLength:"500" doc:"Run message shown in the UI (default: Queued manually via the Terraform Enterprise API)."`
	AutoApply    *bool  `json:"autoApply,omitempty" doc:"Apply after a successful plan; default: the workspace's auto-apply setting."`
	IsDestroy    bool   `json:"isDestroy,omitempty" doc:"Plan a destroy of every resource."`
	PlanOnly     bool   `json:"planOnly,omitempty" doc:"Speculative plan that can never be applied."`
}

// RunSummary is the queued run in start_run's output.
type RunSummary struct {
	ID          string    `json:"id"`
	WorkspaceID string    `json:"workspaceId"`
	Status      string    `json:"status"`
	Message     string    `json:"message"`
	IsDestroy   bool      `json:"isDestroy"`
	AutoApply   bool      `json:"autoApply"`
	PlanOnly    bool      `json:"planOnly"`
	CreatedAt   time.Time `json:"createdAt"`
}

// StartRunOutput is the output of start_run.
type StartRunOutput struct {
	Run RunSummary `json:"run"`
}

func startRun(ctx context.Context, c *Client, in StartRunInput) (StartRunOutput, error) {
	id := in.WorkspaceID
	switch {
	case id != "" && in.Workspace != "":
		return StartRunOutput{}, provider.InputError("workspaceId", "give either workspaceId or workspace, not both")
	case id == "" && in.Workspace == "":
		return StartRunOutput{}, provider.InputError("workspaceId", "give workspaceId or workspace")
	case id == "":
		org, err := c.organization(in.Organization)
		if err != nil {
			return StartRunOutput{}, err
		}
		w, _, err := c.ReadWorkspace(ctx, org, in.Workspace)
		if err != nil {
			return StartRunOutput{}, err
		}
		if !workspaceRE.MatchString(w.ID) {
			// Not the input's fault: CreateRun would blame workspaceId.
			return StartRunOutput{}, &provider.Error{Kind: provider.ErrProvider, Message: "the workspace lookup answered an id that is not ws-…"}
		}
		id = w.ID
	}
	run, _, err := c.CreateRun(ctx, &RunCreateOptions{
		WorkspaceID: id, Message: in.Message, AutoApply: in.AutoApply, IsDestroy: in.IsDestroy, PlanOnly: in.PlanOnly,
	})
	if err != nil {
		return StartRunOutput{}, err
	}
	return StartRunOutput{Run: RunSummary{
		ID: run.ID, WorkspaceID: run.WorkspaceID, Status: run.Status, Message: run.Message, IsDestroy: run.IsDestroy,
		AutoApply: run.AutoApply, PlanOnly: run.PlanOnly, CreatedAt: run.CreatedAt,
	}}, nil
}

// ProxyBase is the API root: the connection's base URL or
// https://app.terraform.io/api/v2.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	raw := c.BaseURL
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(raw)
}

// Authorize adds "Authorization: Bearer <token>".
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	tok := c.Secret(FieldToken)
	if err := checkToken(tok); err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	providerhttp.SetUserAgent(req, "")
	return nil
}
