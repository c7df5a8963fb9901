package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/egress"
	"ihub/internal/provider"
	"ihub/internal/webhook/natspub"
)

// Subscription targets.
const (
	TargetHTTP = "http" // POST to URL, signed with Standard Webhooks
	TargetNATS = "nats" // publish to Subject on the JetStream server at URL
	TargetChat = "chat" // a message through a Slack, Discord or Teams integration
)

// ChatProviders are the providers a chat target can use (each has the
// send_message action).
var ChatProviders = []string{"slack", "discord", "teams"}

// Subscription receives normalized events: over HTTP, signed with Standard
// Webhooks; on a NATS JetStream subject, with the same signature headers; or
// as a chat message.
type Subscription struct {
	ID             string
	Name           string
	EventTypes     []string // empty: all
	IntegrationIDs []string // empty: all
	Target         string
	// URL is the HTTP URL (http target) or the NATS server URL (nats).
	URL string
	// Subject is the NATS subject (nats target).
	Subject string
	// ChatIntegrationID is the Slack, Discord or Teams integration that
	// posts the messages (chat target).
	ChatIntegrationID string
	// NATSAuthKind says how ihub authenticates to the NATS server
	// (natspub.AuthToken, AuthUser, AuthCreds; empty: it does not); the
	// credentials are TargetSecret, sealed (never shown).
	NATSAuthKind      string
	TargetSecret      []byte
	TargetSecretKeyID string
	// AllowPrivateNetwork lets the URL be on loopback or a private network.
	AllowPrivateNetwork bool
	MaxConcurrency      int
	IsActive            bool
	// DisabledReason says why ihub disabled it (the subscriber answered
	// 410, or a chat target's channel or webhook is gone).
	DisabledReason       string
	Version              int64
	CreatedAt, UpdatedAt time.Time
	// StartSeq is the newest event's Seq when the subscription was created
	// (set by the store): it receives the events after it.
	StartSeq int64
}

// Matches reports whether ev goes to the subscription.
func (s Subscription) Matches(ev Event) bool {
	return EventFilter{Types: s.EventTypes, IntegrationIDs: s.IntegrationIDs}.Matches(ev)
}

// EventFilter selects events by type and integration: a subscription's
// filter, and the pull API's.
type EventFilter struct {
	// Types are event types (code.push) and families (code.*: code.push,
	// code.tag.created, …), checked by checkEventFilter; empty: all.
	Types []string
	// IntegrationIDs are integration ids (not slugs); empty: all.
	IntegrationIDs []string
}

// IsZero reports whether the filter lets every event through.
func (f EventFilter) IsZero() bool { return len(f.Types) == 0 && len(f.IntegrationIDs) == 0 }

// Matches reports whether ev passes the filter; it reads ev's Type and
// IntegrationID only.
func (f EventFilter) Matches(ev Event) bool {
	if len(f.Types) > 0 && !slices.ContainsFunc(f.Types, func(t string) bool {
		return t == ev.Type || (strings.HasSuffix(t, ".*") && strings.HasPrefix(ev.Type, strings.TrimSuffix(t, "*")))
	}) {
		return false
	}
	return len(f.IntegrationIDs) == 0 || slices.Contains(f.IntegrationIDs, ev.IntegrationID)
}

// MaxSubscriptions bounds how many subscriptions ihub holds: every
// dispatcher step looks at each of them.
const MaxSubscriptions = 1000

// Attempt statuses.
const (
	AttemptPending   = "pending"
	AttemptDelivered = "delivered"
	AttemptFailed    = "failed" // gave up after the last retry
)

// Attempt is one event's delivery to one subscription.
type Attempt struct {
	ID             int64
	SubscriptionID string
	EventSeq       int64
	Status         string
	Attempts       int64
	NextAttemptAt  time.Time
	LastStatus     int64
	LastError      string
	CreatedAt      time.Time
	DeliveredAt    *time.Time
	// EventID ("evt_…", the webhook-id subscribers receive) and EventType
	// name the event; filled by the attempts list, empty once retention
	// removed the event.
	EventID, EventType string
}

// Work is a due attempt with what is needed to send it.
type Work struct {
	Attempt      Attempt
	Event        Event
	Subscription Subscription
	Secret       []byte // sealed
}

// Send outcomes, for Options.OnSend.
const (
	SendDelivered = "delivered"
	SendRetry     = "retry"    // failed; tried again later
	SendFailed    = "failed"   // failed for the last time
	SendDisabled  = "disabled" // the destination is gone (410 Gone): the subscription was disabled
)

// Outcome of one send.
type SendResult struct {
	AttemptID int64
	Delivered bool
	// GiveUp marks the last retry failed.
	GiveUp bool
	// Disable disables the subscription (410 Gone, or a chat target's
	// channel or webhook gone) with this reason; the
	// attempt, counted, stays pending for when it is enabled again.
	Disable string
	// Disabled is the activity entry recorded with a Disable, when it is
	// the one that turns the subscription off.
	Disabled *audit.Entry
	// CutShort marks a send the shutdown ended (Dispatcher.CutShort): it
	// is recorded with its Error, not counted, and due again at At.
	CutShort bool
	// SentVersion is the subscription's version the send was made under:
	// a Disable applies only while the subscription is still at it, so
	// that a late 410 from the old URL does not switch off the one just
	// fixed. Zero: not checked.
	SentVersion int64
	Status      int
	Error       string
	NextAttempt time.Time
	At          time.Time
	// Lease is the end of the lease the attempt was sent under (its
	// next_attempt_at when claimed). An outcome other than delivered is
	// recorded only while the attempt is still pending under that lease:
	// a late one must not undo another claim's record, or break its lease
	// so that the event is sent once more. Zero: not checked.
	Lease time.Time
}

// Claim says what FanOutAndClaim may claim, and for whom.
type Claim struct {
	// Lease is how long claimed attempts are the claimer's alone.
	Lease time.Duration
	// Limit bounds the attempts claimed in all.
	Limit int
	// Room says how many attempts of a subscription may be claimed now
	// (none when it is not positive).
	Room func(Subscription) int
	// Owner names the claiming dispatcher, marked present (MarkPresent)
	// under that name. Where several processes share the store, a
	// subscription's attempts are claimed by one owner at a time, so that
	// the subscription's MaxConcurrency holds across replicas: until the
	// lease of the last attempts it claimed has ended, or until it is no
	// longer present (its process died), whichever comes first.
	Owner string
}

// Presence is a dispatcher's mark in a shared store that it is alive (see
// SubscriptionStore.MarkPresent).
type Presence interface {
	// Check says whether the mark still holds (its database connection
	// answers). A mark found lost is gone for good: the dispatcher marks
	// itself again under a new name, as the old one may still look held
	// to others until the database notices the broken connection. It
	// also reads the shared store's clock: dbNow is the database's time
	// when it answered, zero where one process has the store (SQLite).
	Check(ctx context.Context) (dbNow time.Time, ok bool)
	// Held says whether the mark held when last made or checked.
	Held() bool
	// Release removes the mark.
	Release()
}

// ErrOwnerNameTaken is MarkPresent's answer for a name that another
// present dispatcher holds.
var ErrOwnerNameTaken = errors.New("webhook: another running dispatcher has this name")

