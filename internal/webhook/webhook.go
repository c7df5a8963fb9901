// Package webhook is the inbound side of ihub: webhook endpoints (one
// ingress URL each, with the provider's verification scheme and a sealed
// secret), and the ingest path that verifies a delivery on its raw bytes,
// deduplicates it on the provider's delivery id and stores it durably —
// with its processing queued in the same transaction — before the provider
// gets its 2xx. Concurrent deliveries share a transaction (group commit), so
// that durability does not cost one disk sync per webhook.
//
// Signature schemes live in webhook/verify and the mapping of provider
// events to ihub's standard events in webhook/normalize; both are pure.
package webhook

import (
	"context"
	"net/http"
	"slices"
	"time"

	"ihub/internal/audit"
	"ihub/internal/jsonenc"
)

// Endpoint is one webhook ingress.
type Endpoint struct {
	ID            string
	IntegrationID string
	Provider      string // the integration's provider, for the default scheme and normalization
	Name          string
	// IsDefault marks the endpoint that /api/v1/integrations/hooks/{integrationId}
	// (the seed's URL form) resolves to.
	IsDefault bool
	// Scheme is the verification scheme (verify.Schemes); Settings its
	// options (header name, algorithm, encoding, prefix, user name).
	Scheme   string
	Settings map[string]string
	// EventTypes, when not empty, lists the provider event types accepted;
	// others are answered 2xx and recorded as rejected (ignored).
	EventTypes []string
	// AllowedCIDRs, when not empty, restricts the sources.
	AllowedCIDRs []string
	// Tolerance is the accepted clock difference for timestamped schemes.
	Tolerance    time.Duration
	MaxBodyBytes int64
	IsActive     bool
	// HasSecret says whether a secret is set; SecretUpdatedAt when it was
	// last set, and PreviousSecretExpiresAt until when the one before it is
	// still accepted (rotation grace).
	HasSecret               bool
	SecretUpdatedAt         *time.Time
	PreviousSecretExpiresAt *time.Time
	Version                 int64
	CreatedAt, UpdatedAt    time.Time
}

// SealedSecrets are an endpoint's secrets as stored (vault ciphertexts).
type SealedSecrets struct {
	Current, Previous           []byte
	CurrentKeyID, PreviousKeyID string
	PreviousExpiresAt           *time.Time
	UpdatedAt                   *time.Time
}

// Delivery statuses.
const (
	StatusPending   = "pending"
	StatusProcessed = "processed"
	StatusFailed    = "failed"
	StatusDuplicate = "duplicate"
	StatusRejected  = "rejected"
)

// Statuses lists them.
var Statuses = []string{StatusPending, StatusProcessed, StatusFailed, StatusDuplicate, StatusRejected}

// NewDelivery is a delivery to store.
type NewDelivery struct {
	EndpointID, IntegrationID string
	ReceivedAt                time.Time
	// Status is pending (accepted) or rejected; a pending delivery whose
	// DedupeKey was seen before is stored as duplicate instead.
	Status string
	// DedupeKey is the provider's delivery id (or a content hash); empty for
	// rejected deliveries.
	DedupeKey string
	// ReplayKey identifies a timestamped signature (empty for other
	// schemes): a pending delivery whose ReplayKey the endpoint has
	// already stored is a duplicate too, whatever its DedupeKey, on every
	// replica and after a restart (see replayCache).
	ReplayKey          string
	ProviderDeliveryID string
	EventType          string
	// Header is already redacted.
	Header http.Header
	// Payload is nil for rejected deliveries.
	Payload     []byte
	PayloadSize int64
	SourceIP    string
	// Reason is why a delivery was rejected.
	Reason   string
	ReplayOf *int64
	// Test marks a delivery sent by the endpoint's test action: kept out
	// of the endpoint's signals.
	Test bool
	// HeaderText is Header as JSON, computed by the caller so that the
	// single writer does not (see HeaderJSON).
	HeaderText string
	// Events, when there are some on an accepted delivery, are its
	// normalized events, in order, each with its Part: the store writes
	// them in the same transaction (their DeliveryID is filled in there,
	// and they take consecutive sequence numbers on SQLite; in order on
	// PostgreSQL) and stores the delivery as processed.
	Events []Event
}

