package gitlab

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
)

// NewClient returns the connection's *Client (provider.ClientMaker).
func (p *Provider) NewClient(hc *http.Client, c provider.Connection) (any, error) {
	return client(hc, c)
}

// Actions lists GitLab's typed actions.
func (p *Provider) Actions() []provider.Action {
	return []provider.Action{
		provider.NewAction(provider.ActionSpec{
			Name:  "list_repos",
			Title: "List projects",
			Description: "Lists the projects the token's user is a member of (GET /projects?membership=true&simple=true), " +
				"one page at a time; nextPage is set when there are more.",
		}, listRepos),
		provider.NewAction(provider.ActionSpec{
			Name:  "list_commits",
			Title: "List commits",
			Description: "Lists a project's commit history, newest first (GET /projects/:id/repository/commits), " +
				"optionally for one branch or tag, path or time range.",
		}, listCommits),
		provider.NewAction(provider.ActionSpec{
			Name:  "create_repo_webhook",
			Title: "Create project webhook",
			Description: "Adds a webhook to a project (POST /projects/:id/hooks). Needs the api scope and the " +
				"Maintainer role on the project.",
			Mutating: true,
		}, createRepoWebhook),
	}
}

// ListReposInput is the input of list_repos.
type ListReposInput struct {
	Search   string `json:"search,omitempty" maxLength:"255" doc:"Only projects whose name or path contains this text."`
	OrderBy  string `json:"orderBy,omitempty" enum:"id,name,path,created_at,updated_at,last_activity_at" doc:"Sort key (default created_at, newest first)."`
	Archived *bool  `json:"archived,omitempty" doc:"true for archived projects only, false for active ones only (default both)."`
	Page     int    `json:"page,omitempty" minimum:"1" doc:"Page number, from 1."`
	PerPage  int    `json:"perPage,omitempty" minimum:"1" maximum:"100" doc:"Projects per page, at most 100 (default 20)."`
}

// ProjectSummary is one project in list_repos' output.
type ProjectSummary struct {
	ID                int64  `json:"id"`
	Name              string `json:"name"`
	PathWithNamespace string `json:"pathWithNamespace"`
	DefaultBranch     string `json:"defaultBranch"`
	Visibility        string `json:"visibility"`
	Archived          bool   `json:"archived"`
	WebURL            string `json:"webUrl"`
}

// ListReposOutput is the output of list_repos.
type ListReposOutput struct {
	Projects []ProjectSummary `json:"projects"`
	// NextPage is the next page number, 0 on the last page.
	NextPage int `json:"nextPage,omitempty"`
}

func listRepos(ctx context.Context, c *Client, in ListReposInput) (ListReposOutput, error) {
	ps, resp, err := c.ListProjects(ctx, &ProjectListOptions{
		Search: in.Search, OrderBy: in.OrderBy, Archived: in.Archived,
		ListOptions: ListOptions{Page: in.Page, PerPage: in.PerPage},
	})
	if err != nil {
		return ListReposOutput{}, err
	}
	out := ListReposOutput{Projects: make([]ProjectSummary, 0, len(ps)), NextPage: resp.NextPage}
	for _, p := range ps {
		out.Projects = append(out.Projects, ProjectSummary{
			ID: p.ID, Name: p.Name, PathWithNamespace: p.PathWithNamespace, DefaultBranch: p.DefaultBranch,
			Visibility: p.Visibility, Archived: p.Archived, WebURL: p.WebURL,
		})
	}
	return out, nil
}

// ListCommitsInput is the input of list_commits.
type ListCommitsInput struct {
	Project string `json:"project" minLength:"1" maxLength:"1024" doc:"The project: its numeric id or full path, e.g. 42 or my-group/my-project."`
	Ref     string `json:"ref,omitempty" maxLength:"255" doc:"Branch, tag or commit to list from (default: the default branch)."`
	Path    string `json:"path,omitempty" maxLength:"1024" doc:"Only commits that touch this file or directory."`
	Since   string `json:"since,omitempty" format:"date-time" doc:"Only commits after this time (RFC 3339)."`
	Until   string `json:"until,omitempty" format:"date-time" doc:"Only commits before this time (RFC 3339)."`
	Page    int    `json:"page,omitempty" minimum:"1" doc:"Page number, from 1."`
	PerPage int    `json:"perPage,omitempty" minimum:"1" maximum:"100" doc:"Commits per page, at most 100 (default 20)."`
}

