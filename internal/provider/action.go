package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"ihub/internal/secret"
)

// ClientMaker is implemented by providers that build a typed client for one
// connection (the go-github-shaped Client of the adapter package). The
// integration factory calls it once per integration version and caches the
// result; hc already carries the SSRF guard and the resilience stack. The
// returned value is what the provider's actions receive.
type ClientMaker interface {
	NewClient(hc *http.Client, c Connection) (any, error)
}

// ActionRunner is implemented by providers with typed actions. A provider
// with actions is also a ClientMaker: actions run on its client.
type ActionRunner interface {
	ClientMaker
	Actions() []Action
}

// ActionSpec describes one action. Input and Output are struct types whose
// JSON schema is generated from their fields and tags: json names, doc
// (description), enum, minimum, maximum, minLength, maxLength, pattern,
// format, example; a field without omitempty is required. A field tagged
// ihub:"sensitive" is never written to the audit log.
type ActionSpec struct {
	// Name is the stable snake_case id used in the URL ("list_accounts").
	Name string `json:"name"`
	// Title is a short human label ("List accounts").
	Title string `json:"title"`
	// Description says what the action does and which provider call it makes.
	Description string `json:"description"`
	// Mutating actions change something at the provider (or send a
	// message): they need integrations:manage and are audited with their
	// input.
	Mutating bool         `json:"mutating"`
	Input    reflect.Type `json:"-"`
	Output   reflect.Type `json:"-"`
}

// Action is one typed operation a provider offers.
type Action interface {
	Spec() ActionSpec
	// Run decodes input (a JSON object, already validated against the
	// input schema by the API) and runs the action on client, the value
	// the provider's NewClient returned. It returns the output value (of
	// type Spec().Output) or an error, a *Error for provider failures.
	Run(ctx context.Context, client any, input json.RawMessage) (any, error)
}

var actionName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// NewAction builds an Action from a typed function. C is the provider's
// client type, In and Out are struct types. It panics on a malformed name or
// non-struct types: actions are declared at package level and a mistake is a
// programming error caught by the adapter's tests.
func NewAction[C, In, Out any](spec ActionSpec, fn func(ctx context.Context, c C, in In) (Out, error)) Action {
	spec.Input = reflect.TypeFor[In]()
	spec.Output = reflect.TypeFor[Out]()
	if !actionName.MatchString(spec.Name) {
		panic(fmt.Sprintf("provider: action name %q must be snake_case", spec.Name))
	}
	if spec.Input.Kind() != reflect.Struct || spec.Output.Kind() != reflect.Struct {
		panic(fmt.Sprintf("provider: action %s: input and output must be struct types", spec.Name))
	}
	return &typedAction[C, In, Out]{spec: spec, fn: fn}
}

type typedAction[C, In, Out any] struct {
	spec ActionSpec
	fn   func(ctx context.Context, c C, in In) (Out, error)
}

func (a *typedAction[C, In, Out]) Spec() ActionSpec { return a.spec }

func (a *typedAction[C, In, Out]) Run(ctx context.Context, client any, input json.RawMessage) (any, error) {
	c, ok := client.(C)
	if !ok {
		return nil, fmt.Errorf("provider: action %s: client is %T, want %s", a.spec.Name, client, reflect.TypeFor[C]())
	}
	var in In
	if len(bytes.TrimSpace(input)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(input))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, decodeError(err)
		}
	}
	out, err := a.fn(ctx, c, in)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// decodeError describes a failure to decode an action input as an input
// error naming the field, in words and without Go type names: the schema
// cannot rule out everything the decoder refuses (1e30 for an int field).
func decodeError(err error) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			return InputError("", "must be a JSON object")
		}
		return InputError(field, "must be "+describeType(te.Type))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if name, err := strconv.Unquote(name); err == nil {
			return InputError(name, "is not a field of this action's input")
		}
	}
	return InputError("", "is not a valid JSON object")
}

