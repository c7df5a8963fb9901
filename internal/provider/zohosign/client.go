package zohosign

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/zoho"
)

// Client calls the Zoho Sign API v1 with one connection's access token. It
// is safe for concurrent use. Every method takes ctx first and returns a
// *provider.Error on failure (a non-zero "code" in a 200 answer included);
// no error text ever contains the token.
//
// API reference: https://www.zoho.com/sign/api/
type Client struct {
	api *zoho.API
}

// NewClient returns a client for connection c: the host is
// https://sign.zoho.<domain> of the dataCenter setting (c.BaseURL, when
// set, replaces it: tests and the demo mode). Missing credentials or a bad
// data centre are a *provider.Error of kind invalid.
func NewClient(hc *http.Client, c provider.Connection) (*Client, error) {
	api, err := zoho.NewAPI(zoho.Sign, hc, c, nil)
	if err != nil {
		return nil, err
	}
	return &Client{api: api}, nil
}

// Request is one signature request, with the fields ihub uses.
type Request struct {
	RequestID     string `json:"request_id"`
	RequestName   string `json:"request_name"`
	RequestStatus string `json:"request_status"`
}

// PageContext is the paging block of a list answer. TotalCount is not
// documented in providers.md [?]; it is 0 when absent.
type PageContext struct {
	RowCount    int  `json:"row_count"`
	StartIndex  int  `json:"start_index"`
	HasMoreRows bool `json:"has_more_rows"`
	TotalCount  int  `json:"total_count"`
}

// Requests lists signature requests: rows of them from the 1-based start
// index (GET /api/v1/requests?data={"page_context":{...}}).
func (c *Client) Requests(ctx context.Context, rows, start int) ([]Request, *PageContext, error) {
	if rows <= 0 {
		rows = 10
	}
	if start <= 0 {
		start = 1
	}
	data, err := json.Marshal(map[string]any{"page_context": map[string]any{"row_count": rows, "start_index": start}})
	if err != nil {
		return nil, nil, &provider.Error{Kind: provider.ErrInvalid, Message: "zohosign: cannot encode the page context"}
	}
	var body struct {
		Requests    []Request   `json:"requests"`
		PageContext PageContext `json:"page_context"`
	}
	q := url.Values{"data": {string(data)}}
	if _, err := c.api.Get(ctx, "GET /api/v1/requests", "/api/v1/requests", q, &body); err != nil {
		return nil, nil, err
	}
	if body.Requests == nil {
		body.Requests = []Request{}
	}
	return body.Requests, &body.PageContext, nil
}
