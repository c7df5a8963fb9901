package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"ihub/internal/apperr"
	"ihub/internal/webhook"
	"ihub/internal/webhook/verify"
)

// EndpointBody is a webhook endpoint as the API shows it. The secret is
// never shown, except once in SecretOnce when ihub generated it.
type EndpointBody struct {
	ID                      string            `json:"id"`
	IntegrationID           string            `json:"integrationId"`
	Provider                string            `json:"provider" doc:"The integration's provider."`
	Name                    string            `json:"name"`
	URL                     string            `json:"url" doc:"The ingress URL to paste into the provider."`
	IsDefault               bool              `json:"isDefault" doc:"The endpoint /api/v1/integrations/hooks/{integrationId} resolves to."`
	Scheme                  string            `json:"scheme" doc:"Verification scheme."`
	Settings                map[string]string `json:"settings"`
	EventTypes              []string          `json:"eventTypes" doc:"Accepted provider event types; empty accepts all."`
	AllowedCIDRs            []string          `json:"allowedCidrs" doc:"Accepted source addresses; empty accepts any."`
	ToleranceSeconds        int64             `json:"toleranceSeconds"`
	MaxBodyBytes            int64             `json:"maxBodyBytes"`
	IsActive                bool              `json:"isActive"`
	HasSecret               bool              `json:"hasSecret"`
	SecretUpdatedAt         *time.Time        `json:"secretUpdatedAt,omitempty"`
	PreviousSecretExpiresAt *time.Time        `json:"previousSecretExpiresAt,omitempty" doc:"Until when the secret before the last change is still accepted."`
	SecretOnce              string            `json:"secret,omitempty" doc:"The generated secret, shown only in the answer that created it."`
	Version                 int64             `json:"version"`
	CreatedAt               time.Time         `json:"createdAt"`
	UpdatedAt               time.Time         `json:"updatedAt"`
}

func (s *Server) endpointBody(ep webhook.Endpoint) EndpointBody {
	b := EndpointBody{ID: ep.ID, IntegrationID: ep.IntegrationID, Provider: ep.Provider, Name: ep.Name, URL: s.d.Webhooks.URL(ep.ID),
		IsDefault: ep.IsDefault, Scheme: ep.Scheme, Settings: ep.Settings, EventTypes: ep.EventTypes,
		AllowedCIDRs: ep.AllowedCIDRs, ToleranceSeconds: int64(ep.Tolerance / time.Second), MaxBodyBytes: ep.MaxBodyBytes,
		IsActive: ep.IsActive, HasSecret: ep.HasSecret, SecretUpdatedAt: ep.SecretUpdatedAt,
		PreviousSecretExpiresAt: ep.PreviousSecretExpiresAt, Version: ep.Version, CreatedAt: ep.CreatedAt, UpdatedAt: ep.UpdatedAt}
	if exp := b.PreviousSecretExpiresAt; exp != nil && !time.Now().Before(*exp) {
		b.PreviousSecretExpiresAt = nil // the grace period is over: no previous secret is accepted
	}
	if b.Settings == nil {
		b.Settings = map[string]string{}
	}
	if b.EventTypes == nil {
		b.EventTypes = []string{}
	}
	if b.AllowedCIDRs == nil {
		b.AllowedCIDRs = []string{}
	}
	return b
}

// EndpointInputBody creates or patches an endpoint.
type EndpointInputBody struct {
	Name             *string           `json:"name,omitempty" maxLength:"200"`
	IsDefault        *bool             `json:"isDefault,omitempty"`
	Scheme           *string           `json:"scheme,omitempty" doc:"Verification scheme; default: the provider's."`
	Settings         map[string]string `json:"settings,omitempty" doc:"Scheme options: algorithm, header, encoding, prefix, signed, timestampHeader, deliveryIdHeader (hmac); headerName (header_token); param (query_token, default \"token\"); field (body_token, default \"token\"); username (basic_auth); legacy (github, didit: \"true\" accepts their older signature). Settings of another scheme are refused."`
	EventTypes       []string          `json:"eventTypes,omitempty" maxItems:"100"`
	AllowedCIDRs     []string          `json:"allowedCidrs,omitempty" maxItems:"100"`
	ToleranceSeconds *int              `json:"toleranceSeconds,omitempty" minimum:"1" maximum:"86400"`
	MaxBodyBytes     *int64            `json:"maxBodyBytes,omitempty" minimum:"1024" maximum:"33554432"`
	IsActive         *bool             `json:"isActive,omitempty"`
	Secret           *string           `json:"secret,omitempty" minLength:"1" maxLength:"1024" doc:"Set the secret yourself (as the provider shows or lets you choose it), taken as it is; where you choose it, make it long and random."`
	GenerateSecret   bool              `json:"generateSecret,omitempty" doc:"Generate a new secret; it is in the answer once. The previous one stays valid for graceHours."`
	GraceHours       *int              `json:"graceHours,omitempty" minimum:"0" maximum:"720" doc:"How long the previous secret stays valid after a change (default 24). Alone in a PATCH: the running grace period ends that many hours from now (0: at once)."`
}

func (b EndpointInputBody) input() webhook.EndpointInput {
	return webhook.EndpointInput{Name: b.Name, IsDefault: b.IsDefault, Scheme: b.Scheme, Settings: b.Settings,
		EventTypes: b.EventTypes, AllowedCIDRs: b.AllowedCIDRs, ToleranceSeconds: b.ToleranceSeconds,
		MaxBodyBytes: b.MaxBodyBytes, IsActive: b.IsActive, Secret: b.Secret, GenerateSecret: b.GenerateSecret,
		GraceHours: b.GraceHours}
}

