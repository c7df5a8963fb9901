package webhook

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/provider"
	"ihub/internal/secret"
	"ihub/internal/webhook/verify"
)

// Sealer encrypts secrets; the vault implements it.
type Sealer interface {
	Seal(aad, plaintext []byte) ([]byte, error)
	Open(aad, sealed []byte) ([]byte, error)
}

// keyID is the vault key id a sealed value names.
func keyID(sealed []byte) string {
	id, _ := secret.KeyIDOf(sealed) // a value Seal just produced always names its key
	return id
}

// IntegrationRef is what the package needs to know of an integration.
type IntegrationRef struct {
	ID, Slug, Name, Provider string
	IsActive                 bool
	// Settings are the integration's non-sensitive settings.
	Settings map[string]any
	// Credentials names the credentials the integration holds (never
	// their values).
	Credentials []string
}

// Options configures a Service.
type Options struct {
	Store Store
	Vault Sealer
	// Integration resolves an integration by id or slug.
	Integration func(ctx context.Context, idOrSlug string) (IntegrationRef, error)
	Registry    *provider.Registry
	// PublicURL is the base of ingress URLs ("https://ihub.example.com").
	PublicURL string
	// Committers is how many group-commit writers run (1 for SQLite, which
	// has one writer; a few for PostgreSQL).
	Committers int
	// MaxBatch caps a group commit.
	MaxBatch int
	// WebhookSecret, when set, returns an integration's credential field
	// ("" when it has none): an endpoint created without a secret takes
	// the one its provider's catalog says ihub verifies with
	// (WebhookSpec.SecretField, else "webhookSecret").
	WebhookSecret func(ctx context.Context, by audit.Actor, integrationID, field string) (string, error)
	// Chat posts a message through a Slack, Discord or Teams integration
	// (subscriptions with a chat target); nil disables chat targets. An
	// *apperr.Error's Message and RetryAfter are used for the attempt.
	Chat func(ctx context.Context, integrationID string, msg ChatMessage) error
	// OnSend, when set, sees every send to a subscription: its target, the
	// outcome (SendDelivered, SendRetry, SendFailed, SendDisabled) and, for
	// a delivery, how long after the event was stored it arrived.
	OnSend func(target, outcome string, lag time.Duration)
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults.
const (
	DefaultMaxBody     = 1 << 20
	DefaultTolerance   = 5 * time.Minute
	DefaultGracePeriod = 24 * time.Hour
	DefaultRetention   = 90 * 24 * time.Hour
)

// Service manages endpoints and ingests deliveries. It is safe for
// concurrent use.
type Service struct {
	o      Options
	commit *committer
	cache  endpointCache
	limits rejectLimiter
	replay replayCache
	// counters for metrics and tests
	accepted, duplicates, rejected atomic.Int64
	// committed wakes the dispatchers when new events were committed.
	committed broadcast
	// skew is what to add to this process's clock to read the database's
	// (nanoseconds), as this process's dispatcher last measured it (see
	// Dispatcher.syncClock); 0 before, and where one process has the store.
	skew atomic.Int64
}

// dbNow is the time on the database's clock, as far as the last reading
// tells: what attempts' due times and leases, which every replica
// compares, are written with.
func (s *Service) dbNow() time.Time {
	return s.o.Now().Add(time.Duration(s.skew.Load())).Truncate(time.Millisecond)
}

// broadcast wakes every waiter at once: signal closes the channel that
// channel returned. A waiter takes the channel before it looks for work, so
// a signal while it works is not lost.
type broadcast struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *broadcast) signal() {
	b.mu.Lock()
	close(b.ch)
	b.ch = make(chan struct{})
	b.mu.Unlock()
}

func (b *broadcast) channel() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ch
}

// Committed is closed by the next commit of deliveries on this replica:
// take it before looking for new events, then wait on it.
func (s *Service) Committed() <-chan struct{} { return s.committed.channel() }

// NewService returns a Service; Start runs its writers.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	clock := o.Now
	o.Now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Committers <= 0 {
		o.Committers = 1
	}
	if o.MaxBatch <= 0 {
		// Measured: with 64 senders, batches of 32 keep the writer busy
		// while the next batch gathers; one batch of everyone waiting
		// makes all senders wait for the same commit and the writer idle
		// while they send again (about 10 % less throughput).
		o.MaxBatch = 32
	}
	s := &Service{o: o, committed: broadcast{ch: make(chan struct{})}}
	s.commit = newCommitter(o.Store, o.Committers, o.MaxBatch, o.Logger)
	s.commit.onCommit = s.committed.signal
	s.cache.entries = map[string]*resolved{}
	s.limits.buckets = map[string]*bucket{}
	s.replay.entries = map[string]replayEntry{}
	return s
}

// Start runs the group-commit writers until ctx ends; Stop waits for them.
func (s *Service) Start(ctx context.Context) { s.commit.start(ctx) }

