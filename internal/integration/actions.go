package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"time"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/outbound"
	"ihub/internal/provider"
)

// ActionTimeout bounds one action run by default (Options.ActionTimeout):
// every request the action makes, retries included.
const ActionTimeout = 60 * time.Second

// Actions returns the actions an integration's provider offers (none for a
// provider without actions).
func (s *Service) Actions(ctx context.Context, idOrSlug string) (Integration, []provider.ActionSpec, error) {
	in, err := s.o.Store.GetIntegration(ctx, idOrSlug)
	if err != nil {
		return Integration{}, nil, err
	}
	p, _, err := s.descriptor(in.Provider)
	if err != nil {
		return Integration{}, nil, err
	}
	specs := []provider.ActionSpec{}
	if r, ok := p.(provider.ActionRunner); ok {
		for _, a := range r.Actions() {
			specs = append(specs, a.Spec())
		}
	}
	return in, specs, nil
}

// ActionSpec returns the spec of one action of an integration.
func (s *Service) ActionSpec(ctx context.Context, idOrSlug, name string) (provider.ActionSpec, error) {
	_, specs, err := s.Actions(ctx, idOrSlug)
	if err != nil {
		return provider.ActionSpec{}, err
	}
	for _, sp := range specs {
		if sp.Name == name {
			return sp, nil
		}
	}
	return provider.ActionSpec{}, apperr.E(apperr.NotFound, "this integration has no such action; GET its actions to list them")
}

// ActionResult is the outcome of RunAction.
type ActionResult struct {
	Action   string
	Output   any
	Duration time.Duration
}

// RunAction runs one action with input (a JSON object already validated
// against the action's schema). Mutating actions are recorded in the
// activity log with their input, fields marked ihub:"sensitive" removed;
// failed runs of mutating actions are recorded too. Provider failures become
// application errors (see ProviderFailure).
func (s *Service) RunAction(ctx context.Context, by audit.Actor, idOrSlug, name string, input json.RawMessage) (ActionResult, error) {
	return s.runAction(ctx, &by, idOrSlug, name, input)
}

// RunSystemAction runs an action on ihub's own behalf (the event dispatcher
// posting to a chat integration). It is RunAction without the activity
// log entry: one per event would bury what people did.
func (s *Service) RunSystemAction(ctx context.Context, idOrSlug, name string, input json.RawMessage) (ActionResult, error) {
	return s.runAction(ctx, nil, idOrSlug, name, input)
}

func (s *Service) runAction(ctx context.Context, by *audit.Actor, idOrSlug, name string, input json.RawMessage) (ActionResult, error) {
	h, err := s.clients.Get(ctx, idOrSlug)
	if err != nil {
		return ActionResult{}, err
	}
	r, ok := h.Provider.(provider.ActionRunner)
	if !ok {
		return ActionResult{}, apperr.E(apperr.NotFound, "provider %s has no actions", h.Integration.Provider)
	}
	a, ok := provider.FindAction(r, name)
	if !ok {
		return ActionResult{}, apperr.E(apperr.NotFound, "this integration has no such action; GET its actions to list them")
	}
	if !h.Integration.IsActive {
		return ActionResult{}, apperr.E(apperr.Conflict, "the integration is inactive; activate it to run actions")
	}
	if h.ClientErr != nil {
		return ActionResult{}, s.ProviderFailure(h.ClientErr, h.Conn)
	}
	spec := a.Spec()
	actx, cancel := context.WithTimeout(outbound.WithSource(ctx, "action"), s.o.ActionTimeout)
	defer cancel()
	start := s.o.Now()
	out, runErr := a.Run(actx, h.Client, input)
	res := ActionResult{Action: name, Output: out, Duration: s.o.Now().Sub(start)}
	if runErr != nil && ctx.Err() != nil {
		return ActionResult{}, ctx.Err()
	}
	if spec.Mutating && by != nil {
		details := map[string]any{"action": name, "input": RedactInput(spec.Input, input), "durationMs": res.Duration.Milliseconds()}
		if runErr != nil {
			msg, kind := describe(runErr, h.Conn)
			details["error"], details["errorKind"] = msg, kind
		}
		e := audit.Entry{At: s.o.Now(), Actor: *by, Action: audit.ActionRun, TargetType: "integration",
			TargetID: h.Integration.ID, TargetName: h.Integration.Name, IntegrationID: h.Integration.ID,
			Success: runErr == nil, Details: details}
		if err := s.o.Store.RecordActivity(context.WithoutCancel(ctx), e); err != nil {
			return ActionResult{}, err
		}
	}
	if runErr != nil {
		return ActionResult{}, s.ProviderFailure(runErr, h.Conn)
	}
	return res, nil
}