type createEndpointInput struct {
	ID string `path:"id" maxLength:"64" doc:"Integration id or slug."`
	// Body may be left out: an endpoint with the provider's defaults, as {}.
	Body *EndpointInputBody `required:"false"`
}

type endpointOutput struct {
	ETag string `header:"ETag"`
	Body EndpointBody
}

func (s *Server) createEndpoint(ctx context.Context, in *createEndpointInput) (*endpointOutput, error) {
	body := in.Body
	if body == nil {
		body = &EndpointInputBody{}
	}
	ep, secret, err := s.d.Webhooks.CreateEndpoint(ctx, actor(ctx), in.ID, body.input())
	if err != nil {
		return nil, err
	}
	b := s.endpointBody(ep)
	b.SecretOnce = secret
	return &endpointOutput{ETag: etag(ep.Version), Body: b}, nil
}

type listEndpointsOutput struct {
	Body struct {
		Endpoints []EndpointBody `json:"endpoints"`
	}
}

func (s *Server) listIntegrationEndpoints(ctx context.Context, in *integrationIDInput) (*listEndpointsOutput, error) {
	return s.listEndpoints(ctx, in.ID)
}

type allEndpointsInput struct {
	Integration string `query:"integration" maxLength:"64" doc:"Only this integration's endpoints (id or slug)."`
	Provider    string `query:"provider" maxLength:"64" doc:"Only endpoints of this provider's integrations (a provider id such as github)."`
	Scheme      string `query:"scheme" maxLength:"64" doc:"Only endpoints verified with this scheme."`
	Active      string `query:"active" enum:"true,false" doc:"Only active (true) or inactive (false) endpoints."`
}

func (s *Server) listAllEndpoints(ctx context.Context, in *allEndpointsInput) (*listEndpointsOutput, error) {
	var bad []apperr.FieldError
	if _, ok := s.d.Registry.Get(in.Provider); in.Provider != "" && !ok {
		bad = append(bad, apperr.FieldError{Field: "query.provider", Message: "is not a known provider id"})
	}
	if in.Scheme != "" && !slices.Contains(verify.Schemes(), in.Scheme) {
		bad = append(bad, apperr.FieldError{Field: "query.scheme", Message: "must be one of " + strings.Join(verify.Schemes(), ", ")})
	}
	if len(bad) > 0 {
		return nil, apperr.InvalidFields("bad filter", bad...)
	}
	out, err := s.listEndpoints(ctx, in.Integration)
	if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound && in.Integration != "" {
		// A filter naming no integration is a bad filter, as an unknown
		// provider or scheme is, not a missing resource.
		return nil, apperr.InvalidFields("bad filter", apperr.FieldError{Field: "query.integration", Message: "names no integration (give an id or a slug)"})
	}
	if err != nil {
		return nil, err
	}
	out.Body.Endpoints = slices.DeleteFunc(out.Body.Endpoints, func(b EndpointBody) bool {
		return (in.Provider != "" && b.Provider != in.Provider) || (in.Scheme != "" && b.Scheme != in.Scheme) ||
			(in.Active != "" && b.IsActive != (in.Active == "true"))
	})
	return out, nil
}

func (s *Server) listEndpoints(ctx context.Context, integration string) (*listEndpointsOutput, error) {
	eps, err := s.d.Webhooks.Endpoints(ctx, integration)
	if err != nil {
		return nil, err
	}
	out := &listEndpointsOutput{}
	out.Body.Endpoints = []EndpointBody{}
	for _, ep := range eps {
		out.Body.Endpoints = append(out.Body.Endpoints, s.endpointBody(ep))
	}
	return out, nil
}

type endpointIDInput struct {
	ID string `path:"id" maxLength:"64" doc:"Webhook endpoint id."`
}

func (s *Server) getEndpoint(ctx context.Context, in *endpointIDInput) (*endpointOutput, error) {
	ep, err := s.d.Webhooks.Endpoint(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &endpointOutput{ETag: etag(ep.Version), Body: s.endpointBody(ep)}, nil
}

type updateEndpointInput struct {
	ID      string `path:"id" maxLength:"64" doc:"Webhook endpoint id."`
	IfMatch string `header:"If-Match" maxLength:"100" doc:"The ETag you read; the update fails with 412 if the endpoint changed since."`
	Body    EndpointInputBody
}

func (s *Server) updateEndpoint(ctx context.Context, in *updateEndpointInput) (*endpointOutput, error) {
	check, err := versionCheck(in.IfMatch)
	if err != nil {
		return nil, err
	}
	ep, secret, err := s.d.Webhooks.UpdateEndpoint(ctx, actor(ctx), in.ID, in.Body.input(), check)
	if err != nil {
		return nil, err
	}
	b := s.endpointBody(ep)
	b.SecretOnce = secret
	return &endpointOutput{ETag: etag(ep.Version), Body: b}, nil
}

type integrationEndpointInput struct {
	ID         string `path:"id" maxLength:"64" doc:"Integration id or slug."`
	EndpointID string `path:"endpointId" maxLength:"64" doc:"Webhook endpoint id."`
}

// endpointOf checks that the endpoint belongs to the integration.
func (s *Server) endpointOf(ctx context.Context, integration, endpointID string) error {
	eps, err := s.d.Webhooks.Endpoints(ctx, integration)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		if ep.ID == endpointID {
			return nil
		}
	}
	return apperr.E(apperr.NotFound, "this integration has no such webhook endpoint")
}