// Stop stops accepting deliveries and waits for the writers to drain.
func (s *Service) Stop() { s.commit.stop() }

// EndpointInput is a create (nil = default) or a patch (nil = unchanged).
type EndpointInput struct {
	Name         *string
	IsDefault    *bool
	Scheme       *string
	Settings     map[string]string
	EventTypes   []string
	AllowedCIDRs []string
	// ToleranceSeconds and MaxBodyBytes bound timestamps and bodies.
	ToleranceSeconds *int
	MaxBodyBytes     *int64
	IsActive         *bool
	// Secret sets the secret (providers like GitHub let the user choose
	// it); GenerateSecret makes a random one, returned once.
	Secret         *string
	GenerateSecret bool
	// GraceHours keeps the previous secret valid after a change (default 24).
	GraceHours *int
}

// SecretAAD binds a sealed endpoint secret to its row and slot.
func SecretAAD(endpointID, slot string) []byte {
	return []byte("webhook_endpoints/" + slot + "/" + endpointID)
}

func newEndpointID() string {
	var b [10]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return "whe_" + strings.ToLower(base64.RawURLEncoding.EncodeToString(b[:]))
}

// generateSecret returns a new random secret in the form the scheme needs.
func generateSecret(scheme string) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	if scheme == verify.SchemeStandardWebhooks {
		return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (s *Service) defaultScheme(providerID string) string {
	if _, spec := s.webhookSpec(providerID); spec.Scheme != "" {
		return spec.Scheme
	}
	return verify.SchemeHMAC
}

// webhookSpec is a provider's descriptor and webhook spec (zero when it
// has none).
func (s *Service) webhookSpec(providerID string) (provider.Descriptor, provider.WebhookSpec) {
	p, ok := s.o.Registry.Get(providerID)
	if !ok {
		return provider.Descriptor{}, provider.WebhookSpec{}
	}
	d := p.Descriptor()
	if d.Webhook == nil {
		return d, provider.WebhookSpec{}
	}
	return d, *d.Webhook
}

// defaultSettings adds to a new endpoint's settings those its provider
// takes from the integration's (the generic http provider's signature
// header, algorithm, encoding and prefix), where the endpoint sets none and
// uses the provider's scheme (they are that scheme's settings).
func (s *Service) defaultSettings(it IntegrationRef, scheme *string, given map[string]string) map[string]string {
	d, spec := s.webhookSpec(it.Provider)
	if len(spec.SettingsFrom) == 0 || (scheme != nil && *scheme != spec.Scheme) {
		return given
	}
	out := maps.Clone(given)
	for key, from := range spec.SettingsFrom {
		if _, set := given[key]; set {
			continue
		}
		v, _ := it.Settings[from].(string)
		if f, ok := d.Field(from); ok && v == "" {
			v, _ = f.Default.(string)
		}
		if v != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[key] = v
		}
	}
	return out
}

// checkName trims the name of an endpoint or a subscription and says what
// is wrong with it ("" when nothing), in one message whatever the fault:
// it is the rule a client needs to see. Control characters are refused, as
// in user and token names: a tab or an escape sequence in a name shows in
// the console, the activity log and its CSV export.
func checkName(name string) (trimmed, problem string) {
	n := strings.TrimSpace(name)
	if n == "" || utf8.RuneCountInString(n) > 200 || strings.ContainsFunc(n, unicode.IsControl) {
		return n, "must be 1 to 200 characters on one line, without control characters"
	}
	return n, ""
}

