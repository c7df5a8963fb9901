// Package normalize turns a provider's webhook delivery into standard
// events (providers.md Part C), one per change the delivery reports, and
// derives the delivery's idempotency key.
//
// It is pure: no I/O, no clock, no configuration. It never drops a
// delivery: a provider event without a standard name becomes
// "<provider>.<raw type>" (the raw part reduced to ASCII letters, digits and
// . _ : -), a body that does not parse becomes "<provider>.unparsed", and a
// provider id it does not know is still normalized generically. Data holds a
// few normalized fields per type (documented on each normalizer and in
// Types); secrets the payload may carry (Clickatell apiKey, Zoho CRM token,
// NetCash Extra3, card tokens) are never copied into it. The raw delivery
// stays the source of truth.
package normalize

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Event is a normalized webhook delivery.
type Event struct {
	// Type is the standard event type ("code.push", "payment.succeeded"),
	// or "<provider>.<raw type>" for an event without a standard name.
	Type string
	// OccurredAt is when the provider says the event happened, zero when the
	// payload does not say (the gateway then uses the received time).
	OccurredAt time.Time
	// Subject is the stable id of the object the event is about: repository
	// full name, ticket id, invoice id, KYC session id, email id, …
	Subject string
	// Data holds the normalized fields for Type (see Types), nil when none.
	Data map[string]any
	// RawType is the provider's own event name ("pull_request.closed",
	// "Merge Request Hook", "TicketOpen"), empty when the delivery names
	// none.
	RawType string
}

// ErrUnknownProvider is returned (wrapped) by Normalize with a usable,
// generically normalized event when the provider id is not one of ihub's.
var ErrUnknownProvider = errors.New("unknown provider")

// input is what a provider normalizer reads.
type input struct {
	header http.Header
	body   any // decoded JSON value or form object
	o      obj // body as an object, nil for a JSON array
}

// normalizer maps one provider's parsed delivery. An Event with an empty
// Type means "no standard name": Normalize then names it
// "<provider>.<RawType>".
type normalizer func(in input) Event

// normalizers is the one list of providers Normalize knows, by ihub
// provider id.
var normalizers = map[string]normalizer{
	"whm":          whmHook,
	"cpanel":       whmHook,
	"plesk":        generic,
	"whmcs":        whmcs,
	"vtiger":       generic,
	"awx":          awx,
	"terraform":    terraform,
	"github":       github,
	"gitlab":       gitlab,
	"bitbucket":    bitbucket,
	"slack":        slack,
	"discord":      discord,
	"teams":        generic,
	"zoho_crm":     zohoCRM,
	"zoho_sign":    zohoSign,
	"zoho_billing": zohoBilling,
	"zoho_desk":    zohoDesk,
	"didit":        didit,
	"netcash":      netcash,
	"clickatell":   clickatell,
	"aws_sns":      awsSNS,
	"sms_webhook":  smsWebhook,
	"resend":       resend,
	"smtp":         generic,
	"google_maps":  generic,
	"mtn_coverage": generic,
	"http":         genericHTTP,
}

// eventHeaders names the header that carries the event name, for the
// providers that have one; it gives RawType even when the body is
// malformed.
var eventHeaders = map[string]string{
	"github":    "X-GitHub-Event",
	"gitlab":    "X-Gitlab-Event",
	"bitbucket": "X-Event-Key",
	"whmcs":     "X-Hub-Event",
}

// EventHeader is the header in which a provider names its events ("" for
// the providers that name them in the body).
func EventHeader(provider string) string { return eventHeaders[provider] }

// MaxEvents bounds the events one delivery makes: a batch reporting more
// changes makes events of its first MaxEvents (the first event's
// data.event_count, where the provider has one, still says how many it
// held; the raw delivery keeps them all).
const MaxEvents = 100

// A splitter maps a delivery that may report several changes at once to
// one Event per change, in the order the payload lists them, the first
// being what the provider's normalizer makes of the delivery. Every
// provider without one makes one event per delivery.
type splitter func(in input) []Event

// splitters are the providers whose deliveries can report several changes:
// a Bitbucket push of several refs (git push --follow-tags moves a branch
// and creates a tag), a Zoho Desk batch, a Terraform notification with
// several triggers.
var splitters = map[string]splitter{
	"bitbucket": bitbucketAll,
	"zoho_desk": zohoDeskAll,
	"terraform": terraformAll,
}