type updateIntegrationEndpointInput struct {
	ID         string `path:"id" maxLength:"64" doc:"Integration id or slug."`
	EndpointID string `path:"endpointId" maxLength:"64" doc:"Webhook endpoint id."`
	IfMatch    string `header:"If-Match" maxLength:"100" doc:"The ETag you read; the update fails with 412 if the endpoint changed since."`
	Body       EndpointInputBody
}

func (s *Server) updateIntegrationEndpoint(ctx context.Context, in *updateIntegrationEndpointInput) (*endpointOutput, error) {
	if err := s.endpointOf(ctx, in.ID, in.EndpointID); err != nil {
		return nil, err
	}
	return s.updateEndpoint(ctx, &updateEndpointInput{ID: in.EndpointID, IfMatch: in.IfMatch, Body: in.Body})
}

func (s *Server) getIntegrationEndpoint(ctx context.Context, in *integrationEndpointInput) (*endpointOutput, error) {
	if err := s.endpointOf(ctx, in.ID, in.EndpointID); err != nil {
		return nil, err
	}
	return s.getEndpoint(ctx, &endpointIDInput{ID: in.EndpointID})
}

func (s *Server) deleteIntegrationEndpoint(ctx context.Context, in *integrationEndpointInput) (*struct{}, error) {
	if err := s.endpointOf(ctx, in.ID, in.EndpointID); err != nil {
		return nil, err
	}
	return s.deleteEndpoint(ctx, &endpointIDInput{ID: in.EndpointID})
}

func (s *Server) deleteEndpoint(ctx context.Context, in *endpointIDInput) (*struct{}, error) {
	return nil, s.d.Webhooks.DeleteEndpoint(ctx, actor(ctx), in.ID)
}

// DeliveryBody is one delivery in the logs.
type DeliveryBody struct {
	ID                 int64               `json:"id"`
	EndpointID         string              `json:"endpointId"`
	IntegrationID      string              `json:"integrationId"`
	ReceivedAt         time.Time           `json:"receivedAt"`
	Status             string              `json:"status" enum:"pending,processed,failed,duplicate,rejected"`
	ProviderDeliveryID string              `json:"providerDeliveryId,omitempty"`
	EventType          string              `json:"eventType,omitempty"`
	Headers            map[string][]string `json:"headers" doc:"As received, with credentials (Authorization, Cookie, X-Gitlab-Token, X-Api-Key, the endpoint's token header) replaced by [REDACTED]; signatures are kept."`
	Payload            string              `json:"payload,omitempty" doc:"The raw body: UTF-8 text as is, otherwise base64 with payloadEncoding base64. A body_token endpoint's token is replaced by \"[redacted]\"."`
	PayloadEncoding    string              `json:"payloadEncoding,omitempty" enum:"text,base64"`
	PayloadSize        int64               `json:"payloadSize"`
	SourceIP           string              `json:"sourceIp"`
	Error              string              `json:"error,omitempty" doc:"Why it was rejected or failed."`
	Attempts           int64               `json:"attempts"`
	ProcessedAt        *time.Time          `json:"processedAt,omitempty"`
	ProcessingMs       *int64              `json:"processingMs,omitempty"`
	ReplayOf           *int64              `json:"replayOf,omitempty"`
	DuplicateOf        *int64              `json:"duplicateOf,omitempty"`
	Test               bool                `json:"test,omitempty" doc:"Sent by POST …/test: not counted in the endpoint's signals."`
	EventIDs           []string            `json:"eventIds,omitempty" doc:"The events it made, in order (evt_<id>, then evt_<id>_2, … for a delivery that reported several changes; only those its endpoint's eventTypes accepted). Given by GET /api/v1/webhook-deliveries/{id} only, not in the logs."`
}

func deliveryBody(d webhook.Delivery) DeliveryBody {
	b := DeliveryBody{ID: d.ID, EndpointID: d.EndpointID, IntegrationID: d.IntegrationID, ReceivedAt: d.ReceivedAt,
		Status: d.Status, ProviderDeliveryID: d.ProviderDeliveryID, EventType: d.EventType, Headers: d.Header,
		PayloadSize: d.PayloadSize, SourceIP: d.SourceIP, Error: d.Reason, Attempts: d.Attempts, ProcessedAt: d.ProcessedAt,
		ProcessingMs: d.ProcessingMs, ReplayOf: d.ReplayOf, DuplicateOf: d.DuplicateOf, Test: d.Test, EventIDs: d.EventIDs}
	if b.Headers == nil {
		b.Headers = map[string][]string{}
	}
	if d.Payload != nil {
		if isText(d.Payload) {
			b.Payload, b.PayloadEncoding = string(d.Payload), "text"
		} else {
			b.Payload, b.PayloadEncoding = base64.StdEncoding.EncodeToString(d.Payload), "base64"
		}
	}
	return b
}

func isText(b []byte) bool {
	s := string(b)
	return strings.ToValidUTF8(s, "\ufffd") == s && !strings.ContainsRune(s, 0)
}

type logsInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Webhook endpoint id."`
	Status string `query:"status" enum:"pending,processed,failed,duplicate,rejected" doc:"Only deliveries with this status."`
	Before int64  `query:"before" minimum:"1" doc:"Only deliveries older than this delivery id: the nextBefore of the previous page. Pages counted from there; the fast way through long logs."`
	Page   int    `query:"page" minimum:"1" maximum:"10000" default:"1"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type logsOutput struct {
	Body struct {
		Deliveries []DeliveryBody `json:"deliveries"`
		Page       int            `json:"page"`
		Limit      int            `json:"limit"`
		HasMore    bool           `json:"hasMore" doc:"Older deliveries match beyond this page."`
		NextBefore int64          `json:"nextBefore,omitempty" doc:"With hasMore: the before cursor of the next page."`
	}
}

// loggedEndpoint checks that id names an endpoint whose logs can be read:
// an existing one, or a deleted one whose deliveries retention has not
// removed yet (they stay in the logs, as DELETE says).
func (s *Server) loggedEndpoint(ctx context.Context, id string) error {
	_, err := s.d.Webhooks.Endpoint(ctx, id)
	if ae, ok := apperr.As(err); !ok || ae.Kind != apperr.NotFound {
		return err
	}
	ds, lerr := s.d.Webhooks.Deliveries(ctx, webhook.DeliveryFilter{EndpointID: id, Limit: 1, Summary: true})
	if lerr != nil {
		return lerr
	}
	if len(ds) == 0 {
		return err
	}
	return nil
}

type deliveryInput struct {
	ID int64 `path:"id" minimum:"1" maximum:"9007199254740991" doc:"Delivery id: an event's deliveryId, or a log entry's id."`
}

type deliveryOutput struct {
	Body DeliveryBody
}

// webhookDelivery is the raw delivery an event links to (its deliveryId),
// as a log entry; readable as the endpoints' logs are.
func (s *Server) webhookDelivery(ctx context.Context, in *deliveryInput) (*deliveryOutput, error) {
	d, err := s.d.Webhooks.Delivery(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &deliveryOutput{Body: deliveryBody(d)}, nil
}

func (s *Server) webhookLogs(ctx context.Context, in *logsInput) (*logsOutput, error) {
	if err := s.loggedEndpoint(ctx, in.ID); err != nil {
		return nil, err
	}
	// One page, newest first; one row more tells whether there is a next.
	ds, err := s.d.Webhooks.Deliveries(ctx, webhook.DeliveryFilter{EndpointID: in.ID, Status: in.Status, BeforeID: in.Before,
		Offset: (in.Page - 1) * in.Limit, Limit: in.Limit + 1})
	if err != nil {
		return nil, err
	}
	out := &logsOutput{}
	out.Body.Page, out.Body.Limit, out.Body.Deliveries = in.Page, in.Limit, []DeliveryBody{}
	if len(ds) > in.Limit {
		ds = ds[:in.Limit]
		out.Body.HasMore, out.Body.NextBefore = true, ds[len(ds)-1].ID
	}
	for _, d := range ds {
		out.Body.Deliveries = append(out.Body.Deliveries, deliveryBody(d))
	}
	return out, nil
}

type replayInput struct {
	ID   string `path:"id" maxLength:"64" doc:"Webhook endpoint id."`
	Body struct {
		DeliveryID int64      `json:"deliveryId,omitempty" minimum:"1" maximum:"9007199254740991" doc:"One delivery to replay."`
		Since      *time.Time `json:"since,omitempty" doc:"Replay every delivery received from this time (with until and status)."`
		Until      *time.Time `json:"until,omitempty" doc:"… and before this time."`
		Status     string     `json:"status,omitempty" enum:"processed,failed,pending" doc:"Only deliveries with this status."`
		AfterID    int64      `json:"afterId,omitempty" minimum:"0" maximum:"9007199254740991" doc:"Only originals after this delivery id: the nextAfterId of a replay that reached its limit (0, the default: from the first)."`
		Limit      int        `json:"limit,omitempty" minimum:"1" maximum:"1000" doc:"At most this many (default 1000)."`
	}
}

type replayOutput struct {
	Body struct {
		DeliveryID  int64   `json:"deliveryId,omitempty" doc:"The new delivery (one-delivery replay), with replayOf set."`
		Status      string  `json:"status,omitempty"`
		Replayed    int     `json:"replayed" doc:"How many deliveries were replayed."`
		Deliveries  []int64 `json:"deliveries" doc:"The new deliveries."`
		Originals   []int64 `json:"originals" doc:"The deliveries they copy, in the same order (oldest first)."`
		NextAfterID int64   `json:"nextAfterId,omitempty" doc:"Set when more deliveries matched than the limit: give it as afterId, with the same filter, to replay the rest."`
	}
}

func (s *Server) replayDelivery(ctx context.Context, in *replayInput) (*replayOutput, error) {
	b := in.Body
	bulk := b.Since != nil || b.Until != nil || b.Status != "" || b.Limit != 0 || b.AfterID != 0
	switch {
	case b.DeliveryID != 0 && bulk:
		return nil, apperr.InvalidFields("the replay is not valid", apperr.FieldError{Field: "body.deliveryId",
			Message: "give one delivery, or a filter (since, until, status, afterId, limit), not both"})
	case b.DeliveryID == 0 && !bulk:
		return nil, apperr.InvalidFields("the replay is not valid", apperr.FieldError{Field: "body.deliveryId",
			Message: "give a delivery id, or a filter (since, until, status, afterId, limit)"})
	}
	var since, until time.Time
	for _, t := range []struct {
		field string
		at    *time.Time
	}{{"body.since", b.Since}, {"body.until", b.Until}} {
		if t.at != nil && t.at.Before(epoch) {
			return nil, apperr.InvalidFields("bad time range", apperr.FieldError{Field: t.field, Message: tooEarly})
		}
	}
	if b.Since != nil {
		since = *b.Since
	}
	if b.Until != nil {
		until = *b.Until
	}
	if err := checkRange("body", since, until); err != nil {
		return nil, err
	}
	out := &replayOutput{}
	out.Body.Deliveries = []int64{}
	if !bulk {
		o, err := s.d.Webhooks.Replay(ctx, actor(ctx), in.ID, b.DeliveryID)
		if err != nil {
			return nil, err
		}
		out.Body.DeliveryID, out.Body.Status, out.Body.Replayed = o.DeliveryID, o.Status, 1
		out.Body.Deliveries, out.Body.Originals = append(out.Body.Deliveries, o.DeliveryID), []int64{b.DeliveryID}
		return out, nil
	}
	res, err := s.d.Webhooks.ReplayMany(ctx, actor(ctx), in.ID, webhook.ReplayFilter{Status: b.Status, Since: b.Since,
		Until: b.Until, AfterID: b.AfterID, Limit: b.Limit})
	if err != nil {
		return nil, err
	}
	out.Body.Deliveries, out.Body.Originals, out.Body.NextAfterID = res.Replays, res.Originals, res.NextAfterID
	out.Body.Replayed = len(res.Replays)
	return out, nil
}

// logsCSVOutput is a CSV answer that may be one page of several.
type logsCSVOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	NextBefore         string `header:"X-Next-Before" doc:"Set when more deliveries matched than the limit: the before of the next export."`
	Body               func(huma.Context)
}

type logsCSVInput struct {
	ID     string    `path:"id" maxLength:"64" doc:"Webhook endpoint id."`
	Status string    `query:"status" enum:"pending,processed,failed,duplicate,rejected" doc:"Only deliveries with this status."`
	Limit  int       `query:"limit" minimum:"1" maximum:"100000" default:"10000" doc:"At most this many rows, newest first."`
	Before int64     `query:"before" minimum:"1" doc:"Only deliveries older than this delivery id: the X-Next-Before of the previous export."`
	Since  time.Time `query:"since" doc:"Received at or after (RFC 3339)."`
	Until  time.Time `query:"until" doc:"Received before (RFC 3339)."`
}

// exportWebhookLogs streams an endpoint's deliveries as CSV (no payloads;
// cells are made formula-safe).
func (s *Server) exportWebhookLogs(ctx context.Context, in *logsCSVInput) (*logsCSVOutput, error) {
	if err := checkRange("query", in.Since, in.Until); err != nil {
		return nil, err
	}
	if err := s.loggedEndpoint(ctx, in.ID); err != nil {
		return nil, err
	}
	f := webhook.DeliveryFilter{EndpointID: in.ID, Status: in.Status, BeforeID: in.Before, Limit: min(in.Limit, 1000), Summary: true}
	if !in.Since.IsZero() {
		f.Since = &in.Since
	}
	if !in.Until.IsZero() {
		f.Until = &in.Until
	}
	first, err := s.d.Webhooks.Deliveries(ctx, f)
	if err != nil {
		return nil, err
	}
	// Whether the limit cuts the export (only possible when the first page
	// is full): the last row it holds and one more, counted from the first
	// row (newer deliveries arriving meanwhile are not in it), as the
	// headers go before the streamed rows.
	var last []webhook.Delivery
	if len(first) == f.Limit {
		edge := f
		edge.BeforeID, edge.Offset, edge.Limit = first[0].ID+1, in.Limit-1, 2
		if last, err = s.d.Webhooks.Deliveries(ctx, edge); err != nil {
			return nil, err
		}
	}
	remaining := in.Limit
	body := func(hctx huma.Context) {
		hctx.SetStatus(http.StatusOK)
		w := csv.NewWriter(hctx.BodyWriter())
		_ = w.Write([]string{"id", "received_at", "status", "provider_delivery_id", "event_type", "source_ip", "payload_size",
			"attempts", "processing_ms", "error", "replay_of", "duplicate_of", "test"})
		ds := first
		for {
			for _, d := range ds {
				_ = w.Write([]string{strconv.FormatInt(d.ID, 10), csvTime(d.ReceivedAt), d.Status,
					csvSafe(d.ProviderDeliveryID), csvSafe(d.EventType), d.SourceIP, strconv.FormatInt(d.PayloadSize, 10),
					strconv.FormatInt(d.Attempts, 10), optInt(d.ProcessingMs), csvSafe(d.Reason), optInt(d.ReplayOf), optInt(d.DuplicateOf), strconv.FormatBool(d.Test)})
			}
			remaining -= len(ds)
			if len(ds) < f.Limit || remaining <= 0 {
				break
			}
			w.Flush()
			f.BeforeID, f.Limit = ds[len(ds)-1].ID, min(remaining, 1000)
			if ds, err = s.d.Webhooks.Deliveries(ctx, f); err != nil {
				exportEnded(ctx, "webhook log", err)
				break
			}
		}
		w.Flush()
	}
	out := &logsCSVOutput{ContentType: "text/csv; charset=utf-8",
		ContentDisposition: `attachment; filename="ihub-webhooks-` + in.ID + `.csv"`, Body: body}
	if len(last) == 2 {
		out.NextBefore = strconv.FormatInt(last[0].ID, 10)
	}
	return out, nil
}

// checkRange refuses a time range (zero: open) that can hold no delivery:
// one that ends before it starts, or starts in the future. Either is a
// mistake (a swapped pair, a local time written as UTC) better named than
// answered with nothing.
func checkRange(in string, since, until time.Time) error {
	switch {
	case !since.IsZero() && !until.IsZero() && !until.After(since):
		return apperr.InvalidFields("bad time range", apperr.FieldError{Field: in + ".until", Message: "must be after since"})
	case since.After(time.Now()):
		return apperr.InvalidFields("bad time range", apperr.FieldError{Field: in + ".since", Message: "is in the future"})
	}
	return nil
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

type signalsOutput struct {
	Body struct {
		WindowHours    int        `json:"windowHours"`
		Accepted       int64      `json:"accepted"`
		Rejected       int64      `json:"rejected"`
		Failed         int64      `json:"failed"`
		FailureRate    float64    `json:"failureRate"`
		LastAcceptedAt *time.Time `json:"lastAcceptedAt,omitempty"`
		SilentSeconds  *int64     `json:"silentSeconds,omitempty" doc:"Time since the last accepted delivery."`
	}
}

func (s *Server) webhookSignals(ctx context.Context, in *endpointIDInput) (*signalsOutput, error) {
	sig, err := s.d.Webhooks.Signals(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &signalsOutput{}
	out.Body.WindowHours, out.Body.Accepted, out.Body.Rejected, out.Body.Failed = int(sig.Window/time.Hour), sig.Accepted, sig.Rejected, sig.Failed
	out.Body.FailureRate, out.Body.LastAcceptedAt = sig.FailureRate, sig.LastAcceptedAt
	if sig.LastAcceptedAt != nil {
		secs := int64(time.Since(*sig.LastAcceptedAt) / time.Second)
		out.Body.SilentSeconds = &secs
	}
	return out, nil
}

// EventBody is a normalized event.
type EventBody struct {
	Cursor        int64          `json:"cursor" doc:"Pass as after= to read the events that follow."`
	ID            string         `json:"id" doc:"evt_<deliveryId> for the first change its delivery reports, evt_<deliveryId>_2, evt_<deliveryId>_3, … for the others (a Bitbucket push of a branch and a tag, a Zoho Desk batch): the webhook-id subscribers receive."`
	Type          string         `json:"type"`
	Source        string         `json:"source" doc:"The provider."`
	IntegrationID string         `json:"integrationId"`
	OccurredAt    time.Time      `json:"occurredAt"`
	ReceivedAt    time.Time      `json:"receivedAt"`
	Subject       string         `json:"subject"`
	Data          map[string]any `json:"data"`
	DeliveryID    int64          `json:"deliveryId" doc:"The raw delivery (see the endpoint's logs); the events of one delivery share it."`
	Test          bool           `json:"test" doc:"True for the event of a test send (POST /api/v1/integrations/webhooks/{id}/test): not a provider's."`
	ReplayOf      string         `json:"replayOf,omitempty" doc:"On a replay's event: the id of the event it replays (not sent if its delivery failed processing)."`
}

type eventsInput struct {
	After         int64    `query:"after" minimum:"0" doc:"Cursor: return events after this one (0 = from the oldest kept). One past every event ever given is refused (422)."`
	Limit         int      `query:"limit" minimum:"1" maximum:"1000" default:"100"`
	Wait          int      `query:"wait" minimum:"0" maximum:"60" default:"0" doc:"Long-poll: wait up to this many seconds for a new event when there is none (with a filter: none that matches)."`
	Types         []string `query:"types,explode" nullable:"false" doc:"Only events of these types: an event type (code.push) or a family (code.* is code.push, code.tag.created, …), as a subscription's eventTypes. Comma-separated, repeated, or both; up to 100, none empty."`
	IntegrationID []string `query:"integrationId,explode" nullable:"false" doc:"Only events of these integrations (ids or slugs; each must exist). Comma-separated, repeated, or both; up to 100, none empty."`
}

// Resolve reads the entries of types and integrationId from every
// occurrence, comma-separated or not. Huma reads a list parameter only
// when its first occurrence has a value: ?types=&types=x would have
// listed every event, as if unfiltered. An empty entry is refused.
func (in *eventsInput) Resolve(ctx huma.Context) []error {
	u := ctx.URL()
	q := u.Query()
	in.Types, in.IntegrationID = listParam(q["types"]), listParam(q["integrationId"])
	return nil
}

type eventsOutput struct {
	Body struct {
		Events        []EventBody `json:"events"`
		Next          int64       `json:"next" doc:"The cursor to continue from."`
		PurgedThrough int64       `json:"purgedThrough,omitempty" doc:"Present when retention removed events after the cursor given before they were read: the largest cursor it removed. Those events are lost to this consumer; the answer goes on from the oldest kept."`
	}
}

func (s *Server) listEvents(ctx context.Context, in *eventsInput) (*eventsOutput, error) {
	deadline := time.Now().Add(time.Duration(in.Wait) * time.Second)
	filter, err := s.d.Webhooks.PullFilter(ctx, in.Types, in.IntegrationID)
	if err != nil {
		return nil, err
	}
	after := in.After
	for {
		committed := s.d.Webhooks.Committed() // before reading: a commit meanwhile wakes the wait
		page, err := s.d.Webhooks.EventsMatching(ctx, after, in.Limit, filter)
		if err != nil {
			return nil, err
		}
		draining := false
		select {
		case <-s.draining:
			draining = true
		default:
		}
		if len(page.Events) > 0 || draining || !time.Now().Before(deadline) {
			out := &eventsOutput{}
			// Read after the events, so that no removal is left unsaid
			// (one made meanwhile may name some this page holds).
			purged, err := s.d.Webhooks.PurgedAfter(ctx, in.After)
			if err != nil {
				return nil, err
			}
			out.Body.Events, out.Body.Next, out.Body.PurgedThrough = make([]EventBody, 0, len(page.Events)), page.Next, purged
			for _, ev := range page.Events {
				out.Body.Events = append(out.Body.Events, EventBody(webhook.Envelope(ev))) // the same fields, with docs
			}
			return out, nil
		}
		// Whatever the filter skipped is not read again.
		if after = page.Next; page.More {
			continue // a backlog the filter skips, read on at once
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.draining: // answer with what there is, then shut down
		case <-committed: // events stored on this replica
		case <-time.After(250 * time.Millisecond): // and by the others
		}
	}
}

// listParam is the values of a list query parameter, given
// comma-separated, repeated, or both.
func listParam(values []string) []string {
	var out []string
	for _, v := range values {
		out = append(out, strings.Split(v, ",")...)
	}
	return out
}

// ingest serves POST /api/v1/hooks/{endpointId} and the seed's
// POST /api/v1/integrations/hooks/{integrationId}: no ihub authentication —
// the provider's signature is the authentication.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request, key string, byIntegration bool) {
	ctx := r.Context()
	fail := func(err error) { writeProblem(w, r, toProblem(ctx, http.StatusInternalServerError, "ingest", err)) }
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		w.Header().Set("Allow", "POST, PUT")
		writeProblem(w, r, newProblem(http.StatusMethodNotAllowed, "webhooks are delivered with POST", requestID(ctx)))
		return
	}
	t, err := s.d.Webhooks.Resolve(ctx, key, byIntegration)
	if err != nil {
		fail(err)
		return
	}
	ip, _ := netip.ParseAddr(s.clientIP(r))
	if !t.Allowed(ip) {
		fail(apperr.E(apperr.Forbidden, "this address may not deliver to this endpoint"))
		return
	}
	tooLarge := func() {
		drainRefused(w, r)
		fail(apperr.E(apperr.TooLarge, "the body is larger than this endpoint accepts (%d bytes)", t.MaxBody()))
	}
	if r.ContentLength > t.MaxBody() {
		tooLarge()
		return
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, t.MaxBody()), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge()
			return
		}
		fail(apperr.E(apperr.Invalid, "the body could not be read"))
		return
	}
	out, err := s.d.Webhooks.Ingest(ctx, t, webhook.Request{Method: r.Method, URL: s.publicRequestURL(r),
		Header: r.Header, Body: body, SourceIP: ip})
	var ve *verify.Error
	switch {
	case errors.As(err, &ve):
		w.Header().Set("WWW-Authenticate", webhookChallenge(t.Scheme()))
		writeProblem(w, r, newProblem(http.StatusUnauthorized, "webhook rejected: "+ve.Reason, requestID(ctx)))
		return
	case err != nil:
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.TooManyRequests {
			w.Header().Set("Retry-After", "3")
		}
		fail(err)
		return
	}
	w.Header().Set("X-Ihub-Delivery-Id", strconv.FormatInt(out.DeliveryID, 10))
	if out.ReplyStatus != 0 {
		// The provider's own handshake (Slack's challenge, Discord's
		// interaction responses), stored like any delivery.
		if out.ReplyBody != nil {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(out.ReplyStatus)
		_, _ = w.Write(out.ReplyBody)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	status, word := http.StatusOK, out.Status
	if out.Status == webhook.StatusPending || out.Status == webhook.StatusProcessed {
		status, word = http.StatusAccepted, "accepted"
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"deliveryId":`+strconv.FormatInt(out.DeliveryID, 10)+`,"status":"`+word+`"}`)
}

