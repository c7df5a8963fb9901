package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/integration"
	"ihub/internal/jobqueue"
	"ihub/internal/provider"
	"ihub/internal/store/internal/sqlitedb"
)

var _ integration.Store = (*DB)(nil)

func toIntegration(r sqlitedb.Integration) (integration.Integration, error) {
	in := integration.Integration{
		ID: r.ID, Slug: r.Slug, Name: r.Name, Provider: r.Provider, Category: provider.Category(r.Category),
		BaseURL: r.BaseUrl, Username: r.Username, IsActive: r.IsActive, LinkedServerID: r.LinkedServerID,
		HealthCheckIntervalMinutes: int(r.HealthCheckIntervalMinutes), AllowPrivateNetwork: r.AllowPrivateNetwork,
		TLSSkipVerify: r.TlsSkipVerify,
		Health: integration.Health{
			Status: integration.HealthStatus(r.HealthStatus), LastCheckedAt: fromMSPtr(r.LastCheckedAt),
			LastConnectedAt: fromMSPtr(r.LastConnectedAt), LastError: r.LastError, LastLatencyMs: r.LastLatencyMs,
			ConsecutiveFailures: int(r.ConsecutiveFailures),
		},
		Version: r.Version, CreatedAt: fromMS(r.CreatedAt), UpdatedAt: fromMS(r.UpdatedAt),
	}
	if err := json.Unmarshal(r.Settings, &in.Settings); err != nil {
		return in, fmt.Errorf("store: integration %s settings: %w", r.ID, err)
	}
	if err := json.Unmarshal(r.Labels, &in.Labels); err != nil {
		return in, fmt.Errorf("store: integration %s labels: %w", r.ID, err)
	}
	var meta map[string]int64
	if err := json.Unmarshal(r.CredentialsMeta, &meta); err != nil {
		return in, fmt.Errorf("store: integration %s credentials: %w", r.ID, err)
	}
	in.Credentials = make(map[string]time.Time, len(meta))
	for k, v := range meta {
		in.Credentials[k] = fromMS(v)
	}
	return in, nil
}

type integrationJSON struct{ settings, labels, meta []byte }

func encodeIntegration(in integration.Integration) (integrationJSON, error) {
	var out integrationJSON
	var err error
	settings := in.Settings
	if settings == nil {
		settings = map[string]any{}
	}
	labels := in.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	meta := make(map[string]int64, len(in.Credentials))
	for k, v := range in.Credentials {
		meta[k] = ms(v)
	}
	if out.settings, err = json.Marshal(settings); err != nil {
		return out, fmt.Errorf("store: encode settings: %w", err)
	}
	if out.labels, err = json.Marshal(labels); err != nil {
		return out, fmt.Errorf("store: encode labels: %w", err)
	}
	if out.meta, err = json.Marshal(meta); err != nil {
		return out, fmt.Errorf("store: encode credentials: %w", err)
	}
	return out, nil
}

func slugConflict(err error, slug string) error {
	if isUnique(err) {
		return &apperr.Error{Kind: apperr.Conflict, Message: fmt.Sprintf("slug %q is already in use", slug),
			Fields: []apperr.FieldError{{Field: "body.slug", Message: "is already in use"}}}
	}
	return err
}

// CreateIntegration stores a new integration with its sealed credentials,
// its labels, the audit entry and the jobs, in one transaction.
func (db *DB) CreateIntegration(ctx context.Context, in integration.Integration, creds []integration.SealedCredential, e audit.Entry, jobs ...jobqueue.Args) error {
	js, err := encodeIntegration(in)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(q sqlitedb.Querier, native any) error {
		err := q.InsertIntegration(ctx, sqlitedb.InsertIntegrationParams{
			ID: in.ID, Slug: in.Slug, Name: in.Name, NameLower: strings.ToLower(in.Name), Provider: in.Provider,
			Category: string(in.Category), BaseUrl: in.BaseURL, Username: in.Username, Settings: js.settings,
			Labels: js.labels, CredentialsMeta: js.meta, IsActive: in.IsActive, LinkedServerID: in.LinkedServerID,
			HealthCheckIntervalMinutes: int64(in.HealthCheckIntervalMinutes), AllowPrivateNetwork: in.AllowPrivateNetwork,
			TlsSkipVerify: in.TLSSkipVerify, CreatedAt: ms(in.CreatedAt),
		})
		if err != nil {
			return slugConflict(err, in.Slug)
		}
		if err := writeLabels(ctx, q, in.ID, in.Labels); err != nil {
			return err
		}
		if err := writeCredentials(ctx, q, in.ID, creds, nil); err != nil {
			return err
		}
		if err := insertActivity(ctx, q, e); err != nil {
			return err
		}
		return db.enqueue(ctx, native, jobs)
	})
}

