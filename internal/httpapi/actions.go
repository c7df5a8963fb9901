package httpapi

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"ihub/internal/apperr"
	"ihub/internal/auth"
	"ihub/internal/integration"
)

// actionSchemas generates and caches the JSON schemas of action inputs and
// outputs, in a registry of their own so that the OpenAPI document does not
// depend on which providers are compiled in. Every provider's types live in
// that one registry side by side, named by actionSchemaName.
type actionSchemas struct {
	mu  sync.Mutex
	reg huma.Registry
	// inline caches the self-contained schema (refs resolved) per type.
	inline map[reflect.Type]map[string]any
}

func newActionSchemas() *actionSchemas {
	return &actionSchemas{reg: huma.NewMapRegistry("#/components/schemas/", actionSchemaName),
		inline: map[reflect.Type]map[string]any{}}
}

// actionSchemaName names a named type's schema after its package path and
// type name ("ihub.internal.provider.github.ListReposInput"). Providers
// share type names (ListReposInput in github, gitlab and bitbucket;
// SendSMSInput, SendMessageInput, …), and huma's default namer, which drops
// the package, makes the registry panic on the second provider used. The
// names never reach a client: document inlines every reference.
func actionSchemaName(t reflect.Type, hint string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" || t.PkgPath() == "" {
		return huma.DefaultSchemaNamer(t, hint) // unnamed or predeclared: huma numbers clashes itself
	}
	// The name of a generic type spells its type arguments' package paths.
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		case r == '/':
			return '.'
		}
		return '_'
	}, t.PkgPath()+"."+t.Name())
}

// schema returns the registry schema of t (for validation).
func (a *actionSchemas) schema(t reflect.Type) *huma.Schema {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reg.Schema(t, false, "")
}

// document returns t's schema as a self-contained JSON object: every $ref
// into the registry replaced by the schema it names.
func (a *actionSchemas) document(t reflect.Type) map[string]any {
	s := a.schema(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	if m, ok := a.inline[t]; ok {
		return m
	}
	var m map[string]any
	b, _ := json.Marshal(s) // a huma schema always marshals
	_ = json.Unmarshal(b, &m)
	m = a.resolve(m, map[string]bool{}).(map[string]any)
	a.inline[t] = m
	return m
}

func (a *actionSchemas) resolve(v any, seen map[string]bool) any {
	switch x := v.(type) {
	case map[string]any:
		if ref, ok := x["$ref"].(string); ok {
			if seen[ref] {
				return map[string]any{"type": "object"} // recursive type: stop here
			}
			if s := a.reg.SchemaFromRef(ref); s != nil {
				var m map[string]any
				b, _ := json.Marshal(s)
				_ = json.Unmarshal(b, &m)
				seen[ref] = true
				out := a.resolve(m, seen)
				delete(seen, ref)
				return out
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "$schema" {
				continue
			}
			out[k] = a.resolve(e, seen)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = a.resolve(e, seen)
		}
		return out
	}
	return v
}

// validate checks an action input against its schema and returns the
// failures as field errors (never echoing the submitted value).
func (a *actionSchemas) validate(t reflect.Type, body map[string]any) []apperr.FieldError {
	s := a.schema(t)
	a.mu.Lock()
	defer a.mu.Unlock()
	res := &huma.ValidateResult{}
	huma.Validate(a.reg, s, huma.NewPathBuffer([]byte("body"), len("body")), huma.ModeWriteToServer, body, res)
	var out []apperr.FieldError
	for _, e := range res.Errors {
		if d, ok := e.(*huma.ErrorDetail); ok {
			loc := d.Location
			// Name the missing property itself, not its parent object.
			if p, ok := strings.CutPrefix(d.Message, "expected required property "); ok {
				if name, _, ok := strings.Cut(p, " "); ok {
					loc += "." + name
				}
			}
			out = append(out, apperr.FieldError{Field: loc, Message: d.Message})
			continue
		}
		out = append(out, apperr.FieldError{Field: "body", Message: "is not valid"})
	}
	return out
}

// ActionBody describes one action.
type ActionBody struct {
	Name         string         `json:"name" doc:"The action's id, used in the run URL."`
	Title        string         `json:"title"`
	Description  string         `json:"description"`
	Mutating     bool           `json:"mutating" doc:"Mutating actions change something at the provider or send a message; they need integrations:manage and are audited."`
	InputSchema  map[string]any `json:"inputSchema" doc:"JSON schema of the request body."`
	OutputSchema map[string]any `json:"outputSchema" doc:"JSON schema of the output."`
}

type listActionsOutput struct {
	Body struct {
		IntegrationID string       `json:"integrationId"`
		Provider      string       `json:"provider"`
		Actions       []ActionBody `json:"actions"`
	}
}

func (s *Server) listActions(ctx context.Context, in *integrationIDInput) (*listActionsOutput, error) {
	it, specs, err := s.d.Integrations.Actions(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	out := &listActionsOutput{}
	out.Body.IntegrationID, out.Body.Provider, out.Body.Actions = it.ID, it.Provider, []ActionBody{}
	for _, sp := range specs {
		out.Body.Actions = append(out.Body.Actions, ActionBody{Name: sp.Name, Title: sp.Title, Description: sp.Description,
			Mutating: sp.Mutating, InputSchema: s.actions.document(sp.Input), OutputSchema: s.actions.document(sp.Output)})
	}
	return out, nil
}

type runActionInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Integration id or slug."`
	Action string `path:"action" maxLength:"64" doc:"Action name."`
	// Body is a pointer so that it is optional: no body means {}, for
	// actions without required input.
	Body *map[string]any `doc:"The action's input, per its inputSchema, sent as application/json; no body means {}."`
}

type runActionOutput struct {
	Body struct {
		Action     string `json:"action"`
		DurationMs int64  `json:"durationMs"`
		Output     any    `json:"output" doc:"The action's output, per its outputSchema."`
	}
}

func (s *Server) runAction(ctx context.Context, in *runActionInput) (*runActionOutput, error) {
	spec, err := s.d.Integrations.ActionSpec(ctx, in.ID, in.Action)
	if err != nil {
		return nil, err
	}
	if spec.Mutating && !principal(ctx).Can(auth.PermIntegrationsManage) {
		return nil, apperr.E(apperr.Forbidden, "action %s changes something at the provider: it needs the %s permission",
			spec.Name, auth.PermIntegrationsManage)
	}
	body := map[string]any{}
	if in.Body != nil && *in.Body != nil {
		body = *in.Body
	}
	if errs := s.actions.validate(spec.Input, body); len(errs) > 0 {
		return nil, apperr.InvalidFields("the action input is not valid", errs...)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, apperr.InvalidFields("the action input is not valid", apperr.FieldError{Field: "body", Message: "is not valid JSON"})
	}
	res, err := s.d.Integrations.RunAction(ctx, actor(ctx), in.ID, in.Action, raw)
	if err != nil {
		return nil, err
	}
	out := &runActionOutput{}
	out.Body.Action, out.Body.DurationMs, out.Body.Output = res.Action, res.Duration.Milliseconds(), res.Output
	return out, nil
}

type metricsInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Integration id or slug."`
	Window string `query:"window" enum:"1h,24h,7d,30d" default:"24h" doc:"How far back to look."`
}

type metricsOutput struct {
	Body integration.APIMetrics
}

func (s *Server) integrationMetrics(ctx context.Context, in *metricsInput) (*metricsOutput, error) {
	m, err := s.d.Integrations.Metrics(ctx, in.ID, in.Window)
	if err != nil {
		return nil, err
	}
	return &metricsOutput{Body: m}, nil
}
