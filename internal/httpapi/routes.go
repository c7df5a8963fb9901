package httpapi

import (
	"bytes"
	"context"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/auth"
)

// Access levels besides permissions.
const (
	accessPublic        = "public"
	accessAuthenticated = "authenticated"
)

// route registers one operation with the access it needs: accessPublic,
// accessAuthenticated, or an auth.Permission.
func route[I, O any](s *Server, access string, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata["access"] = access
	if access != accessPublic {
		op.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
		op.Description = strings.TrimSpace(op.Description + "\n\nRequires: " + access + ".")
		op.Errors = append(op.Errors, http.StatusUnauthorized)
		if access != accessAuthenticated {
			op.Errors = append(op.Errors, http.StatusForbidden)
		}
	}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = 256 << 10
	}
	// What the middleware and the body decoder answer before the handler
	// runs: every operation refuses a query parameter it does not take
	// (checkQuery), and one that takes a body refuses malformed JSON (400),
	// a body over MaxBodyBytes (413) and another media type (415).
	op.Errors = append(op.Errors, http.StatusUnprocessableEntity)
	if hasBody(reflect.TypeFor[I]()) {
		op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	slices.Sort(op.Errors)
	op.Errors = slices.Compact(op.Errors)
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if ae, ok := apperr.As(err); ok && ae.RetryAfter > 0 {
			// Huma sends the headers of the handler's own error.
			secs := max(int(ae.RetryAfter.Seconds()), 1)
			err = huma.ErrorWithHeaders(err, http.Header{"Retry-After": {strconv.Itoa(secs)}})
		}
		return out, err
	})
}

// hasBody says whether an operation's input type takes a request body.
func hasBody(t reflect.Type) bool {
	f, ok := t.FieldByName("Body")
	return ok && len(f.Index) == 1
}