// apply validates in onto ep and returns the field errors.
func (s *Service) apply(ep *Endpoint, in EndpointInput) []apperr.FieldError {
	var errs []apperr.FieldError
	bad := func(field, msg string) { errs = append(errs, apperr.FieldError{Field: "body." + field, Message: msg}) }
	if in.Name != nil {
		n, msg := checkName(*in.Name)
		if msg != "" {
			bad("name", msg)
		}
		ep.Name = n
	}
	if in.IsDefault != nil {
		ep.IsDefault = *in.IsDefault
	}
	if in.Scheme != nil {
		if !slices.Contains(verify.Schemes(), *in.Scheme) {
			bad("scheme", "must be one of "+strings.Join(verify.Schemes(), ", "))
		}
		ep.Scheme = *in.Scheme
	}
	if in.Settings != nil {
		for k, v := range in.Settings {
			takes := schemeSettings[ep.Scheme]
			switch {
			case !slices.Contains(settingKeys, k):
				bad("settings."+k, "is not a known setting; known: "+strings.Join(settingKeys, ", "))
			case !slices.Contains(takes, k) && len(takes) == 0:
				bad("settings."+k, "does not apply to the "+ep.Scheme+" scheme, which takes no settings")
			case !slices.Contains(takes, k):
				bad("settings."+k, "does not apply to the "+ep.Scheme+" scheme, which takes: "+strings.Join(takes, ", "))
			}
			switch {
			case len(v) > 200 || strings.ContainsAny(v, "\r\n\x00"):
				bad("settings."+k, "must be at most 200 characters on one line")
			case k == "legacy" && v != "true" && v != "false":
				bad("settings."+k, `must be "true" or "false"`)
			case k == "username" && strings.Contains(v, ":"):
				// Basic auth sends user:password; the user name ends at the first colon.
				bad("settings."+k, "must not contain a colon")
			}
		}
		ep.Settings = in.Settings
	}
	if ep.Scheme == verify.SchemeHeaderToken && ep.Settings["headerName"] == "" {
		ep.Settings = withSetting(ep.Settings, "headerName", DefaultTokenHeader)
	}
	// A token's parameter or field left out takes the default; given
	// empty, it is refused below (verify.Validate names the setting).
	if _, set := ep.Settings["param"]; ep.Scheme == verify.SchemeQueryToken && !set {
		ep.Settings = withSetting(ep.Settings, "param", verify.DefaultQueryParam)
	}
	if _, set := ep.Settings["field"]; ep.Scheme == verify.SchemeBodyToken && !set {
		ep.Settings = withSetting(ep.Settings, "field", verify.DefaultBodyField)
	}
	if in.EventTypes != nil {
		if len(in.EventTypes) > 100 {
			bad("eventTypes", "at most 100 entries")
		}
		for i, t := range in.EventTypes {
			base, _ := strings.CutSuffix(t, ".*")
			switch {
			case t == "*":
				bad(fmt.Sprintf("eventTypes[%d]", i), "leave eventTypes empty to accept every event type")
			case utf8.RuneCountInString(t) > 100:
				bad(fmt.Sprintf("eventTypes[%d]", i), "must be at most 100 characters")
			case base == "" || strings.ContainsAny(t, " \r\n\x00"):
				bad(fmt.Sprintf("eventTypes[%d]", i), "must be a non-empty event name without spaces")
			case strings.Contains(base, "*"):
				bad(fmt.Sprintf("eventTypes[%d]", i), "must be an event name (push, code.push) or a family such as code.*: * is only allowed after the last dot")
			}
		}
		ep.EventTypes = distinct(in.EventTypes)
	}
	if in.AllowedCIDRs != nil {
		if len(in.AllowedCIDRs) > 100 {
			bad("allowedCidrs", "at most 100 entries")
		}
		// Stored as read: " 10.1.2.3/8 " is 10.0.0.0/8, the range it
		// allows; ::ffff:192.0.2.1 is 192.0.2.1.
		ep.AllowedCIDRs = make([]string, 0, len(in.AllowedCIDRs))
		for i, c := range in.AllowedCIDRs {
			p, err := parsePrefix(c)
			if err != nil {
				bad(fmt.Sprintf("allowedCidrs[%d]", i), "must be an IP address or CIDR")
				continue
			}
			if p.IsSingleIP() {
				ep.AllowedCIDRs = append(ep.AllowedCIDRs, p.Addr().String())
			} else {
				ep.AllowedCIDRs = append(ep.AllowedCIDRs, p.String())
			}
		}
	}
	if in.ToleranceSeconds != nil {
		if *in.ToleranceSeconds < 1 || *in.ToleranceSeconds > 86400 {
			bad("toleranceSeconds", "must be 1 to 86400")
		}
		ep.Tolerance = time.Duration(*in.ToleranceSeconds) * time.Second
	}
	if in.MaxBodyBytes != nil {
		if *in.MaxBodyBytes < 1024 || *in.MaxBodyBytes > 32<<20 {
			bad("maxBodyBytes", "must be 1024 to 33554432")
		}
		ep.MaxBodyBytes = *in.MaxBodyBytes
	}
	if in.IsActive != nil {
		ep.IsActive = *in.IsActive
	}
	if in.Secret != nil && in.GenerateSecret {
		bad("secret", "give a secret or ask for a generated one, not both")
	}
	// A secret given is taken however short: a provider may have chosen
	// it (the docs ask for a long random one where the user chooses).
	if in.Secret != nil && (len(*in.Secret) < 1 || len(*in.Secret) > 1024 || strings.ContainsAny(*in.Secret, "\r\n\x00")) {
		bad("secret", "must be 1 to 1024 characters on one line")
	}
	if in.GraceHours != nil && (*in.GraceHours < 0 || *in.GraceHours > 24*30) {
		bad("graceHours", "must be 0 to 720")
	}
	if in.Secret != nil && len(errs) == 0 {
		if p := verify.SecretProblem(ep.Scheme, *in.Secret); p != "" {
			bad("secret", p)
		}
	}
	if ep.Scheme == verify.SchemeNone {
		// Nothing would ever be checked against it.
		if in.Secret != nil {
			bad("secret", "the none scheme verifies nothing: it takes no secret")
		}
		if in.GenerateSecret {
			bad("generateSecret", "the none scheme verifies nothing: it takes no secret")
		}
	}
	if in.GenerateSecret && ep.Scheme == verify.SchemeDiscordEd25519 {
		bad("generateSecret", "Discord signs with its own key pair: give the application's public key as secret")
	}
	if len(errs) == 0 {
		// The settings are checked with a well-formed stand-in: the real
		// secret, when one is given, was checked above.
		cfg := verifyConfig(*ep, [][]byte{verify.PlaceholderSecret(ep.Scheme)})
		if err := verify.Validate(cfg); err != nil && ep.Scheme != verify.SchemeNone {
			field, reason := "settings", err.Error()
			if ve, ok := err.(*verify.Error); ok {
				reason = ve.Reason
				if ve.Setting != "" {
					field += "." + ve.Setting
				}
			}
			bad(field, reason)
		}
	}
	return errs
}