// HeaderJSON returns the headers as stored: HeaderText, or Header encoded.
func (d NewDelivery) HeaderJSON() string {
	if d.HeaderText != "" {
		return d.HeaderText
	}
	if d.Header == nil {
		return "{}"
	}
	return encodeHeader(d.Header)
}

// encodeHeader is h as encoding/json writes it (names sorted), without its
// reflection: it runs for every delivery on the acknowledgement path.
func encodeHeader(h http.Header) string {
	names := make([]string, 0, len(h))
	size := 2
	for k, vs := range h {
		names = append(names, k)
		size += len(k) + 6
		for _, v := range vs {
			size += len(v) + 3
		}
	}
	slices.Sort(names)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, k, true)
		b = append(b, ':')
		b = jsonenc.AppendStrings(b, h[k], true)
	}
	b = append(b, '}')
	return string(b)
}

// Inserted is the outcome of storing a NewDelivery.
type Inserted struct {
	ID     int64
	Status string // as stored: pending, duplicate or rejected
	// DuplicateOf is the first delivery with the same key, for duplicates.
	DuplicateOf int64
}

// Delivery is a stored delivery, for logs.
type Delivery struct {
	ID                 int64
	EndpointID         string
	IntegrationID      string
	ReceivedAt         time.Time
	Status             string
	ProviderDeliveryID string
	EventType          string
	Header             http.Header
	Payload            []byte
	PayloadSize        int64
	SourceIP           string
	Reason             string
	Attempts           int64
	ProcessedAt        *time.Time
	ProcessingMs       *int64
	ReplayOf           *int64
	DuplicateOf        *int64
	Test               bool
	// EventIDs are the ids of the events the delivery made, in their
	// order (filled by Store.GetDelivery only, not in lists).
	EventIDs []string
}

// DeliveryFilter selects deliveries for logs.
type DeliveryFilter struct {
	EndpointID string
	Status     string
	Since      *time.Time
	Until      *time.Time
	// BeforeID pages backwards (newest first); 0 starts at the newest.
	BeforeID int64
	// AfterID keeps deliveries with a larger id (a bulk replay's next
	// page); 0 keeps all.
	AfterID int64
	// Offset skips this many matches (a page of the logs).
	Offset int
	Limit  int
	// Oldest lists oldest first (replay of a range) instead of newest first.
	Oldest bool
	// WithPayload lists only deliveries with a stored payload.
	WithPayload bool
	// Originals keeps the deliveries the provider sent: it leaves out
	// replays (copies made by Replay and ReplayMany) and test deliveries.
	Originals bool
	// Summary leaves out each delivery's headers and payload (up to the
	// endpoint's body cap each): for listings that do not show them.
	Summary bool
}

// Event is a normalized event.
type Event struct {
	Seq        int64
	ID         string // evt_…, see EventID
	DeliveryID int64
	// Part is the event's place among the changes its delivery reports
	// (normalize.NormalizeAll), 0 for the first: a delivery's events are
	// unique by part.
	Part          int
	IntegrationID string
	Provider      string
	Type          string
	Subject       string
	OccurredAt    time.Time
	CreatedAt     time.Time
	Data          map[string]any
	// DataJSON is Data encoded, when the caller computed it already.
	DataJSON []byte
	// Test and ReplayOf are its delivery's provenance, as read back: a
	// test send's event, or a replay's (of the delivery ReplayOf).
	Test     bool
	ReplayOf *int64
}

// EventPage is a read of the event stream through a filter.
type EventPage struct {
	Events []Event
	// Next is the cursor to read on from: past the events, and past those
	// the filter skipped after them.
	Next int64
	// More says the read stopped at its bound (limit events, or the
	// events it may examine), not at the newest event: there may be more
	// to read at once.
	More bool
}