// CommitSummary is one commit in list_commits' output.
type CommitSummary struct {
	ID          string    `json:"id"`
	ShortID     string    `json:"shortId"`
	Title       string    `json:"title"`
	Message     string    `json:"message"`
	AuthorName  string    `json:"authorName"`
	AuthorEmail string    `json:"authorEmail,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	WebURL      string    `json:"webUrl"`
}

// ListCommitsOutput is the output of list_commits.
type ListCommitsOutput struct {
	Commits []CommitSummary `json:"commits"`
	// NextPage is the next page number, 0 on the last page.
	NextPage int `json:"nextPage,omitempty"`
}

func listCommits(ctx context.Context, c *Client, in ListCommitsInput) (ListCommitsOutput, error) {
	since, err := parseTime("since", in.Since)
	if err != nil {
		return ListCommitsOutput{}, err
	}
	until, err := parseTime("until", in.Until)
	if err != nil {
		return ListCommitsOutput{}, err
	}
	cs, resp, err := c.ListCommits(ctx, in.Project, &CommitListOptions{
		RefName: in.Ref, Path: in.Path, Since: since, Until: until,
		ListOptions: ListOptions{Page: in.Page, PerPage: in.PerPage},
	})
	if err != nil {
		return ListCommitsOutput{}, err
	}
	out := ListCommitsOutput{Commits: make([]CommitSummary, 0, len(cs)), NextPage: resp.NextPage}
	for _, cm := range cs {
		out.Commits = append(out.Commits, CommitSummary{
			ID: cm.ID, ShortID: cm.ShortID, Title: cm.Title, Message: cm.Message, AuthorName: cm.AuthorName,
			AuthorEmail: cm.AuthorEmail, CreatedAt: cm.CreatedAt, WebURL: cm.WebURL,
		})
	}
	return out, nil
}

// CreateRepoWebhookInput is the input of create_repo_webhook.
type CreateRepoWebhookInput struct {
	Project                string `json:"project" minLength:"1" maxLength:"1024" doc:"The project: its numeric id or full path, e.g. 42 or my-group/my-project."`
	URL                    string `json:"url" format:"uri" maxLength:"2048" doc:"The URL GitLab delivers events to (https)."`
	Token                  string `json:"token,omitempty" maxLength:"256" ihub:"sensitive" doc:"Secret token GitLab sends in X-Gitlab-Token with every delivery; strongly recommended."`
	PushEvents             *bool  `json:"pushEvents,omitempty" doc:"Trigger on pushes (default true)."`
	TagPushEvents          bool   `json:"tagPushEvents,omitempty" doc:"Trigger on tag pushes."`
	MergeRequestsEvents    bool   `json:"mergeRequestsEvents,omitempty" doc:"Trigger on merge request events."`
	IssuesEvents           bool   `json:"issuesEvents,omitempty" doc:"Trigger on issue events."`
	NoteEvents             bool   `json:"noteEvents,omitempty" doc:"Trigger on comments."`
	PipelineEvents         bool   `json:"pipelineEvents,omitempty" doc:"Trigger on pipeline status changes."`
	JobEvents              bool   `json:"jobEvents,omitempty" doc:"Trigger on job status changes."`
	ReleasesEvents         bool   `json:"releasesEvents,omitempty" doc:"Trigger on releases."`
	EnableSSLVerification  *bool  `json:"enableSslVerification,omitempty" doc:"Verify the URL's TLS certificate (default true)."`
	PushEventsBranchFilter string `json:"pushEventsBranchFilter,omitempty" maxLength:"255" doc:"Only pushes to branches matching this wildcard, e.g. main or release/*."`
}

// Webhook is the created hook in create_repo_webhook's output. The URL is
// reduced to its host: such URLs may carry a token.
type Webhook struct {
	ID                     int64     `json:"id"`
	ProjectID              int64     `json:"projectId"`
	URLHost                string    `json:"urlHost"`
	PushEvents             bool      `json:"pushEvents"`
	TagPushEvents          bool      `json:"tagPushEvents"`
	MergeRequestsEvents    bool      `json:"mergeRequestsEvents"`
	IssuesEvents           bool      `json:"issuesEvents"`
	NoteEvents             bool      `json:"noteEvents"`
	PipelineEvents         bool      `json:"pipelineEvents"`
	JobEvents              bool      `json:"jobEvents"`
	ReleasesEvents         bool      `json:"releasesEvents"`
	EnableSSLVerification  bool      `json:"enableSslVerification"`
	PushEventsBranchFilter string    `json:"pushEventsBranchFilter,omitempty"`
	CreatedAt              time.Time `json:"createdAt"`
}

// CreateRepoWebhookOutput is the output of create_repo_webhook.
type CreateRepoWebhookOutput struct {
	Webhook Webhook `json:"webhook"`
}

func createRepoWebhook(ctx context.Context, c *Client, in CreateRepoWebhookInput) (CreateRepoWebhookOutput, error) {
	host, err := hookHost(in.URL)
	if err != nil {
		return CreateRepoWebhookOutput{}, err
	}
	flag := func(b bool) *bool {
		if !b {
			return nil
		}
		return &b
	}
	h, _, err := c.AddProjectHook(ctx, in.Project, &AddHookOptions{
		URL: in.URL, Token: in.Token, PushEvents: in.PushEvents, TagPushEvents: flag(in.TagPushEvents),
		MergeRequestsEvents: flag(in.MergeRequestsEvents), IssuesEvents: flag(in.IssuesEvents),
		NoteEvents: flag(in.NoteEvents), PipelineEvents: flag(in.PipelineEvents), JobEvents: flag(in.JobEvents),
		ReleasesEvents: flag(in.ReleasesEvents), EnableSSLVerification: in.EnableSSLVerification,
		PushEventsBranchFilter: in.PushEventsBranchFilter,
	})
	if err != nil {
		return CreateRepoWebhookOutput{}, err
	}
	return CreateRepoWebhookOutput{Webhook: Webhook{
		ID: h.ID, ProjectID: h.ProjectID, URLHost: host, PushEvents: h.PushEvents, TagPushEvents: h.TagPushEvents,
		MergeRequestsEvents: h.MergeRequestsEvents, IssuesEvents: h.IssuesEvents, NoteEvents: h.NoteEvents,
		PipelineEvents: h.PipelineEvents, JobEvents: h.JobEvents, ReleasesEvents: h.ReleasesEvents,
		EnableSSLVerification: h.EnableSSLVerification, PushEventsBranchFilter: h.PushEventsBranchFilter,
		CreatedAt: h.CreatedAt,
	}}, nil
}

func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, provider.InputError(field, "must be an RFC 3339 date-time such as 2026-01-02T15:04:05Z")
	}
	return t, nil
}

// hookHost checks a webhook URL and returns its host; errors never echo it.
func hookHost(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", provider.InputError("url", "must be an absolute http or https URL")
	}
	return u.Hostname(), nil
}

// ProxyBase is the API root: the connection's base URL or
// https://gitlab.com/api/v4.
func (p *Provider) ProxyBase(c provider.Connection) (*url.URL, error) {
	raw := c.BaseURL
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	return providerhttp.ParseBaseURL(raw)
}

// Authorize adds the token as "Authorization: Bearer" or PRIVATE-TOKEN, as
// the connection's token header setting says.
func (p *Provider) Authorize(_ context.Context, req *http.Request, c provider.Connection) error {
	tok := c.Secret(FieldToken)
	if err := checkToken(tok); err != nil {
		return err
	}
	header := c.Setting(FieldTokenHeader, HeaderBearer)
	if header != HeaderBearer && header != HeaderPrivateToken {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the token header must be bearer or private_token"}
	}
	setAuth(req.Header, header, tok)
	providerhttp.SetUserAgent(req, "")
	return nil
}