// RedactInput returns the input as a map with every field the input type
// marks ihub:"sensitive" replaced by "[REDACTED]" (nested structs too).
func RedactInput(typ reflect.Type, input json.RawMessage) map[string]any {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil || m == nil {
		return map[string]any{}
	}
	redactMap(typ, m)
	return m
}

func redactMap(typ reflect.Type, m map[string]any) {
	for typ != nil && typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ == nil || typ.Kind() != reflect.Struct {
		return
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		key := strings.Split(f.Tag.Get("json"), ",")[0]
		if key == "" {
			key = f.Name
		}
		v, ok := m[key]
		if !ok {
			continue
		}
		if strings.Contains(f.Tag.Get("ihub"), "sensitive") {
			m[key] = "[REDACTED]"
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			redactMap(f.Type, sub)
		}
		if list, ok := v.([]any); ok {
			et := f.Type
			if et.Kind() == reflect.Slice {
				et = et.Elem()
			}
			for _, e := range list {
				if sub, ok := e.(map[string]any); ok {
					redactMap(et, sub)
				}
			}
		}
	}
}

// ProviderFailure turns an error from a provider call into an application
// error whose message is safe to show: the provider's own words with any
// credential masked. Rejected credentials and provider errors are 502 (the
// caller's request was fine, the upstream failed), a provider 404 is 404,
// rate limiting is 429 with the provider's Retry-After, a timeout 504, an
// unreachable provider or an open circuit breaker 502, an action input the
// provider refuses 422 naming the field (body.<field>), and a configuration
// the provider cannot work with 409. An answer that says the destination
// is gone for good (provider.Error.Gone) keeps errors.Is(err,
// provider.ErrGone).
func (s *Service) ProviderFailure(err error, conn provider.Connection) error {
	if err == nil {
		return nil
	}
	var pe *provider.Error
	if !errors.As(err, &pe) {
		if errors.Is(err, context.DeadlineExceeded) {
			return apperr.E(apperr.GatewayTimeout, "the provider did not answer in time")
		}
		return err // not a provider failure: an internal error
	}
	msg, _ := describe(err, conn)
	var e *apperr.Error
	switch pe.Kind {
	case provider.ErrAuth:
		e = apperr.E(apperr.BadGateway, "the provider rejected the integration's credentials: %s", msg)
	case provider.ErrNotFound:
		e = apperr.E(apperr.NotFound, "the provider says: %s", msg)
	case provider.ErrRateLimited:
		e = apperr.E(apperr.TooManyRequests, "the provider is rate limiting: %s", msg)
		e.RetryAfter = pe.RetryAfter
	case provider.ErrInvalid:
		if pe.Input {
			field := "body"
			if pe.Field != "" {
				field += "." + pe.Field
			}
			return apperr.InvalidFields("the action input is not valid", apperr.FieldError{Field: field, Message: msg})
		}
		e = apperr.E(apperr.Conflict, "the integration's configuration cannot work: %s", msg)
	case provider.ErrTransport:
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "timed out") {
			e = apperr.E(apperr.GatewayTimeout, "%s", msg)
		} else {
			e = apperr.E(apperr.BadGateway, "%s", msg)
		}
	default:
		e = apperr.E(apperr.BadGateway, "the provider answered with an error: %s", msg)
	}
	if pe.Gone {
		// The one part of the cause callers act on (a chat subscription
		// stops); ErrGone carries no provider text, so none is logged.
		e.Err = provider.ErrGone
	}
	return e
}