// withSetting returns a copy of settings with key set to value.
func withSetting(settings map[string]string, key, value string) map[string]string {
	out := maps.Clone(settings)
	if out == nil {
		out = map[string]string{}
	}
	out[key] = value
	return out
}

// integrationSecret returns what the integration holds in its provider's
// webhook secret field (WebhookSpec.SecretField): a credential, revealed
// (and audited) through Options.WebhookSecret, or a plain setting such as
// Discord's public key. "" when it holds none.
func (s *Service) integrationSecret(ctx context.Context, by audit.Actor, it IntegrationRef) (string, error) {
	d, spec := s.webhookSpec(it.Provider)
	field := cmp.Or(spec.SecretField, DefaultSecretField)
	if f, ok := d.Field(field); ok && f.Type != provider.FieldSecret {
		v, _ := it.Settings[field].(string)
		return strings.TrimSpace(v), nil
	}
	if s.o.WebhookSecret == nil {
		return "", nil
	}
	return s.o.WebhookSecret(ctx, by, it.ID, field)
}

// DefaultSecretField is the credential in which the provider catalog has
// users keep a webhook secret (GitHub, GitLab, Resend, NetCash, …), unless
// the provider's WebhookSpec names another (Clickatell's webhookToken).
const DefaultSecretField = "webhookSecret"

// DefaultTokenHeader is the header a header_token endpoint reads its token
// from when its settings name none.
const DefaultTokenHeader = "X-Webhook-Token"

// schemeSettings are the settings each scheme reads (verifyConfig); the
// others take none.
var schemeSettings = map[string][]string{
	verify.SchemeHMAC:        {"algorithm", "header", "encoding", "prefix", "signed", "timestampHeader", "deliveryIdHeader"},
	verify.SchemeHeaderToken: {"headerName"},
	verify.SchemeQueryToken:  {"param"},
	verify.SchemeBodyToken:   {"field"},
	verify.SchemeBasicAuth:   {"username"},
	verify.SchemeGitHub:      {"legacy"},
	verify.SchemeDidit:       {"legacy"},
}

// settingKeys are the scheme options an endpoint may set.
var settingKeys = []string{"algorithm", "header", "encoding", "prefix", "signed", "timestampHeader", "deliveryIdHeader",
	"headerName", "param", "field", "username", "legacy"}

// parsePrefix reads an allowlist entry: an address or a CIDR. IPv4-mapped
// IPv6 forms (::ffff:192.0.2.1, ::ffff:192.0.2.0/120) are read as the IPv4
// they map, as client addresses are.
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err == nil && p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), err
}

// verifyConfig builds the verify.Config of an endpoint.
func verifyConfig(ep Endpoint, secrets [][]byte) verify.Config {
	st := ep.Settings
	return verify.Config{Scheme: ep.Scheme, Secrets: secrets, Tolerance: ep.Tolerance,
		HMAC: verify.HMACConfig{Algorithm: st["algorithm"], Header: st["header"], Encoding: st["encoding"],
			Prefix: st["prefix"], Signed: st["signed"], TimestampHeader: st["timestampHeader"],
			DeliveryIDHeader: st["deliveryIdHeader"]},
		HeaderName: st["headerName"], QueryParam: st["param"], BodyField: st["field"], Username: st["username"],
		Legacy: st["legacy"] == "true"}
}

func (s *Service) seal(id, slot, secret string) ([]byte, error) {
	return s.o.Vault.Seal(SecretAAD(id, slot), []byte(secret))
}

