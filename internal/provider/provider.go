// Package provider is the adapter contract between ihub and the third-party
// services it connects to. Each provider describes itself with a Descriptor
// (identity, category, auth kind, the fields it needs and which of them are
// sensitive, capabilities); everything else in ihub — API validation, forms,
// redaction, docs — reads that one description. What a provider can do beyond
// describing itself is expressed as optional capability interfaces (Checker,
// and later ActionRunner, Proxy, InboundVerifier) found by type assertion.
//
// Adapters live one per sub-package and never build their own *http.Client:
// the caller hands them one from the egress package, with the SSRF guard,
// timeouts and (later) the resilience stack already in place.
package provider

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"ihub/internal/secret"
)

// Category groups providers in the catalog and the console.
type Category string

// The categories.
const (
	CategoryHosting       Category = "hosting"
	CategoryBilling       Category = "billing"
	CategoryCRM           Category = "crm"
	CategoryAutomation    Category = "automation"
	CategoryVCS           Category = "vcs"
	CategoryCommunication Category = "communication"
	CategoryEmail         Category = "email"
	CategorySMS           Category = "sms"
	CategoryPayments      Category = "payments"
	CategoryKYC           Category = "kyc"
	CategoryMaps          Category = "maps"
	CategoryCoverage      Category = "coverage"
	CategoryGeneric       Category = "generic"
)

// Categories lists every valid category in display order.
var Categories = []Category{
	CategoryHosting, CategoryBilling, CategoryCRM, CategoryAutomation, CategoryVCS,
	CategoryCommunication, CategoryEmail, CategorySMS, CategoryPayments, CategoryKYC,
	CategoryMaps, CategoryCoverage, CategoryGeneric,
}

// AuthKind says how a provider authenticates ihub's calls.
type AuthKind string

// The auth kinds.
const (
	AuthAPIToken     AuthKind = "api_token"    // a token in a provider-specific header (WHM "whm user:token")
	AuthBearer       AuthKind = "bearer"       // Authorization: Bearer <token>
	AuthBasic        AuthKind = "basic"        // HTTP Basic with username and password
	AuthAPIKey       AuthKind = "api_key"      // a key in a header or query parameter
	AuthCredentials  AuthKind = "credentials"  // identifier/secret pairs sent in the request body (WHMCS)
	AuthChallenge    AuthKind = "challenge"    // challenge + login + session (vTiger)
	AuthOAuth2       AuthKind = "oauth2"       // OAuth2 access token from a token source (Zoho)
	AuthURLSecret    AuthKind = "url_secret"   // the URL itself is the credential (Slack/Discord/Teams webhooks)
	AuthAWSSigV4     AuthKind = "aws_sigv4"    // AWS Signature Version 4
	AuthSMTP         AuthKind = "smtp"         // SMTP AUTH
	AuthConfigurable AuthKind = "configurable" // chosen in settings (generic HTTP, SMS webhook)
	AuthNone         AuthKind = "none"
)

// FieldType is the type of a descriptor field's value.
type FieldType string

// The field types. Values arrive as JSON; Validate checks them.
const (
	FieldString     FieldType = "string"
	FieldText       FieldType = "text" // multi-line string
	FieldSecret     FieldType = "secret"
	FieldURL        FieldType = "url"
	FieldEmail      FieldType = "email"
	FieldInteger    FieldType = "integer"
	FieldNumber     FieldType = "number"
	FieldBoolean    FieldType = "boolean"
	FieldEnum       FieldType = "enum"
	FieldStringList FieldType = "string_list"
)

// Field describes one value a provider needs. Sensitive fields are
// credentials: they are sealed in the vault, never returned by the API and
// never logged; all other fields are settings stored in clear.
type Field struct {
	Key       string    `json:"key"`
	Label     string    `json:"label"`
	Type      FieldType `json:"type"`
	Required  bool      `json:"required"`
	Sensitive bool      `json:"sensitive"`
	Default   any       `json:"default,omitempty"`
	Options   []string  `json:"options,omitempty"` // allowed values for FieldEnum
	// Minimum and Maximum bound a FieldInteger's value, inclusive; nil
	// leaves that side open.
	Minimum *int64 `json:"minimum,omitempty"`
	Maximum *int64 `json:"maximum,omitempty"`
	Help    string `json:"help,omitempty"`
	// Placeholder is an example value shown in empty form inputs.
	Placeholder string `json:"placeholder,omitempty"`
}

// Capability is something a provider can do.
type Capability string

