package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/klauspost/compress/s2"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/webhook"
)

// Webhook tables are written by hand-written SQL, like the API metrics: the
// ingest path inserts batches whose shape sqlc cannot express, and the
// statements are plain SQL both engines accept.

const endpointCols = `e.id, e.integration_id, i.provider, e.name, e.is_default, e.scheme, e.settings, e.event_types,
 e.allowed_cidrs, e.tolerance_seconds, e.max_body_bytes, e.is_active, e.secret_ciphertext, e.secret_key_id,
 e.prev_secret_ciphertext, e.prev_secret_key_id, e.prev_secret_expires_at, e.secret_updated_at, e.version,
 e.created_at, e.updated_at`

func scanEndpoint(r interface{ Scan(...any) error }) (webhook.Endpoint, webhook.SealedSecrets, error) {
	var ep webhook.Endpoint
	var sec webhook.SealedSecrets
	var settings, types, cidrs string
	var tol int64
	var keyID, prevKeyID *string
	var prevExp, secUpd *int64
	var created, updated int64
	err := r.Scan(&ep.ID, &ep.IntegrationID, &ep.Provider, &ep.Name, &ep.IsDefault, &ep.Scheme, &settings, &types,
		&cidrs, &tol, &ep.MaxBodyBytes, &ep.IsActive, &sec.Current, &keyID, &sec.Previous, &prevKeyID, &prevExp,
		&secUpd, &ep.Version, &created, &updated)
	if err != nil {
		return ep, sec, err
	}
	ep.Tolerance = time.Duration(tol) * time.Second
	_ = json.Unmarshal([]byte(settings), &ep.Settings) // written by us as JSON
	_ = json.Unmarshal([]byte(types), &ep.EventTypes)
	_ = json.Unmarshal([]byte(cidrs), &ep.AllowedCIDRs)
	if keyID != nil {
		sec.CurrentKeyID = *keyID
	}
	if prevKeyID != nil {
		sec.PreviousKeyID = *prevKeyID
	}
	sec.PreviousExpiresAt, sec.UpdatedAt = fromMSPtr(prevExp), fromMSPtr(secUpd)
	ep.HasSecret = len(sec.Current) > 0
	ep.SecretUpdatedAt, ep.PreviousSecretExpiresAt = sec.UpdatedAt, sec.PreviousExpiresAt
	ep.CreatedAt, ep.UpdatedAt = fromMS(created), fromMS(updated)
	return ep, sec, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v) // maps and slices of strings always marshal
	return string(b)
}