// SubscriptionStore is what subscriptions need from persistence.
type SubscriptionStore interface {
	CreateSubscription(ctx context.Context, s Subscription, sealed []byte, keyID string, e audit.Entry) error
	GetSubscription(ctx context.Context, id string) (Subscription, []byte, error)
	ListSubscriptions(ctx context.Context) ([]Subscription, error)
	UpdateSubscription(ctx context.Context, s Subscription, e audit.Entry) error
	// DeleteSubscription removes the subscription from every read, list,
	// fan-out and claim at once; its attempts may be deleted afterwards,
	// in the background.
	DeleteSubscription(ctx context.Context, id string, e audit.Entry) error
	// FanOutAndClaim turns up to fanLimit new events into attempts for
	// the subscriptions match selects, advancing the cursor, then leases
	// up to claimLimit due attempts of active subscriptions for lease (so
	// that no other worker sends them meanwhile), in one transaction. The
	// events given to match carry Seq, IntegrationID, Provider, Type and
	// CreatedAt, not the data.
	FanOutAndClaim(ctx context.Context, now time.Time, fanLimit int, match func(Event, []Subscription) []string,
		c Claim) ([]Work, error)
	RecordSends(ctx context.Context, rs []SendResult) error
	// ReleaseLeases makes due again, at start, the attempts a stopped
	// process had claimed and not recorded, where the store can know that
	// none is still held (one process: SQLite); it returns how many.
	ReleaseLeases(ctx context.Context, now time.Time) (int64, error)
	// ReleaseOwner gives up the subscriptions a stopping dispatcher owns
	// (see Claim.Owner).
	ReleaseOwner(ctx context.Context, owner string) error
	// MarkPresent marks the dispatcher named owner alive until the
	// presence is released or its process ends, where several processes
	// share the store (PostgreSQL): another replica then takes over the
	// subscriptions of an owner that is not present without waiting for
	// its claims to expire. ErrOwnerNameTaken if a present dispatcher has
	// the name.
	MarkPresent(ctx context.Context, owner string) (Presence, error)
	// SubscriptionVersions returns the version of every active
	// subscription, by id, as of a moment after the call began; a
	// subscription missing from it is disabled or deleted. The dispatcher
	// checks a claimed attempt's subscription with it just before the
	// send. The map is shared: callers only read it.
	SubscriptionVersions(ctx context.Context) (map[string]int64, error)
	// ReturnClaims makes claimed attempts that were not sent (their
	// subscription changed since the claim) due again at now without
	// counting an attempt, each only while it is still pending under the
	// lease it was claimed with (SendResult.AttemptID and Lease; the other
	// fields are ignored). Those of a disabled subscription then wait for
	// it to be enabled.
	ReturnClaims(ctx context.Context, now time.Time, rs []SendResult) error
	// ListAttempts lists a subscription's attempts that f selects, newest
	// (highest id) first.
	ListAttempts(ctx context.Context, subscriptionID string, f AttemptFilter) ([]Attempt, error)
	// RetryAttempt makes an undelivered attempt due at now and records e,
	// in one transaction.
	RetryAttempt(ctx context.Context, subscriptionID string, attemptID int64, now time.Time, e audit.Entry) error
	// HastenAttempts makes the subscription's pending attempts that wait
	// for a later retry due at now, leaving those being sent alone; it
	// returns how many. It may take several transactions.
	HastenAttempts(ctx context.Context, subscriptionID string, now time.Time) (int64, error)
}

// AttemptFilter selects a page of a subscription's attempts.
type AttemptFilter struct {
	// Status keeps the attempts with this status (AttemptPending,
	// AttemptDelivered, AttemptFailed); "" keeps all.
	Status string
	// BeforeID keeps the attempts older than this one (a smaller id): the
	// cursor of the next page. 0: from the newest.
	BeforeID int64
	// Limit bounds the attempts returned (1 to 1001; otherwise 100).
	Limit int
}

// retrySchedule is the wait after each failed attempt (Standard Webhooks'
// schedule, stretched to about three days: the last of the 12 sends is
// about 67.6 h after the first, up to 10% more with jitter): after the
// last, the attempt is failed.
var retrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// SubscriptionInput creates or patches a subscription.
type SubscriptionInput struct {
	Name            *string
	EventTypes      []string
	IntegrationIDs  []string
	Target          *string
	URL             *string
	Subject         *string
	ChatIntegration *string
	// NATSAuth sets the NATS credentials; all fields empty removes them.
	NATSAuth            *natspub.Auth
	AllowPrivateNetwork *bool
	MaxConcurrency      *int
	IsActive            *bool
	// Secret is a whsec_ secret chosen by the caller; otherwise one is
	// generated at creation and returned once.
	Secret *string
	// CredentialsWrite says the caller holds integrations:credentials:write,
	// which, as for integrations, setting NATS credentials, sending stored
	// ones to another server and opening the SSRF guard need.
	CredentialsWrite bool
}

// PermCredentialsWrite names the permission CredentialsWrite stands for.
const PermCredentialsWrite = "integrations:credentials:write"

// checkCredentialsWrite refuses, unless in.CredentialsWrite, a change that
// sets NATS credentials, sends the stored ones to another server, lets
// the SSRF guard pass private addresses or picks another address behind
// it. before is nil on create.
func checkCredentialsWrite(before *Subscription, sub Subscription, in SubscriptionInput) error {
	if in.CredentialsWrite {
		return nil
	}
	var what string
	switch {
	case in.NATSAuth != nil && in.NATSAuth.Kind() != natspub.AuthNone && sub.Target == TargetNATS:
		what = "setting natsAuth"
	case before != nil && sub.URL != before.URL && sub.NATSAuthKind != "":
		what = "changing url of a subscription that holds NATS credentials (they would be sent there)"
	case before != nil && sub.URL != before.URL && sub.AllowPrivateNetwork:
		what = "changing url of a subscription that may reach private addresses"
	case sub.AllowPrivateNetwork && (before == nil || !before.AllowPrivateNetwork):
		what = "allowPrivateNetwork (it lets ihub reach loopback and private addresses)"
	default:
		return nil
	}
	return apperr.E(apperr.Forbidden, "%s needs the %s permission", what, PermCredentialsWrite)
}

func (s *Service) subStore() (SubscriptionStore, error) {
	st, ok := s.o.Store.(SubscriptionStore)
	if !ok {
		return nil, errors.New("webhook: the store has no subscriptions")
	}
	return st, nil
}

func validateSubscription(sub *Subscription, in SubscriptionInput) []apperr.FieldError {
	var errs []apperr.FieldError
	bad := func(f, m string) { errs = append(errs, apperr.FieldError{Field: "body." + f, Message: m}) }
	if in.Name != nil {
		n, msg := checkName(*in.Name)
		if msg != "" {
			bad("name", msg)
		}
		sub.Name = n
	}
	if in.Target != nil {
		if !slices.Contains([]string{TargetHTTP, TargetNATS, TargetChat}, *in.Target) {
			bad("target", "must be http, nats or chat")
		}
		if *in.Target != sub.Target {
			// The old target's fields mean nothing to the new one (a NATS
			// server is no HTTP URL): those the change does not give go.
			if in.URL == nil {
				sub.URL = ""
			}
			if in.Subject == nil {
				sub.Subject = ""
			}
			if in.ChatIntegration == nil {
				sub.ChatIntegrationID = ""
			}
		}
		sub.Target = *in.Target
	}
	if in.URL != nil {
		sub.URL = strings.TrimSpace(*in.URL)
	}
	if in.Subject != nil {
		sub.Subject = *in.Subject
	}
	if in.ChatIntegration != nil {
		sub.ChatIntegrationID = *in.ChatIntegration
	}
	if in.NATSAuth != nil {
		if field, err := in.NATSAuth.Validate(); err != nil {
			bad(strings.TrimSuffix("natsAuth."+field, "."), err.Error())
		}
		sub.NATSAuthKind = in.NATSAuth.Kind()
	}
	if in.EventTypes != nil {
		for i, t := range in.EventTypes {
			if msg := checkEventFilter(t, "leave eventTypes empty"); msg != "" {
				bad(fmt.Sprintf("eventTypes[%d]", i), msg)
			}
		}
		sub.EventTypes = distinct(in.EventTypes)
	}
	if in.IntegrationIDs != nil {
		sub.IntegrationIDs = in.IntegrationIDs
	}
	if in.AllowPrivateNetwork != nil {
		sub.AllowPrivateNetwork = *in.AllowPrivateNetwork
	}
	if in.MaxConcurrency != nil {
		if *in.MaxConcurrency < 1 || *in.MaxConcurrency > 64 {
			bad("maxConcurrency", "must be 1 to 64")
		}
		sub.MaxConcurrency = *in.MaxConcurrency
	}
	if in.IsActive != nil {
		sub.IsActive = *in.IsActive
		if *in.IsActive {
			sub.DisabledReason = ""
		}
	}
	if in.Secret != nil {
		if _, err := whsecKey(*in.Secret); err != nil {
			bad("secret", "must be whsec_ followed by base64 of 24 to 64 bytes")
		}
	}
	if in.NATSAuth != nil && in.NATSAuth.Kind() != natspub.AuthNone && sub.Target != TargetNATS {
		bad("natsAuth", "is only for a nats target")
	}
	return append(errs, checkTarget(*sub)...)
}

// checkEventFilter says what is wrong with an event type filter ("" when
// nothing): it is an event type (a family and a name, dot-separated, in the
// characters event types are made of: letters, digits, . _ : -) or a
// family followed by ".*". Anything else would match no event. all says
// how the caller asks for every type ("leave eventTypes empty"), for "*".
func checkEventFilter(t, all string) string {
	const msg = "must be an event type such as code.push, or a family such as code.*"
	if t == "*" {
		return all + " to receive every event type"
	}
	if utf8.RuneCountInString(t) > 100 {
		return "must be at most 100 characters"
	}
	base, family := strings.CutSuffix(t, ".*")
	if base == "" || strings.HasPrefix(base, ".") || strings.HasSuffix(base, ".") ||
		strings.Contains(base, "..") || (!family && !strings.Contains(base, ".")) {
		return msg
	}
	for i := 0; i < len(base); i++ {
		switch c := base[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return msg
		}
	}
	return ""
}