// The capabilities.
const (
	CapTest     Capability = "test"     // connection test (Checker)
	CapActions  Capability = "actions"  // typed actions
	CapProxy    Capability = "proxy"    // credential-injecting proxy
	CapWebhooks Capability = "webhooks" // inbound webhooks
	CapOAuth    Capability = "oauth"    // OAuth2 token lifecycle
	CapNotify   Capability = "notify"   // can deliver a message (alerts)
)

// Usage says whether the integration's top-level username is used.
type Usage string

// The usages.
const (
	UsageNone     Usage = "none"
	UsageOptional Usage = "optional"
	UsageRequired Usage = "required"
)

// WebhookSpec describes a provider's inbound webhooks.
type WebhookSpec struct {
	// Scheme is the default verification scheme id (for example "github",
	// "slack", "standard_webhooks", "hmac", "header_token", "query_token",
	// "body_token", "none").
	Scheme string `json:"scheme"`
	// DeliveryIDHeader names the header carrying the provider's delivery id,
	// empty when the provider has none (a content hash is used instead).
	DeliveryIDHeader string `json:"deliveryIdHeader,omitempty"`
	// EventHeader names the header carrying the event type, empty when the
	// type is in the body.
	EventHeader string `json:"eventHeader,omitempty"`
	// SecretField is the credential in which users keep the webhook secret
	// or token that an endpoint created without one verifies with; empty:
	// "webhookSecret".
	SecretField string `json:"secretField,omitempty"`
	// SettingsFrom gives an endpoint created without them scheme settings
	// from the integration's settings: endpoint setting -> integration
	// setting (whose default applies when the integration has no value).
	SettingsFrom map[string]string `json:"settingsFrom,omitempty"`
}

