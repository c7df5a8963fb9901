package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/egress"
	"ihub/internal/jobqueue"
	"ihub/internal/outbound"
	"ihub/internal/provider"
	"ihub/internal/secret"
)

// Sealer encrypts credential values; *secret.Keyring implements it.
type Sealer interface {
	Seal(aad, plaintext []byte) ([]byte, error)
	Open(aad, sealed []byte) ([]byte, error)
}

// Options configures a Service.
type Options struct {
	Store    Store
	Registry *provider.Registry
	Vault    Sealer
	// Client returns the outbound HTTP client to use: allowPrivate says
	// whether private addresses may be dialled, skipVerify whether TLS
	// certificates go unchecked. A per-request limit (Timeout) shorter than
	// ActionTimeout or TestTimeout is raised to the longer of the two for
	// integrations: the caller's deadline is what bounds a call.
	Client func(allowPrivate, skipVerify bool) *http.Client
	// AllowPrivate lets every integration reach private addresses
	// (--egress-allow-private; for development and tests).
	AllowPrivate bool
	// Outbound is the resilience stack every provider call goes through;
	// nil sends calls straight through the egress client (tests).
	Outbound *outbound.Manager
	// Dial returns the guarded dialer handed to non-HTTP adapters (SMTP);
	// nil leaves them on a plain dialer (tests).
	Dial func(allowPrivate bool) provider.DialFunc
	// Deleted, when set, is called with the id of each integration this
	// replica deletes, after the delete is committed, so that caches
	// outside this package (webhook ingest's) let it go at once.
	Deleted func(id string)
	// Breakers returns the circuit-breaker state of an integration
	// ("closed", "open", "half-open"); nil means always closed.
	Breakers func(integrationID string) string
	// TestTimeout bounds a connection test (default 10s).
	TestTimeout time.Duration
	// ActionTimeout bounds an action run (default ActionTimeout, 60s).
	ActionTimeout time.Duration
	Now           func() time.Time
	Logger        *slog.Logger
}