func writeLabels(ctx context.Context, q sqlitedb.Querier, id string, labels map[string]string) error {
	if err := q.DeleteIntegrationLabels(ctx, id); err != nil {
		return fmt.Errorf("store: labels: %w", err)
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if err := q.InsertIntegrationLabel(ctx, sqlitedb.InsertIntegrationLabelParams{IntegrationID: id, Key: k, Value: labels[k]}); err != nil {
			return fmt.Errorf("store: labels: %w", err)
		}
	}
	return nil
}

func writeCredentials(ctx context.Context, q sqlitedb.Querier, id string, set []integration.SealedCredential, del []string) error {
	for _, c := range set {
		if err := q.UpsertIntegrationCredential(ctx, sqlitedb.UpsertIntegrationCredentialParams{
			IntegrationID: id, Field: c.Field, Ciphertext: c.Ciphertext, KeyID: c.KeyID, UpdatedAt: ms(c.UpdatedAt),
		}); err != nil {
			return fmt.Errorf("store: credentials: %w", err)
		}
	}
	for _, f := range del {
		if err := q.DeleteIntegrationCredential(ctx, sqlitedb.DeleteIntegrationCredentialParams{IntegrationID: id, Field: f}); err != nil {
			return fmt.Errorf("store: credentials: %w", err)
		}
	}
	return nil
}

// GetIntegration returns an integration by id or, failing that, by slug.
func (db *DB) GetIntegration(ctx context.Context, idOrSlug string) (integration.Integration, error) {
	r, err := db.qr.GetIntegration(ctx, idOrSlug)
	if err != nil && strings.HasPrefix(idOrSlug, "int_") {
		return integration.Integration{}, notFound(err, "no integration %q", idOrSlug)
	}
	if err != nil {
		r, err = db.qr.GetIntegrationBySlug(ctx, idOrSlug)
	}
	if err != nil {
		return integration.Integration{}, notFound(err, "no integration %q", idOrSlug)
	}
	return toIntegration(r)
}

// likeEscaper makes a search string match literally in LIKE ... ESCAPE '!'
// (the same escape character on both engines; PostgreSQL's default, the
// backslash, means nothing to SQLite).
var likeEscaper = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// nullable maps "" (no filter) to NULL.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listCache keeps recent ListIntegrations results. An entry is valid while
// the database's integrations change counter (bumped by triggers on every
// change, whoever makes it) still has the value it was read under, so a
// cached page is never stale; a hit costs one single-row query instead of
// reading and decoding a page of rows. Cached slices are shared: callers
// must not modify them.
type listCache struct {
	mu      sync.Mutex
	counter int64
	entries map[listKey][]integration.Integration
}

const listCacheMax = 512

// listKey is a Filter by value. Filter.IsActive is a pointer: keyed by the
// Filter itself, the map would compare the pointer, not the flag, and serve
// a caller that reuses one *bool with a new value the page of the old one.
type listKey struct {
	f        integration.Filter // IsActive always nil
	isActive int8               // 0: any, 1: true, -1: false
}

func keyOf(f integration.Filter) listKey {
	k := listKey{f: f}
	k.f.IsActive = nil
	if f.IsActive != nil {
		k.isActive = -1
		if *f.IsActive {
			k.isActive = 1
		}
	}
	return k
}

func (c *listCache) get(counter int64, k listKey) ([]integration.Integration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.counter != counter {
		return nil, false
	}
	v, ok := c.entries[k]
	return v, ok
}

func (c *listCache) put(counter int64, k listKey, v []integration.Integration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if counter < c.counter {
		return // read under an older counter: already stale
	}
	if counter != c.counter || c.entries == nil || len(c.entries) >= listCacheMax {
		c.counter, c.entries = counter, map[listKey][]integration.Integration{}
	}
	c.entries[k] = v
}

