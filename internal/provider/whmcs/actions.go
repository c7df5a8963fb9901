package whmcs

import (
	"context"
	"strings"

	"ihub/internal/provider"
)

// GetClientsInput filters get_clients.
type GetClientsInput struct {
	Search     string `json:"search,omitempty" doc:"Text matched against the client's name, company name and email" maxLength:"200"`
	Status     string `json:"status,omitempty" doc:"Only clients with this status" enum:"Active,Inactive,Closed"`
	LimitStart int    `json:"limitStart,omitempty" doc:"Offset of the first client to return (default 0)" minimum:"0"`
	LimitNum   int    `json:"limitNum,omitempty" doc:"How many clients to return (WHMCS's default is 25)" minimum:"1" maximum:"1000"`
	Sorting    string `json:"sorting,omitempty" doc:"Sort direction" enum:"ASC,DESC"`
	OrderBy    string `json:"orderBy,omitempty" doc:"Column to sort by, e.g. id, firstname, lastname, companyname, email, datecreated, status" pattern:"^[a-z_]{1,32}$"`
}

// GetClientsOutput is a page of clients.
type GetClientsOutput struct {
	TotalResults int             `json:"totalResults"`
	StartNumber  int             `json:"startNumber"`
	NumReturned  int             `json:"numReturned"`
	Clients      []ClientSummary `json:"clients"`
}

// GetClientDetailsInput selects one client.
type GetClientDetailsInput struct {
	ClientID int    `json:"clientId,omitempty" doc:"The client's id; either this or email is required" minimum:"1"`
	Email    string `json:"email,omitempty" doc:"The client's email address, when the id is not known" format:"email"`
	Stats    bool   `json:"stats,omitempty" doc:"Also return WHMCS's statistics for the client (invoices, products, tickets)"`
}

// GetClientDetailsOutput is one client, without its password hash and card
// details.
type GetClientDetailsOutput struct {
	Client ClientDetails     `json:"client"`
	Stats  map[string]string `json:"stats,omitempty"`
}

// GetProductsInput filters get_products.
type GetProductsInput struct {
	PID    int    `json:"pid,omitempty" doc:"Only the product with this id" minimum:"1"`
	GID    int    `json:"gid,omitempty" doc:"Only products of this product group" minimum:"1"`
	Module string `json:"module,omitempty" doc:"Only products using this provisioning module, e.g. cpanel" pattern:"^[A-Za-z0-9_]{1,64}$"`
}

// GetProductsOutput lists products.
type GetProductsOutput struct {
	TotalResults int       `json:"totalResults"`
	Products     []Product `json:"products"`
}

// OpenTicketInput is a new support ticket.
type OpenTicketInput struct {
	DeptID   int    `json:"deptId" doc:"The support department to open the ticket in" minimum:"1"`
	Subject  string `json:"subject" doc:"The ticket subject" minLength:"1" maxLength:"255"`
	Message  string `json:"message" doc:"The ticket message" minLength:"1" maxLength:"65535"`
	ClientID int    `json:"clientId,omitempty" doc:"The client the ticket is for; without it, name and email are required" minimum:"1"`
	Name     string `json:"name,omitempty" doc:"Name of the person opening the ticket when it is not for a client" maxLength:"200"`
	Email    string `json:"email,omitempty" doc:"Email address of the person opening the ticket when it is not for a client" format:"email"`
	Priority string `json:"priority,omitempty" doc:"Ticket priority" enum:"Low,Medium,High"`
	Markdown bool   `json:"markdown,omitempty" doc:"Render the message as Markdown"`
	NoEmail  bool   `json:"noEmail,omitempty" doc:"Do not send the ticket-opened email (WHMCS 8.3 and later)"`
}

// OpenTicketOutput identifies the new ticket.
type OpenTicketOutput struct {
	ID  int    `json:"id"`
	TID string `json:"tid"`
}

// GetInvoiceInput selects an invoice.
type GetInvoiceInput struct {
	InvoiceID int `json:"invoiceId" doc:"The invoice id" minimum:"1"`
}

// GetInvoiceOutput is one invoice with its status.
type GetInvoiceOutput struct {
	Invoice Invoice `json:"invoice"`
}

// GetStatsInput takes no parameters.
type GetStatsInput struct{}

// GetStatsOutput holds WHMCS's dashboard statistics.
type GetStatsOutput struct {
	Stats map[string]string `json:"stats"`
}