// Service implements the integration registry.
type Service struct {
	o       Options
	clients *Factory
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.TestTimeout <= 0 {
		o.TestTimeout = 10 * time.Second
	}
	if o.ActionTimeout <= 0 {
		o.ActionTimeout = ActionTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	// Times are stored in milliseconds, UTC: answer with the same precision
	// so that what a write returns equals what a later read returns.
	clock := o.Now
	o.Now = func() time.Time { return clock().UTC().Truncate(time.Millisecond) }
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{o: o}
	s.clients = newFactory(s)
	if o.Outbound != nil && o.Breakers == nil {
		s.o.Breakers = o.Outbound.BreakerState
	}
	return s
}

// Input is the body of a create (all fields) or a patch (nil fields are
// left alone). Settings are merged key by key on patch (null removes a
// key); credentials are replaced field by field (null or "" deletes one);
// labels, when given, replace the whole set.
type Input struct {
	Name                       *string
	Slug                       *string
	Provider                   *string
	BaseURL                    *string
	Username                   *string
	Settings                   map[string]any
	Credentials                map[string]any
	IsActive                   *bool
	LinkedServerID             *string
	Labels                     map[string]string
	HealthCheckIntervalMinutes *int
	AllowPrivateNetwork        *bool
	TLSSkipVerify              *bool
}

// reservedSlugs are path segments the API uses under /integrations/, so an
// integration cannot be called by them.
var reservedSlugs = []string{"providers", "webhooks", "hooks", "new"}

var (
	slugPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	labelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,62}$`)
)

// CredentialAAD binds a sealed credential to its integration and field.
func CredentialAAD(integrationID, field string) []byte {
	return secret.AAD("integration_credentials", "ciphertext", integrationID+"/"+field)
}

func newID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	// Millisecond time first, so ids sort in creation order (cursor pages).
	return fmt.Sprintf("int_%012x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// Slugify derives a slug from a name.
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 56 {
			break
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if s == "" {
		s = "integration"
	}
	return s
}

// noControl refuses a name or user name holding control characters (tab,
// line breaks, escape sequences, C1): as user and token names, and since a
// user name is sent in a header or a form field, where a line break would
// add one of the caller's choosing.
func noControl(field, v string, max int) *apperr.FieldError {
	if utf8.RuneCountInString(v) > max || strings.ContainsFunc(v, unicode.IsControl) {
		return &apperr.FieldError{Field: field, Message: fmt.Sprintf("must be at most %d characters, without control characters", max)}
	}
	return nil
}

func oneLine(field, v string, max int) *apperr.FieldError {
	if utf8.RuneCountInString(v) > max || strings.ContainsAny(v, "\r\n\x00") {
		return &apperr.FieldError{Field: field, Message: fmt.Sprintf("must be a single line of at most %d characters", max)}
	}
	return nil
}

// apply validates in against the descriptor and merges it into cur (a zero
// Integration on create). It returns the credential change to make.
func (s *Service) apply(cur *Integration, d provider.Descriptor, in Input, create bool) (provider.CredentialChange, error) {
	var fe []apperr.FieldError
	add := func(e *apperr.FieldError) {
		if e != nil {
			fe = append(fe, *e)
		}
	}
	if in.Name != nil {
		n := strings.TrimSpace(*in.Name)
		if n == "" {
			add(&apperr.FieldError{Field: "body.name", Message: "must not be empty"})
		}
		add(noControl("body.name", n, 200))
		cur.Name = n
	} else if create {
		add(&apperr.FieldError{Field: "body.name", Message: "is required"})
	}
	if in.Slug != nil {
		if !slugPattern.MatchString(*in.Slug) {
			add(&apperr.FieldError{Field: "body.slug", Message: "must be 1-63 lowercase letters, digits and dashes, starting with a letter or digit"})
		} else if slices.Contains(reservedSlugs, *in.Slug) {
			add(&apperr.FieldError{Field: "body.slug", Message: "is reserved by the API; choose another"})
		}
		cur.Slug = *in.Slug
	}
	if in.BaseURL != nil {
		cur.BaseURL = strings.TrimSpace(*in.BaseURL)
	}
	switch {
	case cur.BaseURL != "":
		if d.BaseURL == provider.UsageNone {
			add(&apperr.FieldError{Field: "body.baseUrl", Message: "is not used by provider " + d.ID})
		} else if u, err := egress.ValidateBaseURL(cur.BaseURL); err != nil {
			add(&apperr.FieldError{Field: "body.baseUrl", Message: err.Error()})
		} else if u.RawQuery != "" || u.ForceQuery {
			// Adapters add their own query; a credential in the URL would be
			// stored in clear.
			add(&apperr.FieldError{Field: "body.baseUrl", Message: "must not contain a query string"})
		} else {
			cur.BaseURL = strings.TrimRight(u.String(), "/")
		}
	case d.BaseURL == provider.UsageRequired:
		add(&apperr.FieldError{Field: "body.baseUrl", Message: "is required for provider " + d.ID})
	case d.BaseURL == provider.UsageOptional:
		cur.BaseURL = d.DefaultBaseURL
	}
	if in.Username != nil {
		cur.Username = strings.TrimSpace(*in.Username)
		add(noControl("body.username", cur.Username, 200))
	}
	if cur.Username == "" && d.Username == provider.UsageRequired {
		add(&apperr.FieldError{Field: "body.username", Message: "is required for provider " + d.ID})
	}
	if cur.Username != "" && d.Username == provider.UsageNone {
		add(&apperr.FieldError{Field: "body.username", Message: "is not used by provider " + d.ID})
	}
	merged := maps.Clone(cur.Settings)
	if merged == nil {
		merged = map[string]any{}
	}
	for k, v := range in.Settings {
		if v == nil {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	settings, errs := d.ValidateSettings(merged)
	fe = append(fe, inBody(errs)...)
	cur.Settings = settings
	var present map[string]bool
	if !create {
		present = map[string]bool{}
		for k := range cur.Credentials {
			present[k] = true
		}
	}
	change, errs := d.ValidateCredentials(in.Credentials, present)
	// A patch that leaves the credentials and username alone is not refused
	// for them: an integration stored before the provider's auth options
	// were checked can still be renamed or deactivated.
	if len(errs) == 0 && (create || in.Credentials != nil || in.Username != nil) {
		set := maps.Clone(present)
		if set == nil {
			set = map[string]bool{}
		}
		for _, k := range change.Delete {
			delete(set, k)
		}
		for k := range change.Set {
			set[k] = true
		}
		if e := d.CheckAuthOptions(cur.Username, set); e != nil {
			errs = append(errs, *e)
		}
	}
	fe = append(fe, inBody(errs)...)
	if in.IsActive != nil {
		cur.IsActive = *in.IsActive
	}
	if in.LinkedServerID != nil {
		v := strings.TrimSpace(*in.LinkedServerID)
		add(oneLine("body.linkedServerId", v, 200))
		if v == "" {
			cur.LinkedServerID = nil
		} else {
			cur.LinkedServerID = &v
		}
	}
	if in.Labels != nil {
		if len(in.Labels) > 50 {
			add(&apperr.FieldError{Field: "body.labels", Message: "must have at most 50 labels"})
		}
		for _, k := range slices.Sorted(maps.Keys(in.Labels)) {
			if !labelPattern.MatchString(k) {
				add(&apperr.FieldError{Field: "body.labels." + k, Message: "key must be 1-63 letters, digits, '_', '.', '-' or '/'"})
			}
			add(oneLine("body.labels."+k, in.Labels[k], 200))
		}
		cur.Labels = maps.Clone(in.Labels)
	}
	if in.HealthCheckIntervalMinutes != nil {
		if n := *in.HealthCheckIntervalMinutes; n < 1 || n > 1440 {
			add(&apperr.FieldError{Field: "body.healthCheckIntervalMinutes", Message: "must be between 1 and 1440"})
		}
		cur.HealthCheckIntervalMinutes = *in.HealthCheckIntervalMinutes
	}
	if in.AllowPrivateNetwork != nil {
		cur.AllowPrivateNetwork = *in.AllowPrivateNetwork
	}
	if in.TLSSkipVerify != nil {
		cur.TLSSkipVerify = *in.TLSSkipVerify
	}
	if len(fe) > 0 {
		return change, apperr.InvalidFields("the integration is not valid", fe...)
	}
	return change, nil
}

// inBody places the catalog's field errors ("settings.region") in the
// request body, where clients look for them.
func inBody(errs []apperr.FieldError) []apperr.FieldError {
	for i := range errs {
		errs[i].Field = "body." + errs[i].Field
	}
	return errs
}

func (s *Service) descriptor(id string) (provider.Provider, provider.Descriptor, error) {
	p, ok := s.o.Registry.Get(id)
	if !ok {
		return nil, provider.Descriptor{}, apperr.InvalidFields("unknown provider",
			apperr.FieldError{Field: "body.provider", Message: "is not a provider ihub knows; GET /api/v1/providers lists them"})
	}
	return p, p.Descriptor(), nil
}

func (s *Service) seal(id string, set map[string]string, now time.Time) ([]SealedCredential, error) {
	out := make([]SealedCredential, 0, len(set))
	for _, field := range slices.Sorted(maps.Keys(set)) {
		ct, err := s.o.Vault.Seal(CredentialAAD(id, field), []byte(set[field]))
		if err != nil {
			return nil, fmt.Errorf("integration: seal %s: %w", field, err)
		}
		kid, err := secret.KeyIDOf(ct)
		if err != nil {
			return nil, fmt.Errorf("integration: seal %s: %w", field, err)
		}
		out = append(out, SealedCredential{Field: field, Ciphertext: ct, KeyID: kid, UpdatedAt: now})
	}
	return out, nil
}

// Create validates and stores a new integration, sealing its credentials,
// and enqueues its first connection test in the same transaction.
func (s *Service) Create(ctx context.Context, by audit.Actor, in Input) (Integration, error) {
	if in.Provider == nil || *in.Provider == "" {
		return Integration{}, apperr.InvalidFields("provider is required", apperr.FieldError{Field: "body.provider", Message: "is required"})
	}
	p, d, err := s.descriptor(*in.Provider)
	if err != nil {
		return Integration{}, err
	}
	_, testable := p.(provider.Checker)
	now := s.o.Now()
	cur := Integration{ID: newID(now), Provider: d.ID, Category: d.Category, IsActive: true,
		HealthCheckIntervalMinutes: 15, Labels: map[string]string{}, Credentials: map[string]time.Time{},
		Health: Health{Status: HealthUnknown}, Version: 1, CreatedAt: now, UpdatedAt: now}
	change, err := s.apply(&cur, d, in, true)
	if err != nil {
		return Integration{}, err
	}
	sealed, err := s.seal(cur.ID, change.Set, now)
	if err != nil {
		return Integration{}, err
	}
	for _, c := range sealed {
		cur.Credentials[c.Field] = now
	}
	autoSlug := cur.Slug == ""
	base := Slugify(cur.Name)
	for attempt := 1; ; attempt++ {
		if autoSlug {
			cur.Slug = base
			if attempt > 1 || slices.Contains(reservedSlugs, base) {
				cur.Slug = fmt.Sprintf("%s-%d", base, max(attempt, 2))
			}
		}
		e := audit.Entry{At: now, Actor: by, Action: audit.IntegrationCreated, TargetType: "integration", TargetID: cur.ID,
			TargetName: cur.Name, IntegrationID: cur.ID, Success: true,
			Details: map[string]any{"provider": cur.Provider, "slug": cur.Slug, "credentialFields": slices.Sorted(maps.Keys(change.Set))}}
		var jobs []jobqueue.Args
		if cur.IsActive && testable {
			jobs = append(jobs, TestArgs{IntegrationID: cur.ID})
		}
		err = s.o.Store.CreateIntegration(ctx, cur, sealed, e, jobs...)
		if err == nil {
			return cur, nil
		}
		if !autoSlug || !apperr.Is(err, apperr.Conflict) || attempt >= 20 {
			return Integration{}, err
		}
	}
}

// Get returns an integration by id or slug.
func (s *Service) Get(ctx context.Context, idOrSlug string) (Integration, error) {
	return s.o.Store.GetIntegration(ctx, idOrSlug)
}

// List returns a page of integrations and the cursor of the next page ("" at
// the end).
func (s *Service) List(ctx context.Context, f Filter) ([]Integration, string, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++
	items, err := s.o.Store.ListIntegrations(ctx, f)
	if err != nil {
		return nil, "", err
	}
	if len(items) > want {
		return items[:want], items[want-1].ID, nil
	}
	return items, "", nil
}

// Update applies a partial change. ifMatch, when non-nil, must accept the
// stored version or the update fails with PreconditionFailed; without it, a
// change written by another request meanwhile is read again and this one
// applied on top of it (each round one of the racing changes wins).
func (s *Service) Update(ctx context.Context, by audit.Actor, idOrSlug string, in Input, ifMatch func(version int64) bool) (Integration, error) {
	var it Integration
	err := apperr.RetryUnconditional(ifMatch != nil, func() (err error) {
		it, err = s.update(ctx, by, idOrSlug, in, ifMatch)
		return err
	})
	return it, err
}

func (s *Service) update(ctx context.Context, by audit.Actor, idOrSlug string, in Input, ifMatch func(version int64) bool) (Integration, error) {
	cur, err := s.o.Store.GetIntegration(ctx, idOrSlug)
	if err != nil {
		return Integration{}, err
	}
	if ifMatch != nil && !ifMatch(cur.Version) {
		return Integration{}, apperr.E(apperr.PreconditionFailed, "the integration changed since you read it (it is now version %d)", cur.Version)
	}
	if in.Provider != nil && *in.Provider != cur.Provider {
		return Integration{}, apperr.InvalidFields("provider cannot change",
			apperr.FieldError{Field: "body.provider", Message: "cannot be changed; create a new integration"})
	}
	_, d, err := s.descriptor(cur.Provider)
	if err != nil {
		return Integration{}, err
	}
	before := cur
	next := cur
	next.Settings = maps.Clone(cur.Settings)
	next.Credentials = maps.Clone(cur.Credentials)
	change, err := s.apply(&next, d, in, false)
	if err != nil {
		return Integration{}, err
	}
	now := s.o.Now()
	sealed, err := s.seal(next.ID, change.Set, now)
	if err != nil {
		return Integration{}, err
	}
	for _, c := range sealed {
		next.Credentials[c.Field] = now
	}
	// Deleting a credential that is not set changes nothing.
	change.Delete = slices.DeleteFunc(change.Delete, func(f string) bool { _, set := cur.Credentials[f]; return !set })
	for _, f := range change.Delete {
		delete(next.Credentials, f)
	}
	changed := changedFields(before, next)
	if len(changed) == 0 && len(change.Set)+len(change.Delete) == 0 {
		// A patch that changes nothing writes nothing: the same version
		// (ETag), no activity entry, no client rebuilt. A credential given
		// is always a change: whether it is the same value could be told
		// only by decrypting the stored one.
		return cur, nil
	}
	next.UpdatedAt = now
	action := audit.IntegrationUpdated
	details := map[string]any{"changed": changed}
	if len(change.Set)+len(change.Delete) > 0 {
		details["credentialsSet"] = slices.Sorted(maps.Keys(change.Set))
		details["credentialsDeleted"] = change.Delete
		action = audit.CredentialsChanged
	}
	e := audit.Entry{At: now, Actor: by, Action: action, TargetType: "integration", TargetID: next.ID, TargetName: next.Name,
		IntegrationID: next.ID, Success: true, Details: details}
	if err := s.o.Store.UpdateIntegration(ctx, next, sealed, change.Delete, e); err != nil {
		return Integration{}, err
	}
	s.clients.Invalidate(next.ID)
	if s.o.Outbound != nil && connectionChanged(before, next) {
		s.o.Outbound.ResetBreaker(next.ID)
	}
	next.Version++
	return next, nil
}

// connectionChanged reports whether b reaches its provider otherwise than
// a: another address, user, credential, setting or network permission. The
// failures an integration's circuit breaker counted then say nothing about
// the new connection, so an edit that fixes it is tried at once, not after
// the breaker's cool-down.
func connectionChanged(a, b Integration) bool {
	return a.BaseURL != b.BaseURL || a.Username != b.Username || !equalJSONish(a.Settings, b.Settings) ||
		!maps.EqualFunc(a.Credentials, b.Credentials, time.Time.Equal) || a.AllowPrivateNetwork != b.AllowPrivateNetwork ||
		a.TLSSkipVerify != b.TLSSkipVerify || !equalLinked(a.LinkedServerID, b.LinkedServerID)
}

func equalLinked(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func changedFields(a, b Integration) []string {
	var out []string
	if a.Name != b.Name {
		out = append(out, "name")
	}
	if a.Slug != b.Slug {
		out = append(out, "slug")
	}
	if a.BaseURL != b.BaseURL {
		out = append(out, "baseUrl")
	}
	if a.Username != b.Username {
		out = append(out, "username")
	}
	if !equalJSONish(a.Settings, b.Settings) {
		out = append(out, "settings")
	}
	if !maps.Equal(a.Labels, b.Labels) {
		out = append(out, "labels")
	}
	if a.IsActive != b.IsActive {
		out = append(out, "isActive")
	}
	if !equalLinked(a.LinkedServerID, b.LinkedServerID) {
		out = append(out, "linkedServerId")
	}
	if a.HealthCheckIntervalMinutes != b.HealthCheckIntervalMinutes {
		out = append(out, "healthCheckIntervalMinutes")
	}
	if a.AllowPrivateNetwork != b.AllowPrivateNetwork {
		out = append(out, "allowPrivateNetwork")
	}
	if a.TLSSkipVerify != b.TLSSkipVerify {
		out = append(out, "tlsSkipVerify")
	}
	return out
}

func equalJSONish(a, b map[string]any) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// Delete removes an integration and destroys its sealed credentials.
func (s *Service) Delete(ctx context.Context, by audit.Actor, idOrSlug string) error {
	cur, err := s.o.Store.GetIntegration(ctx, idOrSlug)
	if err != nil {
		return err
	}
	e := audit.Entry{At: s.o.Now(), Actor: by, Action: audit.IntegrationDeleted, TargetType: "integration", TargetID: cur.ID,
		TargetName: cur.Name, IntegrationID: cur.ID, Success: true, Details: map[string]any{"provider": cur.Provider, "slug": cur.Slug}}
	if err := s.o.Store.DeleteIntegration(ctx, cur.ID, e); err != nil {
		return err
	}
	s.clients.Invalidate(cur.ID)
	if s.o.Outbound != nil {
		s.o.Outbound.Forget(cur.ID)
	}
	if s.o.Deleted != nil {
		s.o.Deleted(cur.ID)
	}
	return nil
}

// Connection decrypts an integration's credentials for use and records the
// decryption in the activity log, with purpose saying why.
func (s *Service) Connection(ctx context.Context, by audit.Actor, in Integration, purpose string) (provider.Connection, error) {
	return s.ConnectionWith(ctx, by, in, purpose)
}

// ConnectionWith is Connection that decrypts (and records) only the named
// credential fields, all when none is named: for a use that needs one,
// such as a webhook endpoint taking the integration's webhook secret.
func (s *Service) ConnectionWith(ctx context.Context, by audit.Actor, in Integration, purpose string, only ...string) (provider.Connection, error) {
	sealed, err := s.o.Store.IntegrationCredentials(ctx, in.ID)
	if err != nil {
		return provider.Connection{}, err
	}
	creds := make(map[string]secret.Value, len(sealed))
	fields := make([]string, 0, len(sealed))
	for _, c := range sealed {
		if len(only) > 0 && !slices.Contains(only, c.Field) {
			continue
		}
		pt, err := s.o.Vault.Open(CredentialAAD(in.ID, c.Field), c.Ciphertext)
		if err != nil {
			return provider.Connection{}, fmt.Errorf("integration: open credential %s of %s: %w", c.Field, in.ID, err)
		}
		creds[c.Field] = secret.NewValue(string(pt))
		fields = append(fields, c.Field)
	}
	if len(fields) > 0 {
		e := audit.Entry{At: s.o.Now(), Actor: by, Action: audit.CredentialsDecrypted, TargetType: "integration", TargetID: in.ID,
			TargetName: in.Name, IntegrationID: in.ID, Success: true, Details: map[string]any{"fields": fields, "purpose": purpose}}
		if err := s.o.Store.RecordActivity(ctx, e); err != nil {
			return provider.Connection{}, err
		}
	}
	return provider.Connection{IntegrationID: in.ID, BaseURL: in.BaseURL, Username: in.Username,
		Settings: maps.Clone(in.Settings), Credentials: creds}, nil
}

// Test runs the provider's connection test at by's request, records the
// outcome in the integration's health fields and the activity log, and
// returns it. A test that reaches the provider and fails is a TestOutcome
// with Success false, not an error.
//
// The test is sent even while the integration's circuit breaker is open
// (outbound.WithBreakerBypass): the breaker holds back ihub's own calls,
// such as the background test after create (WorkTest), every retried
// attempt of which counts against it, and a person testing the connection
// is answered by the provider, not by the breaker. A successful test
// closes the breaker.
func (s *Service) Test(ctx context.Context, by audit.Actor, idOrSlug string) (TestOutcome, error) {
	return s.test(outbound.WithBreakerBypass(ctx), by, idOrSlug)
}

// test runs a connection test (see Test); an open breaker refuses it unless
// ctx says otherwise.
func (s *Service) test(ctx context.Context, by audit.Actor, idOrSlug string) (TestOutcome, error) {
	hd, err := s.clients.Get(ctx, idOrSlug)
	if err != nil {
		return TestOutcome{}, err
	}
	in, conn := hd.Integration, hd.Conn
	checker, ok := hd.Provider.(provider.Checker)
	if !ok {
		return TestOutcome{}, apperr.E(apperr.Conflict, "provider %s has no connection test", in.Provider)
	}
	tctx, cancel := context.WithTimeout(outbound.WithSource(ctx, "test"), s.o.TestTimeout)
	defer cancel()
	start := s.o.Now()
	res, terr := checker.Test(tctx, hd.HTTP, conn)
	latency := s.o.Now().Sub(start)
	if err := ctx.Err(); err != nil {
		// The caller went away or ihub is shutting down: the provider was
		// not judged, so record nothing (a job retries).
		return TestOutcome{}, err
	}
	out := TestOutcome{Success: terr == nil, Latency: latency, TestedAt: start,
		Message: scrub(res.Message, conn, 1000), Details: scrubDetails(res.Details, conn)}
	h := Health{LastCheckedAt: &start}
	ms := latency.Milliseconds()
	h.LastLatencyMs = &ms
	if terr == nil {
		h.Status, h.LastConnectedAt = HealthHealthy, &start
		if out.Message == "" {
			out.Message = "Connected"
		}
	} else {
		msg, kind := describe(terr, conn)
		if errors.Is(terr, context.DeadlineExceeded) {
			msg, kind = fmt.Sprintf("timed out after %s", s.o.TestTimeout), string(provider.ErrTransport)
		}
		out.Message, out.ErrorKind = msg, kind
		h.Status, h.LastError = HealthDown, &msg
	}
	e := audit.Entry{At: s.o.Now(), Actor: by, Action: audit.IntegrationTested, TargetType: "integration", TargetID: in.ID,
		TargetName: in.Name, IntegrationID: in.ID, Success: out.Success,
		Details: map[string]any{"latencyMs": ms, "message": out.Message, "errorKind": out.ErrorKind}}
	// Record even if the caller leaves now: the test happened.
	if err := s.o.Store.RecordTest(context.WithoutCancel(ctx), in.ID, h, e); err != nil {
		return TestOutcome{}, err
	}
	return out, nil
}

// describe turns a test failure into the message users see.
func describe(err error, conn provider.Connection) (string, string) {
	kind := "internal"
	var pe *provider.Error
	if errors.As(err, &pe) {
		kind = string(pe.Kind)
	}
	return scrub(err.Error(), conn, 1000), kind
}

// scrub prepares provider-supplied text for storage and display: any
// credential value a provider echoed (or an adapter let slip) is masked
// (secret.Redact: a short one where it stands alone, so that a one-letter
// password does not mask that letter in every word), then the text is cut
// to max characters (runes, so as not to split one).
func scrub(msg string, conn provider.Connection, max int) string {
	secrets := make([]string, 0, len(conn.Credentials))
	for _, v := range conn.Credentials {
		secrets = append(secrets, v.Reveal())
	}
	msg = secret.Redact(msg, secrets...)
	if utf8.RuneCountInString(msg) > max {
		msg = string([]rune(msg)[:max]) + "…"
	}
	return msg
}

// scrubDetails applies scrub to every string in a test's details.
func scrubDetails(d map[string]any, conn provider.Connection) map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			return scrub(x, conn, 500)
		case []string:
			out := make([]string, len(x))
			for i, s := range x {
				out[i] = scrub(s, conn, 500)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = walk(e)
			}
			return out
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[scrub(k, conn, 200)] = walk(e)
			}
			return out
		}
		return v
	}
	if d == nil {
		return nil
	}
	return walk(d).(map[string]any)
}

// WorkTest is the job handler for TestArgs. It is ihub's own traffic, so an
// open circuit breaker refuses it (and the refusal is what it records).
func (s *Service) WorkTest(ctx context.Context, job *jobqueue.Job[TestArgs]) error {
	_, err := s.test(ctx, audit.System, job.Args.IntegrationID)
	switch {
	case err == nil:
		return nil
	case apperr.Is(err, apperr.NotFound), apperr.Is(err, apperr.Conflict):
		return nil // deleted since, or nothing to test: done
	}
	return err // including ctx errors at shutdown: the job runs again
}