// distinct returns list without repeats, in its order: a filter named
// twice is stored once.
func distinct(list []string) []string {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// checkTarget checks the fields of the subscription's target, and that the
// fields of other targets are empty.
func checkTarget(sub Subscription) []apperr.FieldError {
	var errs []apperr.FieldError
	bad := func(f, m string) { errs = append(errs, apperr.FieldError{Field: "body." + f, Message: m}) }
	unused := func(f, v string) {
		if v != "" {
			bad(f, "is not used by a "+sub.Target+" target; leave it out")
		}
	}
	switch sub.Target {
	case TargetHTTP:
		if sub.URL == "" {
			bad("url", "is required for an http target")
		} else if u, err := egress.ValidateBaseURL(sub.URL); err != nil {
			msg := err.Error()
			if natspub.ValidateURL(sub.URL) == nil {
				msg += ` (a NATS server: set target to "nats", with a subject)`
			}
			bad("url", msg)
		} else if msg := blockedHost(u.Hostname(), sub.AllowPrivateNetwork); msg != "" {
			bad("url", msg)
		}
		unused("subject", sub.Subject)
		unused("chatIntegration", sub.ChatIntegrationID)
	case TargetNATS:
		if sub.URL == "" {
			bad("url", "is required for a nats target: the NATS server, such as nats://127.0.0.1:4222")
		} else if err := natspub.ValidateURL(sub.URL); err != nil {
			bad("url", err.Error())
		} else if u, err := url.Parse(sub.URL); err == nil {
			if msg := blockedHost(u.Hostname(), sub.AllowPrivateNetwork); msg != "" {
				bad("url", msg)
			}
		}
		if err := natspub.ValidateSubject(sub.Subject); err != nil {
			bad("subject", err.Error())
		}
		unused("chatIntegration", sub.ChatIntegrationID)
	case TargetChat:
		if sub.ChatIntegrationID == "" {
			bad("chatIntegration", "is required for a chat target: a Slack, Discord or Teams integration")
		}
		unused("url", sub.URL)
		unused("subject", sub.Subject)
	}
	return errs
}

// blockedHost says why a subscription may not reach host ("" when it may):
// an IP address the SSRF guard refuses (loopback and private ones unless
// allowPrivate; metadata ones always), or localhost. The guard also checks
// every address a name resolves to when it is dialled; this catches what
// is known already, so that a subscription that could never deliver is
// refused when it is made rather than failing for three days.
func blockedHost(host string, allowPrivate bool) string {
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := egress.CheckIP(ip, allowPrivate); err != nil {
			return "is refused by the SSRF guard: " + strings.TrimPrefix(err.Error(), "egress: refusing to connect to ")
		}
		return ""
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if !allowPrivate && (h == "localhost" || strings.HasSuffix(h, ".localhost")) {
		return "is refused by the SSRF guard: " + host + ": loopback address (allowPrivateNetwork is off)"
	}
	return ""
}

// TargetSecretAAD binds a subscription's sealed target credentials to it.
func TargetSecretAAD(subscriptionID string) []byte {
	return []byte("subscriptions/target/" + subscriptionID)
}

// sealTargetSecret seals new NATS credentials into sub (auth nil keeps
// the stored ones; an empty Auth removes them), and drops them when the
// target is no longer NATS.
func (s *Service) sealTargetSecret(sub *Subscription, auth *natspub.Auth) error {
	if sub.Target != TargetNATS {
		sub.NATSAuthKind, sub.TargetSecret, sub.TargetSecretKeyID = "", nil, ""
		return nil
	}
	if auth == nil {
		return nil
	}
	if auth.Kind() == natspub.AuthNone {
		sub.NATSAuthKind, sub.TargetSecret, sub.TargetSecretKeyID = "", nil, ""
		return nil
	}
	b, err := json.Marshal(auth)
	if err != nil {
		return err
	}
	sealed, err := s.o.Vault.Seal(TargetSecretAAD(sub.ID), b)
	clear(b)
	if err != nil {
		return err
	}
	sub.NATSAuthKind, sub.TargetSecret, sub.TargetSecretKeyID = auth.Kind(), sealed, keyID(sealed)
	return nil
}

// resolveIntegrations checks that the integrations a subscription filters
// on exist and stores their ids (the caller may have given slugs): a filter
// naming no integration would silently match nothing.
func (s *Service) resolveIntegrations(ctx context.Context, sub *Subscription, in SubscriptionInput) error {
	if in.IntegrationIDs == nil {
		return nil
	}
	ids, unknown, err := s.integrationIDs(ctx, in.IntegrationIDs[:min(len(in.IntegrationIDs), maxFilterItems)])
	if err != nil {
		return err
	}
	var errs []apperr.FieldError
	for _, i := range unknown {
		errs = append(errs, apperr.FieldError{Field: fmt.Sprintf("body.integrationIds[%d]", i), Message: "no such integration (give its id or slug)"})
	}
	if len(in.IntegrationIDs) > maxFilterItems {
		errs = append(errs, apperr.FieldError{Field: "body.integrationIds", Message: "at most 100 integrations"})
	}
	if len(errs) > 0 {
		return apperr.InvalidFields("the subscription is not valid", errs...)
	}
	sub.IntegrationIDs = ids
	return nil
}

// maxFilterItems bounds the event types, and the integrations, an event
// filter lists.
const maxFilterItems = 100

// integrationIDs returns the ids of the integrations refs name (ids or
// slugs), without repeats, and the indexes in refs of those that name
// none.
func (s *Service) integrationIDs(ctx context.Context, refs []string) ([]string, []int, error) {
	ids := make([]string, 0, len(refs))
	var unknown []int
	for i, ref := range refs {
		it, err := s.o.Integration(ctx, ref)
		switch {
		case apperr.KindOf(err) == apperr.NotFound:
			unknown = append(unknown, i)
		case err != nil:
			return nil, nil, err
		case !slices.Contains(ids, it.ID):
			ids = append(ids, it.ID)
		}
	}
	return ids, unknown, nil
}

// resolveChat checks that a chat target's integration exists and can post
// messages, and stores its id (the caller may have given its slug).
func (s *Service) resolveChat(ctx context.Context, sub *Subscription) error {
	if sub.Target != TargetChat {
		return nil
	}
	field := apperr.FieldError{Field: "body.chatIntegration"}
	ref, err := s.o.Integration(ctx, sub.ChatIntegrationID)
	switch {
	case apperr.KindOf(err) == apperr.NotFound:
		field.Message = "no such integration"
	case err != nil:
		return err
	case !slices.Contains(ChatProviders, ref.Provider):
		field.Message = fmt.Sprintf("is a %s integration; a chat target needs Slack, Discord or Teams", ref.Provider)
	case s.o.Chat == nil:
		field.Message = "chat targets are not available on this server"
	default:
		if why := chatUnready(s.o.Registry, ref); why != "" {
			// Accepted, it would fail every event for three days.
			field.Message = why
			break
		}
		sub.ChatIntegrationID = ref.ID
		return nil
	}
	return apperr.InvalidFields("the subscription is not valid", field)
}

// chatUnready says why ref's provider cannot post the messages a chat
// target sends (they name no channel), "" when it can or cannot tell.
func chatUnready(reg *provider.Registry, ref IntegrationRef) string {
	if reg == nil {
		return ""
	}
	p, ok := reg.Get(ref.Provider)
	if !ok {
		return ""
	}
	cp, ok := p.(provider.ChatPoster)
	if !ok {
		return ""
	}
	return cp.ChatReady(ref.Settings, ref.Credentials)
}

// whsecKey decodes a Standard Webhooks secret.
func whsecKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") || len(k) < 24 || len(k) > 64 {
		return nil, errors.New("not a whsec_ secret")
	}
	return k, nil
}

func newSubscriptionID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return "sub_" + strings.ToLower(base64.RawURLEncoding.EncodeToString(b[:]))
}

