package vtiger

import (
	"context"
	"regexp"

	"ihub/internal/provider"
)

// QueryInput is a VTQL query.
type QueryInput struct {
	Query string `json:"query" doc:"A VTQL SELECT, e.g. SELECT firstname, lastname, email FROM Contacts WHERE lastname = 'Nkosi' LIMIT 0, 100; (the trailing semicolon is optional). vTiger returns at most 100 (vTiger 6) or 200 (vTiger 7) rows per query; page with LIMIT offset, count." minLength:"1" maxLength:"4000" pattern:"^\\s*[Ss][Ee][Ll][Ee][Cc][Tt]\\s"`
}

// QueryOutput holds the records, each a map of field name to value.
type QueryOutput struct {
	Count   int              `json:"count"`
	Records []map[string]any `json:"records"`
}

// ListTypesInput takes no parameters.
type ListTypesInput struct{}

// ListTypesOutput lists the modules the user can access.
type ListTypesOutput struct {
	Types       []string            `json:"types"`
	Information map[string]TypeInfo `json:"information,omitempty"`
}

var selectRE = regexp.MustCompile(`^\s*[Ss][Ee][Ll][Ee][Cc][Tt]\s`)

var actions = []provider.Action{
	provider.NewAction(provider.ActionSpec{
		Name:  "query",
		Title: "Query records",
		Description: "Runs a read-only VTQL SELECT over a module (Contacts, Accounts, Leads, HelpDesk, …) and " +
			"returns the matching records (GET /webservice.php?operation=query).",
	}, func(ctx context.Context, c *Client, in QueryInput) (QueryOutput, error) {
		if !selectRE.MatchString(in.Query) {
			return QueryOutput{}, provider.InputError("query", "must be a VTQL SELECT")
		}
		rows, err := c.Query(ctx, in.Query)
		if err != nil {
			return QueryOutput{}, err
		}
		return QueryOutput{Count: len(rows), Records: rows}, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:        "list_types",
		Title:       "List modules",
		Description: "Lists the modules (record types) the user can access, with their labels (GET /webservice.php?operation=listtypes).",
	}, func(ctx context.Context, c *Client, _ ListTypesInput) (ListTypesOutput, error) {
		t, err := c.ListTypes(ctx)
		if err != nil {
			return ListTypesOutput{}, err
		}
		return ListTypesOutput{Types: t.Types, Information: t.Information}, nil
	}),
}

// Actions lists vTiger's actions (provider.ActionRunner).
func (*Provider) Actions() []provider.Action { return actions }