// ListIntegrations returns integrations matching f, ordered by id (creation
// order), after f.AfterID, at most f.Limit. The result may be shared with
// other callers and must not be modified.
func (db *DB) ListIntegrations(ctx context.Context, f integration.Filter) ([]integration.Integration, error) {
	counter, err := db.qr.GetChangeCounter(ctx, "integrations")
	if err != nil {
		return nil, fmt.Errorf("store: list integrations: %w", err)
	}
	key := keyOf(f)
	if cached, ok := db.lists.get(counter, key); ok {
		return cached, nil
	}
	p := sqlitedb.ListIntegrationsParams{
		Provider: nullable(f.Provider), Category: nullable(f.Category), HealthStatus: nullable(f.HealthStatus),
		LabelKey: nullable(f.LabelKey), LabelValue: nullable(f.LabelValue), AfterID: f.AfterID, Lim: int64(f.Limit),
	}
	p.IsActive = f.IsActive
	if f.Search != "" {
		p.Search = nullable("%" + likeEscaper.Replace(strings.ToLower(f.Search)) + "%")
	}
	rows, err := db.qr.ListIntegrations(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("store: list integrations: %w", err)
	}
	out := make([]integration.Integration, 0, len(rows))
	for _, r := range rows {
		in, err := toIntegration(r)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	// The counter was read before the rows: if a change committed in
	// between, the entry is filed under the old counter and never served.
	db.lists.put(counter, key, out)
	return out, nil
}

// UpdateIntegration writes in if the stored version is still in.Version,
// applies the credential changes, and records e, in one transaction.
func (db *DB) UpdateIntegration(ctx context.Context, in integration.Integration, set []integration.SealedCredential, del []string, e audit.Entry) error {
	js, err := encodeIntegration(in)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		n, err := q.UpdateIntegration(ctx, sqlitedb.UpdateIntegrationParams{
			Slug: in.Slug, Name: in.Name, NameLower: strings.ToLower(in.Name), BaseUrl: in.BaseURL, Username: in.Username,
			Settings: js.settings, Labels: js.labels, CredentialsMeta: js.meta, IsActive: in.IsActive,
			LinkedServerID: in.LinkedServerID, HealthCheckIntervalMinutes: int64(in.HealthCheckIntervalMinutes),
			AllowPrivateNetwork: in.AllowPrivateNetwork, TlsSkipVerify: in.TLSSkipVerify, UpdatedAt: ms(in.UpdatedAt),
			ID: in.ID, Version: in.Version,
		})
		if err != nil {
			return slugConflict(err, in.Slug)
		}
		if n == 0 {
			return apperr.E(apperr.PreconditionFailed, "the integration changed since you read it")
		}
		if err := writeLabels(ctx, q, in.ID, in.Labels); err != nil {
			return err
		}
		if err := writeCredentials(ctx, q, in.ID, set, del); err != nil {
			return err
		}
		return insertActivity(ctx, q, e)
	})
}

// DeleteIntegration deletes an integration; its labels and sealed
// credentials go with it (ON DELETE CASCADE).
func (db *DB) DeleteIntegration(ctx context.Context, id string, e audit.Entry) error {
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		n, err := q.DeleteIntegration(ctx, id)
		if err != nil {
			return fmt.Errorf("store: delete integration: %w", err)
		}
		if n == 0 {
			return apperr.NotFoundf("no integration %q", id)
		}
		return insertActivity(ctx, q, e)
	})
}

// IntegrationCredentials returns the sealed credentials of an integration.
func (db *DB) IntegrationCredentials(ctx context.Context, id string) ([]integration.SealedCredential, error) {
	rows, err := db.qr.ListIntegrationCredentials(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("store: credentials: %w", err)
	}
	out := make([]integration.SealedCredential, len(rows))
	for i, r := range rows {
		out[i] = integration.SealedCredential{Field: r.Field, Ciphertext: r.Ciphertext, KeyID: r.KeyID, UpdatedAt: fromMS(r.UpdatedAt)}
	}
	return out, nil
}

// RecordTest stores a connection test's effect on health and its audit
// entry. A nil h.LastError is a success: consecutive failures reset, and
// h.LastConnectedAt replaces the last success; otherwise the failure count
// goes up by one in SQL (concurrent checks lose no increment) and the last
// success stays. Text from the provider is cleaned for storage.
func (db *DB) RecordTest(ctx context.Context, id string, h integration.Health, e audit.Entry) error {
	var lastErr *string
	if h.LastError != nil {
		v := cleanText(*h.LastError)
		lastErr = &v
	}
	return db.inTx(ctx, func(q sqlitedb.Querier, _ any) error {
		n, err := q.UpdateIntegrationHealth(ctx, sqlitedb.UpdateIntegrationHealthParams{
			HealthStatus: string(h.Status), LastCheckedAt: msPtr(h.LastCheckedAt), LastConnectedAt: msPtr(h.LastConnectedAt),
			LastError: lastErr, LastLatencyMs: h.LastLatencyMs, Succeeded: h.LastError == nil, ID: id,
		})
		if err != nil {
			return fmt.Errorf("store: record test: %w", err)
		}
		if n == 0 {
			return apperr.NotFoundf("no integration %q", id)
		}
		return insertActivity(ctx, q, e)
	})
}