// routes is the whole API surface: one line per route, with the access it
// needs. The RBAC test walks this table through the OpenAPI document.
func (s *Server) routes() {
	const v = "/api/v1"
	p := func(x auth.Permission) string { return string(x) }

	route(s, accessPublic, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: v + "/auth/login", Tags: []string{"Auth"},
		Summary: "Sign in", Description: "Checks email and password and sets the session cookie. Failed attempts are throttled per account and per address.",
		Errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests}}, s.login)
	route(s, accessAuthenticated, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: v + "/auth/logout", Tags: []string{"Auth"},
		Summary: "Sign out", Description: "Ends the console session; 409 when called with an API token.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusConflict}}, s.logout)
	route(s, accessAuthenticated, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: v + "/auth/me", Tags: []string{"Auth"},
		Summary: "Who am I"}, s.me)

	route(s, accessAuthenticated, huma.Operation{OperationID: "createToken", Method: http.MethodPost, Path: v + "/tokens", Tags: []string{"Tokens"},
		Summary: "Create an API token", Description: "The token is in the answer once and never again.", DefaultStatus: http.StatusCreated}, s.createToken)
	route(s, accessAuthenticated, huma.Operation{OperationID: "listTokens", Method: http.MethodGet, Path: v + "/tokens", Tags: []string{"Tokens"},
		Summary: "List API tokens", Description: "Your own tokens; all=true lists everyone's (needs users:manage)."}, s.listTokens)
	route(s, accessAuthenticated, huma.Operation{OperationID: "revokeToken", Method: http.MethodDelete, Path: v + "/tokens/{id}", Tags: []string{"Tokens"},
		Summary: "Revoke an API token", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, s.revokeToken)

	route(s, p(auth.PermUsersManage), huma.Operation{OperationID: "listUsers", Method: http.MethodGet, Path: v + "/users", Tags: []string{"Users"},
		Summary: "List users"}, s.listUsers)
	route(s, p(auth.PermUsersManage), huma.Operation{OperationID: "createUser", Method: http.MethodPost, Path: v + "/users", Tags: []string{"Users"},
		Summary: "Create a user", DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict}}, s.createUser)
	route(s, p(auth.PermUsersManage), huma.Operation{OperationID: "getUser", Method: http.MethodGet, Path: v + "/users/{id}", Tags: []string{"Users"},
		Summary: "Get a user", Errors: []int{http.StatusNotFound}}, s.getUser)
	route(s, p(auth.PermUsersManage), huma.Operation{OperationID: "updateUser", Method: http.MethodPatch, Path: v + "/users/{id}", Tags: []string{"Users"},
		Summary: "Update a user", Errors: []int{http.StatusNotFound, http.StatusConflict}}, s.updateUser)
	route(s, p(auth.PermUsersManage), huma.Operation{OperationID: "deleteUser", Method: http.MethodDelete, Path: v + "/users/{id}", Tags: []string{"Users"},
		Summary: "Delete a user", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict}}, s.deleteUser)

	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listProviders", Method: http.MethodGet, Path: v + "/providers", Tags: []string{"Providers"},
		Summary: "List the provider catalog"}, s.listProviders)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listProvidersAlias", Method: http.MethodGet, Path: v + "/integrations/providers", Tags: []string{"Providers"},
		Summary: "List the provider catalog (alias of /providers)"}, s.listProviders)

	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "createIntegration", Method: http.MethodPost, Path: v + "/integrations", Tags: []string{"Integrations"},
		Summary: "Create an integration", Description: "Credentials need integrations:credentials:write too. A connection test is queued on create.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusConflict}}, s.createIntegration)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listIntegrations", Method: http.MethodGet, Path: v + "/integrations", Tags: []string{"Integrations"},
		Summary: "List integrations", Description: "Filters combine with AND. Pages follow nextCursor.",
		Responses: s.jsonResponse(http.StatusOK, "A page of integrations.", reflect.TypeFor[listIntegrationsBody]())}, s.listIntegrations)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "getIntegration", Method: http.MethodGet, Path: v + "/integrations/{id}", Tags: []string{"Integrations"},
		Summary: "Get an integration by id or slug", Errors: []int{http.StatusNotFound}}, s.getIntegration)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "updateIntegration", Method: http.MethodPatch, Path: v + "/integrations/{id}", Tags: []string{"Integrations"},
		Summary: "Update an integration", Description: "Partial update. Credentials need integrations:credentials:write too. Send If-Match with the ETag to avoid overwriting a concurrent change.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed}}, s.updateIntegration)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "deleteIntegration", Method: http.MethodDelete, Path: v + "/integrations/{id}", Tags: []string{"Integrations"},
		Summary: "Delete an integration and destroy its credentials", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, s.deleteIntegration)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "testIntegration", Method: http.MethodPost, Path: v + "/integrations/{id}/test", Tags: []string{"Integrations"},
		Summary: "Test an integration's connection", Description: "Runs the provider's connection test now. It is sent even while the " +
			"integration's circuit breaker is open (once, without retries) and answers with the provider's own result; a success closes the breaker.",
		Errors: []int{http.StatusNotFound, http.StatusConflict}}, s.testIntegration)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listActions", Method: http.MethodGet, Path: v + "/integrations/{id}/actions", Tags: []string{"Actions"},
		Summary: "List an integration's typed actions", Description: "Each action comes with the JSON schema of its input and output.",
		Errors: []int{http.StatusNotFound}}, s.listActions)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "runAction", Method: http.MethodPost, Path: v + "/integrations/{id}/actions/{action}", Tags: []string{"Actions"},
		Summary: "Run an action", Description: "The body is a JSON object sent with Content-Type: application/json (415 otherwise); no body means {}. " +
			"It is validated against the action's input schema (422 naming the field). " +
			"Mutating actions also need integrations:manage and are recorded in the activity log with their input, secrets removed. " +
			"Provider failures answer 502 (credentials rejected, provider error, unreachable), 404 (the provider says not found), " +
			"429 with Retry-After (rate limited) or 504 (no answer in time).",
		MaxBodyBytes: 1 << 20,
		Errors:       []int{http.StatusNotFound, http.StatusConflict, http.StatusUnsupportedMediaType, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout}}, s.runAction)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "integrationMetrics", Method: http.MethodGet, Path: v + "/integrations/{id}/metrics", Tags: []string{"Integrations"},
		Summary: "API metrics of an integration's outbound calls", Description: "Totals, success and error rates, latency (average, p50, p95 from hourly roll-ups), " +
			"per-endpoint figures, recent errors, the provider's latest rate-limit state and warnings (80 % of the rate-limit budget used, circuit breaker open).",
		Errors: []int{http.StatusNotFound}}, s.integrationMetrics)

	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "createWebhookEndpoint", Method: http.MethodPost, Path: v + "/integrations/{id}/webhooks", Tags: []string{"Webhooks"},
		Summary: "Add a webhook endpoint to an integration", Description: "The scheme defaults to the provider's. A secret is generated when none is given " +
			"and the scheme needs one; it is in this answer only. The first endpoint of an integration is its default.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound, http.StatusConflict}}, s.createEndpoint)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listIntegrationWebhookEndpoints", Method: http.MethodGet, Path: v + "/integrations/{id}/webhooks", Tags: []string{"Webhooks"},
		Summary: "List an integration's webhook endpoints", Errors: []int{http.StatusNotFound}}, s.listIntegrationEndpoints)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "getIntegrationWebhookEndpoint", Method: http.MethodGet, Path: v + "/integrations/{id}/webhooks/{endpointId}", Tags: []string{"Webhooks"},
		Summary: "Get one of an integration's webhook endpoints", Description: "Same as GET /integrations/webhooks/{id}, checking the endpoint belongs to the integration.",
		Errors: []int{http.StatusNotFound}}, s.getIntegrationEndpoint)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "updateIntegrationWebhookEndpoint", Method: http.MethodPatch, Path: v + "/integrations/{id}/webhooks/{endpointId}", Tags: []string{"Webhooks"},
		Summary: "Update one of an integration's webhook endpoints", Description: "Same as PATCH /integrations/webhooks/{id}, checking the endpoint belongs to the integration.",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed}}, s.updateIntegrationEndpoint)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "deleteIntegrationWebhookEndpoint", Method: http.MethodDelete, Path: v + "/integrations/{id}/webhooks/{endpointId}", Tags: []string{"Webhooks"},
		Summary: "Delete one of an integration's webhook endpoints", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, s.deleteIntegrationEndpoint)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listWebhookEndpoints", Method: http.MethodGet, Path: v + "/integrations/webhooks", Tags: []string{"Webhooks"},
		Summary: "List all webhook endpoints"}, s.listAllEndpoints)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "getWebhookEndpoint", Method: http.MethodGet, Path: v + "/integrations/webhooks/{id}", Tags: []string{"Webhooks"},
		Summary: "Get a webhook endpoint", Errors: []int{http.StatusNotFound}}, s.getEndpoint)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "updateWebhookEndpoint", Method: http.MethodPatch, Path: v + "/integrations/webhooks/{id}", Tags: []string{"Webhooks"},
		Summary: "Update a webhook endpoint", Description: "Partial update. A new secret (given or generated) replaces the current one, which stays valid for graceHours (default 24).",
		Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed}}, s.updateEndpoint)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "deleteWebhookEndpoint", Method: http.MethodDelete, Path: v + "/integrations/webhooks/{id}", Tags: []string{"Webhooks"},
		Summary: "Delete a webhook endpoint", Description: "Its deliveries stay in the logs until retention removes them.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, s.deleteEndpoint)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "webhookLogs", Method: http.MethodGet, Path: v + "/integrations/webhooks/{id}/logs", Tags: []string{"Webhooks"},
		Summary: "Deliveries received by an endpoint, newest first", Description: "Status, processing time, attempts, error, headers with secrets redacted, payload. " +
			"A deleted endpoint's deliveries are listed until retention removes them.",
		Errors: []int{http.StatusNotFound}}, s.webhookLogs)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "exportWebhookLogs", Method: http.MethodGet, Path: v + "/integrations/webhooks/{id}/logs.csv", Tags: []string{"Webhooks"},
		Summary: "Export an endpoint's deliveries as CSV", Description: "Newest first, without payloads; formula-safe cells. A range with until not after since, or since in the future, is refused (422).",
		Errors: []int{http.StatusNotFound},
		Responses: map[string]*huma.Response{"200": {Description: "The deliveries.",
			Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}}}}}, s.exportWebhookLogs)
	route(s, p(auth.PermWebhooksReplay), huma.Operation{OperationID: "replayWebhook", Method: http.MethodPost, Path: v + "/integrations/webhooks/{id}/replay", Tags: []string{"Webhooks"},
		Summary: "Replay one delivery, or all matching a filter", Description: "Stores a copy of each as a new delivery (replayOf set) that is " +
			"normalized and dispatched again; give deliveryId, or since/until/status/limit (up to 1000, oldest first). Audited.",
		Errors: []int{http.StatusNotFound, http.StatusConflict}}, s.replayDelivery)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "testWebhook", Method: http.MethodPost, Path: v + "/integrations/webhooks/{id}/test", Tags: []string{"Webhooks"},
		Summary: "Send a signed test delivery through the endpoint", Errors: []int{http.StatusNotFound, http.StatusConflict}}, s.testWebhook)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "webhookSignals", Method: http.MethodGet, Path: v + "/integrations/webhooks/{id}/signals", Tags: []string{"Webhooks"},
		Summary: "An endpoint's failure rate over 24 h and time since the last accepted delivery", Errors: []int{http.StatusNotFound}}, s.webhookSignals)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "getWebhookDelivery", Method: http.MethodGet, Path: v + "/webhook-deliveries/{id}", Tags: []string{"Webhooks"},
		Summary: "One received delivery, as in the logs", Description: "The raw delivery an event's deliveryId links to: status, headers with secrets redacted, payload. " +
			"Kept until retention removes it.",
		Errors: []int{http.StatusNotFound}}, s.webhookDelivery)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listEvents", Method: http.MethodGet, Path: v + "/events", Tags: []string{"Webhooks"},
		Summary: "Read the normalized event stream", Description: "Events in order after a cursor, of some types and integrations if asked (next moves past those skipped); " +
			"wait= long-polls until one arrives that matches."}, s.listEvents)

	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "createSubscription", Method: http.MethodPost, Path: v + "/subscriptions", Tags: []string{"Subscriptions"},
		Summary: "Subscribe an HTTP endpoint to events", Description: "Events are POSTed signed with Standard Webhooks (webhook-id, webhook-timestamp, " +
			"webhook-signature with the whsec_ secret, returned once when generated). Retries with backoff over about three days, honouring Retry-After; " +
			"410 disables the subscription; redirects are failures; 15 s timeout.",
		DefaultStatus: http.StatusCreated}, s.createSubscription)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listSubscriptions", Method: http.MethodGet, Path: v + "/subscriptions", Tags: []string{"Subscriptions"},
		Summary: "List subscriptions"}, s.listSubscriptions)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "getSubscription", Method: http.MethodGet, Path: v + "/subscriptions/{id}", Tags: []string{"Subscriptions"},
		Summary: "Get a subscription", Errors: []int{http.StatusNotFound}}, s.getSubscription)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "updateSubscription", Method: http.MethodPatch, Path: v + "/subscriptions/{id}", Tags: []string{"Subscriptions"},
		Summary: "Update a subscription", Description: "Enabling a disabled subscription sends the events that waited.",
		Errors: []int{http.StatusNotFound, http.StatusPreconditionFailed}}, s.updateSubscription)
	route(s, p(auth.PermIntegrationsManage), huma.Operation{OperationID: "deleteSubscription", Method: http.MethodDelete, Path: v + "/subscriptions/{id}", Tags: []string{"Subscriptions"},
		Summary: "Delete a subscription and its pending deliveries", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound}}, s.deleteSubscription)
	route(s, p(auth.PermIntegrationsRead), huma.Operation{OperationID: "listSubscriptionAttempts", Method: http.MethodGet, Path: v + "/subscriptions/{id}/attempts", Tags: []string{"Subscriptions"},
		Summary: "Deliveries of events to a subscription, newest first", Errors: []int{http.StatusNotFound}}, s.listAttempts)
	route(s, p(auth.PermWebhooksReplay), huma.Operation{OperationID: "retrySubscriptionAttempt", Method: http.MethodPost, Path: v + "/subscriptions/{id}/attempts/{attemptId}/retry", Tags: []string{"Subscriptions"},
		Summary: "Send an undelivered event again now", DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound, http.StatusConflict}}, s.retryAttempt)

	route(s, p(auth.PermAuditRead), huma.Operation{OperationID: "listActivity", Method: http.MethodGet, Path: v + "/activity", Tags: []string{"Activity"},
		Summary: "List the activity log, newest first"}, s.listActivity)
	route(s, p(auth.PermAuditRead), huma.Operation{OperationID: "exportActivity", Method: http.MethodGet, Path: v + "/activity.csv", Tags: []string{"Activity"},
		Summary: "Export the activity log as CSV",
		Responses: map[string]*huma.Response{"200": {Description: "The activity log, newest first.",
			Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}}}}}, s.exportActivity)
}

