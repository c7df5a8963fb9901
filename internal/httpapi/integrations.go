package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"ihub/internal/apperr"
	"ihub/internal/auth"
	"ihub/internal/integration"
	"ihub/internal/provider"
)

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func itoa(n int) string { return strconv.Itoa(n) }

type providersOutput struct {
	Body struct {
		Items []provider.Descriptor `json:"items"`
	}
}

func (s *Server) listProviders(ctx context.Context, _ *struct{}) (*providersOutput, error) {
	out := &providersOutput{}
	for _, p := range s.d.Registry.All() {
		out.Body.Items = append(out.Body.Items, p.Descriptor())
	}
	return out, nil
}

// CredentialState says that a credential field is set, and when it changed.
// The value itself is never returned.
type CredentialState struct {
	Set       bool      `json:"set"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// IntegrationBody is an integration as the API shows it.
type IntegrationBody struct {
	ID                         string                     `json:"id"`
	Slug                       string                     `json:"slug"`
	Name                       string                     `json:"name"`
	Provider                   string                     `json:"provider"`
	Category                   provider.Category          `json:"category"`
	BaseURL                    string                     `json:"baseUrl"`
	Username                   string                     `json:"username"`
	Settings                   map[string]any             `json:"settings"`
	Labels                     map[string]string          `json:"labels"`
	Credentials                map[string]CredentialState `json:"credentials" doc:"Which credential fields are set and when they last changed; never their values."`
	IsActive                   bool                       `json:"isActive"`
	LinkedServerID             *string                    `json:"linkedServerId,omitempty"`
	HealthCheckIntervalMinutes int                        `json:"healthCheckIntervalMinutes"`
	AllowPrivateNetwork        bool                       `json:"allowPrivateNetwork"`
	TLSSkipVerify              bool                       `json:"tlsSkipVerify"`
	HealthStatus               string                     `json:"healthStatus" enum:"unknown,healthy,degraded,down"`
	LastCheckedAt              *time.Time                 `json:"lastCheckedAt,omitempty"`
	LastConnectedAt            *time.Time                 `json:"lastConnectedAt,omitempty"`
	LastError                  *string                    `json:"lastError,omitempty"`
	LastLatencyMs              *int64                     `json:"lastLatencyMs,omitempty"`
	ConsecutiveFailures        int                        `json:"consecutiveFailures"`
	Version                    int64                      `json:"version" doc:"Configuration version; the ETag."`
	CreatedAt                  time.Time                  `json:"createdAt"`
	UpdatedAt                  time.Time                  `json:"updatedAt"`
}

func integrationBody(in integration.Integration) IntegrationBody {
	creds := make(map[string]CredentialState, len(in.Credentials))
	for k, t := range in.Credentials {
		creds[k] = CredentialState{Set: true, UpdatedAt: t}
	}
	settings := in.Settings
	if settings == nil {
		settings = map[string]any{}
	}
	labels := in.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return IntegrationBody{ID: in.ID, Slug: in.Slug, Name: in.Name, Provider: in.Provider, Category: in.Category, BaseURL: in.BaseURL,
		Username: in.Username, Settings: settings, Labels: labels, Credentials: creds, IsActive: in.IsActive,
		LinkedServerID: in.LinkedServerID, HealthCheckIntervalMinutes: in.HealthCheckIntervalMinutes,
		AllowPrivateNetwork: in.AllowPrivateNetwork, TLSSkipVerify: in.TLSSkipVerify, HealthStatus: string(in.Health.Status), LastCheckedAt: in.Health.LastCheckedAt,
		LastConnectedAt: in.Health.LastConnectedAt, LastError: in.Health.LastError, LastLatencyMs: in.Health.LastLatencyMs,
		ConsecutiveFailures: in.Health.ConsecutiveFailures, Version: in.Version, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
}

func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// IntegrationWrite is the body of a create or a patch. On patch, absent
// fields are left alone.
type IntegrationWrite struct {
	Name                       *string           `json:"name,omitempty" maxLength:"200"`
	Slug                       *string           `json:"slug,omitempty" maxLength:"63" doc:"Unique; derived from the name if omitted."`
	Provider                   *string           `json:"provider,omitempty" maxLength:"32" doc:"A provider id from GET /api/v1/providers. Required on create; cannot change."`
	BaseURL                    *string           `json:"baseUrl,omitempty" maxLength:"2048"`
	Username                   *string           `json:"username,omitempty" maxLength:"200"`
	Settings                   map[string]any    `json:"settings,omitempty" doc:"Non-sensitive provider fields. On patch, merged key by key; null removes a key."`
	Credentials                map[string]any    `json:"credentials,omitempty" doc:"Sensitive provider fields (strings). Replaced field by field; null or empty deletes one. Needs integrations:credentials:write."`
	IsActive                   *bool             `json:"isActive,omitempty"`
	LinkedServerID             *string           `json:"linkedServerId,omitempty" maxLength:"200"`
	Labels                     map[string]string `json:"labels,omitempty" doc:"Replaces all labels when given."`
	HealthCheckIntervalMinutes *int              `json:"healthCheckIntervalMinutes,omitempty" minimum:"1" maximum:"1440"`
	AllowPrivateNetwork        *bool             `json:"allowPrivateNetwork,omitempty" doc:"Let ihub reach this integration on loopback or private addresses."`
	TLSSkipVerify              *bool             `json:"tlsSkipVerify,omitempty" doc:"Accept any TLS certificate from this provider (a self-signed WHM, say). Encrypted but not authenticated: use only on a network you trust."`
}

func (w IntegrationWrite) input() integration.Input {
	return integration.Input{Name: w.Name, Slug: w.Slug, Provider: w.Provider, BaseURL: w.BaseURL, Username: w.Username,
		Settings: w.Settings, Credentials: w.Credentials, IsActive: w.IsActive, LinkedServerID: w.LinkedServerID,
		Labels: w.Labels, HealthCheckIntervalMinutes: w.HealthCheckIntervalMinutes, AllowPrivateNetwork: w.AllowPrivateNetwork,
		TLSSkipVerify: w.TLSSkipVerify}
}

func needCredentialsWrite(ctx context.Context, w IntegrationWrite) error {
	if len(w.Credentials) > 0 && !principal(ctx).Can(auth.PermCredentialsWrite) {
		return apperr.E(apperr.Forbidden, "setting credentials needs the %s permission", auth.PermCredentialsWrite)
	}
	return nil
}

// needCredentialsWriteToRedirect guards the fields that decide where stored
// credentials are sent (or who they are sent as): changing them on an
// existing integration could point its secrets at another server, so it
// takes the same permission as writing the secrets themselves.
func needCredentialsWriteToRedirect(ctx context.Context, w IntegrationWrite) error {
	if err := needCredentialsWrite(ctx, w); err != nil {
		return err
	}
	redirects := w.BaseURL != nil || w.Username != nil || w.AllowPrivateNetwork != nil || w.TLSSkipVerify != nil || len(w.Settings) > 0
	if redirects && !principal(ctx).Can(auth.PermCredentialsWrite) {
		return apperr.E(apperr.Forbidden, "changing baseUrl, username, settings, allowPrivateNetwork or tlsSkipVerify needs the %s permission: they decide where the stored credentials are sent", auth.PermCredentialsWrite)
	}
	return nil
}

type createIntegrationInput struct {
	Body IntegrationWrite
}

type integrationOutput struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     IntegrationBody
}

func (s *Server) createIntegration(ctx context.Context, in *createIntegrationInput) (*integrationOutput, error) {
	if err := needCredentialsWrite(ctx, in.Body); err != nil {
		return nil, err
	}
	it, err := s.d.Integrations.Create(ctx, actor(ctx), in.Body.input())
	if err != nil {
		return nil, err
	}
	return &integrationOutput{ETag: etag(it.Version), Location: "/api/v1/integrations/" + it.ID, Body: integrationBody(it)}, nil
}

type listIntegrationsInput struct {
	PageInput
	Provider     string `query:"provider" maxLength:"32"`
	Category     string `query:"category" enum:"hosting,billing,crm,automation,vcs,communication,email,sms,payments,kyc,maps,coverage,generic"`
	HealthStatus string `query:"healthStatus" enum:"unknown,healthy,degraded,down"`
	IsActive     string `query:"isActive" enum:"true,false"`
	Label        string `query:"label" maxLength:"300" doc:"key or key=value"`
	Q            string `query:"q" maxLength:"200" doc:"Case-insensitive substring of the name or slug."`
}

// listIntegrationsBody is the list answer's shape; the handler renders it
// with encodeIntegrationPage (the OpenAPI document uses this type).
type listIntegrationsBody struct {
	Items      []IntegrationBody `json:"items"`
	NextCursor string            `json:"nextCursor,omitempty"`
}

type listIntegrationsOutput struct {
	Body func(huma.Context)
}

func (s *Server) listIntegrations(ctx context.Context, in *listIntegrationsInput) (*listIntegrationsOutput, error) {
	f := integration.Filter{Provider: in.Provider, Category: in.Category, HealthStatus: in.HealthStatus, Search: in.Q, Limit: in.Limit}
	if in.Provider != "" {
		if _, ok := s.d.Registry.Get(in.Provider); !ok {
			return nil, apperr.InvalidFields("unknown provider", apperr.FieldError{Field: "query.provider", Message: "is not a known provider id"})
		}
	}
	if in.IsActive != "" {
		b := in.IsActive == "true"
		f.IsActive = &b
	}
	if in.Label != "" {
		f.LabelKey, f.LabelValue, _ = strings.Cut(in.Label, "=")
		if f.LabelKey == "" {
			return nil, apperr.InvalidFields("bad label filter", apperr.FieldError{Field: "query.label", Message: "must be key or key=value"})
		}
	}
	if in.Cursor != "" {
		id, err := base64.RawURLEncoding.DecodeString(in.Cursor)
		if err != nil || !strings.HasPrefix(string(id), "int_") {
			return nil, apperr.InvalidFields("bad cursor", apperr.FieldError{Field: "query.cursor", Message: "is not a cursor this API gave out"})
		}
		f.AfterID = string(id)
	}
	items, next, err := s.d.Integrations.List(ctx, f)
	if err != nil {
		return nil, err
	}
	if next != "" {
		next = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	page, err := encodeIntegrationPage(items, next)
	if err != nil {
		return nil, err
	}
	return &listIntegrationsOutput{Body: func(hctx huma.Context) {
		defer pageBuffers.Put(page)
		hctx.SetHeader("Content-Type", "application/json")
		// A length lets the server write the page in one go, not in chunks.
		hctx.SetHeader("Content-Length", strconv.Itoa(len(*page)))
		hctx.SetStatus(http.StatusOK)
		_, _ = hctx.BodyWriter().Write(*page) // a write error means the client left
	}}, nil
}

type integrationIDInput struct {
	ID string `path:"id" maxLength:"100" doc:"Integration id or slug."`
}

type getIntegrationOutput struct {
	ETag string `header:"ETag"`
	Body IntegrationBody
}

func (s *Server) getIntegration(ctx context.Context, in *integrationIDInput) (*getIntegrationOutput, error) {
	it, err := s.d.Integrations.Get(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &getIntegrationOutput{ETag: etag(it.Version), Body: integrationBody(it)}, nil
}

type updateIntegrationInput struct {
	ID      string `path:"id" maxLength:"100" doc:"Integration id or slug."`
	IfMatch string `header:"If-Match" maxLength:"100" doc:"The ETag you read; the update fails with 412 if the integration changed since."`
	Body    IntegrationWrite
}

// ifMatch is a parsed If-Match header.
type ifMatch struct {
	any  bool    // absent or "*"
	tags []int64 // strong tags; a weak tag never matches (RFC 9110 §13.1.1)
}

// parseIfMatch reads an If-Match header: "*", or a list of entity tags.
func parseIfMatch(h string) (ifMatch, error) {
	h = strings.TrimSpace(h)
	if h == "" || h == "*" {
		return ifMatch{any: true}, nil
	}
	var m ifMatch
	for _, t := range strings.Split(h, ",") {
		t = strings.TrimSpace(t)
		weak := strings.HasPrefix(t, "W/")
		t = strings.TrimPrefix(t, "W/")
		if len(t) < 3 || t[0] != '"' || t[len(t)-1] != '"' {
			return m, apperr.InvalidFields("bad If-Match", apperr.FieldError{Field: "header.If-Match", Message: "must be an ETag this API gave out, e.g. \"3\""})
		}
		v, err := strconv.ParseInt(t[1:len(t)-1], 10, 64)
		if err != nil {
			return m, apperr.InvalidFields("bad If-Match", apperr.FieldError{Field: "header.If-Match", Message: "must be an ETag this API gave out, e.g. \"3\""})
		}
		if !weak {
			m.tags = append(m.tags, v)
		}
	}
	if len(m.tags) == 0 {
		// Only weak tags: nothing could ever match, whatever the version,
		// and a 412 saying "it is now version 2" to W/"2" reads as a
		// contradiction. A proxy that compresses answers may weaken
		// the ETag on the way.
		return m, apperr.InvalidFields("bad If-Match", apperr.FieldError{Field: "header.If-Match",
			Message: "a weak ETag (W/\"…\") never matches a change; send the ETag as this API gave it, e.g. \"3\" (a proxy may have weakened it)"})
	}
	return m, nil
}

// versionCheck is an If-Match header as a test of the version a change
// would apply to: nil when the header asks for none (absent or "*").
func versionCheck(h string) (func(int64) bool, error) {
	m, err := parseIfMatch(h)
	if err != nil || m.any {
		return nil, err
	}
	return func(v int64) bool { return slices.Contains(m.tags, v) }, nil
}

func (s *Server) updateIntegration(ctx context.Context, in *updateIntegrationInput) (*getIntegrationOutput, error) {
	if err := needCredentialsWriteToRedirect(ctx, in.Body); err != nil {
		return nil, err
	}
	match, err := versionCheck(in.IfMatch)
	if err != nil {
		return nil, err
	}
	it, err := s.d.Integrations.Update(ctx, actor(ctx), in.ID, in.Body.input(), match)
	if err != nil {
		return nil, err
	}
	return &getIntegrationOutput{ETag: etag(it.Version), Body: integrationBody(it)}, nil
}

func (s *Server) deleteIntegration(ctx context.Context, in *integrationIDInput) (*struct{}, error) {
	return nil, s.d.Integrations.Delete(ctx, actor(ctx), in.ID)
}

type testOutput struct {
	Body struct {
		Success   bool           `json:"success"`
		Message   string         `json:"message" doc:"A summary, or the provider's own words on failure."`
		Latency   int64          `json:"latency" doc:"Milliseconds."`
		TestedAt  time.Time      `json:"testedAt"`
		ErrorKind string         `json:"errorKind,omitempty" enum:"auth,not_found,rate_limited,provider,transport,invalid,internal"`
		Details   map[string]any `json:"details"`
	}
}

func (s *Server) testIntegration(ctx context.Context, in *integrationIDInput) (*testOutput, error) {
	r, err := s.d.Integrations.Test(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := &testOutput{}
	out.Body.Success, out.Body.Message, out.Body.Latency, out.Body.TestedAt = r.Success, r.Message, r.Latency.Milliseconds(), r.TestedAt
	out.Body.ErrorKind, out.Body.Details = r.ErrorKind, r.Details
	if out.Body.Details == nil {
		out.Body.Details = map[string]any{}
	}
	return out, nil
}