// Signals are an endpoint's failure and silence signals, for health.
type Signals struct {
	// Window is what the counts cover (24 h). They count what senders
	// delivered: replays are left out, and so are deliveries rejected only
	// because the endpoint does not accept their event type (verified,
	// answered as accepted; not failures).
	Window                     time.Duration
	Accepted, Rejected, Failed int64
	// FailureRate is (rejected+failed)/(accepted+rejected+failed),
	// duplicates left out; 0 with no deliveries.
	FailureRate float64
	// LastAcceptedAt is the newest accepted delivery (not a replay), nil if
	// none ever.
	LastAcceptedAt *time.Time
}

// Store is what the package needs from persistence.
type Store interface {
	// CreateWebhookEndpoint stores ep and returns it as stored: ep.IsDefault
	// moves the integration's default mark to it, and the integration's
	// first endpoint is its default whatever ep says (the seed's URL goes to
	// it either way). Concurrent creates and moves of one integration's
	// default are serialized.
	CreateWebhookEndpoint(ctx context.Context, ep Endpoint, sec SealedSecrets, e audit.Entry) (Endpoint, error)
	GetWebhookEndpoint(ctx context.Context, id string) (Endpoint, SealedSecrets, error)
	DefaultWebhookEndpoint(ctx context.Context, integrationID string) (Endpoint, SealedSecrets, error)
	ListWebhookEndpoints(ctx context.Context, integrationID string) ([]Endpoint, error)
	// UpdateWebhookEndpoint writes ep if the stored version is still
	// ep.Version (apperr PreconditionFailed otherwise); sec nil keeps the
	// secrets.
	UpdateWebhookEndpoint(ctx context.Context, ep Endpoint, sec *SealedSecrets, e audit.Entry) error
	DeleteWebhookEndpoint(ctx context.Context, id string, e audit.Entry) error
	// InsertDeliveries stores a batch in one transaction, in order, and
	// returns one result per delivery.
	InsertDeliveries(ctx context.Context, ds []NewDelivery) ([]Inserted, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	GetDelivery(ctx context.Context, id int64) (Delivery, error)
	// ClaimPending returns up to n pending deliveries, oldest first.
	ClaimPending(ctx context.Context, n int) ([]Delivery, error)
	// CompleteDeliveries marks deliveries processed (with their events) or
	// failed, in one transaction.
	CompleteDeliveries(ctx context.Context, done []Completed) error
	ListEvents(ctx context.Context, afterSeq int64, limit int) ([]Event, error)
	// ScanEvents reads, in order, the events after the cursor that match:
	// up to limit of them, examining up to budget events. match sees an
	// event's Seq, IntegrationID and Type only. The page's Next is past
	// every event it examined that a cursor may pass, matched or not; as
	// ListEvents, it stops before an id that may still commit.
	ScanEvents(ctx context.Context, afterSeq int64, limit, budget int, match func(Event) bool) (EventPage, error)
	// NewestEventSeq is the largest event id ever given (0 before the
	// first), whether or not retention has removed the event since.
	NewestEventSeq(ctx context.Context) (int64, error)
	// PurgedEventSeq is the largest id of the events retention removed (0
	// before the first): a consumer of the pull API whose cursor is below
	// it missed events.
	PurgedEventSeq(ctx context.Context) (int64, error)
	EndpointSignals(ctx context.Context, endpointID string, now time.Time) (Signals, error)
	PurgeDeliveries(ctx context.Context, before time.Time) (int64, error)
	IntegrationsChangeCounter(ctx context.Context) (int64, error)
	RecordActivity(ctx context.Context, e audit.Entry) error
}

// Completed is the outcome of processing one delivery.
type Completed struct {
	DeliveryID   int64
	Status       string // processed or failed
	Reason       string
	ProcessedAt  time.Time
	ProcessingMs int64
	Events       []Event
}
