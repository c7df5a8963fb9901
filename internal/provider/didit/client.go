package didit

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"ihub/internal/provider"
	"ihub/internal/provider/internal/providerhttp"
	"ihub/internal/secret"
)

// DefaultBaseURL is the API root of Didit's verification API, version
// included.
const DefaultBaseURL = "https://verification.didit.me/v3"

// Client calls the Didit verification API with one application API key,
// sent as the x-api-key header (providers.md B12). It is safe for concurrent
// use. Every method takes ctx first and returns a *provider.Error on
// failure; a cancelled ctx makes the call return promptly with a transport
// error that names the context error. No error text ever contains the key.
//
// API reference: https://docs.didit.me/
type Client struct {
	base *url.URL
	hc   *http.Client
	key  secret.Value

	// UserAgent is sent on requests that carry none; "ihub" when empty.
	UserAgent string
	// Now is the clock used to turn a Retry-After date into a delay; nil
	// means time.Now.
	Now func() time.Time
}

// NewClient returns a client for the API root baseURL ("" means
// DefaultBaseURL, https://verification.didit.me/v3); request paths such as
// /session/{id}/decision/ are appended to it. hc is the caller's client
// (from egress); it must not be nil. A bad base URL or a missing key is a
// *provider.Error of kind invalid.
func NewClient(baseURL string, hc *http.Client, apiKey secret.Value) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	u, err := providerhttp.ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if hc == nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "didit: no HTTP client"}
	}
	if err := checkKey(apiKey); err != nil {
		return nil, err
	}
	return &Client{base: u, hc: hc, key: apiKey}, nil
}

func checkKey(k secret.Value) error {
	if k.IsZero() {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Didit API key is not set"}
	}
	if strings.ContainsAny(k.Reveal(), " \t\r\n\x00") {
		return &provider.Error{Kind: provider.ErrInvalid, Message: "the Didit API key must not contain spaces or line breaks"}
	}
	return nil
}

// Check is the outcome of one verification feature the session's workflow
// ran (one item of a feature report such as id_verifications).
type Check struct {
	// Feature is the report's name: id_verifications, liveness_checks, ...
	Feature string `json:"feature"`
	// NodeID is the workflow graph node that ran it.
	NodeID string `json:"nodeId,omitempty"`
	// Status is the feature's own verdict (Approved, Declined, In Review,
	// Not Finished ...).
	Status string `json:"status"`
}

// Decision is the status summary of a verification session, from the
// decision report (GET /session/{id}/decision/). It deliberately leaves out
// the personal data the report carries (names, document numbers, images):
// callers that need it use the proxy.
type Decision struct {
	SessionID     string   `json:"sessionId"`
	SessionNumber int64    `json:"sessionNumber,omitempty"`
	SessionKind   string   `json:"sessionKind,omitempty"`
	Status        string   `json:"status"`
	WorkflowID    string   `json:"workflowId,omitempty"`
	VendorData    string   `json:"vendorData,omitempty"`
	Features      []string `json:"features,omitempty"`
	Checks        []Check  `json:"checks,omitempty"`
}

// featureReports are the decision report's per-feature arrays, in the order
// Didit documents them. Each item is assumed to carry node_id and status
// [?]: the docs show the blocks, not every item's fields.
var featureReports = []string{
	"id_verifications", "nfc_verifications", "liveness_checks", "face_matches", "poa_verifications",
	"document_ai_documents", "phone_verifications", "email_verifications", "aml_screenings",
	"ip_analyses", "database_validations", "questionnaire_responses",
}

// sessionID matches the session ids Didit issues (UUIDs); anything else
// cannot name a session and must not reach the URL path.
var sessionID = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)

