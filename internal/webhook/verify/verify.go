package verify

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strconv"
	"time"
)

// Scheme ids, as named by provider.WebhookSpec.Scheme
// (providertest.WebhookSchemes).
const (
	SchemeGitHub           = "github"
	SchemeGitLabToken      = "gitlab_token"
	SchemeSlack            = "slack"
	SchemeStandardWebhooks = "standard_webhooks"
	SchemeStripe           = "stripe"
	SchemeBitbucket        = "bitbucket"
	SchemeDiscordEd25519   = "discord_ed25519"
	SchemeTwilio           = "twilio"
	SchemeTerraform        = "terraform"
	SchemeWHMCS            = "whmcs"
	SchemeNetCash          = "netcash"
	SchemeDidit            = "didit"
	SchemeZohoSign         = "zoho_sign"
	SchemeZohoPayments     = "zoho_payments"
	SchemeHeaderToken      = "header_token"
	SchemeQueryToken       = "query_token"
	SchemeBodyToken        = "body_token"
	SchemeBasicAuth        = "basic_auth"
	SchemeHMAC             = "hmac"
	SchemeNone             = "none"
)

// DefaultTolerance is the timestamp window used when Config.Tolerance is 0.
const DefaultTolerance = 5 * time.Minute

// Schemes returns the scheme ids Verify understands, in the order of
// providers.md Part B.
func Schemes() []string {
	return []string{
		SchemeGitHub, SchemeGitLabToken, SchemeSlack, SchemeStandardWebhooks, SchemeStripe, SchemeBitbucket,
		SchemeDiscordEd25519, SchemeTwilio, SchemeTerraform, SchemeWHMCS, SchemeNetCash, SchemeDidit,
		SchemeZohoSign, SchemeZohoPayments, SchemeHeaderToken, SchemeQueryToken, SchemeBodyToken, SchemeBasicAuth,
		SchemeHMAC, SchemeNone,
	}
}

// Request is an inbound webhook as received.
type Request struct {
	// Method is the HTTP method (twilio signs GET requests without a body).
	Method string
	// URL is the full external URL as the provider called it, with scheme,
	// host, path and query (twilio signs it). Behind a proxy it must be
	// rebuilt from the public URL, not from the listener's address.
	URL string
	// Header holds the request headers, canonicalized as net/http does.
	Header http.Header
	// Body is the raw body, byte for byte.
	Body []byte
}

// HMACConfig describes the generic "hmac" scheme.
type HMACConfig struct {
	// Algorithm is "sha1", "sha256" (the default when empty) or "sha512".
	Algorithm string
	// Header names the header carrying the signature. Required.
	Header string
	// Encoding of the signature: "hex" (the default when empty) or "base64".
	Encoding string
	// Prefix the header value starts with, such as "sha256=" (may be empty).
	Prefix string
	// Signed is what the HMAC covers: "body" (the default when empty) or
	// "timestamp.body" for "{timestamp}.{body}" with the timestamp (Unix
	// seconds) taken from TimestampHeader.
	Signed string
	// TimestampHeader names the header with the Unix-seconds timestamp;
	// required when Signed is "timestamp.body".
	TimestampHeader string
	// DeliveryIDHeader optionally names a header with the delivery id.
	DeliveryIDHeader string
}

// Values of HMACConfig fields.
const (
	SignedBody          = "body"
	SignedTimestampBody = "timestamp.body"
	EncodingHex         = "hex"
	EncodingBase64      = "base64"
)

// Config is one endpoint's verification setup.
type Config struct {
	// Scheme is one of Schemes(). It must be set; "none" (accept
	// everything) only when chosen explicitly.
	Scheme string
	// Secrets are the shared secrets, current first, then previous ones
	// still valid during a rotation grace period; any of them may match.
	// What a secret is depends on the scheme: the webhook secret as typed
	// (github, slack, stripe, …), the "whsec_…" string (standard_webhooks),
	// the application's hex public key (discord_ed25519), the auth token
	// (twilio), the token or password (gitlab_token, header_token,
	// query_token, body_token, basic_auth). Empty secrets are refused.
	Secrets [][]byte
	// Tolerance is the accepted distance between a signed timestamp and
	// Now, in both directions; 0 means DefaultTolerance.
	Tolerance time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// HMAC configures the generic "hmac" scheme.
	HMAC HMACConfig
	// HeaderName names the header carrying the token for "header_token".
	HeaderName string
	// QueryParam names the URL query parameter carrying the token for
	// "query_token" (the gateway's default: DefaultQueryParam).
	QueryParam string
	// BodyField names the top-level member of the JSON object body
	// carrying the token for "body_token" (the gateway's default:
	// DefaultBodyField).
	BodyField string
	// Username is the expected basic-auth user name for "basic_auth"
	// (compared exactly; empty means the request's user name must be
	// empty).
	Username string
	// Legacy accepts the weaker form a scheme still has: GitHub's SHA-1
	// X-Hub-Signature when X-Hub-Signature-256 is absent, and Didit's
	// X-Signature-Simple, which covers only the envelope (timestamp,
	// session, status, type) and not the rest of the body.
	Legacy bool
}