// CreateEndpoint adds an endpoint to an integration. The scheme defaults to
// the provider's; a secret is generated when the scheme needs one and none
// is given, and returned once (empty otherwise).
func (s *Service) CreateEndpoint(ctx context.Context, by audit.Actor, integration string, in EndpointInput) (Endpoint, string, error) {
	it, err := s.o.Integration(ctx, integration)
	if err != nil {
		return Endpoint{}, "", err
	}
	now := s.o.Now()
	ep := Endpoint{ID: newEndpointID(), IntegrationID: it.ID, Provider: it.Provider, Name: it.Name + " webhooks",
		Scheme: s.defaultScheme(it.Provider), Settings: map[string]string{}, EventTypes: []string{}, AllowedCIDRs: []string{},
		Tolerance: DefaultTolerance, MaxBodyBytes: DefaultMaxBody, IsActive: true, Version: 1, CreatedAt: now, UpdatedAt: now}
	in.Settings = s.defaultSettings(it, in.Scheme, in.Settings)
	errs := s.apply(&ep, in)
	if in.GraceHours != nil {
		errs = append(errs, apperr.FieldError{Field: "body.graceHours", Message: "applies when a secret is replaced; a new endpoint has no previous one to keep"})
	}
	if len(errs) > 0 {
		return Endpoint{}, "", apperr.InvalidFields("the webhook endpoint is not valid", errs...)
	}
	secret, shown, from := "", "", ""
	switch {
	case in.Secret != nil:
		secret, from = *in.Secret, "given"
	case ep.Scheme == verify.SchemeNone:
	default:
		if !in.GenerateSecret {
			v, err := s.integrationSecret(ctx, by, it)
			if err != nil {
				return Endpoint{}, "", err
			}
			if v != "" && verify.SecretProblem(ep.Scheme, v) == "" {
				secret, from = v, "integration"
			}
		}
		if secret == "" && ep.Scheme == verify.SchemeDiscordEd25519 {
			// A public key cannot be made up.
			return Endpoint{}, "", apperr.InvalidFields("the webhook endpoint is not valid", apperr.FieldError{Field: "body.secret",
				Message: "is required: the Discord application's public key (64 hexadecimal digits), unless the integration's publicKey setting holds it"})
		}
		if secret == "" {
			secret, from = generateSecret(ep.Scheme), "generated"
			shown = secret
		}
	}
	var sec SealedSecrets
	if secret != "" {
		if sec.Current, err = s.seal(ep.ID, "secret", secret); err != nil {
			return Endpoint{}, "", err
		}
		sec.CurrentKeyID, sec.UpdatedAt = keyID(sec.Current), &now
		ep.HasSecret, ep.SecretUpdatedAt = true, &now
	}
	details := map[string]any{"scheme": ep.Scheme, "secretGenerated": shown != "", "secretSet": secret != ""}
	if from != "" {
		// Where the secret came from (given, integration, generated),
		// never the secret; left out when there is none (scheme none).
		details["secretFrom"] = from
	}
	e := audit.Entry{At: now, Actor: by, Action: audit.WebhookEndpointCreated, TargetType: "webhook_endpoint", TargetID: ep.ID,
		TargetName: ep.Name, IntegrationID: it.ID, Success: true, Details: details}
	if ep, err = s.o.Store.CreateWebhookEndpoint(ctx, ep, sec, e); err != nil {
		return Endpoint{}, "", err
	}
	s.cache.drop(ep.ID, ep.IntegrationID)
	return ep, shown, nil
}

// Endpoints lists an integration's endpoints ("" for all).
func (s *Service) Endpoints(ctx context.Context, integration string) ([]Endpoint, error) {
	id := ""
	if integration != "" {
		it, err := s.o.Integration(ctx, integration)
		if err != nil {
			return nil, err
		}
		id = it.ID
	}
	return s.o.Store.ListWebhookEndpoints(ctx, id)
}

// Endpoint returns one endpoint.
func (s *Service) Endpoint(ctx context.Context, id string) (Endpoint, error) {
	ep, _, err := s.o.Store.GetWebhookEndpoint(ctx, id)
	return ep, err
}

// UpdateEndpoint patches an endpoint. A new or generated secret replaces
// the current one, which stays valid for the grace period; a generated
// secret is returned once. Without ifMatch, a change written by another
// request meanwhile is read again and this one applied on top of it.
func (s *Service) UpdateEndpoint(ctx context.Context, by audit.Actor, id string, in EndpointInput, ifMatch func(int64) bool) (Endpoint, string, error) {
	var ep Endpoint
	var shown string
	err := apperr.RetryUnconditional(ifMatch != nil, func() (err error) {
		ep, shown, err = s.updateEndpoint(ctx, by, id, in, ifMatch)
		return err
	})
	return ep, shown, err
}