// CreateSubscription adds a subscription; the generated secret (when the
// caller gave none) is returned once.
func (s *Service) CreateSubscription(ctx context.Context, by audit.Actor, in SubscriptionInput) (Subscription, string, error) {
	st, err := s.subStore()
	if err != nil {
		return Subscription{}, "", err
	}
	now := s.o.Now()
	sub := Subscription{ID: newSubscriptionID(), EventTypes: []string{}, IntegrationIDs: []string{}, MaxConcurrency: 4,
		Target: TargetHTTP, IsActive: true, Version: 1, CreatedAt: now, UpdatedAt: now}
	errs := validateSubscription(&sub, in)
	if len(errs) > 0 {
		return Subscription{}, "", apperr.InvalidFields("the subscription is not valid", errs...)
	}
	if err := checkCredentialsWrite(nil, sub, in); err != nil {
		return Subscription{}, "", err
	}
	if err := s.resolveChat(ctx, &sub); err != nil {
		return Subscription{}, "", err
	}
	if err := s.resolveIntegrations(ctx, &sub, in); err != nil {
		return Subscription{}, "", err
	}
	if sub.Name == "" {
		switch sub.Target {
		case TargetNATS:
			sub.Name = sub.Subject + " on " + sub.URL
		case TargetChat:
			sub.Name = "chat via " + sub.ChatIntegrationID
		default:
			sub.Name = sub.URL
		}
		// A URL may be longer than a name may be: the default must be one
		// the API takes back (a client's read-modify-write, a copy).
		if r := []rune(sub.Name); len(r) > 200 {
			sub.Name = string(r[:199]) + "…"
		}
	}
	secret, shown := "", ""
	if in.Secret != nil {
		secret = *in.Secret
	} else {
		var b [32]byte
		_, _ = rand.Read(b[:])
		secret = "whsec_" + base64.StdEncoding.EncodeToString(b[:])
		shown = secret
	}
	sealed, err := s.o.Vault.Seal(SecretAAD(sub.ID, "subscription"), []byte(secret))
	if err != nil {
		return Subscription{}, "", err
	}
	if err := s.sealTargetSecret(&sub, in.NATSAuth); err != nil {
		return Subscription{}, "", err
	}
	e := audit.Entry{At: now, Actor: by, Action: audit.SubscriptionCreated, TargetType: "subscription", TargetID: sub.ID,
		TargetName: sub.Name, Success: true, Details: map[string]any{"eventTypes": sub.EventTypes, "target": sub.Target,
			"secretGenerated": shown != ""}}
	if err := st.CreateSubscription(ctx, sub, sealed, keyID(sealed), e); err != nil {
		return Subscription{}, "", err
	}
	return sub, shown, nil
}

// Subscriptions lists every subscription.
func (s *Service) Subscriptions(ctx context.Context) ([]Subscription, error) {
	st, err := s.subStore()
	if err != nil {
		return nil, err
	}
	return st.ListSubscriptions(ctx)
}

// Subscription returns one subscription.
func (s *Service) Subscription(ctx context.Context, id string) (Subscription, error) {
	st, err := s.subStore()
	if err != nil {
		return Subscription{}, err
	}
	sub, _, err := st.GetSubscription(ctx, id)
	return sub, err
}

// UpdateSubscription patches a subscription (not its secret). Enabling a
// disabled subscription lets its waiting attempts go out. With ifMatch, a
// subscription whose version it refuses is not changed (PreconditionFailed);
// without, a change written by another request meanwhile is read again and
// this one applied on top.
func (s *Service) UpdateSubscription(ctx context.Context, by audit.Actor, id string, in SubscriptionInput, ifMatch func(int64) bool) (Subscription, error) {
	var sub Subscription
	err := apperr.RetryUnconditional(ifMatch != nil, func() (err error) {
		sub, err = s.updateSubscription(ctx, by, id, in, ifMatch)
		return err
	})
	return sub, err
}

func (s *Service) updateSubscription(ctx context.Context, by audit.Actor, id string, in SubscriptionInput, ifMatch func(int64) bool) (Subscription, error) {
	st, err := s.subStore()
	if err != nil {
		return Subscription{}, err
	}
	sub, _, err := st.GetSubscription(ctx, id)
	if err != nil {
		return Subscription{}, err
	}
	if ifMatch != nil && !ifMatch(sub.Version) {
		return Subscription{}, apperr.E(apperr.PreconditionFailed, "the subscription changed since you read it (it is now version %d)", sub.Version)
	}
	if in.Secret != nil {
		return Subscription{}, apperr.InvalidFields("the subscription is not valid",
			apperr.FieldError{Field: "body.secret", Message: "cannot be changed; create a new subscription"})
	}
	before := sub
	if errs := validateSubscription(&sub, in); len(errs) > 0 {
		return Subscription{}, apperr.InvalidFields("the subscription is not valid", errs...)
	}
	// The chat integration is checked only when this change names it or
	// makes the subscription a chat one: a subscription whose integration
	// was deleted must still be disabled, renamed or pointed elsewhere.
	if in.ChatIntegration != nil || sub.Target != before.Target {
		if err := s.resolveChat(ctx, &sub); err != nil {
			return Subscription{}, err
		}
	}
	if err := s.resolveIntegrations(ctx, &sub, in); err != nil {
		return Subscription{}, err
	}
	if err := s.sealTargetSecret(&sub, in.NATSAuth); err != nil {
		return Subscription{}, err
	}
	if err := checkCredentialsWrite(&before, sub, in); err != nil {
		return Subscription{}, err
	}
	changed := changedSubscriptionFields(before, sub, in.NATSAuth)
	if len(changed) == 0 {
		return before, nil // nothing to write, version or audit
	}
	sub.UpdatedAt = s.o.Now()
	e := audit.Entry{At: sub.UpdatedAt, Actor: by, Action: audit.SubscriptionUpdated, TargetType: "subscription",
		TargetID: sub.ID, TargetName: sub.Name, Success: true, Details: map[string]any{"changed": changed}}
	if err := st.UpdateSubscription(ctx, sub, e); err != nil {
		return Subscription{}, err
	}
	sub.Version++
	if sub.IsActive && !before.IsActive {
		// Enabled again, most likely because its subscriber was mended:
		// what waited goes now, not at retry times a failing subscriber
		// pushed hours away.
		// Not cut short by a caller that hangs up: the change is made.
		n, err := retried(context.WithoutCancel(ctx), func(ctx context.Context) (int64, error) {
			return st.HastenAttempts(ctx, sub.ID, s.dbNow())
		})
		if err != nil {
			s.o.Logger.WarnContext(ctx, "an enabled subscription's waiting events stay at their retry times", "subscription", sub.ID, "err", err)
		} else if n > 0 {
			s.committed.signal() // the dispatcher looks at once
		}
	}
	return sub, nil
}

// changedSubscriptionFields names the API fields in which b differs from
// a, for the activity log. New NATS credentials count as a change even of
// the same kind (they are sealed, so never compared); no value is given.
func changedSubscriptionFields(a, b Subscription, auth *natspub.Auth) []string {
	out := []string{}
	add := func(field string, changed bool) {
		if changed {
			out = append(out, field)
		}
	}
	add("name", a.Name != b.Name)
	add("target", a.Target != b.Target)
	add("url", a.URL != b.URL)
	add("subject", a.Subject != b.Subject)
	add("chatIntegration", a.ChatIntegrationID != b.ChatIntegrationID)
	add("natsAuth", a.NATSAuthKind != b.NATSAuthKind || (auth != nil && auth.Kind() != natspub.AuthNone && b.Target == TargetNATS))
	add("eventTypes", !slices.Equal(a.EventTypes, b.EventTypes))
	add("integrationIds", !slices.Equal(a.IntegrationIDs, b.IntegrationIDs))
	add("allowPrivateNetwork", a.AllowPrivateNetwork != b.AllowPrivateNetwork)
	add("maxConcurrency", a.MaxConcurrency != b.MaxConcurrency)
	add("isActive", a.IsActive != b.IsActive)
	return out
}

// DeleteSubscription removes a subscription: nothing more is sent to it,
// and it is gone from every read. Its attempts are deleted in the
// background (see store.DB.PurgeDeletedSubscriptions).
func (s *Service) DeleteSubscription(ctx context.Context, by audit.Actor, id string) error {
	st, err := s.subStore()
	if err != nil {
		return err
	}
	sub, _, err := st.GetSubscription(ctx, id)
	if err != nil {
		return err
	}
	return st.DeleteSubscription(ctx, id, audit.Entry{At: s.o.Now(), Actor: by, Action: audit.SubscriptionDeleted,
		TargetType: "subscription", TargetID: id, TargetName: sub.Name, Success: true})
}