// jsonResponse documents a JSON answer of type t for a handler that writes
// its body itself.
func (s *Server) jsonResponse(status int, desc string, t reflect.Type) map[string]*huma.Response {
	schema := s.api.OpenAPI().Components.Schemas.Schema(t, true, "")
	return map[string]*huma.Response{strconv.Itoa(status): {Description: desc,
		Content: map[string]*huma.MediaType{"application/json": {Schema: schema}}}}
}

// checkQuery refuses a query parameter the operation does not take (huma
// ignores it, so ?type=x on the events answered every event as if
// filtered) and one given more than once where the operation takes one
// value (huma reads the first and drops the rest, so
// ?status=failed&status=rejected would silently list failed alone).
func (s *Server) checkQuery(hctx huma.Context, next func(huma.Context)) {
	u := hctx.URL()
	if u.RawQuery == "" {
		next(hctx)
		return
	}
	if errs := queryTextErrors(u.RawQuery); len(errs) > 0 {
		_ = huma.WriteErr(s.api, hctx, http.StatusUnprocessableEntity, "validation failed", errs...)
		return
	}
	q := u.Query()
	var errs []error
	var known []string
	for _, p := range hctx.Operation().Parameters {
		if p.In != "query" {
			continue
		}
		known = append(known, p.Name)
		if len(q[p.Name]) > 1 && (p.Schema == nil || p.Schema.Type != huma.TypeArray) {
			errs = append(errs, &huma.ErrorDetail{Location: "query." + p.Name, Message: "given more than once; this parameter takes one value"})
		}
		if p.Schema != nil && p.Schema.Format == "date-time" && q.Has(p.Name) {
			// The zero time is how an absent time reaches the handler: given,
			// it would silently mean no bound at all.
			if t, err := time.Parse(time.RFC3339Nano, q.Get(p.Name)); err == nil && t.Before(epoch) {
				errs = append(errs, &huma.ErrorDetail{Location: "query." + p.Name, Message: tooEarly})
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(known, name) {
			msg := "is not a parameter of this operation"
			if len(known) > 0 {
				msg += "; it takes: " + strings.Join(known, ", ")
			}
			errs = append(errs, &huma.ErrorDetail{Location: "query." + scrubMessage(name), Message: msg})
		}
	}
	if len(errs) > 0 {
		_ = huma.WriteErr(s.api, hctx, http.StatusUnprocessableEntity, "validation failed", errs...)
		return
	}
	next(hctx)
}

// queryTextErrors names the parameters url.Query would drop without a word
// (a malformed percent-escape, a ';' separator), so that a filter or a
// cursor silently meant none, those the store cannot hold (NUL, text that
// is not UTF-8), and those given without "=" (?q), which would be read as
// true or as empty.
func queryTextErrors(raw string) []error {
	var errs []error
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, hasValue := strings.Cut(pair, "=")
		key, kerr := url.QueryUnescape(k)
		val, verr := url.QueryUnescape(v)
		loc := "query"
		if kerr == nil && key != "" && plainText(key) && !strings.Contains(key, ";") {
			loc = "query." + scrubMessage(key)
		}
		var msg string
		switch {
		case strings.Contains(pair, ";"):
			msg = "parameters are separated by &, not ; (write a ; in a value as %3B)"
		case kerr != nil || verr != nil:
			msg = "is not percent-encoded correctly (a % must be followed by two hexadecimal digits; write a % itself as %25)"
		case !plainText(key) || !plainText(val):
			msg = "must be UTF-8 text without NUL characters"
		case !hasValue:
			// url.Query reads ?all as all=, which huma reads as true for
			// a flag and as no filter for text: the client meant something.
			msg = "needs a value (name=value)"
		default:
			continue
		}
		errs = append(errs, &huma.ErrorDetail{Location: loc, Message: msg})
	}
	return errs
}

// checkContentType refuses, with 415, a body sent as something other than
// JSON to an operation that takes one: a Content-Type that is not
// application/json or application/<x>+json, one that cannot be parsed
// (";;;", which huma read as no type at all, that is JSON), or JSON in a
// charset other than UTF-8 (huma would decode it as UTF-8 regardless). A
// request without Content-Type is read as JSON, and one without a body is
// not refused for its type (curl -X POST -d "" sends a form type). The hook
// ingress and the proxy are plain handlers: their bodies are the
// providers' and never pass here.
func (s *Server) checkContentType(hctx huma.Context, next func(huma.Context)) {
	ct := hctx.Header("Content-Type")
	if ct == "" || hctx.Operation().RequestBody == nil || jsonMediaType(ct) {
		next(hctx)
		return
	}
	if r, _ := humago.Unwrap(hctx); r.ContentLength == 0 {
		next(hctx)
		return
	}
	_ = huma.WriteErr(s.api, hctx, http.StatusUnsupportedMediaType, "")
}

// jsonMediaType says whether a Content-Type names JSON in UTF-8.
func jsonMediaType(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	if mt != "application/json" && (!strings.HasPrefix(mt, "application/") || !strings.HasSuffix(mt, "+json")) {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// epoch bounds the times a filter takes: ihub holds nothing older.
var epoch = time.Unix(0, 0)

const tooEarly = "must be 1970 or later"

// authenticate resolves the caller (API token first, then session cookie)
// and checks the permission the operation needs.
func (s *Server) authenticate(hctx huma.Context, next func(huma.Context)) {
	access, _ := hctx.Operation().Metadata["access"].(string)
	if access == accessPublic {
		next(hctx)
		return
	}
	ctx := hctx.Context()
	cookie := ""
	if c, cerr := huma.ReadCookie(hctx, SessionCookie); cerr == nil {
		cookie = c.Value
	}
	pr, err := s.identify(ctx, hctx.Header("Authorization"), cookie)
	if err != nil {
		if !apperr.Is(err, apperr.Unauthenticated) {
			// The credentials could not be checked (database down): an
			// internal error, logged, not a verdict on the caller.
			_ = huma.WriteErr(s.api, hctx, http.StatusInternalServerError, "", err)
			return
		}
		hctx.SetHeader("WWW-Authenticate", `Bearer realm="ihub"`)
		_ = huma.WriteErr(s.api, hctx, http.StatusUnauthorized, "", err)
		return
	}
	if access != accessAuthenticated && !pr.Can(auth.Permission(access)) {
		_ = huma.WriteErr(s.api, hctx, http.StatusForbidden, "", apperr.E(apperr.Forbidden, "this needs the %s permission", access))
		return
	}
	next(huma.WithValue(hctx, keyPrincipal, pr))
}

// identify resolves the caller from the Authorization header (an API
// token) or else the session cookie's value.
func (s *Server) identify(ctx context.Context, authorization, cookie string) (auth.Principal, error) {
	switch {
	case authorization != "":
		scheme, tok, _ := strings.Cut(authorization, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return auth.Principal{}, apperr.E(apperr.Unauthenticated, "the Authorization header must be: Bearer <API token>")
		}
		return s.d.Auth.TokenPrincipal(ctx, strings.TrimSpace(tok))
	case cookie != "":
		return s.d.Auth.SessionPrincipal(ctx, cookie)
	}
	return auth.Principal{}, apperr.E(apperr.Unauthenticated, "sign in or send an API token (Authorization: Bearer ihub_pat_…)")
}

func principal(ctx context.Context) auth.Principal {
	p, _ := ctx.Value(keyPrincipal).(auth.Principal)
	return p
}

// actor describes the caller for the activity log.
func actor(ctx context.Context) audit.Actor {
	var c client
	if ri, ok := ctx.Value(keyRequest).(*reqInfo); ok {
		c = ri.client
	}
	a := audit.Actor{IP: c.ip, UserAgent: truncate(c.userAgent, 256), Type: audit.ActorAnon}
	p := principal(ctx)
	switch p.Kind {
	case auth.ViaSession:
		a.Type, a.ID, a.Name = audit.ActorUser, p.UserID, p.Email
	case auth.ViaToken:
		a.Type, a.ID, a.Name, a.TokenID = audit.ActorToken, p.UserID, p.Email, p.TokenID
	}
	return a
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// blankIsEmpty makes a JSON body of nothing but whitespace ("  \n") read
// as no body at all, as JSON has it (whitespace around a value means
// nothing): huma takes an empty body as absent (the defaults where a body
// is optional, 422 "is required" at body where not), but hands whitespace
// to the decoder, whose "unexpected end of JSON input" was a 400. Every
// operation with a body passes here, so every one answers alike.
func blankIsEmpty(hctx huma.Context, next func(huma.Context)) {
	r, _ := humago.Unwrap(hctx)
	if hctx.Operation().RequestBody != nil && r.Body != nil && r.Body != http.NoBody {
		r.Body = &blankBody{ReadCloser: r.Body, max: hctx.Operation().MaxBodyBytes}
	}
	next(hctx)
}

// blankBody is a request body that holds its leading whitespace back until
// something else arrives, and gives nothing when nothing else does. What
// it held is given then, so huma's size cap counts every byte: whitespace
// reaching the cap (max, when above 0) is given as it comes, for huma to
// refuse as too large. The common body, starting with "{", passes as read.
type blankBody struct {
	io.ReadCloser
	max     int64
	spaces  int64  // leading whitespace read and not yet given
	pending []byte // what came after it, not yet given
	err     error  // the read error that came with pending
	seen    bool   // something other than whitespace came (or the cap)
}

func (b *blankBody) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for !b.seen {
		n, err := b.ReadCloser.Read(p)
		if !jsonSpace(p[:n]) || (b.max > 0 && b.spaces+int64(n) >= b.max) {
			b.seen = true
			if b.spaces == 0 {
				return n, err
			}
			b.pending, b.err = bytes.Clone(p[:n]), err
			break
		}
		b.spaces += int64(n)
		if err != nil {
			return 0, err // whitespace only, then the end: no body
		}
	}
	if b.spaces > 0 {
		k := int(min(b.spaces, int64(len(p))))
		for i := range k {
			p[i] = ' '
		}
		b.spaces -= int64(k)
		return k, nil
	}
	if b.pending != nil || b.err != nil {
		n := copy(p, b.pending)
		if b.pending = b.pending[n:]; len(b.pending) > 0 {
			return n, nil
		}
		err := b.err
		b.pending, b.err = nil, nil
		return n, err
	}
	return b.ReadCloser.Read(p)
}

// jsonSpace says whether b is all JSON whitespace.
func jsonSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

// answerOversized makes a refusal of a large body reach the client. Huma
// reads a body up to the operation's MaxBodyBytes and closes it, and a
// request refused before its body is read (401, 403) leaves all of it;
// net/http then closes the connection on the unread rest (beyond 256 KiB of
// it), and a client still sending gets a reset instead of the answer. The
// body is wrapped so that closing it early drains the rest first, as the
// webhook ingress does (drainRefused), and so is a body left unread when
// the operation ends, unless the client asked first (Expect: 100-continue)
// and so has not sent it.
func answerOversized(hctx huma.Context, next func(huma.Context)) {
	r, w := humago.Unwrap(hctx)
	if r.Body == nil || r.Body == http.NoBody || hctx.Operation().MaxBodyBytes <= 0 {
		next(hctx)
		return
	}
	b := &refusableBody{ReadCloser: r.Body, w: w, r: r}
	r.Body = b
	next(hctx)
	if !b.eof && (b.read || !strings.EqualFold(r.Header.Get("Expect"), "100-continue")) {
		b.eof = true
		drainRefused(w, r)
	}
}

// refusableBody is a request body that, closed before its end, drains the
// rest (drainRefused) before the answer is written.
type refusableBody struct {
	io.ReadCloser
	w    http.ResponseWriter
	r    *http.Request
	read bool // Read was called
	eof  bool // the end was seen, or the rest drained
}

func (b *refusableBody) Read(p []byte) (int, error) {
	b.read = true
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.eof = true
	}
	return n, err
}

func (b *refusableBody) Close() error {
	if !b.eof {
		b.eof = true
		drainRefused(b.w, b.r)
	}
	return b.ReadCloser.Close()
}