func (s *Service) updateEndpoint(ctx context.Context, by audit.Actor, id string, in EndpointInput, ifMatch func(int64) bool) (Endpoint, string, error) {
	cur, sec, err := s.o.Store.GetWebhookEndpoint(ctx, id)
	if err != nil {
		return Endpoint{}, "", err
	}
	if ifMatch != nil && !ifMatch(cur.Version) {
		return Endpoint{}, "", apperr.E(apperr.PreconditionFailed, "the webhook endpoint changed since you read it (it is now version %d)", cur.Version)
	}
	if in.Secret != nil && !in.GenerateSecret && len(sec.Current) > 0 {
		// The secret the endpoint already has changes nothing, and the
		// graceHours given with it (the grace of a change) neither: a
		// configuration applied again must not cut short the grace period
		// of the previous secret the provider may still be signing with.
		pt, err := s.o.Vault.Open(SecretAAD(cur.ID, "secret"), sec.Current)
		if err != nil {
			return Endpoint{}, "", fmt.Errorf("webhook: open the current secret: %w", err)
		}
		if subtle.ConstantTimeCompare(pt, []byte(*in.Secret)) == 1 {
			in.Secret, in.GraceHours = nil, nil
		}
	}
	ep := cur
	scheme := cur.Scheme
	if in.Scheme != nil {
		scheme = *in.Scheme
	}
	if in.Settings != nil || scheme != cur.Scheme {
		// New settings, or a new scheme, take the integration's defaults
		// where they set none, as on create (the generic http provider's
		// signature header and algorithm for hmac); a new scheme without
		// new settings keeps those of the old ones it takes.
		it, err := s.o.Integration(ctx, cur.IntegrationID)
		if err != nil {
			return Endpoint{}, "", err
		}
		given := in.Settings
		if given == nil {
			given = maps.Clone(cur.Settings)
			maps.DeleteFunc(given, func(k, _ string) bool { return !slices.Contains(schemeSettings[scheme], k) })
		}
		in.Settings = s.defaultSettings(it, &scheme, given)
	}
	errs := s.apply(&ep, in)
	if cur.IsDefault && !ep.IsDefault {
		// Unmarked, the seed's URL form would go to the first endpoint
		// while none says it is the default.
		errs = append(errs, apperr.FieldError{Field: "body.isDefault",
			Message: "this is the integration's default endpoint: to move the mark, PATCH another of its endpoints with isDefault true"})
	}
	if len(errs) == 0 && ep.Scheme != cur.Scheme && in.Secret == nil && !in.GenerateSecret {
		// The kept secret must suit the new scheme.
		msg := ""
		if len(sec.Current) == 0 {
			if ep.Scheme == verify.SchemeDiscordEd25519 {
				msg = "is required with the discord_ed25519 scheme: the application's public key"
			}
		} else {
			pt, err := s.o.Vault.Open(SecretAAD(ep.ID, "secret"), sec.Current)
			if err != nil {
				return Endpoint{}, "", fmt.Errorf("webhook: open the current secret: %w", err)
			}
			if p := verify.SecretProblem(ep.Scheme, string(pt)); p != "" {
				msg = "the current secret does not suit the " + ep.Scheme + " scheme: give a new one that " + p
			}
		}
		if msg != "" {
			errs = append(errs, apperr.FieldError{Field: "body.secret", Message: msg})
		}
	}
	if len(errs) > 0 {
		return Endpoint{}, "", apperr.InvalidFields("the webhook endpoint is not valid", errs...)
	}
	now := s.o.Now()
	ep.UpdatedAt = now
	var newSec *SealedSecrets
	shown := ""
	if in.Secret != nil || in.GenerateSecret {
		secret := ""
		if in.Secret != nil {
			secret = *in.Secret
		} else {
			secret = generateSecret(ep.Scheme)
			shown = secret
		}
		grace := DefaultGracePeriod
		if in.GraceHours != nil {
			grace = time.Duration(*in.GraceHours) * time.Hour
		}
		ns := SealedSecrets{UpdatedAt: &now}
		if ns.Current, err = s.seal(ep.ID, "secret", secret); err != nil {
			return Endpoint{}, "", err
		}
		ns.CurrentKeyID = keyID(ns.Current)
		if len(sec.Current) > 0 && grace > 0 && ep.Scheme == cur.Scheme {
			// The old secret moves to the previous slot: re-seal it there
			// (the AAD names the slot). Not when the scheme changes: the
			// provider then signs with the new scheme and secret only.
			pt, err := s.o.Vault.Open(SecretAAD(ep.ID, "secret"), sec.Current)
			if err != nil {
				return Endpoint{}, "", fmt.Errorf("webhook: open the current secret: %w", err)
			}
			if ns.Previous, err = s.o.Vault.Seal(SecretAAD(ep.ID, "previous"), pt); err != nil {
				return Endpoint{}, "", err
			}
			exp := now.Add(grace)
			ns.PreviousKeyID, ns.PreviousExpiresAt = keyID(ns.Previous), &exp
		}
		newSec = &ns
		ep.HasSecret, ep.SecretUpdatedAt, ep.PreviousSecretExpiresAt = true, &now, ns.PreviousExpiresAt
	} else if ep.Scheme == verify.SchemeNone && (len(sec.Current) > 0 || len(sec.Previous) > 0) {
		// none verifies nothing: a secret kept would only look in use.
		newSec = &SealedSecrets{UpdatedAt: &now}
		ep.HasSecret, ep.SecretUpdatedAt, ep.PreviousSecretExpiresAt = false, &now, nil
	} else if ep.Scheme != cur.Scheme && len(sec.Previous) > 0 {
		// A previous secret of the old scheme is let go with it.
		ns := sec
		ns.Previous, ns.PreviousKeyID, ns.PreviousExpiresAt = nil, "", nil
		newSec = &ns
		ep.PreviousSecretExpiresAt = nil
	} else if in.GraceHours != nil {
		// graceHours alone resets a running grace period to end that
		// long from now: 0 lets a leaked previous secret go at once.
		if len(sec.Previous) == 0 || sec.PreviousExpiresAt == nil || !now.Before(*sec.PreviousExpiresAt) {
			return Endpoint{}, "", apperr.InvalidFields("the webhook endpoint is not valid", apperr.FieldError{Field: "body.graceHours",
				Message: "applies when the secret changes (secret or generateSecret) or to a running grace period, and none is running"})
		}
		ns := sec
		if *in.GraceHours == 0 {
			ns.Previous, ns.PreviousKeyID, ns.PreviousExpiresAt = nil, "", nil
		} else {
			exp := now.Add(time.Duration(*in.GraceHours) * time.Hour)
			ns.PreviousExpiresAt = &exp
		}
		newSec = &ns
		ep.PreviousSecretExpiresAt = ns.PreviousExpiresAt
	}
	e := audit.Entry{At: now, Actor: by, Action: audit.WebhookEndpointUpdated, TargetType: "webhook_endpoint", TargetID: ep.ID,
		TargetName: ep.Name, IntegrationID: ep.IntegrationID, Success: true,
		Details: endpointChanges(cur, ep, in.Secret != nil || in.GenerateSecret || cur.HasSecret && !ep.HasSecret)}
	if changed, _ := e.Details["changed"].([]string); len(changed) == 0 && newSec == nil {
		return cur, "", nil // nothing to write, version or audit
	}
	e.Details["secretGenerated"] = shown != ""
	if err := s.o.Store.UpdateWebhookEndpoint(ctx, ep, newSec, e); err != nil {
		return Endpoint{}, "", err
	}
	s.cache.drop(ep.ID, ep.IntegrationID)
	ep.Version++
	return ep, shown, nil
}