// Attempts lists the subscription's attempts that f selects, newest
// first. A status other than pending, delivered and failed is refused,
// naming query.status.
func (s *Service) Attempts(ctx context.Context, id string, f AttemptFilter) ([]Attempt, error) {
	st, err := s.subStore()
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains([]string{AttemptPending, AttemptDelivered, AttemptFailed}, f.Status) {
		return nil, apperr.InvalidFields("the filter is not valid",
			apperr.FieldError{Field: "query.status", Message: "must be pending, delivered or failed"})
	}
	if _, _, err := st.GetSubscription(ctx, id); err != nil {
		return nil, err
	}
	return st.ListAttempts(ctx, id, f)
}

// RetryAttempt makes an attempt due now (a failed one becomes pending),
// recording by's retry in the activity log.
// A disabled subscription sends nothing, so retrying one of its attempts is
// refused, saying how to send its waiting events.
func (s *Service) RetryAttempt(ctx context.Context, by audit.Actor, id string, attemptID int64) error {
	st, err := s.subStore()
	if err != nil {
		return err
	}
	sub, _, err := st.GetSubscription(ctx, id)
	if err != nil {
		return err
	}
	if !sub.IsActive {
		return apperr.E(apperr.Conflict, "the subscription is disabled; enable it (PATCH {\"isActive\":true}) and its waiting events are sent")
	}
	now := s.dbNow() // due now, and the lease check, as the dispatchers read them
	e := audit.Entry{At: now, Actor: by, Action: audit.SubscriptionAttemptRetried, TargetType: "subscription", TargetID: sub.ID,
		TargetName: sub.Name, Success: true, Details: map[string]any{"attemptId": attemptID}}
	return st.RetryAttempt(ctx, id, attemptID, now, e)
}

// ChatMessage is an event as a chat message: a title, a line of text and
// name/value rows.
type ChatMessage struct {
	Title string
	Text  string
	Facts [][2]string
}

// chatMessage renders an event for people.
func chatMessage(ev Event) ChatMessage {
	m := ChatMessage{Title: ev.Type, Text: ev.Subject}
	if m.Text == "" {
		m.Text = ev.Type + " from " + ev.Provider
	}
	if ev.Test {
		m.Title = "[test] " + m.Title
	}
	m.Facts = append(m.Facts, [2]string{"Source", ev.Provider}, [2]string{"Integration", ev.IntegrationID},
		[2]string{"Occurred", ev.OccurredAt.UTC().Format(time.RFC3339)}, [2]string{"Event", ev.ID})
	if ev.ReplayOf != nil {
		m.Facts = append(m.Facts, [2]string{"Replay of", EventID(*ev.ReplayOf, ev.Part)})
	}
	keys := slices.Sorted(maps.Keys(ev.Data))
	for _, k := range keys {
		if len(m.Facts) >= 12 {
			break
		}
		switch v := ev.Data[k].(type) {
		case string, float64, bool, json.Number, int64, int:
			m.Facts = append(m.Facts, [2]string{k, clipText(fmt.Sprint(v))})
		}
	}
	return m
}

// Dispatcher sends events to subscriptions.
type Dispatcher struct {
	s       *Service
	st      SubscriptionStore
	nats    *natspub.Publisher
	clients [2]*http.Client
	timeout time.Duration
	owner   string // this dispatcher's name in the claims (see Claim.Owner)
	base    string // what owner starts with (NameAs)
	// presence marks this dispatcher alive under owner (see MarkPresent);
	// checked every presenceCheck. Used by the claiming goroutine only.
	presence    Presence
	presentSeen time.Time
	skewLogged  time.Duration // the clock skew last warned about (claiming goroutine; see syncClock)
	freed       chan struct{} // a held attempt was recorded: there may be room again
	// versions shares the reads of the subscriptions' versions among the
	// sends (see current).
	versions freshRead[map[string]int64]
	cut      chan struct{} // closed by CutShort
	cutOnce  sync.Once

	mu     sync.Mutex
	limits map[string]chan struct{} // per subscription, its concurrency limit
	held   map[string]int           // per subscription, attempts claimed and not yet recorded
	total  int                      // all held attempts
	// The sends in flight (maxSending at most), all subscriptions together
	// and per subscription, and the goroutines waiting to start one;
	// sendWake is closed (and replaced) when one may start now (see
	// takeSending).
	sending     int
	sendingBy   map[string]int
	sendWaiting int
	sendWake    chan struct{}
	// gone is, per subscription, the version a 410 answer to this
	// dispatcher disabled: its other claimed attempts are not sent, even
	// before the store has the 410 on record.
	gone map[string]int64
}

// freshRead shares a read among concurrent callers while giving each
// the result of a read that began after it asked: checking before every
// send costs about one read at a time, however many sends go out.
type freshRead[T any] struct {
	mu      sync.Mutex
	cond    *sync.Cond
	started int64 // reads begun
	done    int64 // the number of the last read ended
	running bool
	val     T
	err     error
}

// get returns the result of a read begun after the call.
func (f *freshRead[T]) get(ctx context.Context, read func(context.Context) (T, error)) (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cond == nil {
		f.cond = sync.NewCond(&f.mu)
	}
	want := f.started + 1 // a read running now may have begun before the call
	for f.done < want {
		if f.running {
			f.cond.Wait()
			continue
		}
		f.running = true
		f.started++
		n := f.started
		f.mu.Unlock()
		v, err := read(ctx)
		f.mu.Lock()
		f.running, f.done, f.val, f.err = false, n, v, err
		f.cond.Broadcast()
	}
	return f.val, f.err
}

// Dispatch limits. A subscription holds at most two rounds of its
// concurrency limit, so that its attempts are sent (and recorded) well
// within their lease whatever its speed: a lease running out before the
// send would let another dispatcher send the event again.
const (
	maxSending   = 64   // sends in flight
	maxHeld      = 2000 // attempts claimed and not yet recorded
	claimPerStep = 200
	claimLease   = 2 * time.Minute
)

// NewDispatcher returns a dispatcher; timeout bounds each send (15 s).
func (s *Service) NewDispatcher(timeout time.Duration) (*Dispatcher, error) {
	st, err := s.subStore()
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	d := &Dispatcher{s: s, st: st, limits: map[string]chan struct{}{}, held: map[string]int{}, gone: map[string]int64{},
		sendingBy: map[string]int{}, sendWake: make(chan struct{}), freed: make(chan struct{}, 1), cut: make(chan struct{}),
		nats: natspub.New(func(ctx context.Context, network, addr string, private bool) (net.Conn, error) {
			return egress.NewDialer(private)(ctx, network, addr)
		}), timeout: timeout}
	for i, private := range []bool{false, true} {
		c := egress.NewClient(egress.Options{AllowPrivate: private, Timeout: timeout, UserAgent: "ihub-webhooks"})
		// Redirects are failures: the subscriber must answer at the URL.
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		d.clients[i] = c
	}
	host, _ := os.Hostname()
	d.NameAs(host)
	return d, nil
}

// NameAs names this dispatcher before it claims anything (see Claim.Owner),
// for people reading the subscription_owners table: a server names it
// after its host and listening address. A random part follows, so that
// replicas given the same name stay apart.
//
// It must be called before Step or Run, and does nothing once the
// dispatcher is marked present: claims under a name without the mark could
// be taken over by any replica at any time.
func (d *Dispatcher) NameAs(name string) {
	if d.presence != nil {
		return
	}
	d.base = name
	d.owner = name + " " + rand.Text()[:8]
}

// presenceCheck is how often a dispatcher checks that its presence mark
// holds.
const presenceCheck = 5 * time.Second

// present makes sure the dispatcher is marked present before it claims:
// without the mark, other replicas would take its subscriptions over at
// any time. A name another dispatcher holds is changed, and so is the
// name of a mark that was lost.
func (d *Dispatcher) present(ctx context.Context) error {
	now := time.Now()
	if d.presence != nil {
		if now.Sub(d.presentSeen) < presenceCheck && d.presence.Held() {
			return nil
		}
		if d.syncClock(ctx) {
			d.presentSeen = now
			return nil
		}
		d.presence.Release()
		d.presence = nil
		d.s.o.Logger.Warn("webhook dispatcher: the presence mark was lost; marking again under a new name", "owner", d.owner)
		d.NameAs(d.base)
	}
	for range 3 {
		p, err := d.st.MarkPresent(ctx, d.owner)
		if errors.Is(err, ErrOwnerNameTaken) {
			d.NameAs(d.base)
			continue
		}
		if err != nil {
			return err
		}
		d.presence, d.presentSeen = p, now
		d.syncClock(ctx)
		return nil
	}
	return ErrOwnerNameTaken
}