func nilIfEmpty(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func strPtrIfSet(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// queryRow runs a one-row query on the reader (SQLite) or the pool.
func (db *DB) queryRow(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	if db.dialect == SQLite {
		return db.r.QueryRowContext(ctx, q, args...)
	}
	return pgRow{db.pool.QueryRow(ctx, db.rebind(q), args...)}
}

type pgRow struct{ pgx.Row }

func (r pgRow) Scan(dest ...any) error { return pgErr(r.Row.Scan(dest...)) }

// CreateWebhookEndpoint implements webhook.Store.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, ep webhook.Endpoint, sec webhook.SealedSecrets, e audit.Entry) (webhook.Endpoint, error) {
	err := db.inRawTx(ctx, func(t rawTx) error {
		if err := lockIntegration(ctx, t, ep.IntegrationID); err != nil {
			return err
		}
		if !ep.IsDefault {
			var n int
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM webhook_endpoints WHERE integration_id = ?`, []any{ep.IntegrationID}, &n); err != nil {
				return fmt.Errorf("store: create webhook endpoint: %w", err)
			}
			ep.IsDefault = n == 0
		}
		if err := takeDefault(ctx, t, ep); err != nil {
			return err
		}
		_, err := t.exec(ctx, `INSERT INTO webhook_endpoints (id, integration_id, name, is_default, scheme, settings, event_types,
 allowed_cidrs, tolerance_seconds, max_body_bytes, is_active, secret_ciphertext, secret_key_id, secret_updated_at,
 version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,?,?)`,
			ep.ID, ep.IntegrationID, ep.Name, ep.IsDefault, ep.Scheme, jsonText(ep.Settings), jsonText(ep.EventTypes),
			jsonText(ep.AllowedCIDRs), int64(ep.Tolerance/time.Second), ep.MaxBodyBytes, ep.IsActive, nilIfEmpty(sec.Current),
			strPtrIfSet(sec.CurrentKeyID), msPtr(sec.UpdatedAt), ms(ep.CreatedAt), ms(ep.UpdatedAt))
		if err != nil {
			if isUnique(err) {
				return apperr.E(apperr.Conflict, "the integration already has a default webhook endpoint")
			}
			if isForeignKey(err) {
				return apperr.E(apperr.NotFound, "no such integration")
			}
			return fmt.Errorf("store: create webhook endpoint: %w", err)
		}
		return recordIf(ctx, t, e)
	})
	return ep, err
}

// lockIntegration takes, on PostgreSQL, the integration's row for the rest
// of t, so that the transactions that move its default endpoint run one
// after another rather than deadlock on each other's rows (SQLite has one
// writer already). It does not block the deliveries that refer to the row.
func lockIntegration(ctx context.Context, t rawTx, id string) error {
	q := `SELECT 1 FROM integrations WHERE id = ?`
	if t.db.dialect == Postgres {
		q += ` FOR NO KEY UPDATE`
	}
	var one int
	err := t.queryRow(ctx, q, []any{id}, &one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.E(apperr.NotFound, "no such integration")
	}
	if err != nil {
		return fmt.Errorf("store: lock the integration: %w", err)
	}
	return nil
}

// takeDefault unmarks the integration's other default endpoint when ep is
// to be the default: one PATCH moves the mark.
func takeDefault(ctx context.Context, t rawTx, ep webhook.Endpoint) error {
	if !ep.IsDefault {
		return nil
	}
	if _, err := t.exec(ctx, `UPDATE webhook_endpoints SET is_default = FALSE, version = version + 1, updated_at = ?
 WHERE integration_id = ? AND is_default AND id <> ?`, ms(ep.UpdatedAt), ep.IntegrationID, ep.ID); err != nil {
		return fmt.Errorf("store: move the default webhook endpoint: %w", err)
	}
	return nil
}

// isForeignKey reports a foreign-key violation on either engine.
func isForeignKey(err error) bool {
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "SQLSTATE 23503")
}

// recordIf writes e to the activity log in t, unless e is empty.
func recordIf(ctx context.Context, t rawTx, e audit.Entry) error {
	if e.Action == "" {
		return nil
	}
	return insertActivity(ctx, t.q, e)
}

func (db *DB) getEndpoint(ctx context.Context, where string, arg any) (webhook.Endpoint, webhook.SealedSecrets, error) {
	row := db.queryRow(ctx, `SELECT `+endpointCols+` FROM webhook_endpoints e JOIN integrations i ON i.id = e.integration_id WHERE `+where, arg)
	ep, sec, err := scanEndpoint(row)
	if errors.Is(err, sql.ErrNoRows) {
		return ep, sec, apperr.E(apperr.NotFound, "no such webhook endpoint")
	}
	if err != nil {
		return ep, sec, fmt.Errorf("store: get webhook endpoint: %w", err)
	}
	return ep, sec, nil
}

// GetWebhookEndpoint implements webhook.Store.
func (db *DB) GetWebhookEndpoint(ctx context.Context, id string) (webhook.Endpoint, webhook.SealedSecrets, error) {
	return db.getEndpoint(ctx, "e.id = ?", id)
}

// DefaultWebhookEndpoint implements webhook.Store: the one marked default,
// else the integration's first.
func (db *DB) DefaultWebhookEndpoint(ctx context.Context, integrationID string) (webhook.Endpoint, webhook.SealedSecrets, error) {
	return db.getEndpoint(ctx, "e.integration_id = ? ORDER BY e.is_default DESC, e.created_at, e.id LIMIT 1", integrationID)
}

// ListWebhookEndpoints implements webhook.Store ("" lists all).
func (db *DB) ListWebhookEndpoints(ctx context.Context, integrationID string) ([]webhook.Endpoint, error) {
	q := `SELECT ` + endpointCols + ` FROM webhook_endpoints e JOIN integrations i ON i.id = e.integration_id`
	var args []any
	if integrationID != "" {
		q += ` WHERE e.integration_id = ?`
		args = append(args, integrationID)
	}
	q += ` ORDER BY e.integration_id, e.id LIMIT 1000`
	r, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list webhook endpoints: %w", err)
	}
	defer r.Close()
	out := []webhook.Endpoint{}
	for r.Next() {
		ep, _, err := scanEndpoint(r)
		if err != nil {
			return nil, fmt.Errorf("store: list webhook endpoints: %w", err)
		}
		out = append(out, ep)
	}
	return out, r.Err()
}

// UpdateWebhookEndpoint implements webhook.Store.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, ep webhook.Endpoint, sec *webhook.SealedSecrets, e audit.Entry) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		if ep.IsDefault {
			if err := lockIntegration(ctx, t, ep.IntegrationID); err != nil {
				return err
			}
		}
		if err := takeDefault(ctx, t, ep); err != nil {
			return err
		}
		q := `UPDATE webhook_endpoints SET name = ?, is_default = ?, scheme = ?, settings = ?, event_types = ?,
 allowed_cidrs = ?, tolerance_seconds = ?, max_body_bytes = ?, is_active = ?, version = version + 1, updated_at = ?`
		args := []any{ep.Name, ep.IsDefault, ep.Scheme, jsonText(ep.Settings), jsonText(ep.EventTypes), jsonText(ep.AllowedCIDRs),
			int64(ep.Tolerance / time.Second), ep.MaxBodyBytes, ep.IsActive, ms(ep.UpdatedAt)}
		if sec != nil {
			q += `, secret_ciphertext = ?, secret_key_id = ?, prev_secret_ciphertext = ?, prev_secret_key_id = ?,
 prev_secret_expires_at = ?, secret_updated_at = ?`
			args = append(args, nilIfEmpty(sec.Current), strPtrIfSet(sec.CurrentKeyID), nilIfEmpty(sec.Previous),
				strPtrIfSet(sec.PreviousKeyID), msPtr(sec.PreviousExpiresAt), msPtr(sec.UpdatedAt))
		}
		q += ` WHERE id = ? AND version = ?`
		args = append(args, ep.ID, ep.Version)
		n, err := t.exec(ctx, q, args...)
		if err != nil {
			if isUnique(err) {
				return apperr.E(apperr.Conflict, "the integration already has a default webhook endpoint")
			}
			return fmt.Errorf("store: update webhook endpoint: %w", err)
		}
		if n == 0 {
			return apperr.E(apperr.PreconditionFailed, "the webhook endpoint changed since you read it, or was deleted")
		}
		return recordIf(ctx, t, e)
	})
}

// DeleteWebhookEndpoint implements webhook.Store.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, id string, e audit.Entry) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		var integrationID string
		var wasDefault bool
		err := t.queryRow(ctx, `SELECT integration_id, is_default FROM webhook_endpoints WHERE id = ?`, []any{id}, &integrationID, &wasDefault)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.E(apperr.NotFound, "no such webhook endpoint")
		}
		if err != nil {
			return fmt.Errorf("store: delete webhook endpoint: %w", err)
		}
		if wasDefault {
			if err := lockIntegration(ctx, t, integrationID); err != nil {
				return err
			}
		}
		n, err := t.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: delete webhook endpoint: %w", err)
		}
		if n == 0 {
			return apperr.E(apperr.NotFound, "no such webhook endpoint")
		}
		if wasDefault {
			// The seed's URL form goes to the first remaining endpoint:
			// the mark goes with it, so that reads say where it goes.
			if _, err := t.exec(ctx, `UPDATE webhook_endpoints SET is_default = TRUE, version = version + 1, updated_at = ?
 WHERE id = (SELECT id FROM webhook_endpoints WHERE integration_id = ? ORDER BY created_at, id LIMIT 1)`,
				ms(e.At), integrationID); err != nil {
				return fmt.Errorf("store: move the default webhook endpoint: %w", err)
			}
		}
		return recordIf(ctx, t, e)
	})
}

// InsertDeliveries implements webhook.Store: one transaction for the batch
// (the group commit). An accepted delivery whose key exists is stored as a
// duplicate without its payload.
func (db *DB) InsertDeliveries(ctx context.Context, ds []webhook.NewDelivery) ([]webhook.Inserted, error) {
	if db.dialect == Postgres {
		return db.insertDeliveriesPG(ctx, ds)
	}
	out := make([]webhook.Inserted, len(ds))
	// Compressed before the transaction: SQLite has one writer.
	payloads, codecs := make([]any, len(ds)), make([]int64, len(ds))
	for i, d := range ds {
		_, _, p, _, _ := deliveryRow(d)
		payloads[i], codecs[i] = packPayload(p)
	}
	err := db.inRawTx(ctx, func(t rawTx) error {
		// One multi-row INSERT for the batch's deliveries and one for their
		// events: modernc's cost is mostly per statement. The writer holds
		// the only write lock, so the ids can be given here (the events
		// need them, and RETURNING's order is not defined). They go on from
		// the largest ever given (AUTOINCREMENT's record of it), not the
		// largest left: retention may have removed the newest rows.
		var base int64
		if err := t.queryRow(ctx, sqliteLastID("webhook_deliveries"), nil, &base); err != nil {
			return fmt.Errorf("store: insert delivery: %w", err)
		}
		args := make([]any, 0, 20*len(ds))
		statuses := make([]string, len(ds))
		for i, d := range ds {
			status, key, _, processedAt, processingMs := deliveryRow(d)
			statuses[i] = status
			args = append(args, base+1+int64(i), d.EndpointID, d.IntegrationID, ms(d.ReceivedAt), status, key, d.ProviderDeliveryID,
				d.EventType, d.HeaderJSON(), payloads[i], codecs[i], d.PayloadSize, d.SourceIP, d.Reason, d.ReplayOf, processedAt, processingMs,
				d.Test, attemptsOf(status), replayKeyOf(d))
		}
		r, err := t.queryCached(ctx, sqliteInsertDeliveries.text(len(ds)), args...)
		if err != nil {
			return fmt.Errorf("store: insert deliveries: %w", err)
		}
		inserted := make([]bool, len(ds)) // by position in the batch (id - base - 1)
		for r.Next() {
			var id int64
			if err := r.Scan(&id); err != nil {
				r.Close()
				return err
			}
			if i := id - base - 1; i >= 0 && i < int64(len(ds)) {
				inserted[i] = true
			}
		}
		r.Close()
		if err := r.Err(); err != nil {
			return fmt.Errorf("store: insert deliveries: %w", err)
		}
		// The events, in the batch's order and each delivery's, so that
		// one delivery's take consecutive ids.
		eargs := make([]any, 0, eventArgs*len(ds))
		for i, d := range ds {
			if !inserted[i] {
				continue
			}
			id := base + 1 + int64(i)
			out[i] = webhook.Inserted{ID: id, Status: statuses[i]}
			if statuses[i] != webhook.StatusProcessed {
				continue
			}
			for _, ev := range d.Events {
				eargs = append(eargs, id, ev.Part, ev.IntegrationID, ev.Provider, ev.Type, ev.Subject, ms(ev.OccurredAt),
					ms(ev.CreatedAt), string(eventData(ev)))
			}
		}
		if err := insertEventRows(ctx, t, eargs); err != nil {
			return err
		}
		// Seen before (or twice in this batch): recorded as duplicates,
		// pointing at the first.
		for i, d := range ds {
			if inserted[i] {
				continue
			}
			var first int64
			err := t.queryRow(ctx, `SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND dedupe_key = ?`,
				[]any{d.EndpointID, d.DedupeKey}, &first)
			if errors.Is(err, sql.ErrNoRows) && d.ReplayKey != "" {
				err = t.queryRow(ctx, `SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND replay_key = ?`,
					[]any{d.EndpointID, d.ReplayKey}, &first)
			}
			if err != nil {
				return fmt.Errorf("store: find the original delivery: %w", err)
			}
			var id int64
			if err := t.queryRow(ctx, `INSERT INTO webhook_deliveries (endpoint_id, integration_id, received_at, status, dedupe_key,
 provider_delivery_id, event_type, headers, payload, payload_size, source_ip, reason, replay_of, processed_at, processing_ms,
 duplicate_of, is_test) VALUES (?,?,?,?,NULL,?,?,?,NULL,?,?,?,?,NULL,NULL,?,?) RETURNING id`, []any{d.EndpointID, d.IntegrationID,
				ms(d.ReceivedAt), webhook.StatusDuplicate, d.ProviderDeliveryID, d.EventType, d.HeaderJSON(), d.PayloadSize, d.SourceIP,
				d.Reason, d.ReplayOf, first, d.Test}, &id); err != nil {
				return fmt.Errorf("store: insert duplicate delivery: %w", err)
			}
			out[i] = webhook.Inserted{ID: id, Status: webhook.StatusDuplicate, DuplicateOf: first}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Bounds of the multi-row INSERT of events. A batch's events are one
// statement up to maxEventRows rows (9,000 arguments, below SQLite's
// 32,766): a group commit of 32 deliveries making 100 events each is
// four. Statements of up to cachedRows rows (one event per delivery of a
// batch, a few more) are prepared once and kept, as the deliveries' are;
// larger ones, from batches of multi-event deliveries, are prepared for
// their one use, so that the cache does not keep one per count of events.
const (
	maxEventRows = 1000
	cachedRows   = 64
	eventArgs    = 9 // per row of sqliteInsertEvents
)

// insertEventRows writes the events whose arguments args holds (eventArgs
// each) with sqliteInsertEvents.
func insertEventRows(ctx context.Context, t rawTx, args []any) error {
	for len(args) > 0 {
		n := min(len(args)/eventArgs, maxEventRows)
		if _, err := t.execStmt(ctx, sqliteInsertEvents.text(n), n <= cachedRows, args[:n*eventArgs]); err != nil {
			return fmt.Errorf("store: insert events: %w", err)
		}
		args = args[n*eventArgs:]
	}
	return nil
}

// multiRowInsert is a multi-row INSERT statement's text by its number of
// rows, built once per size up to cachedRows: the group commit writes one
// per batch.
type multiRowInsert struct {
	head, row, tail string
	texts           sync.Map // int -> string
}

func (m *multiRowInsert) text(rows int) string {
	if t, ok := m.texts.Load(rows); ok {
		return t.(string)
	}
	var b strings.Builder
	b.WriteString(m.head)
	for i := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.row)
	}
	b.WriteString(m.tail)
	if rows > cachedRows {
		return b.String()
	}
	t, _ := m.texts.LoadOrStore(rows, b.String())
	return t.(string)
}

var (
	sqliteInsertDeliveries = &multiRowInsert{
		head: `INSERT INTO webhook_deliveries (id, endpoint_id, integration_id, received_at, status, dedupe_key,
 provider_delivery_id, event_type, headers, payload, payload_codec, payload_size, source_ip, reason, replay_of, processed_at,
 processing_ms, is_test, attempts, replay_key) VALUES `,
		row: "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
		// A delivery whose dedupe key or replay key the endpoint has
		// stored is skipped (either unique index), and recorded as a
		// duplicate below.
		tail: ` ON CONFLICT DO NOTHING RETURNING id`,
	}
	sqliteInsertEvents = &multiRowInsert{
		head: `INSERT INTO webhook_events (delivery_id, part, integration_id, provider, type, subject, occurred_at, created_at, data) VALUES `,
		row:  "(?,?,?,?,?,?,?,?,?)",
		tail: ` ON CONFLICT (delivery_id, part) DO NOTHING`,
	}
)

// eventData is an event's data as stored.
func eventData(ev webhook.Event) []byte {
	if ev.DataJSON != nil {
		return ev.DataJSON
	}
	b, err := json.Marshal(ev.Data)
	if err != nil || ev.Data == nil {
		return []byte("{}")
	}
	return b
}

const (
	deliveryCols = `id, endpoint_id, integration_id, received_at, status, provider_delivery_id, event_type, headers, payload,
 payload_codec, payload_size, source_ip, reason, attempts, processed_at, processing_ms, replay_of, duplicate_of, is_test`
	// deliverySummaryCols are deliveryCols with empty headers and no payload.
	deliverySummaryCols = `id, endpoint_id, integration_id, received_at, status, provider_delivery_id, event_type, '{}', NULL,
 0, payload_size, source_ip, reason, attempts, processed_at, processing_ms, replay_of, duplicate_of, is_test`
)

// How a payload is stored (webhook_deliveries.payload_codec).
const (
	payloadAsReceived = 0
	payloadS2         = 1 // an S2 block (github.com/klauspost/compress/s2)
)

// packPayload is a payload as SQLite stores it, and its codec. SQLite
// compresses nothing itself, and a webhook's body was half of what ingest
// wrote, to the WAL and again to the database file at each checkpoint, and
// the file grows by it for every day kept. S2 takes about a microsecond
// for a 2 KiB body. Small bodies, and those that do not shrink by an
// eighth (already compressed, encrypted), are kept as they are.
// PostgreSQL compresses large values itself (TOAST): its rows stay as
// received.
func packPayload(p any) (any, int64) {
	b, ok := p.([]byte)
	if !ok || len(b) < 512 {
		return p, payloadAsReceived
	}
	c := s2.Encode(nil, b)
	if len(c) > len(b)-len(b)/8 {
		return p, payloadAsReceived
	}
	return c, payloadS2
}

// maxUnpacked bounds what a stored payload may decode to: twice the
// largest body an endpoint accepts (32 MiB), so that damaged bytes cannot
// make a read allocate more.
const maxUnpacked = 64 << 20

// unpackPayload undoes packPayload.
func unpackPayload(b []byte, codec int64) ([]byte, error) {
	switch codec {
	case payloadAsReceived:
		return b, nil
	case payloadS2:
		if n, err := s2.DecodedLen(b); err != nil || n > maxUnpacked {
			return nil, fmt.Errorf("store: a stored payload is damaged (%d bytes, S2)", len(b))
		}
		p, err := s2.Decode(nil, b)
		if err != nil {
			return nil, fmt.Errorf("store: a stored payload is damaged (%d bytes, S2): %w", len(b), err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("store: a stored payload has an unknown encoding (%d)", codec)
}

// scanDelivery reads a delivery row. A payload that cannot be decoded is
// logged and left out, the delivery read without it: one damaged row must
// not make an endpoint's logs unreadable, or stop the processing of every
// delivery behind it (ClaimPending; the processor fails such a delivery).
func (db *DB) scanDelivery(r interface{ Scan(...any) error }) (webhook.Delivery, error) {
	var d webhook.Delivery
	var received int64
	var headers string
	var processed *int64
	var codec int64
	err := r.Scan(&d.ID, &d.EndpointID, &d.IntegrationID, &received, &d.Status, &d.ProviderDeliveryID, &d.EventType,
		&headers, &d.Payload, &codec, &d.PayloadSize, &d.SourceIP, &d.Reason, &d.Attempts, &processed, &d.ProcessingMs,
		&d.ReplayOf, &d.DuplicateOf, &d.Test)
	if err != nil {
		return d, err
	}
	d.ReceivedAt, d.ProcessedAt = fromMS(received), fromMSPtr(processed)
	_ = json.Unmarshal([]byte(headers), &d.Header) // written by us as JSON
	if d.Payload, err = unpackPayload(d.Payload, codec); err != nil {
		db.log.Error("a stored webhook payload cannot be read; the delivery is shown without it", "delivery", d.ID, "err", err)
	}
	return d, nil
}

// scanDeliveries reads the rows of a delivery query.
func (db *DB) scanDeliveries(r rows) ([]webhook.Delivery, error) {
	out := []webhook.Delivery{}
	for r.Next() {
		d, err := db.scanDelivery(r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, r.Err()
}

// ListDeliveries implements webhook.Store: newest first.
func (db *DB) ListDeliveries(ctx context.Context, f webhook.DeliveryFilter) ([]webhook.Delivery, error) {
	cols := deliveryCols
	if f.Summary {
		cols = deliverySummaryCols
	}
	q := `SELECT ` + cols + ` FROM webhook_deliveries WHERE 1=1`
	var args []any
	if f.EndpointID != "" {
		q += ` AND endpoint_id = ?`
		args = append(args, f.EndpointID)
	}
	if f.Status != "" {
		q, args = statusTerm(q, args, f.Status, webhook.StatusProcessed, webhook.StatusPending, webhook.StatusFailed,
			webhook.StatusDuplicate, webhook.StatusRejected)
	}
	// SQLite's planner has no statistics to weigh a time range against id
	// order: given the (endpoint_id, received_at) index it takes it for
	// any range, and sorts every delivery of a wide one for each page (two
	// seconds at a million), where walking the endpoint's deliveries in id
	// order stops at the page's end. There the index serves only a range
	// read oldest first from its start (a replay's since), and "+" keeps it
	// out of the other plans. PostgreSQL weighs both with its statistics.
	recv := "received_at"
	if db.dialect == SQLite && (!f.Oldest || f.Since == nil) {
		recv = "+received_at"
	}
	if f.Since != nil {
		q += ` AND ` + recv + ` >= ?`
		args = append(args, ms(*f.Since))
	}
	if f.Until != nil {
		q += ` AND ` + recv + ` < ?`
		args = append(args, ms(*f.Until))
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	if f.AfterID > 0 {
		q += ` AND id > ?`
		args = append(args, f.AfterID)
	}
	if f.WithPayload {
		q += ` AND payload IS NOT NULL`
	}
	if f.Originals {
		q += ` AND replay_of IS NULL AND NOT is_test`
	}
	limit := f.Limit
	if limit <= 0 || limit > 10_000 {
		limit = 50
	}
	order := "DESC"
	if f.Oldest {
		order = "ASC"
	}
	q += fmt.Sprintf(` ORDER BY id %s LIMIT %d`, order, limit)
	if f.Offset > 0 {
		q += fmt.Sprintf(` OFFSET %d`, f.Offset)
	}
	r, err := db.queryPlanned(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	defer r.Close()
	out, err := db.scanDeliveries(r)
	if err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	return out, nil
}

// GetDelivery implements webhook.Store.
func (db *DB) GetDelivery(ctx context.Context, id int64) (webhook.Delivery, error) {
	d, err := db.scanDelivery(db.queryRow(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, apperr.E(apperr.NotFound, "no such delivery")
	}
	if err != nil {
		return d, err
	}
	r, err := db.query(ctx, `SELECT part FROM webhook_events WHERE delivery_id = ? ORDER BY part`, id)
	if err != nil {
		return d, fmt.Errorf("store: a delivery's events: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var part int
		if err := r.Scan(&part); err != nil {
			return d, fmt.Errorf("store: a delivery's events: %w", err)
		}
		d.EventIDs = append(d.EventIDs, webhook.EventID(d.ID, part))
	}
	if err := r.Err(); err != nil {
		return d, fmt.Errorf("store: a delivery's events: %w", err)
	}
	return d, nil
}

// ClaimPending implements webhook.Store. Processing runs on one replica at a
// time (the caller holds the processing lease), so reading is claiming.
// The status is a literal: the webhook_deliveries_pending partial index
// serves it whatever plan PostgreSQL keeps for the statement.
func (db *DB) ClaimPending(ctx context.Context, n int) ([]webhook.Delivery, error) {
	r, err := db.query(ctx, `SELECT `+deliveryCols+` FROM webhook_deliveries WHERE status = 'pending' ORDER BY id LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("store: pending deliveries: %w", err)
	}
	defer r.Close()
	out, err := db.scanDeliveries(r)
	if err != nil {
		return nil, fmt.Errorf("store: pending deliveries: %w", err)
	}
	return out, nil
}

// CompleteDeliveries implements webhook.Store.
func (db *DB) CompleteDeliveries(ctx context.Context, done []webhook.Completed) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		for _, c := range done {
			n, err := t.exec(ctx, `UPDATE webhook_deliveries SET status = ?, reason = ?, attempts = attempts + 1,
 processed_at = ?, processing_ms = ? WHERE id = ? AND status = 'pending'`,
				c.Status, c.Reason, ms(c.ProcessedAt), c.ProcessingMs, c.DeliveryID)
			if err != nil {
				return fmt.Errorf("store: complete delivery: %w", err)
			}
			if n == 0 {
				// Completed already (by another replica): so is its
				// event. Writing none here also keeps a rule readers
				// rely on: an event id is taken only by a transaction
				// that has written before (see gapWait).
				continue
			}
			for _, ev := range c.Events {
				if err := insertEvent(ctx, t, ev.DeliveryID, ev); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// deliveryRow is a NewDelivery as stored: status, dedupe key, payload and
// processed time after the rules of InsertDeliveries.
func deliveryRow(d webhook.NewDelivery) (status string, key, payload, processedAt, processingMs any) {
	status = d.Status
	if status == webhook.StatusPending && d.DedupeKey != "" {
		key = d.DedupeKey
	}
	if status == webhook.StatusPending && len(d.Events) > 0 {
		status, processedAt, processingMs = webhook.StatusProcessed, ms(d.ReceivedAt), int64(0)
	}
	if d.Status == webhook.StatusPending {
		payload = nilIfEmpty(d.Payload)
	}
	return status, key, payload, processedAt, processingMs
}

// replayKeyOf is a new delivery's replay_key: its ReplayKey when it is
// stored as accepted, as its dedupe key is.
func replayKeyOf(d webhook.NewDelivery) any {
	if d.Status == webhook.StatusPending && d.ReplayKey != "" {
		return d.ReplayKey
	}
	return nil
}

// attemptsOf is a new delivery's processing attempts: one for a delivery
// processed as it is stored (its event written with it), as a later
// processing pass would count it.
func attemptsOf(status string) int64 {
	if status == webhook.StatusProcessed {
		return 1
	}
	return 0
}

// pgInsertDelivery skips a delivery whose dedupe key or replay key the
// endpoint has stored (either unique index; see InsertDeliveries).
const pgInsertDelivery = `INSERT INTO webhook_deliveries (endpoint_id, integration_id, received_at, status, dedupe_key,
 provider_delivery_id, event_type, headers, payload, payload_size, source_ip, reason, replay_of, processed_at, processing_ms, is_test,
 attempts, replay_key) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)
 ON CONFLICT DO NOTHING RETURNING id`

// pgInsertDeliveryEvent inserts a delivery with its one event, of part 0
// (the column's default), through a data-modifying CTE: one statement for
// both. (Binding part as well looked up to 5 % slower in
// BenchmarkInsertDeliveries, within this machine's noise: the common
// case leaves it to the default.)
const pgInsertDeliveryEvent = `WITH d AS (` + pgInsertDelivery + `)
 INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT id, $19, $20, $21, $22, $23, $24, $25 FROM d RETURNING delivery_id`

// pgInsertDeliveryEvents inserts a delivery with its events otherwise
// (several, or one whose first change the endpoint did not accept), given
// as one array per column (pgEventColumns): one statement text whatever
// their number. Sorted by part, they take their ids in order.
const pgInsertDeliveryEvents = `WITH d AS (` + pgInsertDelivery + `), e AS (
 INSERT INTO webhook_events (delivery_id, part, integration_id, provider, type, subject, occurred_at, created_at, data)
 SELECT d.id, v.part, v.integration_id, v.provider, v.type, v.subject, v.occurred_at, v.created_at, v.data
 FROM d, unnest($19::int[], $20::text[], $21::text[], $22::text[], $23::text[], $24::bigint[], $25::bigint[], $26::text[])
 AS v (part, integration_id, provider, type, subject, occurred_at, created_at, data) ORDER BY v.part)
 SELECT id FROM d`

// pgEventColumns are the arguments of pgInsertDeliveryEvents for evs.
func pgEventColumns(evs []webhook.Event) []any {
	parts := make([]int32, len(evs))
	integrations, providers, types, subjects, data := make([]string, len(evs)), make([]string, len(evs)),
		make([]string, len(evs)), make([]string, len(evs)), make([]string, len(evs))
	occurred, created := make([]int64, len(evs)), make([]int64, len(evs))
	for i, ev := range evs {
		parts[i], integrations[i], providers[i], types[i], subjects[i] = int32(ev.Part), ev.IntegrationID, ev.Provider, ev.Type, ev.Subject
		occurred[i], created[i], data[i] = ms(ev.OccurredAt), ms(ev.CreatedAt), string(eventData(ev))
	}
	return []any{parts, integrations, providers, types, subjects, occurred, created, data}
}

// insertDeliveriesPG is InsertDeliveries for PostgreSQL: every delivery
// (with its events, through a data-modifying CTE) goes into one pipelined
// batch, so a group commit costs one round trip instead of two per
// delivery.
func (db *DB) insertDeliveriesPG(ctx context.Context, ds []webhook.NewDelivery) ([]webhook.Inserted, error) {
	out := make([]webhook.Inserted, len(ds))
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		// The transaction takes its id before any event id: readers that
		// meet a missing event id wait for the transactions running
		// then, and must find the one holding it among them (gapWait).
		b.Queue(`SELECT pg_current_xact_id()`)
		for _, d := range ds {
			status, key, payload, processedAt, processingMs := deliveryRow(d)
			args := []any{d.EndpointID, d.IntegrationID, ms(d.ReceivedAt), status, key, d.ProviderDeliveryID, d.EventType,
				d.HeaderJSON(), payload, d.PayloadSize, d.SourceIP, d.Reason, d.ReplayOf, processedAt, processingMs, d.Test, attemptsOf(status),
				replayKeyOf(d)}
			switch {
			case status != webhook.StatusProcessed:
				b.Queue(pgInsertDelivery, args...)
			case len(d.Events) == 1 && d.Events[0].Part == 0:
				ev := d.Events[0]
				b.Queue(pgInsertDeliveryEvent, append(args, ev.IntegrationID, ev.Provider, ev.Type, ev.Subject, ms(ev.OccurredAt),
					ms(ev.CreatedAt), string(eventData(ev)))...)
			default:
				b.Queue(pgInsertDeliveryEvents, append(args, pgEventColumns(d.Events)...)...)
			}
		}
		br := tx.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("store: insert deliveries: %w", err)
		}
		var dups []int
		for i, d := range ds {
			var id int64
			err := br.QueryRow().Scan(&id)
			switch {
			case err == nil:
				st, _, _, _, _ := deliveryRow(d)
				out[i] = webhook.Inserted{ID: id, Status: st}
			case errors.Is(err, pgx.ErrNoRows):
				dups = append(dups, i)
			default:
				_ = br.Close() // the error that stopped us is the one to report
				return fmt.Errorf("store: insert delivery: %w", err)
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("store: insert deliveries: %w", err)
		}
		// Seen before (rare): record each duplicate, pointing at the first.
		for _, i := range dups {
			d := ds[i]
			var first, id int64
			err := tx.QueryRow(ctx, `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND dedupe_key = $2`,
				d.EndpointID, d.DedupeKey).Scan(&first)
			if errors.Is(err, pgx.ErrNoRows) && d.ReplayKey != "" {
				err = tx.QueryRow(ctx, `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND replay_key = $2`,
					d.EndpointID, d.ReplayKey).Scan(&first)
			}
			if err != nil {
				return fmt.Errorf("store: find the original delivery: %w", err)
			}
			if err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (endpoint_id, integration_id, received_at, status,
 provider_delivery_id, event_type, headers, payload_size, source_ip, reason, replay_of, duplicate_of, is_test)
 VALUES ($1,$2,$3,'duplicate',$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`, d.EndpointID, d.IntegrationID, ms(d.ReceivedAt),
				d.ProviderDeliveryID, d.EventType, d.HeaderJSON(), d.PayloadSize, d.SourceIP, d.Reason, d.ReplayOf, first, d.Test).Scan(&id); err != nil {
				return fmt.Errorf("store: insert duplicate delivery: %w", err)
			}
			out[i] = webhook.Inserted{ID: id, Status: webhook.StatusDuplicate, DuplicateOf: first}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// insertEvent writes an event of a delivery (idempotent: its id derives
// from the delivery and its part).
func insertEvent(ctx context.Context, t rawTx, deliveryID int64, ev webhook.Event) error {
	if _, err := t.exec(ctx, `INSERT INTO webhook_events (delivery_id, part, integration_id, provider, type, subject,
 occurred_at, created_at, data) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (delivery_id, part) DO NOTHING`,
		deliveryID, ev.Part, ev.IntegrationID, ev.Provider, ev.Type, ev.Subject, ms(ev.OccurredAt),
		ms(ev.CreatedAt), string(eventData(ev))); err != nil {
		return fmt.Errorf("store: insert event: %w", err)
	}
	return nil
}

// ListEvents implements webhook.Store: events after the cursor, in order.
func (db *DB) ListEvents(ctx context.Context, afterSeq int64, limit int) ([]webhook.Event, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	read := func() ([]webhook.Event, error) {
		evs, err := db.eventsWhere(ctx, `e.id > ? ORDER BY e.id LIMIT ?`, afterSeq, limit)
		if err != nil {
			return nil, fmt.Errorf("store: list events: %w", err)
		}
		return evs, nil
	}
	// A consumer moves its cursor past what it reads: only what no late
	// commit can precede.
	return db.readPastGaps(ctx, afterSeq, read)
}

// ScanEvents implements webhook.Store. It reads the type and integration
// of the events after the cursor, a step at a time (a range of the primary
// key, as ListEvents reads), matches them here, and reads those that
// matched in full by id: no index on type is needed (every index on the
// events costs ingest), and whatever the filter, what one statement reads
// is bounded. The steps grow from limit to scanStep, so that a filter
// that matches often is answered from the first.
func (db *DB) ScanEvents(ctx context.Context, afterSeq int64, limit, budget int, match func(webhook.Event) bool) (webhook.EventPage, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	budget = max(budget, limit)
	page := webhook.EventPage{Next: afterSeq}
	var seqs []int64
	for step, examined := max(limit, 100), 0; ; step *= 2 {
		n, got := min(step, scanStep, budget-examined), 0
		read := func() ([]webhook.Event, error) {
			r, err := db.query(ctx, eventScanQuery, page.Next, n)
			if err != nil {
				return nil, fmt.Errorf("store: scan events: %w", err)
			}
			defer r.Close()
			evs := make([]webhook.Event, 0, n)
			for r.Next() {
				var ev webhook.Event
				if err := r.Scan(&ev.Seq, &ev.IntegrationID, &ev.Type); err != nil {
					return nil, fmt.Errorf("store: scan events: %w", err)
				}
				evs = append(evs, ev)
			}
			got = len(evs)
			return evs, r.Err()
		}
		// Only what no late commit can precede is examined, and passed.
		evs, err := db.readPastGaps(ctx, page.Next, read)
		if err != nil {
			return webhook.EventPage{}, err
		}
		for _, ev := range evs {
			page.Next = ev.Seq
			examined++
			if match(ev) {
				if seqs = append(seqs, ev.Seq); len(seqs) == limit {
					break
				}
			}
		}
		if len(seqs) == limit || (examined >= budget && len(evs) == got && got == n) {
			page.More = true
			break
		}
		if len(evs) < got || got < n { // before an id that may still commit, or at the newest event
			break
		}
	}
	page.Events = []webhook.Event{}
	if len(seqs) == 0 {
		return page, nil
	}
	evs, err := db.eventsWhere(ctx, db.eventsByIDWhere(), listArg(db, seqs))
	if err != nil {
		return webhook.EventPage{}, fmt.Errorf("store: list events: %w", err)
	}
	page.Events = evs
	return page, nil
}

// scanStep bounds the events one statement of ScanEvents examines.
const scanStep = 1000

// eventScanQuery reads what an event filter matches on.
const eventScanQuery = `SELECT id, integration_id, type FROM webhook_events WHERE id > ? ORDER BY id LIMIT ?`

// eventsByIDWhere is the condition of eventsWhere that reads the events of
// a list of ids (listArg), in order.
func (db *DB) eventsByIDWhere() string { return `e.id ` + db.anyOf() + ` ORDER BY e.id` }

// sqliteLastID is the query of the largest id an AUTOINCREMENT table has
// ever given (0 before the first), whatever retention removed since.
func sqliteLastID(table string) string {
	return `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '` + table + `'), 0)`
}

// PurgedEventSeq implements webhook.Store: the largest id of the events
// retention removed (PurgeDeliveries), 0 before the first.
func (db *DB) PurgedEventSeq(ctx context.Context) (int64, error) {
	var n int64
	if err := db.queryRowCached(ctx, `SELECT COALESCE((SELECT value FROM dispatch_cursor WHERE name = 'purged'), 0)`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: purged events: %w", err)
	}
	return n, nil
}

// NewestEventSeq implements webhook.Store: the identity sequence's last
// value on PostgreSQL, AUTOINCREMENT's record on SQLite (neither goes back
// when retention removes the newest events).
func (db *DB) NewestEventSeq(ctx context.Context) (int64, error) {
	q := sqliteLastID("webhook_events")
	if db.dialect == Postgres {
		q = `SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('webhook_events', 'id')::regclass), 0)`
	}
	var n int64
	if err := db.queryRow(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: newest event: %w", err)
	}
	return n, nil
}

// eventCols are an event's columns (e) with its delivery's (d) provenance:
// a test send or a replay is marked so in what subscribers receive.
const eventCols = `e.id, e.delivery_id, e.part, e.integration_id, e.provider, e.type, e.subject, e.occurred_at, e.created_at, e.data,
 COALESCE(d.is_test, FALSE), d.replay_of`

// eventsWhere reads the events matching a condition on e.
func (db *DB) eventsWhere(ctx context.Context, where string, args ...any) ([]webhook.Event, error) {
	r, err := db.query(ctx, eventsQuery(where), args...)
	if err != nil {
		return nil, err
	}
	return scanEvents(r)
}

// eventsQuery is the statement of eventsWhere.
func eventsQuery(where string) string {
	return `SELECT ` + eventCols + ` FROM webhook_events e LEFT JOIN webhook_deliveries d ON d.id = e.delivery_id
 WHERE ` + where
}

// scanEvents reads and closes rows of eventCols.
func scanEvents(r rows) ([]webhook.Event, error) {
	defer r.Close()
	out := []webhook.Event{}
	for r.Next() {
		var ev webhook.Event
		var occ, created int64
		var data string
		if err := r.Scan(&ev.Seq, &ev.DeliveryID, &ev.Part, &ev.IntegrationID, &ev.Provider, &ev.Type, &ev.Subject, &occ,
			&created, &data, &ev.Test, &ev.ReplayOf); err != nil {
			return nil, err
		}
		ev.ID, ev.OccurredAt, ev.CreatedAt = webhook.EventID(ev.DeliveryID, ev.Part), fromMS(occ), fromMS(created)
		_ = json.Unmarshal([]byte(data), &ev.Data) // written by us as JSON
		out = append(out, ev)
	}
	return out, r.Err()
}

// EndpointSignals implements webhook.Store.
func (db *DB) EndpointSignals(ctx context.Context, endpointID string, now time.Time) (webhook.Signals, error) {
	s := webhook.Signals{Window: 24 * time.Hour}
	r, err := db.queryPlanned(ctx, `SELECT status, COUNT(*) FROM webhook_deliveries WHERE endpoint_id = ? AND received_at >= ?
 AND replay_of IS NULL AND NOT is_test AND NOT (status = 'rejected' AND reason = ?) GROUP BY status`,
		endpointID, ms(now.Add(-s.Window)), webhook.ReasonEventTypeNotAccepted)
	if err != nil {
		return s, fmt.Errorf("store: endpoint signals: %w", err)
	}
	var total int64
	for r.Next() {
		var st string
		var n int64
		if err := r.Scan(&st, &n); err != nil {
			r.Close()
			return s, err
		}
		switch st {
		case webhook.StatusRejected:
			s.Rejected += n
		case webhook.StatusFailed:
			s.Failed += n
		case webhook.StatusDuplicate:
			// A provider's retry of what was stored: no new outcome, and
			// counted it would dilute the rate of the counts shown.
			continue
		default:
			s.Accepted += n
		}
		total += n
	}
	r.Close()
	if err := r.Err(); err != nil {
		return s, fmt.Errorf("store: endpoint signals: %w", err)
	}
	if total > 0 {
		s.FailureRate = float64(s.Rejected+s.Failed) / float64(total)
	}
	// The newest accepted delivery, or when retention removed them all,
	// the time it kept of the newest it removed.
	var last *int64
	r, err = db.queryPlanned(ctx, `SELECT MAX(t) FROM (SELECT MAX(d.received_at) AS t FROM webhook_deliveries d WHERE d.endpoint_id = ?
 AND `+acceptedOriginal+`
 UNION ALL SELECT received_at FROM webhook_last_accepted WHERE endpoint_id = ?) AS x`, endpointID, endpointID)
	if err == nil {
		err = scanOne(r, &last)
	}
	if err != nil {
		return s, fmt.Errorf("store: endpoint signals: %w", err)
	}
	s.LastAcceptedAt = fromMSPtr(last)
	return s, nil
}

// acceptedOriginal is the condition on a delivery d that the silence
// signal counts: accepted for processing, and sent by the provider (not a
// replay, not a test).
const acceptedOriginal = `d.status IN ('pending','processed','failed') AND d.replay_of IS NULL AND NOT d.is_test`

// purgeBatchQuery selects a batch of deliveries received before its
// cut-off (the first two arguments) whose events no active subscription
// is retrying. Ids grow with received_at (the time a delivery is stored),
// so the old deliveries come before the first young one's id: the scan
// stops there, rather than reading the whole table each hour to find the
// hour's few thousand (in SQLite's one write transaction, ingest waiting).
// A delivery stored while the clock was ahead (its received_at after the
// third argument, now) is no young one: taken for the bound, it would
// keep every delivery stored after it until it aged itself. One that a
// clock's step back left after the bound goes in a later run.
const purgeBatchQuery = `SELECT d.id FROM webhook_deliveries d WHERE d.received_at < ?
 AND d.id < COALESCE((SELECT f.id FROM webhook_deliveries f WHERE f.received_at >= ? AND f.received_at <= ?
 ORDER BY f.id LIMIT 1), 9223372036854775807)
 AND NOT EXISTS (SELECT 1 FROM webhook_events e JOIN subscription_attempts a ON a.event_seq = e.id JOIN subscriptions s ON s.id = a.subscription_id
 WHERE e.delivery_id = d.id AND a.status = 'pending' AND s.is_active) ORDER BY d.id LIMIT 2000`

// lockPurged locks the attempts of the events of the deliveries a purge
// batch selected, then selects again those that no active subscription is
// retrying. A manual retry (or a re-enable's hastening) committed after
// the first read made an attempt pending again: its delivery stays. One
// that comes later waits for the purge and finds the attempt gone, as
// if it had come after it. Without the lock, the DELETE would wait for
// such a retry and then delete the attempt it had just made due.
// (PostgreSQL; SQLite's one writer orders them anyway.)
func (db *DB) lockPurged(ctx context.Context, t rawTx, ids []int64) ([]int64, error) {
	list, in := listArg(db, ids), db.anyOf()
	if _, err := t.exec(ctx, `SELECT a.id FROM subscription_attempts a WHERE a.event_seq IN (SELECT e.id FROM webhook_events e
 WHERE e.delivery_id `+in+`) ORDER BY a.id FOR UPDATE OF a`, list); err != nil {
		return nil, err
	}
	r, err := t.query(ctx, `SELECT d.id FROM webhook_deliveries d WHERE d.id `+in+`
 AND NOT EXISTS (SELECT 1 FROM webhook_events e JOIN subscription_attempts a ON a.event_seq = e.id JOIN subscriptions s ON s.id = a.subscription_id
 WHERE e.delivery_id = d.id AND a.status = 'pending' AND s.is_active) ORDER BY d.id`, list)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	kept := make([]int64, 0, len(ids))
	for r.Next() {
		var id int64
		if err := r.Scan(&id); err != nil {
			return nil, err
		}
		kept = append(kept, id)
	}
	return kept, r.Err()
}

// PurgeDeliveries implements webhook.Store: removes deliveries received
// before the cut-off and their events, in batches, except those whose
// event an active subscription is still retrying (their attempts end
// within the retry schedule's three days; the next cleanup takes them).
// The events' other attempts go with them (one still pending for a
// disabled subscription has nothing left to send). The newest accepted
// delivery's time of each endpoint is kept, for its silence signal.
func (db *DB) PurgeDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.inRawTx(ctx, func(t rawTx) error {
			r, err := t.query(ctx, purgeBatchQuery, ms(before), ms(before), ms(db.now().Add(time.Minute)))
			if err != nil {
				return err
			}
			ids := []int64{}
			for r.Next() {
				var id int64
				if err := r.Scan(&id); err != nil {
					r.Close()
					return err
				}
				ids = append(ids, id)
			}
			r.Close()
			if err := r.Err(); err != nil || len(ids) == 0 {
				return err
			}
			if db.dialect == Postgres {
				if ids, err = db.lockPurged(ctx, t, ids); err != nil || len(ids) == 0 {
					return err
				}
			}
			list, in := listArg(db, ids), db.anyOf()
			if _, err := t.exec(ctx, `INSERT INTO webhook_last_accepted (endpoint_id, received_at)
 SELECT d.endpoint_id, MAX(d.received_at) FROM webhook_deliveries d WHERE d.id `+in+` AND `+acceptedOriginal+`
 AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.id = d.endpoint_id) GROUP BY d.endpoint_id
 ON CONFLICT (endpoint_id) DO UPDATE SET received_at = excluded.received_at
 WHERE webhook_last_accepted.received_at < excluded.received_at`, list); err != nil {
				return err
			}
			// The newest event removed so far, for the pull API's
			// consumers whose cursor was behind it (PurgedEventSeq).
			newer := `MAX(dispatch_cursor.value, excluded.value)`
			if db.dialect == Postgres {
				newer = `GREATEST(dispatch_cursor.value, excluded.value)`
			}
			if _, err := t.exec(ctx, `INSERT INTO dispatch_cursor (name, value) SELECT 'purged', MAX(e.id) FROM webhook_events e
 WHERE e.delivery_id `+in+` HAVING MAX(e.id) IS NOT NULL ON CONFLICT (name) DO UPDATE SET value = `+newer, list); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `DELETE FROM subscription_attempts WHERE event_seq IN (SELECT e.id FROM webhook_events e
 WHERE e.delivery_id `+in+`)`, list); err != nil {
				return err
			}
			if _, err := t.exec(ctx, `DELETE FROM webhook_events WHERE delivery_id `+in, list); err != nil {
				return err
			}
			n, err = t.exec(ctx, `DELETE FROM webhook_deliveries WHERE id `+in, list)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("store: purge deliveries: %w", err)
		}
		total += n
		if n < 2000 {
			return total, nil
		}
	}
}