// Result is what a successful verification learned.
type Result struct {
	// Timestamp is the signed timestamp, zero when the scheme has none.
	Timestamp time.Time
	// DeliveryID is the provider's delivery id from the scheme's header (or
	// field), empty when it has none.
	DeliveryID string
	// Signature identifies the signature that matched, for the gateway's
	// replay cache: the scheme id, a colon and the lower-case hex of the
	// signature's decoded bytes, such as "slack:a2114d57…". It is
	// canonical: every spelling Verify accepts for one signature (hex in
	// any case, base64 with any value in the unused low bits of its last
	// character, surrounding space, its position among several
	// signatures) gives the same value, and different signatures give
	// different values. It holds only what the sender sent, never a
	// secret. A sender that sends several signatures (Stripe and Standard
	// Webhooks during a rotation, Didit's three headers) has one value per
	// signature: which one is reported depends on which ones the request
	// still carries and which secrets are configured, not on their order.
	//
	// It is empty for schemes that send the secret itself (gitlab_token's
	// token form, header_token, query_token, body_token, basic_auth), for
	// netcash (its token repeats on every postback of a payment) and for
	// "none".
	Signature string
}

// Kind classifies a verification failure.
type Kind string

// Kinds of failure.
const (
	// KindConfig: the endpoint's configuration is unusable (unknown scheme,
	// no secret, bad key); the request was not judged.
	KindConfig Kind = "config"
	// KindMissing: a required header or field is absent.
	KindMissing Kind = "missing"
	// KindMalformed: a header or field is present but cannot be parsed.
	KindMalformed Kind = "malformed"
	// KindMismatch: no configured secret produces the signature.
	KindMismatch Kind = "mismatch"
	// KindTimestamp: the signature is valid but its timestamp is outside
	// the tolerance (too old: a replay; too far in the future).
	KindTimestamp Kind = "timestamp"
)

// Error is a verification failure. Reason is short and safe to store and
// show: it never contains a secret, an expected signature or the payload.
type Error struct {
	Kind   Kind
	Reason string
	// Setting, on a KindConfig error from Validate, names the endpoint
	// setting at fault ("algorithm", "header", "headerName", ...), when one
	// setting is.
	Setting string
}

// Error returns the reason prefixed with "webhook verification: ".
func (e *Error) Error() string { return "webhook verification: " + e.Reason }

func fail(k Kind, reason string) error { return &Error{Kind: k, Reason: reason} }

func missing(header string) error { return fail(KindMissing, "missing "+header+" header") }

func malformed(header string) error { return fail(KindMalformed, "malformed "+header+" header") }

var errMismatch = &Error{Kind: KindMismatch, Reason: "signature mismatch"}

// Verify checks r against c. It returns a *Error when the request must be
// rejected, including when c itself is invalid (see Validate).
func Verify(c Config, r Request) (Result, error) {
	if err := Validate(c); err != nil {
		return Result{}, err
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	v := verifier{c: c, r: r}
	switch c.Scheme {
	case SchemeGitHub:
		return v.github()
	case SchemeGitLabToken:
		return v.gitlab()
	case SchemeSlack:
		return v.slack()
	case SchemeStandardWebhooks:
		return v.standardWebhooks()
	case SchemeStripe:
		return v.timestamped("Stripe-Signature", "v1", time.Second)
	case SchemeBitbucket:
		return v.bitbucket()
	case SchemeDiscordEd25519:
		return v.discord()
	case SchemeTwilio:
		return v.twilio()
	case SchemeTerraform:
		return v.terraform()
	case SchemeWHMCS:
		return v.whmcs()
	case SchemeNetCash:
		return v.netcash()
	case SchemeDidit:
		return v.didit()
	case SchemeZohoSign:
		return v.zohoSign()
	case SchemeZohoPayments:
		return v.timestamped("X-Zoho-Webhook-Signature", "v", time.Millisecond)
	case SchemeHeaderToken:
		return v.headerToken()
	case SchemeQueryToken:
		return v.queryToken()
	case SchemeBodyToken:
		return v.bodyToken()
	case SchemeBasicAuth:
		return v.basicAuth()
	case SchemeHMAC:
		return v.hmacGeneric()
	case SchemeNone:
		return Result{}, nil
	}
	return Result{}, fail(KindConfig, "unknown scheme") // unreachable after Validate
}

// verifier carries one verification.
type verifier struct {
	c Config
	r Request
}

func (v *verifier) now() time.Time {
	if v.c.Now != nil {
		return v.c.Now()
	}
	return time.Now()
}

func (v *verifier) tolerance() time.Duration {
	if v.c.Tolerance > 0 {
		return v.c.Tolerance
	}
	return DefaultTolerance
}

// parseUnix parses a Unix-seconds timestamp header value.
func parseUnix(header, s string) (time.Time, error) {
	return parseUnixIn(header, s, time.Second)
}

// parseUnixIn parses a Unix timestamp counted in unit (a second or a
// millisecond): digits only, at most 12 of seconds' worth.
func parseUnixIn(header, s string, unit time.Duration) (time.Time, error) {
	if s == "" {
		return time.Time{}, missing(header)
	}
	maxLen := 12
	if unit == time.Millisecond {
		maxLen = 15
	}
	if len(s) > maxLen {
		return time.Time{}, malformed(header)
	}
	for _, ch := range []byte(s) {
		if ch < '0' || ch > '9' {
			return time.Time{}, malformed(header)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, malformed(header)
	}
	if unit == time.Millisecond {
		return time.UnixMilli(n), nil
	}
	return time.Unix(n, 0), nil
}

// checkTime rejects a timestamp outside the tolerance in either direction.
func (v *verifier) checkTime(ts time.Time) error {
	now, tol := v.now(), v.tolerance()
	switch d := now.Sub(ts); {
	case d > tol:
		return fail(KindTimestamp, "timestamp too old")
	case d < -tol:
		return fail(KindTimestamp, "timestamp too far in the future")
	}
	return nil
}

// tokenEqual compares a presented token with a secret in constant time,
// hashing both first so that the comparison does not reveal the length.
func tokenEqual(got string, secret []byte) bool {
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256(secret)
	return hmac.Equal(a[:], b[:])
}