// Normalize maps a verified delivery from provider (an ihub provider id such
// as "github" or "netcash") to a standard event: the first of NormalizeAll's,
// for a delivery that reports several changes.
//
// A body that does not parse is not an error: the event is
// "<provider>.unparsed" with no data. The error is non-nil only when the
// provider id is unknown; the returned event is still usable (typed
// "<provider>.<raw>" from a "type"/"event" field, or "<provider>.event").
func Normalize(provider string, header http.Header, body []byte) (Event, error) {
	evs, err := normalizeWith(provider, header, body, false)
	return evs[0], err
}

// NormalizeAll maps a verified delivery to its standard events: one per
// change it reports (at most MaxEvents), in the payload's order, the first
// being Normalize's. header and body are the request's headers and raw
// body, JSON or form-encoded. It returns at least one event, and an error
// only as Normalize does.
func NormalizeAll(provider string, header http.Header, body []byte) ([]Event, error) {
	return normalizeWith(provider, header, body, true)
}

func normalizeWith(provider string, header http.Header, body []byte, all bool) ([]Event, error) {
	name := typePart(provider)
	if strings.TrimSpace(provider) == "" {
		name = "unknown"
	}
	fn, known := normalizers[provider]
	if !known {
		fn = generic
	}
	var evs []Event
	if v, ok := decode(header, body); ok {
		in := input{header: header, body: v, o: asObj(v)}
		if split := splitters[provider]; all && split != nil {
			evs = split(in)
			evs = evs[:min(len(evs), MaxEvents)]
		} else {
			evs = []Event{fn(in)}
		}
		for i := range evs {
			ev := &evs[i]
			ev.RawType, ev.Subject = cleanRaw(ev.RawType), cleanSubject(ev.Subject)
			if ev.Type == "" {
				ev.Type = name + "." + typePart(ev.RawType)
			}
		}
	} else {
		ev := Event{Type: name + ".unparsed", RawType: cleanRaw(headerValue(header, eventHeaders[provider]))}
		// A provider's check of the endpoint is one whatever its body
		// (GitHub's ping is named by its header).
		if ev.RawType != "" {
			if p := fn(input{header: header, o: obj{}}); strings.HasPrefix(p.Type, "system.") {
				ev.Type = p.Type
			}
		}
		evs = []Event{ev}
	}
	if !known {
		return evs, errUnknown(provider)
	}
	return evs, nil
}

// errUnknown names the provider without echoing an arbitrarily long value.
func errUnknown(provider string) error {
	return &unknownProviderError{id: cleanRaw(provider)}
}

type unknownProviderError struct{ id string }

func (e *unknownProviderError) Error() string {
	return "normalize: provider " + `"` + e.id + `"` + ": " + ErrUnknownProvider.Error()
}

func (e *unknownProviderError) Unwrap() error { return ErrUnknownProvider }

// deliveryHeaders lists, per provider, the headers carrying a delivery id,
// most specific first. Every provider then falls back on the Standard
// Webhooks / Svix headers and Idempotency-Key.
var deliveryHeaders = map[string][]string{
	"github":      {"X-GitHub-Delivery"},
	"gitlab":      {"Idempotency-Key", "webhook-id", "X-Gitlab-Event-UUID"},
	"bitbucket":   {"X-Request-UUID", "X-Request-Id"},
	"whmcs":       {"X-Hub-Delivery"},
	"resend":      {"svix-id", "webhook-id"},
	"aws_sns":     {"x-amz-sns-message-id"},
	"sms_webhook": {"I-Twilio-Idempotency-Token"},
	"http":        {"I-Twilio-Idempotency-Token"},
}

// commonDeliveryHeaders are tried after the provider's own for the generic
// provider (and unknown ones), whose senders may send any of them. A
// provider ihub knows gets its documented id only: an unsigned header that
// took precedence over an id from the signed body, or over the body's hash,
// would let a captured delivery, replayed with a new header, pass for a new
// one.
var commonDeliveryHeaders = []string{"webhook-id", "svix-id", "Idempotency-Key"}

// maxDeliveryID bounds a delivery id taken from a header or body; longer or
// non-printable values are replaced by their SHA-256.
const maxDeliveryID = 256

