package awx

import (
	"context"

	"ihub/internal/provider"
)

// ListJobTemplatesInput filters list_job_templates.
type ListJobTemplatesInput struct {
	Name     string `json:"name,omitempty" doc:"Only the template with exactly this name" maxLength:"512"`
	Search   string `json:"search,omitempty" doc:"Text searched in the templates' names and descriptions" maxLength:"200"`
	Page     int    `json:"page,omitempty" doc:"Page number, from 1" minimum:"1"`
	PageSize int    `json:"pageSize,omitempty" doc:"Templates per page (AWX's default is 25; the server's maximum is configurable, commonly 200)" minimum:"1" maximum:"200"` // max 200: [?]
}

// ListJobTemplatesOutput is a page of job templates.
type ListJobTemplatesOutput struct {
	Count        int           `json:"count"`
	HasNext      bool          `json:"hasNext"`
	JobTemplates []JobTemplate `json:"jobTemplates"`
}

// LaunchJobTemplateInput launches a template.
type LaunchJobTemplateInput struct {
	ID        int            `json:"id" doc:"The job template's id" minimum:"1"`
	ExtraVars map[string]any `json:"extraVars,omitempty" doc:"Extra variables; honoured only when the template prompts for variables on launch"`
	Limit     string         `json:"limit,omitempty" doc:"Host pattern limiting the run; honoured only when the template prompts for a limit" maxLength:"1024"`
	Inventory int            `json:"inventory,omitempty" doc:"Inventory id to run against; honoured only when the template prompts for an inventory" minimum:"1"`
}

// LaunchJobTemplateOutput identifies the new job.
type LaunchJobTemplateOutput struct {
	Job    int    `json:"job"`
	Status string `json:"status"`
	// IgnoredFields lists the prompts AWX ignored because the template does
	// not ask for them on launch.
	IgnoredFields map[string]any `json:"ignoredFields,omitempty"`
}

// JobStatusInput selects a job.
type JobStatusInput struct {
	ID int `json:"id" doc:"The job's id, as returned by launch_job_template" minimum:"1"`
}

// JobStatusOutput is a job's state.
type JobStatusOutput struct {
	Job Job `json:"job"`
	// Done is true once the job has finished (successful, failed, error or
	// canceled).
	Done bool `json:"done"`
}

var actions = []provider.Action{
	provider.NewAction(provider.ActionSpec{
		Name:        "list_job_templates",
		Title:       "List job templates",
		Description: "Lists the job templates the user can see, optionally by exact name or search text (GET /api/v2/job_templates/).",
	}, func(ctx context.Context, c *Client, in ListJobTemplatesInput) (ListJobTemplatesOutput, error) {
		ts, page, err := c.ListJobTemplates(ctx, &JobTemplateListOptions{
			Name: in.Name, Search: in.Search, ListOptions: ListOptions{Page: in.Page, PageSize: in.PageSize},
		})
		if err != nil {
			return ListJobTemplatesOutput{}, err
		}
		return ListJobTemplatesOutput{Count: page.Count, HasNext: page.Next != "", JobTemplates: ts}, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:  "launch_job_template",
		Title: "Launch a job template",
		Description: "Launches a job template, with extra variables, a limit or an inventory when the template " +
			"prompts for them, and returns the new job's id (POST /api/v2/job_templates/{id}/launch/).",
		Mutating: true,
	}, func(ctx context.Context, c *Client, in LaunchJobTemplateInput) (LaunchJobTemplateOutput, error) {
		if in.ID <= 0 {
			return LaunchJobTemplateOutput{}, provider.InputError("id", "is required")
		}
		l, err := c.LaunchJobTemplate(ctx, in.ID, &LaunchOptions{ExtraVars: in.ExtraVars, Limit: in.Limit, Inventory: in.Inventory})
		if err != nil {
			return LaunchJobTemplateOutput{}, err
		}
		out := LaunchJobTemplateOutput{Job: l.Job, Status: l.Status}
		if len(l.IgnoredFields) > 0 {
			out.IgnoredFields = l.IgnoredFields
		}
		return out, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:        "job_status",
		Title:       "Get a job's status",
		Description: "Returns a job's status (pending, running, successful, failed, …), timing and whether it has finished (GET /api/v2/jobs/{id}/).",
	}, func(ctx context.Context, c *Client, in JobStatusInput) (JobStatusOutput, error) {
		if in.ID <= 0 {
			return JobStatusOutput{}, provider.InputError("id", "is required")
		}
		j, err := c.Job(ctx, in.ID)
		if err != nil {
			return JobStatusOutput{}, err
		}
		done := false
		switch j.Status {
		case "successful", "failed", "error", "canceled":
			done = true
		}
		return JobStatusOutput{Job: *j, Done: done}, nil
	}),
}

// Actions lists AWX's actions (provider.ActionRunner).
func (*Provider) Actions() []provider.Action { return actions }