// endpointChanges are an update's audit details: the fields it changed
// (their JSON names) and the new values of those that decide who may
// deliver what, and whether the secret changed (never the secret).
func endpointChanges(old, cur Endpoint, secretChanged bool) map[string]any {
	changed := []string{}
	d := map[string]any{}
	note := func(name string, differs bool, value any) {
		if differs {
			changed = append(changed, name)
			if value != nil {
				d[name] = value
			}
		}
	}
	note("name", old.Name != cur.Name, nil)
	note("isDefault", old.IsDefault != cur.IsDefault, cur.IsDefault)
	note("scheme", old.Scheme != cur.Scheme, cur.Scheme)
	note("settings", !maps.Equal(old.Settings, cur.Settings), nil)
	note("eventTypes", !slices.Equal(old.EventTypes, cur.EventTypes), cur.EventTypes)
	note("allowedCidrs", !slices.Equal(old.AllowedCIDRs, cur.AllowedCIDRs), cur.AllowedCIDRs)
	note("toleranceSeconds", old.Tolerance != cur.Tolerance, int64(cur.Tolerance/time.Second))
	note("maxBodyBytes", old.MaxBodyBytes != cur.MaxBodyBytes, cur.MaxBodyBytes)
	note("isActive", old.IsActive != cur.IsActive, cur.IsActive)
	note("secret", secretChanged, nil)
	if !timePtrEqual(old.PreviousSecretExpiresAt, cur.PreviousSecretExpiresAt) {
		changed = append(changed, "previousSecretExpiresAt")
		d["previousSecretExpiresAt"] = cur.PreviousSecretExpiresAt // nil: no previous secret is accepted
	}
	d["changed"], d["secretChanged"] = changed, secretChanged
	return d
}

