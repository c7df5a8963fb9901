package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/webhook"
)

const subCols = `id, name, event_types, integration_ids, url, allow_private_network, max_concurrency, is_active,
 disabled_reason, version, created_at, updated_at, target, nats_subject, chat_integration_id, secret_ciphertext`

func scanSub(r interface{ Scan(...any) error }) (webhook.Subscription, []byte, error) {
	var s webhook.Subscription
	var types, ints string
	var created, updated int64
	var sealed []byte
	err := r.Scan(&s.ID, &s.Name, &types, &ints, &s.URL, &s.AllowPrivateNetwork, &s.MaxConcurrency, &s.IsActive,
		&s.DisabledReason, &s.Version, &created, &updated, &s.Target, &s.Subject, &s.ChatIntegrationID, &sealed)
	if err != nil {
		return s, nil, err
	}
	_ = json.Unmarshal([]byte(types), &s.EventTypes) // written by us as JSON
	_ = json.Unmarshal([]byte(ints), &s.IntegrationIDs)
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	return s, sealed, nil
}

// CreateSubscription implements webhook.SubscriptionStore.
func (db *DB) CreateSubscription(ctx context.Context, s webhook.Subscription, sealed []byte, keyID string, e audit.Entry) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		if _, err := t.exec(ctx, `INSERT INTO subscriptions (id, name, event_types, integration_ids, url, allow_private_network,
 secret_ciphertext, secret_key_id, max_concurrency, is_active, version, created_at, updated_at, target, nats_subject,
 chat_integration_id)
 VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?)`, s.ID, s.Name, jsonText(s.EventTypes), jsonText(s.IntegrationIDs), s.URL,
			s.AllowPrivateNetwork, sealed, keyID, s.MaxConcurrency, s.IsActive, ms(s.CreatedAt), ms(s.UpdatedAt), s.Target,
			s.Subject, s.ChatIntegrationID); err != nil {
			return fmt.Errorf("store: create subscription: %w", err)
		}
		return recordIf(ctx, t, e)
	})
}

// GetSubscription implements webhook.SubscriptionStore.
func (db *DB) GetSubscription(ctx context.Context, id string) (webhook.Subscription, []byte, error) {
	s, sealed, err := scanSub(db.queryRow(ctx, `SELECT `+subCols+` FROM subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil, apperr.E(apperr.NotFound, "no such subscription")
	}
	return s, sealed, err
}

// ListSubscriptions implements webhook.SubscriptionStore.
func (db *DB) ListSubscriptions(ctx context.Context) ([]webhook.Subscription, error) {
	r, err := db.query(ctx, `SELECT `+subCols+` FROM subscriptions ORDER BY id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("store: list subscriptions: %w", err)
	}
	defer r.Close()
	out := []webhook.Subscription{}
	for r.Next() {
		s, _, err := scanSub(r)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, r.Err()
}

// UpdateSubscription implements webhook.SubscriptionStore.
func (db *DB) UpdateSubscription(ctx context.Context, s webhook.Subscription, e audit.Entry) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		n, err := t.exec(ctx, `UPDATE subscriptions SET name = ?, event_types = ?, integration_ids = ?, url = ?,
 allow_private_network = ?, max_concurrency = ?, is_active = ?, disabled_reason = ?, version = version + 1, updated_at = ?,
 target = ?, nats_subject = ?, chat_integration_id = ?
 WHERE id = ? AND version = ?`, s.Name, jsonText(s.EventTypes), jsonText(s.IntegrationIDs), s.URL, s.AllowPrivateNetwork,
			s.MaxConcurrency, s.IsActive, s.DisabledReason, ms(s.UpdatedAt), s.Target, s.Subject, s.ChatIntegrationID, s.ID, s.Version)
		if err != nil {
			return fmt.Errorf("store: update subscription: %w", err)
		}
		if n == 0 {
			return apperr.E(apperr.PreconditionFailed, "the subscription changed meanwhile; read it again")
		}
		return recordIf(ctx, t, e)
	})
}