var actions = []provider.Action{
	provider.NewAction(provider.ActionSpec{
		Name:        "get_clients",
		Title:       "List clients",
		Description: "Lists WHMCS clients, optionally filtered by a search text or status, a page at a time (API action GetClients).",
	}, func(ctx context.Context, c *Client, in GetClientsInput) (GetClientsOutput, error) {
		l, err := c.GetClients(ctx, &GetClientsOptions{
			LimitStart: in.LimitStart, LimitNum: in.LimitNum, Search: in.Search, Status: in.Status,
			Sorting: in.Sorting, OrderBy: in.OrderBy,
		})
		if err != nil {
			return GetClientsOutput{}, err
		}
		return GetClientsOutput{TotalResults: int(l.TotalResults), StartNumber: int(l.StartNumber), NumReturned: int(l.NumReturned), Clients: l.Clients}, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:        "get_client_details",
		Title:       "Get client details",
		Description: "Returns one client's contact details and status by id or email, optionally with its statistics (API action GetClientsDetails).",
	}, func(ctx context.Context, c *Client, in GetClientDetailsInput) (GetClientDetailsOutput, error) {
		if in.ClientID == 0 && strings.TrimSpace(in.Email) == "" {
			return GetClientDetailsOutput{}, provider.InputError("clientId", "either clientId or email is required")
		}
		d, st, err := c.GetClientDetails(ctx, in.ClientID, strings.TrimSpace(in.Email), in.Stats)
		if err != nil {
			return GetClientDetailsOutput{}, err
		}
		return GetClientDetailsOutput{Client: *d, Stats: st}, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:        "get_products",
		Title:       "List products",
		Description: "Lists the products and services on sale with their pricing, optionally filtered by product, group or module (API action GetProducts).",
	}, func(ctx context.Context, c *Client, in GetProductsInput) (GetProductsOutput, error) {
		ps, total, err := c.GetProducts(ctx, &GetProductsOptions{PID: in.PID, GID: in.GID, Module: in.Module})
		if err != nil {
			return GetProductsOutput{}, err
		}
		return GetProductsOutput{TotalResults: total, Products: ps}, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:        "open_ticket",
		Title:       "Open a support ticket",
		Description: "Opens a support ticket in a department, for a client or for a name and email address; WHMCS emails the ticket unless noEmail is set (API action OpenTicket).",
		Mutating:    true,
	}, func(ctx context.Context, c *Client, in OpenTicketInput) (OpenTicketOutput, error) {
		switch {
		case in.DeptID <= 0:
			return OpenTicketOutput{}, provider.InputError("deptId", "is required")
		case strings.TrimSpace(in.Subject) == "":
			return OpenTicketOutput{}, provider.InputError("subject", "is required")
		case strings.TrimSpace(in.Message) == "":
			return OpenTicketOutput{}, provider.InputError("message", "is required")
		case in.ClientID == 0 && (strings.TrimSpace(in.Name) == "" || strings.TrimSpace(in.Email) == ""):
			return OpenTicketOutput{}, provider.InputError("clientId", "either clientId or both name and email are required")
		}
		t, err := c.OpenTicket(ctx, Ticket{
			DeptID: in.DeptID, Subject: in.Subject, Message: in.Message, ClientID: in.ClientID,
			Name: in.Name, Email: in.Email, Priority: in.Priority, Markdown: in.Markdown, NoEmail: in.NoEmail,
		})
		if err != nil {
			return OpenTicketOutput{}, err
		}
		return OpenTicketOutput{ID: int(t.ID), TID: t.TID}, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:        "get_invoice",
		Title:       "Get an invoice",
		Description: "Returns one invoice with its status (Unpaid, Paid, Cancelled, …), amounts, balance and items (API action GetInvoice).",
	}, func(ctx context.Context, c *Client, in GetInvoiceInput) (GetInvoiceOutput, error) {
		if in.InvoiceID <= 0 {
			return GetInvoiceOutput{}, provider.InputError("invoiceId", "is required")
		}
		inv, err := c.GetInvoice(ctx, in.InvoiceID)
		if err != nil {
			return GetInvoiceOutput{}, err
		}
		return GetInvoiceOutput{Invoice: *inv}, nil
	}),
	provider.NewAction(provider.ActionSpec{
		Name:        "get_stats",
		Title:       "Get statistics",
		Description: "Returns WHMCS's dashboard statistics: income, pending orders, open tickets, staff online (API action GetStats).",
	}, func(ctx context.Context, c *Client, _ GetStatsInput) (GetStatsOutput, error) {
		st, err := c.GetStats(ctx)
		if err != nil {
			return GetStatsOutput{}, err
		}
		return GetStatsOutput{Stats: st}, nil
	}),
}

// Actions lists WHMCS's actions (provider.ActionRunner).
func (*Provider) Actions() []provider.Action { return actions }