func timePtrEqual(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// DeleteEndpoint removes an endpoint; its deliveries stay until retention.
func (s *Service) DeleteEndpoint(ctx context.Context, by audit.Actor, id string) error {
	cur, _, err := s.o.Store.GetWebhookEndpoint(ctx, id)
	if err != nil {
		return err
	}
	e := audit.Entry{At: s.o.Now(), Actor: by, Action: audit.WebhookEndpointDeleted, TargetType: "webhook_endpoint",
		TargetID: cur.ID, TargetName: cur.Name, IntegrationID: cur.IntegrationID, Success: true,
		Details: map[string]any{"scheme": cur.Scheme}}
	if err := s.o.Store.DeleteWebhookEndpoint(ctx, id, e); err != nil {
		return err
	}
	s.cache.drop(id, cur.IntegrationID)
	return nil
}

// URL is an endpoint's ingress URL.
func (s *Service) URL(id string) string {
	return strings.TrimSuffix(s.o.PublicURL, "/") + "/api/v1/hooks/" + id
}

// endpointCache keeps resolved endpoints (with decrypted secrets) for the
// ingest path; entries expire after a short time so that changes made on
// other replicas are seen.
type endpointCache struct {
	mu      sync.RWMutex
	entries map[string]*resolved
}

func (c *endpointCache) get(key string, now time.Time) *resolved {
	c.mu.RLock()
	r := c.entries[key]
	c.mu.RUnlock()
	if r == nil || now.After(r.expires) {
		return nil
	}
	return r
}

func (c *endpointCache) put(key string, r *resolved) {
	c.mu.Lock()
	if len(c.entries) > 10_000 {
		c.entries = map[string]*resolved{}
	}
	c.entries[key] = r
	c.mu.Unlock()
}

// drop forgets endpoint id and which endpoint is its integration's
// default (that may have moved).
func (c *endpointCache) drop(id, integrationID string) {
	c.mu.Lock()
	for k, r := range c.entries {
		// The integration's default is cached under its id and under its
		// slug, the seed's URL form taking either: a change may move the
		// mark off the endpoint either entry holds.
		if r.ep.ID == id || strings.HasPrefix(k, "default:") && r.ep.IntegrationID == integrationID {
			delete(c.entries, k)
		}
	}
	delete(c.entries, "default:"+integrationID)
	c.mu.Unlock()
}

// dropIntegration forgets every endpoint of the integration.
func (c *endpointCache) dropIntegration(integrationID string) {
	c.mu.Lock()
	for k, r := range c.entries {
		if r.ep.IntegrationID == integrationID {
			delete(c.entries, k)
		}
	}
	c.mu.Unlock()
}

// ForgetIntegration drops what ingest holds of a deleted integration's
// endpoints, so that this replica refuses their deliveries at once; other
// replicas do within cacheTTL.
func (s *Service) ForgetIntegration(id string) { s.cache.dropIntegration(id) }

// resolved is an endpoint ready for ingest.
type resolved struct {
	ep       Endpoint
	cfg      verify.Config
	prefixes []netip.Prefix
	expires  time.Time
}

// cacheTTL is how long a resolved endpoint is used before it is re-read:
// the delay after which a change made on another replica takes effect.
const cacheTTL = 2 * time.Second

func (s *Service) resolve(ctx context.Context, key string, def bool) (*resolved, error) {
	now := s.o.Now()
	ck := key
	if def {
		ck = "default:" + key
	}
	if r := s.cache.get(ck, now); r != nil {
		return r, nil
	}
	var (
		ep  Endpoint
		sec SealedSecrets
		err error
	)
	if def {
		ep, sec, err = s.o.Store.DefaultWebhookEndpoint(ctx, key)
		if ae, ok := apperr.As(err); ok && ae.Kind == apperr.NotFound && s.o.Integration != nil {
			// The seed's URL form names the integration, by id or, as
			// every other route takes it, by slug.
			if it, ierr := s.o.Integration(ctx, key); ierr == nil && it.ID != key {
				ep, sec, err = s.o.Store.DefaultWebhookEndpoint(ctx, it.ID)
			}
		}
	} else {
		ep, sec, err = s.o.Store.GetWebhookEndpoint(ctx, key)
	}
	if err != nil {
		return nil, err
	}
	var secrets [][]byte
	if len(sec.Current) > 0 {
		pt, err := s.o.Vault.Open(SecretAAD(ep.ID, "secret"), sec.Current)
		if err != nil {
			return nil, fmt.Errorf("webhook: open secret of %s: %w", ep.ID, err)
		}
		secrets = append(secrets, pt)
	}
	if len(sec.Previous) > 0 && sec.PreviousExpiresAt != nil && now.Before(*sec.PreviousExpiresAt) {
		pt, err := s.o.Vault.Open(SecretAAD(ep.ID, "previous"), sec.Previous)
		if err != nil {
			return nil, fmt.Errorf("webhook: open previous secret of %s: %w", ep.ID, err)
		}
		// One kept from before a change of scheme (by an older ihub) must
		// not make the endpoint refuse what its current secret verifies.
		if verify.SecretProblem(ep.Scheme, string(pt)) == "" {
			secrets = append(secrets, pt)
		}
	}
	r := &resolved{ep: ep, cfg: verifyConfig(ep, secrets), expires: now.Add(cacheTTL)}
	if sec.PreviousExpiresAt != nil && sec.PreviousExpiresAt.Before(r.expires) && now.Before(*sec.PreviousExpiresAt) {
		r.expires = *sec.PreviousExpiresAt
	}
	for _, c := range ep.AllowedCIDRs {
		if p, err := parsePrefix(c); err == nil {
			r.prefixes = append(r.prefixes, p)
		}
	}
	s.cache.put(ck, r)
	return r, nil
}