// DeleteSubscription implements webhook.SubscriptionStore.
func (db *DB) DeleteSubscription(ctx context.Context, id string, e audit.Entry) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		if _, err := t.exec(ctx, `DELETE FROM subscription_attempts WHERE subscription_id = ?`, id); err != nil {
			return fmt.Errorf("store: delete attempts: %w", err)
		}
		n, err := t.exec(ctx, `DELETE FROM subscriptions WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("store: delete subscription: %w", err)
		}
		if n == 0 {
			return apperr.E(apperr.NotFound, "no such subscription")
		}
		return recordIf(ctx, t, e)
	})
}

// FanOut implements webhook.SubscriptionStore. On PostgreSQL the cursor
// row is locked, so replicas fan out one at a time.
func (db *DB) FanOut(ctx context.Context, limit int, now time.Time, match func(webhook.Event, []webhook.Subscription) []string) (int, error) {
	subs, err := db.ListSubscriptions(ctx)
	if err != nil || len(subs) == 0 {
		return 0, err
	}
	taken := 0
	err = db.inRawTx(ctx, func(t rawTx) error {
		lock := ""
		if db.dialect == Postgres {
			lock = " FOR UPDATE"
		}
		var cursor int64
		if err := t.queryRow(ctx, `SELECT value FROM dispatch_cursor WHERE name = 'fanout'`+lock, nil, &cursor); err != nil {
			return fmt.Errorf("store: dispatch cursor: %w", err)
		}
		evs, err := db.eventsTx(ctx, t, cursor, limit)
		if err != nil || len(evs) == 0 {
			return err
		}
		for _, ev := range evs {
			for _, id := range match(ev, subs) {
				if _, err := t.exec(ctx, `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 VALUES (?,?,'pending',?,?) ON CONFLICT (subscription_id, event_seq) DO NOTHING`, id, ev.Seq, ms(now), ms(now)); err != nil {
					return fmt.Errorf("store: queue attempt: %w", err)
				}
			}
			cursor = ev.Seq
		}
		taken = len(evs)
		_, err = t.exec(ctx, `UPDATE dispatch_cursor SET value = ? WHERE name = 'fanout'`, cursor)
		return err
	})
	return taken, err
}

// eventsTx reads events after a cursor inside a write transaction (so that
// the cursor and the events agree).
func (db *DB) eventsTx(ctx context.Context, t rawTx, after int64, limit int) ([]webhook.Event, error) {
	q := `SELECT id, delivery_id, integration_id, provider, type, subject, occurred_at, created_at, data
 FROM webhook_events WHERE id > ? ORDER BY id LIMIT ?`
	var rs rows
	switch tx := t.native.(type) {
	case *sql.Tx:
		r, err := tx.QueryContext(ctx, q, after, limit)
		if err != nil {
			return nil, err
		}
		rs = sqlRows{r}
	case pgx.Tx:
		r, err := tx.Query(ctx, db.rebind(q), after, limit)
		if err != nil {
			return nil, err
		}
		rs = r
	default:
		return nil, fmt.Errorf("store: unknown transaction type %T", t.native)
	}
	defer rs.Close()
	var out []webhook.Event
	for rs.Next() {
		var ev webhook.Event
		var occ, created int64
		var data string
		if err := rs.Scan(&ev.Seq, &ev.DeliveryID, &ev.IntegrationID, &ev.Provider, &ev.Type, &ev.Subject, &occ, &created, &data); err != nil {
			return nil, err
		}
		ev.ID, ev.OccurredAt, ev.CreatedAt = webhook.EventID(ev.DeliveryID), fromMS(occ), fromMS(created)
		_ = json.Unmarshal([]byte(data), &ev.Data) // written by us as JSON
		out = append(out, ev)
	}
	return out, rs.Err()
}

// ClaimDue implements webhook.SubscriptionStore: the lease moves
// next_attempt_at into the future, and the outer condition is checked
// again after any lock wait, so two workers never take the same attempt.
func (db *DB) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]webhook.Work, error) {
	var ids []int64
	err := db.inRawTx(ctx, func(t rawTx) error {
		r, err := db.query(ctx, `SELECT a.id FROM subscription_attempts a JOIN subscriptions s ON s.id = a.subscription_id
 WHERE a.status = 'pending' AND a.next_attempt_at <= ? AND s.is_active ORDER BY a.next_attempt_at, a.id LIMIT ?`, ms(now), limit)
		if err != nil {
			return err
		}
		var cand []int64
		for r.Next() {
			var id int64
			if err := r.Scan(&id); err != nil {
				r.Close()
				return err
			}
			cand = append(cand, id)
		}
		r.Close()
		for _, id := range cand {
			n, err := t.exec(ctx, `UPDATE subscription_attempts SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`,
				ms(now.Add(lease)), id, ms(now))
			if err != nil {
				return err
			}
			if n == 1 {
				ids = append(ids, id)
			}
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make([]webhook.Work, 0, len(ids))
	for _, id := range ids {
		var w webhook.Work
		a, err := scanAttempt(db.queryRow(ctx, `SELECT `+attemptCols+` FROM subscription_attempts WHERE id = ?`, id))
		if err != nil {
			return nil, err
		}
		w.Attempt = a
		if w.Subscription, w.Secret, err = db.GetSubscription(ctx, a.SubscriptionID); err != nil {
			continue // deleted meanwhile
		}
		evs, err := db.ListEvents(ctx, a.EventSeq-1, 1)
		if err != nil || len(evs) == 0 || evs[0].Seq != a.EventSeq {
			continue // purged by retention
		}
		w.Event = evs[0]
		out = append(out, w)
	}
	return out, nil
}

const attemptCols = `id, subscription_id, event_seq, status, attempts, next_attempt_at, last_status, last_error, created_at, delivered_at`

func scanAttempt(r interface{ Scan(...any) error }) (webhook.Attempt, error) {
	var a webhook.Attempt
	var next, created int64
	var delivered *int64
	err := r.Scan(&a.ID, &a.SubscriptionID, &a.EventSeq, &a.Status, &a.Attempts, &next, &a.LastStatus, &a.LastError,
		&created, &delivered)
	a.NextAttemptAt, a.CreatedAt, a.DeliveredAt = fromMS(next), fromMS(created), fromMSPtr(delivered)
	return a, err
}

// RecordSends implements webhook.SubscriptionStore.
func (db *DB) RecordSends(ctx context.Context, rs []webhook.SendResult) error {
	if len(rs) == 0 {
		return nil
	}
	return db.inRawTx(ctx, func(t rawTx) error {
		for _, r := range rs {
			var err error
			switch {
			case r.Delivered:
				_, err = t.exec(ctx, `UPDATE subscription_attempts SET status = 'delivered', attempts = attempts + 1, last_status = ?,
 last_error = '', delivered_at = ? WHERE id = ?`, r.Status, ms(r.At), r.AttemptID)
			case r.Disable != "":
				_, err = t.exec(ctx, `UPDATE subscription_attempts SET last_status = ?, last_error = ?, next_attempt_at = ? WHERE id = ?`,
					r.Status, r.Error, ms(r.At), r.AttemptID)
				if err == nil {
					_, err = t.exec(ctx, `UPDATE subscriptions SET is_active = FALSE, disabled_reason = ?, version = version + 1
 WHERE id = (SELECT subscription_id FROM subscription_attempts WHERE id = ?)`, r.Disable, r.AttemptID)
				}
			case r.GiveUp:
				_, err = t.exec(ctx, `UPDATE subscription_attempts SET status = 'failed', attempts = attempts + 1, last_status = ?,
 last_error = ? WHERE id = ?`, r.Status, r.Error, r.AttemptID)
			default:
				_, err = t.exec(ctx, `UPDATE subscription_attempts SET attempts = attempts + 1, last_status = ?, last_error = ?,
 next_attempt_at = ? WHERE id = ?`, r.Status, r.Error, ms(r.NextAttempt), r.AttemptID)
			}
			if err != nil {
				return fmt.Errorf("store: record send: %w", err)
			}
		}
		return nil
	})
}

// ListAttempts implements webhook.SubscriptionStore: newest first.
func (db *DB) ListAttempts(ctx context.Context, subscriptionID string, limit int) ([]webhook.Attempt, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	r, err := db.query(ctx, `SELECT `+attemptCols+` FROM subscription_attempts WHERE subscription_id = ? ORDER BY id DESC LIMIT ?`,
		subscriptionID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list attempts: %w", err)
	}
	defer r.Close()
	out := []webhook.Attempt{}
	for r.Next() {
		a, err := scanAttempt(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, r.Err()
}

// RetryAttempt implements webhook.SubscriptionStore.
func (db *DB) RetryAttempt(ctx context.Context, subscriptionID string, attemptID int64, now time.Time) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		n, err := t.exec(ctx, `UPDATE subscription_attempts SET status = 'pending', next_attempt_at = ?
 WHERE id = ? AND subscription_id = ? AND status <> 'delivered'`, ms(now), attemptID, subscriptionID)
		if err != nil {
			return fmt.Errorf("store: retry attempt: %w", err)
		}
		if n == 0 {
			return apperr.E(apperr.NotFound, "no such undelivered attempt on this subscription")
		}
		return nil
	})
}