// Clock skew: readings whose round trip took longer than maxClockRTT are
// not used (the database's time is placed at the middle of the round
// trip, so the error is at most half of it); a skew of skewWarn or more is
// logged, again when it moves by another second.
const (
	maxClockRTT = 100 * time.Millisecond
	skewWarn    = 2 * time.Second
)

// syncClock checks the presence mark and, with the database's time it
// reads, how far this process's clock is from the database's. Leases
// (Attempt.NextAttemptAt of a claimed attempt), subscription ownership and
// retry times are compared by every replica, each with its own clock: a
// replica whose clock was behind would see another's lease end early and
// send its event as well. Written on the database's clock, they mean the
// same to all.
func (d *Dispatcher) syncClock(ctx context.Context) bool {
	t0 := d.s.o.Now()
	start := time.Now()
	dbNow, ok := d.presence.Check(ctx)
	rtt := time.Since(start)
	if !ok || dbNow.IsZero() || rtt > maxClockRTT {
		return ok
	}
	skew := dbNow.Sub(t0.Add(rtt / 2))
	d.s.skew.Store(int64(skew))
	if abs(skew) >= skewWarn && abs(skew-d.skewLogged) >= time.Second {
		d.skewLogged = skew
		d.s.o.Logger.Warn("this replica's clock differs from the database's; the dispatcher's leases and retry times follow the database's (keep replicas' clocks in step with NTP)",
			"skew", skew.Round(100*time.Millisecond).String())
	}
	return ok
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// now is the time on the database's clock (Service.dbNow).
func (d *Dispatcher) now() time.Time { return d.s.dbNow() }

// fanOutMatch returns the subscriptions ev goes to: those it matches that
// were created before it was stored (replay sends older events). Event ids
// decide, not clocks, which may differ between replicas.
func fanOutMatch(ev Event, subs []Subscription) []string {
	var ids []string
	for _, sub := range subs {
		if ev.Seq > sub.StartSeq && sub.Matches(ev) {
			ids = append(ids, sub.ID)
		}
	}
	return ids
}

// Step fans new events out, claims what is due and sends it, once, and
// returns when the sends are recorded, with how many attempts it sent. Run
// does the same without waiting for the sends.
func (d *Dispatcher) Step(ctx context.Context) (int, error) {
	work, err := d.claim(ctx)
	if err != nil || len(work) == 0 {
		return 0, err
	}
	results := make(chan sent, len(work))
	var wg sync.WaitGroup
	d.start(ctx, ctx, work, results, &wg)
	go func() { wg.Wait(); close(results) }()
	return len(work), d.record(ctx, results)
}

// sent is the outcome of one claimed attempt.
type sent struct {
	sub string
	r   SendResult
	// skipped: not sent, nothing to record (see withinLease).
	skipped bool
	// returned: not sent, the claim is given back (see current); r has
	// the attempt and its lease.
	returned bool
}

// leaseMargin is the time kept, beyond the send timeout, between the end
// of a send and the end of its attempt's lease, for recording the outcome.
const leaseMargin = 10 * time.Second

// withinLease reports whether w can still be sent and recorded before its
// lease ends (Attempt.NextAttemptAt of a claimed attempt). An attempt that
// waited for a sending slot longer than that is not sent: once the lease
// ends, another claim (another replica, or this one when the subscription
// has room) takes it, and sending it here too would deliver it twice,
// possibly after the subscriber acknowledged the other send.
func (d *Dispatcher) withinLease(w Work) bool {
	return w.Attempt.NextAttemptAt.Sub(d.now()) > d.timeout+leaseMargin
}

// room is how many more attempts of sub this dispatcher may hold.
func (d *Dispatcher) room(sub Subscription) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return 2*max(1, sub.MaxConcurrency) - d.held[sub.ID]
}

// claim fans out new events and claims due attempts, within the
// subscriptions' room and maxHeld, and holds them.
func (d *Dispatcher) claim(ctx context.Context) ([]Work, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // shutting down: claim nothing, keep the mark until Close
	}
	d.mu.Lock()
	limit := min(claimPerStep, maxHeld-d.total)
	d.mu.Unlock()
	if limit <= 0 {
		return nil, nil
	}
	if err := d.present(ctx); err != nil {
		return nil, err
	}
	work, err := d.st.FanOutAndClaim(ctx, d.now(), 1000, fanOutMatch,
		Claim{Lease: claimLease, Limit: limit, Room: d.room, Owner: d.owner})
	d.mu.Lock()
	for _, w := range work {
		d.held[w.Subscription.ID]++
	}
	d.total += len(work)
	d.mu.Unlock()
	return work, err
}

// start sends each claimed attempt in its own goroutine, within its
// subscription's concurrency limit and maxSending, and hands the outcome
// to results. A slow subscriber holds only its own slots and its share of
// maxSending (see takeSending): others' attempts go out meanwhile. Once
// ctx ends, attempts not yet sending are given back; the sends run under
// sendCtx.
func (d *Dispatcher) start(ctx, sendCtx context.Context, work []Work, results chan<- sent, wg *sync.WaitGroup) {
	for _, w := range work {
		wg.Go(func() {
			giveBack := sent{sub: w.Subscription.ID, returned: true,
				r: SendResult{AttemptID: w.Attempt.ID, Lease: w.Attempt.NextAttemptAt}}
			slots := d.slots(w.Subscription)
			if !acquire(ctx, slots) {
				results <- giveBack
				return
			}
			if !d.takeSending(ctx, w.Subscription.ID) {
				<-slots
				results <- giveBack
				return
			}
			if why := d.current(ctx, w); why != "" {
				d.releaseSending(w.Subscription.ID)
				<-slots
				d.s.o.Logger.Debug("a claimed event is not sent: "+why, "subscription", w.Subscription.ID, "attempt", w.Attempt.ID)
				results <- giveBack
				return
			}
			// After current, which may wait for the database: a send must
			// start with its whole timeout and margin left.
			if !d.withinLease(w) {
				d.releaseSending(w.Subscription.ID)
				<-slots
				d.s.o.Logger.Info("a claimed event waited too long to be sent within its lease; it is sent when the lease ends",
					"subscription", w.Subscription.ID, "attempt", w.Attempt.ID)
				results <- sent{sub: w.Subscription.ID, skipped: true}
				return
			}
			r := d.send(sendCtx, w)
			if r.Disable != "" {
				r.SentVersion = w.Subscription.Version
				r.Disabled = &audit.Entry{At: r.At, Actor: audit.System, Action: audit.SubscriptionDisabled,
					TargetType: "subscription", TargetID: w.Subscription.ID, TargetName: w.Subscription.Name, Success: true,
					Details: map[string]any{"reason": r.Disable, "attemptId": w.Attempt.ID, "status": r.Status}}
				// Before the slot is freed: the subscription's attempts
				// waiting for it must not go out.
				d.mu.Lock()
				d.gone[w.Subscription.ID] = max(d.gone[w.Subscription.ID], w.Subscription.Version)
				d.mu.Unlock()
			}
			d.releaseSending(w.Subscription.ID)
			<-slots
			d.observe(w, r)
			results <- sent{sub: w.Subscription.ID, r: r}
		})
	}
}

// takeSending takes one of the maxSending slots for a send to sub, unless
// ctx ends first. A subscription takes no more than its share of them, the
// slots divided among the subscriptions this dispatcher holds events of:
// a slow subscriber, however high its maxConcurrency, leaves the others
// room, instead of filling every slot with sends that take seconds (one at
// maxConcurrency 64 held an instant subscriber's events back by half a
// minute). Alone, a subscription may use them all.
func (d *Dispatcher) takeSending(ctx context.Context, sub string) bool {
	if ctx.Err() != nil {
		return false
	}
	d.mu.Lock()
	for d.sending >= maxSending || d.sendingBy[sub] >= max(1, maxSending/max(1, len(d.held))) {
		wake := d.sendWake
		d.sendWaiting++
		d.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			d.mu.Lock()
			d.sendWaiting--
			d.mu.Unlock()
			return false
		}
		d.mu.Lock()
		d.sendWaiting--
	}
	d.sending++
	d.sendingBy[sub]++
	d.mu.Unlock()
	return true
}

// releaseSending gives back a slot takeSending took.
func (d *Dispatcher) releaseSending(sub string) {
	d.mu.Lock()
	d.sending--
	if d.sendingBy[sub]--; d.sendingBy[sub] <= 0 {
		delete(d.sendingBy, sub)
	}
	d.wakeSendersLocked()
	d.mu.Unlock()
}