// DeliveryID returns the idempotency key of a delivery, per providers.md
// Part C: the provider's delivery id header (X-GitHub-Delivery,
// webhook-id/svix-id, Idempotency-Key/X-Gitlab-Event-UUID, X-Request-UUID,
// X-Hub-Delivery, I-Twilio-Idempotency-Token, x-amz-sns-message-id), else
// the provider's event id in the body (Slack event_id, Discord id, Stripe
// evt_ id, Zoho Billing event_id, SNS MessageId; composites for Didit,
// NetCash, Clickatell and Twilio where a status change reuses the id), else
// "sha256:" + hex(sha256(body)). It never returns "".
func DeliveryID(provider string, header http.Header, body []byte) string {
	for _, name := range deliveryHeaders[provider] {
		if v := headerValue(header, name); v != "" {
			return BoundID(v)
		}
	}
	if _, known := normalizers[provider]; !known || provider == "http" {
		for _, name := range commonDeliveryHeaders {
			if v := headerValue(header, name); v != "" {
				return BoundID(v)
			}
		}
	}
	if v, ok := decode(header, body); ok {
		if id := bodyEventID(provider, v); id != "" {
			return BoundID(id)
		}
	}
	return hashID(body)
}

func hashID(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// CleanName is a provider's name for something (an event type from a
// header) made safe to store and display: valid UTF-8 without control
// characters, at most 128 bytes.
func CleanName(s string) string { return cleanRaw(s) }

// BoundID keeps a printable id of at most 256 bytes as it is and hashes
// anything else, so that the stored key stays small and safe to display;
// "" stays "".
func BoundID(id string) string {
	if len(id) > maxDeliveryID {
		return hashID([]byte(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return hashID([]byte(id))
		}
	}
	return id
}

// bodyIDProviders are the providers whose bodies carry an id that
// bodyEventID reads; the others' deliveries without a delivery id header
// are told apart by a hash of the body.
var bodyIDProviders = []string{"slack", "discord", "zoho_billing", "aws_sns", "didit", "netcash", "clickatell", "sms_webhook", "http"}

// HasBodyID reports whether the provider's bodies carry an id ihub
// deduplicates on (when the delivery has no id header).
func HasBodyID(provider string) bool { return slices.Contains(bodyIDProviders, provider) }

// bodyEventID returns the provider's event id from a parsed body, "" when
// the provider puts none there.
func bodyEventID(provider string, v any) string {
	o := asObj(v)
	if o == nil || !HasBodyID(provider) {
		return ""
	}
	join := func(parts ...string) string {
		for _, p := range parts {
			if p == "" {
				return ""
			}
		}
		return strings.Join(parts, ":")
	}
	switch provider {
	case "slack":
		if id := o.str("event_id"); id != "" {
			return id
		}
		if p := formPayload(o); p != nil {
			return p.str("trigger_id")
		}
		return o.str("trigger_id")
	case "discord":
		return o.str("id")
	case "zoho_billing":
		return o.str("event_id")
	case "aws_sns":
		return o.str("MessageId")
	case "didit":
		// No delivery header: the envelope identifies a delivery
		// (providers.md B12).
		return join(o.str("session_id"), o.str("webhook_type"), o.str("status"), o.str("timestamp"))
	case "netcash":
		// RequestTrace is NetCash's transaction id; a pending EFT payment
		// posts again with the same trace when it settles, so the outcome is
		// part of the key [?].
		trace := o.first("RequestTrace")
		if trace == "" {
			return ""
		}
		outcome := strings.TrimPrefix(netcashType(o), "payment.")
		if outcome == "" {
			outcome = "postback"
		}
		return trace + ":" + outcome
	case "clickatell":
		// providers.md B14: messageId + status.
		return join(o.first("messageId", "apiMsgId"), o.first("status", "statusCode"))
	case "sms_webhook":
		if sid := o.first("MessageSid", "SmsSid"); sid != "" {
			return join(sid, o.first("MessageStatus", "SmsStatus"))
		}
		return join(o.first("messageId", "message_id", "id"), o.first("status"))
	case "http":
		if o.str("object") == "event" && strings.HasPrefix(o.str("id"), "evt_") {
			return o.str("id")
		}
		return o.str("event_id")
	}
	return ""
}