// webhookChallenge is the WWW-Authenticate of a rejected delivery. A
// basic_auth endpoint asks for Basic credentials: HTTP clients that send
// them only when challenged (Python's HTTPBasicAuthHandler, Java's
// Authenticator, .NET's NetworkCredential) would otherwise never send the
// user name and secret the sender was configured with. The other schemes
// have no standard challenge; theirs names none a client would answer.
func webhookChallenge(scheme string) string {
	if scheme == verify.SchemeBasicAuth {
		return `Basic realm="ihub webhooks", charset="UTF-8"`
	}
	return `Signature realm="ihub webhooks"`
}

// drainMax bounds what is read and discarded of a refused body.
const drainMax = 16 << 20

// drainRefused reads and discards up to drainMax more of a refused body
// (for at most 10 s) before the answer, which closes the connection: most
// clients send the whole body before reading the answer, and a connection
// closed on unread data resets theirs, so they would see an error instead
// of the 413.
func drainRefused(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.CopyN(io.Discard, r.Body, drainMax)
}

// preSizeMax bounds the buffer readBody sizes from Content-Length alone.
const preSizeMax = 64 << 10

// readBody reads a request body whose announced length (already checked
// against the cap) sizes the buffer: one allocation instead of io.ReadAll's
// growing series for a typical webhook.
func readBody(body io.Reader, length int64) ([]byte, error) {
	if length <= 0 {
		return io.ReadAll(body)
	}
	// One byte more than announced, to see the end without growing the
	// buffer; net/http never gives more than Content-Length, but a body
	// that did would still be read whole (and capped) by io.ReadAll. The
	// announcement is the client's: beyond preSizeMax the buffer grows
	// with what actually arrives, so that idle connections announcing the
	// cap do not each hold that much memory.
	buf := make([]byte, min(length+1, preSizeMax))
	n, err := io.ReadFull(body, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return buf[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(body)
	return append(buf, rest...), err
}

// publicRequestURL rebuilds the URL the provider called from the public
// URL (Twilio signs it), not from the listener's address.
func (s *Server) publicRequestURL(r *http.Request) string {
	u := strings.TrimSuffix(s.d.PublicURL, "/") + r.URL.EscapedPath()
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// integrationSubtree serves the plain-handler routes below an integration:
// the proxy (/integrations/{id}/proxy/…) and the seed's ingress form
// (/integrations/hooks/{integrationId}). They share one mux pattern because
// separate ones would conflict with the API's own routes.
func (s *Server) integrationSubtree(w http.ResponseWriter, r *http.Request) {
	id, rest := r.PathValue("id"), r.PathValue("rest")
	switch {
	case id == "hooks" && rest != "" && !strings.Contains(rest, "/"):
		r.Pattern = seedIngressRoute // the metrics' and log's route
		s.ingest(w, r, rest, true)
	case strings.HasPrefix(rest, "proxy/"):
		r.Pattern = proxyRoute
		r.SetPathValue("path", strings.TrimPrefix(rest, "proxy/"))
		s.proxy(w, r)
	default:
		s.mux.noRoute(w, r)
	}
}

// The routes of the integration subtree, as metrics and the request log
// name them (any method: the method is its own label).
const (
	seedIngressRoute = "/api/v1/integrations/hooks/{id}"
	proxyRoute       = "/api/v1/integrations/{id}/proxy/{path...}"
)

// documentIngest adds the ingress routes to the OpenAPI document: POST,
// and PUT for the few senders that use it.
func (s *Server) documentIngest() {
	for _, p := range []struct{ id, path, param, desc string }{
		{"ingestWebhook", "/api/v1/hooks/{id}", "Webhook endpoint id.", "The ingress URL of a webhook endpoint."},
		{"ingestWebhookByIntegration", "/api/v1/integrations/hooks/{id}", "Integration id.", "The seed's form: resolves to the integration's default endpoint."},
	} {
		for _, method := range []string{http.MethodPost, http.MethodPut} {
			id, desc := p.id, p.desc
			if method == http.MethodPut {
				id, desc = id+"WithPut", desc+" The same as POST, for senders that use PUT."
			}
			s.api.OpenAPI().AddOperation(&huma.Operation{
				OperationID: id, Method: method, Path: p.path, Tags: []string{"Webhooks"},
				Summary: "Receive a provider's webhook",
				Description: desc + " No ihub authentication: the provider's signature (the endpoint's scheme) is checked on the raw body, " +
					"in constant time. The delivery is stored durably before the answer: 202 accepted, 200 duplicate (or an event type the " +
					"endpoint ignores), 401 rejected (signature, timestamp or token; recorded without payload), 403 source not allowed, " +
					"404 unknown or inactive endpoint, 413 body too large, 429 too many rejected deliveries from this address. " +
					"Providers that expect their own answer get it instead of the 202/200 (Slack's URL verification: 200 with the " +
					"challenge; Discord interactions: 200 with an interaction response; Discord event webhooks: 204).",
				Metadata: map[string]any{"access": accessPublic},
				Parameters: []*huma.Param{{Name: "id", In: "path", Required: true, Description: p.param,
					Schema: &huma.Schema{Type: huma.TypeString}}},
				RequestBody: &huma.RequestBody{Description: "The provider's payload, as it sends it.", Content: map[string]*huma.MediaType{"*/*": {}}},
				Responses: map[string]*huma.Response{
					"202": {Description: "Accepted and stored."},
					"200": {Description: "A duplicate, or an event type the endpoint does not accept; stored as such. Also a provider's handshake answer."},
					"204": {Description: "Accepted and stored (Discord event webhooks)."},
					"401": {Description: "Rejected.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
					"403": {Description: "The source address may not deliver to this endpoint.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
					"404": {Description: "No such active endpoint.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
					"405": {Description: "A method other than POST or PUT (the answer's Allow says so).", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
					"413": {Description: "Body too large.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
					"429": {Description: "Too many rejected deliveries from this address; Retry-After says when to try again.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				},
			})
		}
	}
}

// webhookTestInput asks for a signed test delivery.
type webhookTestInput struct {
	ID string `path:"id" maxLength:"64" doc:"Webhook endpoint id."`
	// Body, when given, must be {}: ihub makes the test payload.
	Body *struct{} `required:"false"`
}

type webhookTestOutput struct {
	Body struct {
		DeliveryID int64  `json:"deliveryId,omitempty"`
		Status     string `json:"status" doc:"The stored delivery's status: processed (accepted and normalized) or rejected."`
		Reason     string `json:"reason,omitempty" doc:"Why the signed test was rejected."`
	}
}

// testWebhook sends a signed test payload through the whole ingress path
// (HTTP, verification, storage, processing).
func (s *Server) testWebhook(ctx context.Context, in *webhookTestInput) (*webhookTestOutput, error) {
	res, err := s.d.Webhooks.SendTest(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, err
	}
	out := &webhookTestOutput{}
	out.Body.DeliveryID, out.Body.Status, out.Body.Reason = res.DeliveryID, res.Status, res.Reason
	return out, nil
}