// wakeSendersLocked wakes the goroutines waiting in takeSending, to look
// again: a slot was freed, or the shares grew. d.mu is held.
func (d *Dispatcher) wakeSendersLocked() {
	if d.sendWaiting > 0 {
		close(d.sendWake)
		d.sendWake = make(chan struct{})
	}
}

// acquire takes a slot of sem, unless ctx ends first.
func acquire(ctx context.Context, sem chan struct{}) bool {
	select {
	case sem <- struct{}{}:
		if ctx.Err() != nil { // both were ready
			<-sem
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}

// current says why w must not be sent now (empty: it may be): its
// subscription was disabled, deleted or changed since the claim, as far as
// this process can know, or ctx ended. The work claimed under the old
// settings is then given back, to be claimed again under the new ones (or
// to wait while the subscription is disabled). A send already under way
// when the change comes is not stopped.
func (d *Dispatcher) current(ctx context.Context, w Work) string {
	sub := w.Subscription
	d.mu.Lock()
	v, gone := d.gone[sub.ID]
	if gone && sub.Version > v { // enabled again since
		delete(d.gone, sub.ID)
		gone = false
	}
	d.mu.Unlock()
	if gone {
		return "its destination is gone (410 Gone or a removed chat channel): the subscription was disabled"
	}
	if ctx.Err() != nil {
		return "shutting down"
	}
	versions, err := d.versions.get(ctx, d.st.SubscriptionVersions)
	if err != nil {
		if ctx.Err() == nil {
			d.s.o.Logger.Warn("checking a subscription before sending failed; its claimed events are sent later",
				"subscription", sub.ID, "err", err)
		}
		return "the subscription could not be checked"
	}
	switch cur, ok := versions[sub.ID]; {
	case !ok:
		return "the subscription was disabled or deleted"
	case cur != sub.Version:
		return "the subscription changed"
	}
	return ""
}

// record stores outcomes as they come, whatever is ready at once in one
// transaction, not when the slowest send of a claim ends: a subscriber's 2xx
// is on record within milliseconds, so a crash re-sends (to a subscriber
// that already acknowledged) only what was in that window. It returns when
// results is closed, with the first error.
func (d *Dispatcher) record(ctx context.Context, results <-chan sent) error {
	var firstErr error
	batch := make([]SendResult, 0, 64)
	var back []SendResult // claims given back
	for r := range results {
		got := []sent{r}
	drain:
		for len(got) < 512 {
			select {
			case more, ok := <-results:
				if !ok {
					break drain
				}
				got = append(got, more)
			default:
				break drain
			}
		}
		batch, back = batch[:0], back[:0]
		for _, g := range got {
			switch {
			case g.returned:
				back = append(back, g.r)
			case !g.skipped:
				batch = append(batch, g.r)
			}
		}
		if err := d.recordSends(context.WithoutCancel(ctx), batch); err != nil {
			// The attempts stay leased and go out again when the lease ends.
			d.s.o.Logger.Warn("recording webhook sends failed", "count", len(batch), "err", err)
			if firstErr == nil {
				firstErr = err
			}
			d.forgetGone(got)
		}
		if len(back) > 0 {
			if err := d.st.ReturnClaims(context.WithoutCancel(ctx), d.now(), back); err != nil {
				d.s.o.Logger.Warn("giving back claimed webhook sends failed; they go out when their lease ends", "count", len(back), "err", err)
				if firstErr == nil {
					firstErr = err
				}
			}
		}
		d.mu.Lock()
		for _, g := range got {
			if d.held[g.sub]--; d.held[g.sub] <= 0 {
				delete(d.held, g.sub)
			}
		}
		d.total -= len(got)
		d.wakeSendersLocked() // fewer subscriptions held: larger shares
		d.mu.Unlock()
		select {
		case d.freed <- struct{}{}:
		default:
		}
	}
	return firstErr
}

// forgetGone undoes the marks of 410 answers whose disabling was not
// recorded: the subscription is still active in the store, and its other
// attempts must go out (and meet the 410, which disables it then) rather
// than be given back for as long as this process runs.
func (d *Dispatcher) forgetGone(got []sent) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, g := range got {
		if g.returned || g.skipped || g.r.Disable == "" {
			continue
		}
		if v, ok := d.gone[g.sub]; ok && v <= g.r.SentVersion {
			delete(d.gone, g.sub)
		}
	}
}

// observe reports a send to Options.OnSend.
func (d *Dispatcher) observe(w Work, r SendResult) {
	if d.s.o.OnSend == nil {
		return
	}
	target := cmp.Or(w.Subscription.Target, TargetHTTP)
	switch {
	case r.Delivered:
		d.s.o.OnSend(target, SendDelivered, r.At.Sub(w.Event.CreatedAt))
	case r.Disable != "":
		d.s.o.OnSend(target, SendDisabled, 0)
	case r.GiveUp:
		d.s.o.OnSend(target, SendFailed, 0)
	default:
		d.s.o.OnSend(target, SendRetry, 0)
	}
}

// slots returns the semaphore of the subscription's concurrency limit
// (a new one when the limit changed; holders of the old one release into
// it).
func (d *Dispatcher) slots(sub Subscription) chan struct{} {
	n := max(1, sub.MaxConcurrency)
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.limits[sub.ID]
	if c == nil || cap(c) != n {
		c = make(chan struct{}, n)
		d.limits[sub.ID] = c
	}
	return c
}

// EventEnvelope is the JSON a subscriber receives: the event as the pull
// API (GET /api/v1/events) gives it.
type EventEnvelope struct {
	// Cursor is the event's sequence number, the pull API's cursor.
	Cursor        int64          `json:"cursor"`
	ID            string         `json:"id"`
	Type          string         `json:"type"`
	Source        string         `json:"source"`
	IntegrationID string         `json:"integrationId"`
	OccurredAt    time.Time      `json:"occurredAt"`
	ReceivedAt    time.Time      `json:"receivedAt"`
	Subject       string         `json:"subject"`
	Data          map[string]any `json:"data"`
	DeliveryID    int64          `json:"deliveryId"`
	// Test is true for the event of a test send (POST …/webhooks/{id}/test).
	Test bool `json:"test"`
	// ReplayOf is, on a replay's event, the id of the event it replays
	// (that event was not sent if its delivery failed processing).
	ReplayOf string `json:"replayOf,omitempty"`
}

// Envelope is what subscribers receive of ev.
func Envelope(ev Event) EventEnvelope {
	data := ev.Data
	if data == nil {
		data = map[string]any{}
	}
	e := EventEnvelope{Cursor: ev.Seq, ID: ev.ID, Type: ev.Type, Source: ev.Provider, IntegrationID: ev.IntegrationID,
		OccurredAt: ev.OccurredAt, ReceivedAt: ev.CreatedAt, Subject: ev.Subject, Data: data, DeliveryID: ev.DeliveryID, Test: ev.Test}
	if ev.ReplayOf != nil {
		e.ReplayOf = EventID(*ev.ReplayOf, ev.Part)
	}
	return e
}

// SignStandard returns the Standard Webhooks headers for body.
func SignStandard(secret string, msgID string, ts time.Time, body []byte) (http.Header, error) {
	key, err := whsecKey(secret)
	if err != nil {
		return nil, err
	}
	t := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID + "." + t + "."))
	m.Write(body)
	return http.Header{"Webhook-Id": {msgID}, "Webhook-Timestamp": {t},
		"Webhook-Signature": {"v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))}}, nil
}

// sendError is what the attempt log says of a send that got no answer:
// a timeout says so in words, where Go would say "context deadline
// exceeded".
func sendError(err error, timeout time.Duration) string {
	var ue *url.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ue) && ue.Timeout():
		return fmt.Sprintf("no answer within %s (timeout)", timeout)
	case errors.Is(err, context.Canceled):
		return "the send was cut short by ihub shutting down"
	case ue != nil:
		return ue.Err.Error()
	}
	return err.Error()
}