// OAuthSpec describes a provider's OAuth2 endpoints.
type OAuthSpec struct {
	AuthURL   string   `json:"authUrl"`
	TokenURL  string   `json:"tokenUrl"`
	RevokeURL string   `json:"revokeUrl,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
}

// Descriptor is a provider's description of itself.
type Descriptor struct {
	// ID is the stable lowercase identifier ("whm", "zoho_crm").
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Category    Category `json:"category"`
	Description string   `json:"description"`
	AuthKind    AuthKind `json:"authKind"`
	// BaseURL says whether the integration's base URL is needed.
	BaseURL Usage `json:"baseUrl"`
	// DefaultBaseURL is used when the base URL is optional and not given.
	DefaultBaseURL string `json:"defaultBaseUrl,omitempty"`
	// DefaultPort is the provider's usual port, suggested in forms and docs;
	// a base URL is used as given.
	DefaultPort int `json:"defaultPort,omitempty"`
	// Username says whether the top-level username is used, and UsernameHelp
	// what it means for this provider.
	Username     Usage   `json:"username"`
	UsernameHelp string  `json:"usernameHelp,omitempty"`
	Fields       []Field `json:"fields"`
	// AuthOptions lists the alternative ways to authenticate when there is
	// more than one (an API token, or a user name and password): each names
	// credential keys and, as "username", the top-level username, and an
	// integration must have every value of at least one of them. Empty: the
	// fields' Required flags say what is needed.
	AuthOptions  [][]string   `json:"authOptions,omitempty"`
	Capabilities []Capability `json:"capabilities"`
	Webhook      *WebhookSpec `json:"webhook,omitempty"`
	OAuth        *OAuthSpec   `json:"oauth,omitempty"`
	// DocsURL links the provider's own API documentation.
	DocsURL string `json:"docsUrl,omitempty"`
	// TestCall says in a few words what the connection test calls
	// ("GET /json-api/version and /json-api/applist"), for docs and the
	// console.
	TestCall string `json:"testCall,omitempty"`
	// RateLimit is the provider's documented budget, the default limit of
	// every integration of this provider; nil means no client-side limit.
	RateLimit *RateLimit `json:"rateLimit,omitempty"`
}

// Has reports whether the descriptor lists the capability.
func (d Descriptor) Has(c Capability) bool {
	for _, x := range d.Capabilities {
		if x == c {
			return true
		}
	}
	return false
}

// Field returns the field with the given key.
func (d Descriptor) Field(key string) (Field, bool) {
	for _, f := range d.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// Provider is implemented by every adapter.
type Provider interface {
	Descriptor() Descriptor
}

// Connection is what an adapter receives to talk to one configured account:
// the integration's base URL, username, settings and decrypted credentials.
// Credentials are secret.Values so that printing a Connection never leaks
// them.
type Connection struct {
	IntegrationID string
	BaseURL       string
	Username      string
	Settings      map[string]any
	Credentials   map[string]secret.Value
	// OAuth, when set, supplies the OAuth2 access token (Zoho); adapters
	// fall back to an access token credential when it is nil.
	OAuth TokenSource
	// Dial, when set, is the guarded dialer for non-HTTP protocols (SMTP);
	// nil means a plain net.Dialer (tests).
	Dial DialFunc
}

// Setting returns the string setting with the given key, or def.
func (c Connection) Setting(key, def string) string {
	if v, ok := c.Settings[key].(string); ok && v != "" {
		return v
	}
	return def
}

// Secret returns the revealed credential with the given key ("" if unset).
func (c Connection) Secret(key string) string { return c.Credentials[key].Reveal() }

// TestResult is what a successful connection test reports. Latency is
// measured by the caller.
type TestResult struct {
	// Message is a one-line human summary ("Connected to WHM 11.118.0.5").
	Message string
	// Details carries provider facts: server version, account name, scopes.
	// Never secrets.
	Details map[string]any
}

// Checker is implemented by providers that can test a connection with the
// cheapest read-only authenticated call. Test must honour ctx, must not send
// a message, email or SMS, and returns a *Error on failure.
type Checker interface {
	Test(ctx context.Context, hc *http.Client, c Connection) (TestResult, error)
}

// ChatPoster is implemented by chat providers whose send_message may be
// unable to post a message that names no channel, as a subscription's chat
// target sends, for want of configuration. ChatReady reports why, from the
// integration's settings and the names of the credentials it holds (never
// their values), as a phrase fit to show after the integration ("has only
// a bot token and no defaultChannel: …"), or "" when such a message can be
// posted.
type ChatPoster interface {
	ChatReady(settings map[string]any, credentials []string) string
}

// ErrorKind classifies a provider call failure.
type ErrorKind string

// The error kinds.
const (
	ErrAuth        ErrorKind = "auth"         // credentials rejected (401/403 or in-body equivalent)
	ErrNotFound    ErrorKind = "not_found"    // the resource or endpoint does not exist
	ErrRateLimited ErrorKind = "rate_limited" // 429 or equivalent; RetryAfter set when known
	ErrProvider    ErrorKind = "provider"     // the provider answered with an error of its own
	ErrTransport   ErrorKind = "transport"    // DNS, connect, TLS, timeout, refused by the SSRF guard
	ErrInvalid     ErrorKind = "invalid"      // the integration's configuration (bad base URL) or, with Field, the action input cannot work
)

// Error is a provider call failure. Its Error text is what users see as the
// integration's last error, so it quotes the provider's own words ("403
// Forbidden — Access denied") and must never contain a credential.
type Error struct {
	Kind ErrorKind
	// Status is the HTTP status of a failed answer; 0 when there was no
	// HTTP answer, and for failures a provider reports inside a 200 answer
	// (WHM result=0, Slack ok=false), whose text is then the provider's alone.
	Status int
	// Code is the provider's own error code, if it has one.
	Code string
	// Message is the provider's own message, or a description of the
	// transport failure.
	Message    string
	RetryAfter time.Duration
	// Input marks an ErrInvalid error about an action's input rather than
	// the integration's configuration; Field names the input field at fault
	// by its JSON name, dotted for nested fields and indexed for array
	// elements as the API locates schema errors ("invoiceId",
	// "facts[0].title", "to[1]"), or is empty for the input as a whole. The API
	// answers such errors 422 naming body.<Field>; Message says what is
	// wrong with the field in words, without repeating its value.
	Input bool
	Field string
	// Gone marks an answer that says the destination a message was posted
	// to no longer exists and will not come back by itself: a deleted
	// webhook, an archived or removed channel, as the provider documents
	// it. Whoever keeps sending there (a chat subscription) stops instead
	// of retrying. errors.Is(err, ErrGone) reports it.
	Gone bool
	// Err is the underlying cause, if any (a transport error, ctx.Err()),
	// for errors.Is; its text is not shown.
	Err error
}

// ErrGone is matched by errors.Is for an *Error with Gone set. It carries
// no provider text, so it may travel as the cause of an application error.
var ErrGone = errors.New("the provider says the destination is gone for good")

// Is reports whether target is ErrGone and e is Gone.
func (e *Error) Is(target error) bool { return target == ErrGone && e.Gone }

// InputError returns the ErrInvalid error for an action input field (its
// JSON name) that the input schema cannot rule out, such as "either
// clientId or email is required".
func InputError(field, message string) *Error {
	return &Error{Kind: ErrInvalid, Input: true, Field: field, Message: message}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	switch {
	case e.Status != 0 && e.Message != "":
		return httpStatusText(e.Status) + " — " + e.Message
	case e.Status != 0:
		return httpStatusText(e.Status)
	default:
		return e.Message
	}
}

func httpStatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return "HTTP " + strconv.Itoa(code)
}