// describeType says in words what JSON value decodes into t.
func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		return fmt.Sprintf("a whole number from %d to %d", int64(-1)<<(bits-1), int64(1)<<(bits-1)-1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprintf("a whole number from 0 to %d", uint64(1)<<t.Bits()-1)
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a value of another type"
}

// FindAction returns the action of r named name.
func FindAction(r ActionRunner, name string) (Action, bool) {
	for _, a := range r.Actions() {
		if a.Spec().Name == name {
			return a, true
		}
	}
	return nil, false
}

// Proxyable is implemented by providers that the credential-injecting
// proxy can forward to. The proxy appends the caller's path and query to
// ProxyBase and calls Authorize on the outgoing request, after stripping
// the caller's own credentials and hop-by-hop headers.
type Proxyable interface {
	// ProxyBase is the URL paths are appended to (for WHM the base URL,
	// for GitHub https://api.github.com, for Zoho CRM the api domain).
	ProxyBase(c Connection) (*url.URL, error)
	// Authorize adds the connection's credentials to req: a header, basic
	// auth, a query parameter, or — for providers like WHMCS — body
	// fields. It returns a *Error of kind invalid when credentials are
	// missing.
	Authorize(ctx context.Context, req *http.Request, c Connection) error
}

// TokenSource hands out a current OAuth2 access token. The OAuth issue
// plugs a refreshing source in; until then providers fall back to a
// manually entered access token credential.
type TokenSource interface {
	Token(ctx context.Context) (secret.Value, error)
}

// RateLimit is a provider's documented request budget: Requests per
// PerSeconds, with bursts up to Burst. The resilience stack uses it as the
// default limit of each integration.
type RateLimit struct {
	Requests   int `json:"requests"`
	PerSeconds int `json:"perSeconds"`
	Burst      int `json:"burst,omitempty"`
}

type endpointKey struct{}

// WithEndpoint records on ctx the endpoint template of the call about to be
// made ("GET /repos/{owner}/{repo}/commits"), so API metrics group calls by
// template and never store raw URLs with ids or secrets. Adapters set it
// per call; without it the outbound stack derives a template from the path.
func WithEndpoint(ctx context.Context, template string) context.Context {
	return context.WithValue(ctx, endpointKey{}, template)
}

// EndpointFrom returns the template set by WithEndpoint, or "".
func EndpointFrom(ctx context.Context) string {
	s, _ := ctx.Value(endpointKey{}).(string)
	return s
}

// ExpectedAnswer reports whether an answer that is not 2xx or 3xx, its
// status and the start of its body (at most MaxExpectedBody bytes; empty
// for HEAD), is the one the call was made to get. It must be cheap and
// must not keep body.
type ExpectedAnswer func(status int, body []byte) bool

// MaxExpectedBody is how much of an answer's body an ExpectedAnswer sees.
const MaxExpectedBody = 4 << 10

type expectedKey struct{}

// WithExpectedAnswer tells the outbound stack that the call about to be
// made with ctx is a probe whose expected answer is an error status, so
// that API metrics record it as a success rather than as an error: Slack
// answers a live webhook's empty probe 400 no_text, an SMS gateway answers
// HEAD 405. Any other error answer, and every transport failure, is still
// recorded as an error. Adapters set it per call, like WithEndpoint, and
// judge the answer themselves as before: it changes only what is recorded.
func WithExpectedAnswer(ctx context.Context, f ExpectedAnswer) context.Context {
	return context.WithValue(ctx, expectedKey{}, f)
}

// ExpectedAnswerFrom returns the function set by WithExpectedAnswer, or nil.
func ExpectedAnswerFrom(ctx context.Context) ExpectedAnswer {
	f, _ := ctx.Value(expectedKey{}).(ExpectedAnswer)
	return f
}

// DialFunc dials a network address through the egress guard; non-HTTP
// adapters (SMTP) use Connection.Dial.
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)