// send makes one attempt. Its outcome is dated when the send ended, and a
// retry is scheduled from then: a send that took the whole timeout is
// not retried at once.
func (d *Dispatcher) send(ctx context.Context, w Work) SendResult {
	now := d.now()
	r := SendResult{AttemptID: w.Attempt.ID, Lease: w.Attempt.NextAttemptAt}
	done := func() SendResult {
		r.At = d.now()
		return r
	}
	fail := func(status int, msg string, retryAfter time.Duration) SendResult {
		r.Status, r.Error, r.At = status, msg, d.now()
		if ctx.Err() != nil {
			// Cut short by the shutdown (CutShort): not the subscriber's
			// failure, so not one of the retries; due again at once (on
			// another replica, or after the restart).
			r.Status, r.CutShort, r.Error = 0, true, "the send was cut short by ihub shutting down; it is sent again"
			return r
		}
		n := int(w.Attempt.Attempts) // failures so far, this one excluded
		if n >= len(retrySchedule) {
			r.GiveUp = true
			return r
		}
		wait := retrySchedule[n]
		wait += time.Duration(mrand.Int64N(int64(wait/10) + 1)) // jitter
		if retryAfter > wait {
			wait = min(retryAfter, 24*time.Hour)
		}
		r.NextAttempt = r.At.Add(wait)
		return r
	}
	// gone disables the subscription: its destination is gone for good
	// (an HTTP subscriber's 410, a chat integration's deleted webhook or
	// archived channel). The attempt, counted, waits for it to be enabled.
	gone := func(status int, msg, reason string) SendResult {
		r.Status, r.Error, r.Disable = status, clipText(msg), clipText(reason)
		return done()
	}
	// ctx is the sends' context, which CutShort ends; tctx bounds this one.
	tctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	ev := w.Event
	if w.Subscription.Target == TargetChat { // a message for people: no envelope, no signature
		if d.s.o.Chat == nil {
			return fail(0, "chat targets are not available on this server", 0)
		}
		if err := d.s.o.Chat(tctx, w.Subscription.ChatIntegrationID, chatMessage(ev)); err != nil {
			msg := err.Error()
			ae, ok := errors.AsType[*apperr.Error](err)
			if ok {
				msg = ae.Message
			}
			if errors.Is(err, provider.ErrGone) {
				return gone(0, msg+"; the subscription is disabled",
					"the chat integration's channel or webhook is gone: "+msg)
			}
			if ok {
				return fail(0, clipText(msg), ae.RetryAfter)
			}
			return fail(0, clipText(msg), 0)
		}
		r.Delivered = true
		return done()
	}
	secret, err := d.s.o.Vault.Open(SecretAAD(w.Subscription.ID, "subscription"), w.Secret)
	if err != nil {
		return fail(0, "the subscription's secret cannot be opened", 0)
	}
	body, _ := json.Marshal(Envelope(ev))
	h, err := SignStandard(string(secret), ev.ID, now, body)
	if err != nil {
		return fail(0, "the subscription's secret is not a whsec_ secret", 0)
	}
	if w.Subscription.Target == TargetNATS {
		h.Set("Content-Type", "application/json")
		h.Set("Ihub-Event-Type", ev.Type)
		var auth natspub.Auth
		if w.Subscription.TargetSecret != nil {
			b, err := d.s.o.Vault.Open(TargetSecretAAD(w.Subscription.ID), w.Subscription.TargetSecret)
			if err != nil || json.Unmarshal(b, &auth) != nil {
				return fail(0, "the subscription's NATS credentials cannot be opened", 0)
			}
			clear(b)
		}
		// JetStream deduplicates per stream, and one stream may capture
		// the subjects of several subscriptions (or ihubs): the event id
		// alone would store one event once for all of them.
		if err := d.nats.Publish(tctx, w.Subscription.URL, w.Subscription.AllowPrivateNetwork, auth, w.Subscription.Subject,
			w.Subscription.ID+":"+ev.ID, h, body); err != nil {
			return fail(0, clipText(err.Error()), 0)
		}
		r.Delivered = true
		return done()
	}
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, w.Subscription.URL, bytes.NewReader(body))
	if err != nil {
		return fail(0, "the subscription's URL is not valid", 0)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	c := d.clients[0]
	if w.Subscription.AllowPrivateNetwork {
		c = d.clients[1]
	}
	resp, err := c.Do(req)
	if err != nil {
		return fail(0, clipText(sendError(err, d.timeout)), 0)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		r.Delivered, r.Status = true, resp.StatusCode
		return done()
	case resp.StatusCode == http.StatusGone:
		return gone(resp.StatusCode, "410 Gone: the subscriber asked to stop; the subscription is disabled",
			"the subscriber answered 410 Gone")
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fail(resp.StatusCode, fmt.Sprintf("%d redirect: redirects are not followed", resp.StatusCode), 0)
	}
	var ra time.Duration
	if v := resp.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs > 0 {
			ra = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			ra = t.Sub(d.now())
		}
	}
	return fail(resp.StatusCode, fmt.Sprintf("HTTP %d", resp.StatusCode), ra)
}

// clipText bounds an error text kept in the attempt log to 300 bytes.
// It cuts at a character boundary and makes the text valid UTF-8 without
// NUL: PostgreSQL refuses anything else, and an error text it refused
// rolled back the whole batch of outcomes recorded with it, subscribers'
// 2xx answers included (which were then sent again).
func clipText(s string) string {
	s = strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
	if len(s) <= 300 {
		return s
	}
	cut := 300
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// Close closes the dispatcher's NATS connections and removes its presence
// mark (Run does when it ends).
func (d *Dispatcher) Close() {
	d.nats.Close()
	if d.presence != nil {
		d.presence.Release()
	}
}

// recordSends records outcomes, trying again twice (after 100 ms, then
// 1 s) when the database fails: a dropped connection must not leave a
// subscriber's 2xx unrecorded, or the event goes out again when its lease
// ends. An outcome recorded twice (the first commit's answer lost) changes
// nothing the second time: a failure is fenced by its lease, a delivery
// by its status.
func (d *Dispatcher) recordSends(ctx context.Context, batch []SendResult) error {
	if len(batch) == 0 {
		return nil
	}
	_, err := retried(ctx, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, d.st.RecordSends(ctx, batch)
	})
	return err
}

// retried runs write, and twice more over about a second while it fails:
// for writes that must not be lost to a moment's trouble with the
// database.
func retried[T any](ctx context.Context, write func(context.Context) (T, error)) (T, error) {
	v, err := write(ctx)
	for _, wait := range []time.Duration{100 * time.Millisecond, time.Second} {
		if err == nil || ctx.Err() != nil {
			return v, err
		}
		time.Sleep(wait)
		v, err = write(ctx)
	}
	return v, err
}

// CutShort ends the sends that Run lets finish after its context ended:
// each is recorded as cut short by the shutdown, not counted as a retry,
// and due again at once (on another replica, or after the restart). A
// server calls it when its shutdown timeout runs out.
func (d *Dispatcher) CutShort() {
	d.cutOnce.Do(func() { close(d.cut) })
}

// Run fans out and sends until ctx ends: at once when deliveries are
// committed on this replica or a subscription has room again, and every
// interval otherwise (events committed by other replicas, retries coming
// due). It claims without waiting for earlier sends to end, so a slow
// subscriber delays no other.
//
// When ctx ends, Run claims nothing more and gives back the attempts it
// claimed and has not begun to send; the sends under way go on (each
// within the send timeout, unless CutShort ends them sooner), and Run
// returns once every one is recorded.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	defer d.Close()
	sendCtx, cancelSends := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSends()
	go func() {
		select {
		case <-d.cut:
			cancelSends()
		case <-sendCtx.Done():
		}
	}()
	if n, err := d.st.ReleaseLeases(ctx, d.now()); err != nil {
		d.s.o.Logger.Warn("releasing the leases of a stopped dispatcher failed", "err", err)
	} else if n > 0 {
		d.s.o.Logger.Info("attempts claimed by a stopped dispatcher are due again", "attempts", n)
	}
	results := make(chan sent, maxSending)
	recorded := make(chan struct{})
	go func() {
		defer close(recorded)
		_ = d.record(ctx, results) // errors are logged there
	}()
	var sends sync.WaitGroup
	fails := &apperr.Recurring{Log: d.s.o.Logger, Msg: "dispatching events failed"}
	for {
		// Taken before looking: a commit during the claim wakes the wait.
		committed := d.s.committed.channel()
		work, err := d.claim(ctx)
		fails.Step(ctx, err)
		d.start(ctx, sendCtx, work, results, &sends)
		if len(work) > 0 && ctx.Err() == nil {
			continue
		}
		select {
		case <-ctx.Done():
			sends.Wait()
			close(results)
			<-recorded
			// Its subscriptions go to the other replicas (or to this one
			// once restarted) now, not when its last claims expire.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := d.st.ReleaseOwner(rctx, d.owner); err != nil {
				d.s.o.Logger.Warn("handing the subscriptions over to other replicas failed", "err", err)
			}
			cancel()
			return
		case <-committed: // new events committed
		case <-d.freed: // a subscription may have room again
		case <-time.After(fails.Delay(interval)):
		}
	}
}