// Decision returns the status summary of the session id (GET
// /session/{sessionId}/decision/). An unknown session, or one outside the
// key's workflows, is a not_found error.
//
// Didit API docs: https://docs.didit.me/sessions-api/retrieve-session (the
// path is from the docs, not from providers.md [?]).
func (c *Client) Decision(ctx context.Context, id string) (*Decision, error) {
	if !sessionID.MatchString(id) {
		return nil, provider.InputError("sessionId", "must be a UUID")
	}
	ctx = provider.WithEndpoint(ctx, "GET /session/{id}/decision/")
	var raw struct {
		SessionID     string   `json:"session_id"`
		SessionNumber int64    `json:"session_number"`
		SessionKind   string   `json:"session_kind"`
		Status        string   `json:"status"`
		WorkflowID    string   `json:"workflow_id"`
		VendorData    *string  `json:"vendor_data"`
		Features      []string `json:"features"`
	}
	var all map[string]json.RawMessage
	body, err := c.get(ctx, "session/"+strings.ToLower(id)+"/decision/")
	if err != nil {
		return nil, err
	}
	if json.Unmarshal(body, &all) != nil || json.Unmarshal(body, &raw) != nil {
		return nil, c.notJSON(body)
	}
	if raw.Status == "" {
		return nil, &provider.Error{Kind: provider.ErrProvider, Message: "Didit answered the decision request without a session status"}
	}
	d := &Decision{
		SessionID: raw.SessionID, SessionNumber: raw.SessionNumber, SessionKind: raw.SessionKind,
		Status: raw.Status, WorkflowID: raw.WorkflowID, Features: raw.Features,
	}
	if raw.VendorData != nil {
		d.VendorData = *raw.VendorData
	}
	for _, name := range featureReports {
		var items []struct {
			NodeID string `json:"node_id"`
			Status string `json:"status"`
		}
		if b, ok := all[name]; !ok || json.Unmarshal(b, &items) != nil {
			continue // null (not run yet) or another shape: nothing to report
		}
		for _, it := range items {
			if it.Status != "" {
				d.Checks = append(d.Checks, Check{Feature: name, NodeID: it.NodeID, Status: it.Status})
			}
		}
	}
	return d, nil
}

// get sends GET path (relative to the base URL) with the key and returns
// the body of a 2xx answer.
func (c *Client) get(ctx context.Context, path string) ([]byte, error) {
	u := c.base.JoinPath(path)
	if strings.HasSuffix(path, "/") && !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "didit: cannot build the request"}
	}
	req.Header.Set("x-api-key", c.key.Reveal())
	req.Header.Set("Accept", "application/json")
	providerhttp.SetUserAgent(req, c.UserAgent)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.redact(providerhttp.TransportError(ctx, c.base.Host, err))
	}
	defer providerhttp.Drain(resp)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.redact(c.checkResponse(resp))
	}
	body, err := providerhttp.ReadBody(resp, providerhttp.MaxBody)
	if err != nil {
		return nil, c.redact(err)
	}
	return body, nil
}

func (c *Client) notJSON(body []byte) error {
	msg := "expected a JSON answer from Didit; check that the base URL is the API root (https://verification.didit.me/v3)"
	if ex := providerhttp.Excerpt(body); ex != "" {
		msg += "; it answered: " + ex
	}
	return c.redact(&provider.Error{Kind: provider.ErrProvider, Message: msg})
}

// checkResponse maps a non-2xx answer. Didit documents 401 for a wrong,
// revoked or expired key, 403 for a missing key, a key without access or an
// address outside the key's IP list, 404 on session routes for a session
// outside the key's scope, 429 for rate limiting. Error bodies are JSON
// with "detail" (a string, or an object with "code" and "message") and
// often a stable "code" [?]: the shape varies by endpoint family, and 5xx
// may carry no JSON at all.
func (c *Client) checkResponse(resp *http.Response) *provider.Error {
	body := providerhttp.ReadErrorBody(resp)
	msg, code := errorText(body)
	switch {
	case msg == "" && code != "":
		msg = code
	case msg == "":
		msg = providerhttp.Excerpt(body)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return &provider.Error{
		Kind:       providerhttp.StatusKind(resp.StatusCode),
		Status:     resp.StatusCode,
		Code:       code,
		Message:    providerhttp.DropStatusEcho(resp.StatusCode, msg),
		RetryAfter: providerhttp.RetryAfter(resp.Header, now()),
	}
}

// errorText reads Didit's error body: detail as a string or as an object,
// else message or error; code at the top level or inside detail.
func errorText(body []byte) (msg, code string) {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "", ""
	}
	str := func(m map[string]json.RawMessage, k string) string {
		var s string
		if json.Unmarshal(m[k], &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	code = str(m, "code")
	if d := bytes.TrimSpace(m["detail"]); bytes.HasPrefix(d, []byte("{")) {
		var inner map[string]json.RawMessage
		if json.Unmarshal(d, &inner) == nil {
			msg = str(inner, "message")
			if code == "" {
				code = str(inner, "code")
			}
		}
	}
	for _, k := range []string{"detail", "message", "error"} {
		if msg != "" {
			break
		}
		msg = str(m, k)
	}
	return providerhttp.Clip(msg, 500), providerhttp.Clip(code, 100)
}

func (c *Client) redact(err error) error {
	if err == nil {
		return nil
	}
	return providerhttp.RedactError(err, c.key.Reveal())
}
