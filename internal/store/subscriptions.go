package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"ihub/internal/apperr"
	"ihub/internal/audit"
	"ihub/internal/webhook"
)

const subCols = `id, name, event_types, integration_ids, url, allow_private_network, max_concurrency, is_active,
 disabled_reason, version, created_at, updated_at, target, nats_subject, chat_integration_id, nats_auth_kind,
 target_secret_ciphertext, target_secret_key_id, start_seq, secret_ciphertext`

func scanSub(r interface{ Scan(...any) error }) (webhook.Subscription, []byte, error) {
	var s webhook.Subscription
	var types, ints string
	var created, updated int64
	var sealed []byte
	var targetKeyID *string
	err := r.Scan(&s.ID, &s.Name, &types, &ints, &s.URL, &s.AllowPrivateNetwork, &s.MaxConcurrency, &s.IsActive,
		&s.DisabledReason, &s.Version, &created, &updated, &s.Target, &s.Subject, &s.ChatIntegrationID, &s.NATSAuthKind,
		&s.TargetSecret, &targetKeyID, &s.StartSeq, &sealed)
	if err != nil {
		return s, nil, err
	}
	_ = json.Unmarshal([]byte(types), &s.EventTypes) // written by us as JSON
	_ = json.Unmarshal([]byte(ints), &s.IntegrationIDs)
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	if targetKeyID != nil {
		s.TargetSecretKeyID = *targetKeyID
	}
	return s, sealed, nil
}

// CreateSubscription implements webhook.SubscriptionStore.
// The subscription starts after the newest event, read under the fan-out
// cursor's lock (PostgreSQL; SQLite's write lock serializes the two): a
// fan-out either committed before, and took no event above that one, or
// runs after and sees the subscription.
func (db *DB) CreateSubscription(ctx context.Context, s webhook.Subscription, sealed []byte, keyID string, e audit.Entry) error {
	defer db.subs.expire() // the look sees this replica's change at once
	return db.inRawTx(ctx, func(t rawTx) error {
		if db.dialect == Postgres {
			var cursor int64
			if err := t.queryRow(ctx, `SELECT value FROM dispatch_cursor WHERE name = 'fanout' FOR UPDATE`, nil, &cursor); err != nil {
				return fmt.Errorf("store: dispatch cursor: %w", err)
			}
		}
		// Counted inside the transaction, which creates serialize on (the
		// cursor's row lock on PostgreSQL, the one writer on SQLite).
		var n int
		if err := t.queryRow(ctx, `SELECT COUNT(*) FROM subscriptions WHERE deleted_at IS NULL`, nil, &n); err != nil {
			return fmt.Errorf("store: count subscriptions: %w", err)
		}
		if n >= webhook.MaxSubscriptions {
			return apperr.E(apperr.Conflict, "ihub holds at most %d subscriptions; delete one you no longer need first", webhook.MaxSubscriptions)
		}
		var start int64
		if err := t.queryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM webhook_events`, nil, &start); err != nil {
			return fmt.Errorf("store: newest event: %w", err)
		}
		if _, err := t.exec(ctx, `INSERT INTO subscriptions (id, name, event_types, integration_ids, url, allow_private_network,
 secret_ciphertext, secret_key_id, max_concurrency, is_active, version, created_at, updated_at, target, nats_subject,
 chat_integration_id, nats_auth_kind, target_secret_ciphertext, target_secret_key_id, start_seq)
 VALUES (?,?,?,?,?,?,?,?,?,?,1,?,?,?,?,?,?,?,?,?)`, s.ID, s.Name, jsonText(s.EventTypes), jsonText(s.IntegrationIDs), s.URL,
			s.AllowPrivateNetwork, sealed, keyID, s.MaxConcurrency, s.IsActive, ms(s.CreatedAt), ms(s.UpdatedAt), s.Target,
			s.Subject, s.ChatIntegrationID, s.NATSAuthKind, nilIfEmpty(s.TargetSecret), strPtrIfSet(s.TargetSecretKeyID), start); err != nil {
			return fmt.Errorf("store: create subscription: %w", err)
		}
		return recordIf(ctx, t, e)
	})
}

// GetSubscription implements webhook.SubscriptionStore.
func (db *DB) GetSubscription(ctx context.Context, id string) (webhook.Subscription, []byte, error) {
	s, sealed, err := scanSub(db.queryRow(ctx, `SELECT `+subCols+` FROM subscriptions WHERE id = ? AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil, apperr.E(apperr.NotFound, "no such subscription")
	}
	return s, sealed, err
}

// ListSubscriptions implements webhook.SubscriptionStore.
func (db *DB) ListSubscriptions(ctx context.Context) ([]webhook.Subscription, error) {
	r, err := db.query(ctx, listSubsQuery)
	if err != nil {
		return nil, fmt.Errorf("store: list subscriptions: %w", err)
	}
	return scanSubs(r)
}

// listSubsQuery reads every subscription: CreateSubscription keeps them to
// webhook.MaxSubscriptions, and the dispatchers must see each one (a LIMIT
// here once left those past it unserved).
const listSubsQuery = `SELECT ` + subCols + ` FROM subscriptions WHERE deleted_at IS NULL ORDER BY id`

func scanSubs(r rows) ([]webhook.Subscription, error) {
	defer r.Close()
	out := []webhook.Subscription{}
	for r.Next() {
		s, _, err := scanSub(r)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("store: list subscriptions: %w", err)
	}
	return out, nil
}

// subsCache holds the subscriptions as read under one value of the
// database's subscriptions change counter (bumped by triggers in the same
// transaction as any change, whoever makes it). The dispatchers look at
// them on every step, woken by every group commit: reading one counter
// row instead of the table keeps that cheap.
type subsCache struct {
	mu      sync.Mutex
	ok      bool
	counter int64
	subs    []webhook.Subscription
	checked time.Time // when counter was last read
	// versions are the active subscriptions' versions, by id (see
	// SubscriptionVersions).
	versions map[string]int64
}

// subsLookAge is how old the subscriptions may be for the look before a
// dispatch step (whether there is anything to do at all). Even the one
// counter row costs a read transaction (on SQLite the WAL's read lock and
// shared-memory locks, about 70 µs), and every group commit wakes the
// dispatcher: without subscriptions, that look was 4 % of the server's CPU
// under ingest load. A subscription made on another replica is seen this
// much later at most; the step itself reads them in its transaction.
const subsLookAge = 50 * time.Millisecond

// expire makes the next look read the counter: after a change made here.
func (c *subsCache) expire() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}

// lookSubscriptions is dispatchSubscriptions for the look before a step:
// from a cache whose counter was read less than subsLookAge ago.
func (db *DB) lookSubscriptions(ctx context.Context) ([]webhook.Subscription, error) {
	c := &db.subs
	c.mu.Lock()
	if c.ok && time.Since(c.checked) < subsLookAge {
		subs := c.subs
		c.mu.Unlock()
		return subs, nil
	}
	c.mu.Unlock()
	return db.dispatchSubscriptions(ctx, nil)
}

// dispatchSubscriptions returns the subscriptions, shared with other
// callers (read-only), from the cache while the counter has not moved. With
// t it reads inside that transaction.
func (db *DB) dispatchSubscriptions(ctx context.Context, t *rawTx) ([]webhook.Subscription, error) {
	const counterQuery = `SELECT value FROM change_counters WHERE name = 'subscriptions'`
	checked := time.Now()
	var counter int64
	var err error
	if t != nil {
		err = t.queryRow(ctx, counterQuery, nil, &counter)
	} else {
		err = db.queryRowCached(ctx, counterQuery).Scan(&counter)
	}
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions counter: %w", err)
	}
	c := &db.subs
	c.mu.Lock()
	if c.ok && c.counter == counter {
		subs := c.subs
		if checked.After(c.checked) {
			c.checked = checked
		}
		c.mu.Unlock()
		return subs, nil
	}
	c.mu.Unlock()
	// Read after the counter: at least as new as it says (a change
	// committed in between moves the counter, so the next call reads again).
	var r rows
	if t != nil {
		r, err = t.query(ctx, listSubsQuery)
	} else {
		r, err = db.query(ctx, listSubsQuery)
	}
	if err != nil {
		return nil, fmt.Errorf("store: list subscriptions: %w", err)
	}
	subs, err := scanSubs(r)
	if err != nil {
		return nil, err
	}
	versions := make(map[string]int64, len(subs))
	for _, s := range subs {
		if s.IsActive {
			versions[s.ID] = s.Version
		}
	}
	c.mu.Lock()
	if !c.ok || counter >= c.counter {
		c.ok, c.counter, c.subs, c.versions, c.checked = true, counter, subs, versions, checked
	}
	c.mu.Unlock()
	return subs, nil
}

// SubscriptionVersions implements webhook.SubscriptionStore from the
// dispatchers' cache: one read of the change counter while nothing
// changed. The map is shared: read it only.
func (db *DB) SubscriptionVersions(ctx context.Context) (map[string]int64, error) {
	if _, err := db.dispatchSubscriptions(ctx, nil); err != nil {
		return nil, err
	}
	// The cache is now at least as new as the counter just read: it only
	// moves forward.
	c := &db.subs
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.versions, nil
}

// ReturnClaims implements webhook.SubscriptionStore: each attempt still pending
// under the lease it was claimed with is due again at now, its attempts
// not counted. One whose lease ended (another claim may hold it) is left
// alone.
func (db *DB) ReturnClaims(ctx context.Context, now time.Time, rs []webhook.SendResult) error {
	if len(rs) == 0 {
		return nil
	}
	ss := make([]stmt, 0, len(rs))
	for _, r := range rs {
		ss = append(ss, stmt{`UPDATE subscription_attempts SET next_attempt_at = ?, leased = FALSE
 WHERE id = ? AND status = 'pending' AND next_attempt_at = ?`, []any{ms(now), r.AttemptID, ms(r.Lease)}})
	}
	return db.inRawTx(ctx, func(t rawTx) error {
		if err := t.execAll(ctx, ss); err != nil {
			return fmt.Errorf("store: return claims: %w", err)
		}
		return nil
	})
}

// UpdateSubscription implements webhook.SubscriptionStore.
func (db *DB) UpdateSubscription(ctx context.Context, s webhook.Subscription, e audit.Entry) error {
	defer db.subs.expire() // the look sees this replica's change at once
	return db.inRawTx(ctx, func(t rawTx) error {
		n, err := t.exec(ctx, `UPDATE subscriptions SET name = ?, event_types = ?, integration_ids = ?, url = ?,
 allow_private_network = ?, max_concurrency = ?, is_active = ?, disabled_reason = ?, version = version + 1, updated_at = ?,
 target = ?, nats_subject = ?, chat_integration_id = ?, nats_auth_kind = ?, target_secret_ciphertext = ?,
 target_secret_key_id = ? WHERE id = ? AND version = ? AND deleted_at IS NULL`, s.Name, jsonText(s.EventTypes), jsonText(s.IntegrationIDs), s.URL,
			s.AllowPrivateNetwork, s.MaxConcurrency, s.IsActive, s.DisabledReason, ms(s.UpdatedAt), s.Target, s.Subject,
			s.ChatIntegrationID, s.NATSAuthKind, nilIfEmpty(s.TargetSecret), strPtrIfSet(s.TargetSecretKeyID), s.ID, s.Version)
		if err != nil {
			return fmt.Errorf("store: update subscription: %w", err)
		}
		if n == 0 {
			return apperr.E(apperr.PreconditionFailed, "the subscription changed meanwhile; read it again")
		}
		return recordIf(ctx, t, e)
	})
}

// DeleteSubscription implements webhook.SubscriptionStore: the
// subscription is marked deleted, and from then on no read, list, fan-out
// or claim sees it. Its attempts, as many as the retention period's events,
// are left to PurgeDeletedSubscriptions: deleting them here, in one
// transaction, held SQLite's only writer, and every webhook's
// acknowledgement with it, for 1.3 s per 500,000 attempts.
func (db *DB) DeleteSubscription(ctx context.Context, id string, e audit.Entry) error {
	at := e.At
	if at.IsZero() {
		at = db.now()
	}
	defer db.subs.expire() // the look sees this replica's change at once
	return db.inRawTx(ctx, func(t rawTx) error {
		n, err := t.exec(ctx, `UPDATE subscriptions SET deleted_at = ?, is_active = FALSE, version = version + 1, updated_at = ?
 WHERE id = ? AND deleted_at IS NULL`, ms(at), ms(at), id)
		if err != nil {
			return fmt.Errorf("store: delete subscription: %w", err)
		}
		if n == 0 {
			return apperr.E(apperr.NotFound, "no such subscription")
		}
		return recordIf(ctx, t, e)
	})
}

// SubscriptionPurgeBatch is how many attempts of a deleted subscription
// one transaction of PurgeDeletedSubscriptions deletes: a few milliseconds
// of SQLite's writer, which ingest takes between two batches (a webhook
// stored beside a purge waited at most 14 ms with 1,000, 26 ms with
// 2,000; BenchmarkDeleteSubscription).
const SubscriptionPurgeBatch = 1000

// PurgeDeletedSubscriptions deletes the attempts of the subscriptions
// marked deleted, SubscriptionPurgeBatch at a time, each batch its own
// transaction, then the subscriptions themselves (with any attempt a
// fan-out added meanwhile). It returns how many subscriptions and attempts
// it removed. An interrupted purge (a failure, a restart) goes on at the
// next call. On PostgreSQL one replica purges at a time; the others skip.
func (db *DB) PurgeDeletedSubscriptions(ctx context.Context) (subs int, attempts int64, err error) {
	var ids []string
	r, err := db.query(ctx, `SELECT id FROM subscriptions WHERE deleted_at IS NOT NULL ORDER BY id`)
	if err != nil {
		return 0, 0, fmt.Errorf("store: deleted subscriptions: %w", err)
	}
	for r.Next() {
		var id string
		if err := r.Scan(&id); err != nil {
			r.Close()
			return 0, 0, fmt.Errorf("store: deleted subscriptions: %w", err)
		}
		ids = append(ids, id)
	}
	r.Close()
	if err := r.Err(); err != nil || len(ids) == 0 {
		return 0, 0, err
	}
	purge := func() error {
		for _, id := range ids {
			// Batches in id order, each starting after the last: on
			// PostgreSQL, each scan from the first id would walk the index
			// entries of every row deleted before (until a vacuum), and
			// the purge would slow down as it went.
			var after int64
			for {
				var n int64
				var upTo sql.NullInt64
				err := db.inRawTx(ctx, func(t rawTx) error {
					n = 0
					if err := t.queryRow(ctx, `SELECT MAX(id) FROM (SELECT id FROM subscription_attempts
 WHERE subscription_id = ? AND id > ? ORDER BY id LIMIT ?) b`, []any{id, after, SubscriptionPurgeBatch}, &upTo); err != nil || !upTo.Valid {
						return err
					}
					var err error
					n, err = t.exec(ctx, `DELETE FROM subscription_attempts WHERE subscription_id = ? AND id > ? AND id <= ?`,
						id, after, upTo.Int64)
					return err
				})
				if err != nil {
					return fmt.Errorf("store: purge attempts of deleted subscription %s: %w", id, err)
				}
				after = upTo.Int64
				attempts += n
				if n < SubscriptionPurgeBatch {
					break // the rest, if a fan-out added any meanwhile, goes with the subscription
				}
			}
			var n int64
			err := db.inRawTx(ctx, func(t rawTx) error {
				var err error
				n, err = t.exec(ctx, `DELETE FROM subscriptions WHERE id = ? AND deleted_at IS NOT NULL`, id)
				return err
			})
			if err != nil {
				return fmt.Errorf("store: purge deleted subscription %s: %w", id, err)
			}
			subs += int(n)
		}
		return nil
	}
	if db.dialect == Postgres {
		_, err = db.maintain(ctx, func(*pgxpool.Conn) error { return purge() })
	} else {
		err = purge()
	}
	return subs, attempts, err
}

// FanOut turns up to limit new events into attempts for the
// subscriptions match selects (FanOutAndClaim without the claim).
func (db *DB) FanOut(ctx context.Context, limit int, now time.Time, match func(webhook.Event, []webhook.Subscription) []string) (int, error) {
	_, news, err := db.newEvents(ctx) // the subscriptions are read again under the cursor's lock
	if err != nil || !news {
		return 0, err
	}
	taken := 0
	for try := 0; ; try++ {
		var n int
		var gap int64
		err = db.inRawTx(ctx, func(t rawTx) (err error) {
			_, n, gap, err = db.fanOutTx(ctx, t, limit, now, match)
			return err
		})
		taken += n
		if err != nil || gap == 0 || try > 0 {
			return taken, err
		}
		// Settled outside the transaction: another replica's fan-out
		// may be waiting for the cursor's lock it holds.
		if settled, err := db.settleGaps(ctx, gap); err != nil || !settled {
			return taken, err
		}
	}
}

// newEvents returns the subscriptions, and whether there are events not
// fanned out yet for them. It only reads: the dispatcher looks before
// taking the writer (SQLite has one, shared with ingest).
func (db *DB) newEvents(ctx context.Context) ([]webhook.Subscription, bool, error) {
	subs, err := db.lookSubscriptions(ctx)
	if err != nil || len(subs) == 0 {
		return nil, false, err
	}
	news, err := anyRow(db.queryCached(ctx, newEventsQuery))
	return subs, news, err
}

// The dispatcher runs these at every step, with the tables holding up to
// the retention period's events and attempts: each is an index probe
// whatever their size (TestDispatchQueriesAtScale).
const (
	// newEventsQuery: is there an event past the fan-out cursor? Without
	// ORDER BY, PostgreSQL's generic plan is a sequential scan (it expects
	// a third of the rows to match), which reads every event fanned out
	// before finding a new one: half a second per step at two million.
	newEventsQuery = `SELECT 1 FROM webhook_events WHERE id > (SELECT value FROM dispatch_cursor WHERE name = 'fanout') ORDER BY id LIMIT 1`
	// dueQuery: is an attempt of an active subscription due? Each active
	// subscription's earliest pending attempt, from the
	// subscription_attempts_sub_due index: one probe per subscription,
	// whatever the backlog of a disabled one (kept, and due since it was
	// disabled) or the number of delivered attempts.
	dueQuery = `SELECT 1 FROM subscriptions s WHERE s.is_active AND (SELECT a.next_attempt_at FROM subscription_attempts a
 WHERE a.subscription_id = s.id AND a.status = 'pending' ORDER BY a.next_attempt_at LIMIT 1) <= ? LIMIT 1`
)

// FanOutAndClaim implements webhook.SubscriptionStore: fan-out and claim
// share one transaction (one commit, so one disk sync, per step). On
// PostgreSQL the cursor row is locked, so replicas fan out one at a time,
// and the cursor never passes an event id that may still commit (see
// gapWait).
func (db *DB) FanOutAndClaim(ctx context.Context, now time.Time, fanLimit int, match func(webhook.Event, []webhook.Subscription) []string,
	c webhook.Claim) ([]webhook.Work, error) {
	subs, news, err := db.newEvents(ctx)
	if err != nil || len(subs) == 0 {
		return nil, err // no subscription, no attempt
	}
	due, err := anyRow(db.queryCached(ctx, dueQuery, ms(now)))
	if err != nil || (!news && !due) {
		return nil, err
	}
	var claimed []webhook.Attempt
	var gap int64
	err = db.inRawTx(ctx, func(t rawTx) error {
		// The subscriptions as of this transaction, not the look's (up to
		// subsLookAge old).
		var subs []webhook.Subscription
		var err error
		if news {
			subs, _, gap, err = db.fanOutTx(ctx, t, fanLimit, now, match)
		} else {
			subs, err = db.dispatchSubscriptions(ctx, &t)
		}
		if err != nil {
			return err
		}
		claimed, err = db.claimTx(ctx, t, subs, now, c)
		return err
	})
	if err == nil && gap > 0 {
		// Outside the transaction (see FanOut); the next step passes
		// the gap if it is settled by then.
		if _, err := db.settleGaps(ctx, gap); err != nil {
			db.log.Warn("checking the transactions that may still commit events failed", "err", err)
		}
	}
	if err != nil || len(claimed) == 0 {
		return nil, err
	}
	return db.loadWork(ctx, claimed)
}

// fanOutTx is one fan-out step inside t; it returns the subscriptions it
// matched against, how many events it took, and, when it stopped before an
// id that may still commit, the last id it read (for settleGaps). The subscriptions are read
// after the cursor is locked (see CreateSubscription).
func (db *DB) fanOutTx(ctx context.Context, t rawTx, limit int, now time.Time,
	match func(webhook.Event, []webhook.Subscription) []string) ([]webhook.Subscription, int, int64, error) {
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var cursor int64
	if err := t.queryRow(ctx, `SELECT value FROM dispatch_cursor WHERE name = 'fanout'`+lock, nil, &cursor); err != nil {
		return nil, 0, 0, fmt.Errorf("store: dispatch cursor: %w", err)
	}
	subs, err := db.dispatchSubscriptions(ctx, &t)
	if err != nil {
		return nil, 0, 0, err
	}
	// Matching needs the type and integration, not the data.
	read := func() ([]webhook.Event, error) {
		r, err := t.query(ctx, `SELECT id, integration_id, provider, type, created_at FROM webhook_events WHERE id > ? ORDER BY id LIMIT ?`,
			cursor, limit)
		if err != nil {
			return nil, fmt.Errorf("store: events to fan out: %w", err)
		}
		defer r.Close()
		var evs []webhook.Event
		for r.Next() {
			var ev webhook.Event
			var created int64
			if err := r.Scan(&ev.Seq, &ev.IntegrationID, &ev.Provider, &ev.Type, &created); err != nil {
				return nil, err
			}
			ev.CreatedAt = fromMS(created)
			evs = append(evs, ev)
		}
		return evs, r.Err()
	}
	settled := db.settled.Load() // before the read: it holds for reads after it was set
	evs, err := read()
	if err != nil {
		return nil, 0, 0, err
	}
	var gap int64
	if db.dialect == Postgres {
		if p := committedPrefix(cursor, evs, settled); len(p) < len(evs) {
			evs, gap = p, evs[len(evs)-1].Seq
		}
	}
	if len(evs) == 0 {
		return subs, 0, gap, nil
	}
	var subIDs []string
	var seqs []int64
	for _, ev := range evs {
		for _, id := range match(ev, subs) {
			subIDs, seqs = append(subIDs, id), append(seqs, ev.Seq)
		}
		cursor = ev.Seq
	}
	if err := db.queueAttempts(ctx, t, subIDs, seqs, now); err != nil {
		return nil, 0, 0, fmt.Errorf("store: queue attempts: %w", err)
	}
	_, err = t.exec(ctx, `UPDATE dispatch_cursor SET value = ? WHERE name = 'fanout'`, cursor)
	return subs, len(evs), gap, err
}

// Events past a missing id. On PostgreSQL, event ids come from a sequence
// as rows are inserted, and several transactions commit concurrently: id
// 100 may become visible after 101. A reader that moved its cursor past 100
// while the transaction holding it was still running would never see it.
// A missing id below a visible one was taken before that one was, by a
// transaction that had a transaction id already (ingest takes one first
// thing; processing updates the delivery first). Once every transaction
// older than one taken after the read has ended, such an id is final: visible to a new read, or
// rolled back (or burnt by ON CONFLICT) for good. So a reader that meets a
// gap waits, up to gapWait, for those transactions, and reads again; if
// they have not ended, it stops before the gap and the next read tries
// again. Nothing is ever passed on a clock's say: a write stalled for any
// length of time (a database pause, a replica's clock behind) delays the
// events after it, never loses them. The fan-out, whose transaction holds
// the cursor's lock (which another replica's fan-out, a writer, may be
// waiting for), waits after it, for its next step. SQLite has one writer
// and no gaps.
const gapWait = time.Second

// pgWritersBefore says whether a transaction older than the given one
// (xid8, as text) is still running, among those that may commit an event:
// all but those known to be another database's (whose backend_xid this
// role can see: others are waited for too, which is only slower). Asked
// of a snapshot taken after the given transaction ended, every older one
// still running is in the snapshot's list (a snapshot lists the running
// transactions older than the newest one ended).
const pgWritersBefore = `SELECT EXISTS (SELECT 1 FROM pg_snapshot_xip(pg_current_snapshot()) AS x WHERE x < ?::text::xid8
 AND xid(x) NOT IN (SELECT backend_xid FROM pg_stat_activity WHERE datname IS DISTINCT FROM current_database() AND backend_xid IS NOT NULL))`

// readPastGaps reads events after `after` with read (ascending ids) and
// returns those a cursor may pass: all of them on SQLite; on PostgreSQL,
// those before the first id that may still commit (see gapWait). It must
// not run inside a transaction that holds a lock another writer may be
// waiting for: it may wait for every writer to end.
//
// What db.settled says holds for reads made after it was set: a read that
// began before a settle ended may miss rows the settle waited for, so the
// mark is taken before each read.
func (db *DB) readPastGaps(ctx context.Context, after int64, read func() ([]webhook.Event, error)) ([]webhook.Event, error) {
	settled := db.settled.Load()
	evs, err := read()
	if err != nil || db.dialect != Postgres {
		return evs, err
	}
	p := committedPrefix(after, evs, settled)
	if len(p) == len(evs) {
		return evs, nil
	}
	if ok, err := db.settleGaps(ctx, evs[len(evs)-1].Seq); err != nil || !ok {
		return p, err
	}
	settled = db.settled.Load()
	if evs, err = read(); err != nil {
		return nil, err
	}
	return committedPrefix(after, evs, settled), nil
}

// settleGaps waits, up to gapWait, until the transactions running now that
// may commit events have ended; then every missing event id up to through
// (the last one a read saw) is final, and db.settled says so.
//
// "Now" is a transaction id taken here, after the read: every transaction
// that took an event id before the read is older. (Asked of the snapshot's
// list, not of pg_xact_status: a transaction is marked committed a moment
// before snapshots stop counting it as running, and a read in that moment
// would not see its rows.) The probe commits without waiting for the disk:
// it wrote nothing, and only its place among transaction ids matters.
func (db *DB) settleGaps(ctx context.Context, through int64) (bool, error) {
	var now string
	err := db.inRawTx(ctx, func(t rawTx) error {
		if _, err := t.exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		return t.queryRow(ctx, `SELECT pg_current_xact_id()::text`, nil, &now)
	})
	if err != nil {
		return false, fmt.Errorf("store: transaction id: %w", err)
	}
	deadline := time.Now().Add(gapWait)
	for {
		var running bool
		if err := db.queryRow(ctx, pgWritersBefore, now).Scan(&running); err != nil {
			return false, fmt.Errorf("store: running transactions: %w", err)
		}
		if !running {
			break
		}
		if time.Now().After(deadline) {
			return false, nil
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	for cur := db.settled.Load(); through > cur && !db.settled.CompareAndSwap(cur, through); cur = db.settled.Load() {
	}
	return true, nil
}

// committedPrefix returns the events (ascending ids, all after `after`)
// before the first gap that may still fill: a missing id above final.
func committedPrefix(after int64, evs []webhook.Event, final int64) []webhook.Event {
	next := after + 1
	for i, ev := range evs {
		if ev.Seq != next && ev.Seq-1 > final {
			return evs[:i]
		}
		next = ev.Seq + 1
	}
	return evs
}

// queueAttempts inserts one pending attempt per (subscription, event)
// pair: on PostgreSQL with one statement over arrays.
func (db *DB) queueAttempts(ctx context.Context, t rawTx, subIDs []string, seqs []int64, now time.Time) error {
	if len(subIDs) == 0 {
		return nil
	}
	if db.dialect == Postgres {
		_, err := t.exec(ctx, `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 SELECT u.sub, u.seq, 'pending', ?, ? FROM unnest(?::text[], ?::bigint[]) AS u(sub, seq)
 ON CONFLICT (subscription_id, event_seq) DO NOTHING`, ms(now), ms(now), subIDs, seqs)
		return err
	}
	for i := range subIDs {
		if _, err := t.exec(ctx, `INSERT INTO subscription_attempts (subscription_id, event_seq, status, next_attempt_at, created_at)
 VALUES (?,?,'pending',?,?) ON CONFLICT (subscription_id, event_seq) DO NOTHING`, subIDs[i], seqs[i], ms(now), ms(now)); err != nil {
			return err
		}
	}
	return nil
}

// subscriptionLockSpace is the first key of the advisory locks of claims
// (PostgreSQL's two-key form, apart from the migrations' one-key lock):
// "ihub" in ASCII.
const subscriptionLockSpace = "1768453474"

// claimQuery is claimTx's statement for one subscription: its arguments
// are the subscription id, now and the limit, then on PostgreSQL the
// subscription id, owner, lease end, subscription id and now, and then on
// both the lease end and now.
func claimQuery(dialect Dialect) string {
	const due = `SELECT id AS due_id FROM subscription_attempts
 WHERE subscription_id = ? AND status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`
	// PostgreSQL may evaluate an IN (… LIMIT n) subquery more than once,
	// taking more than n rows: the candidates are a materialized CTE there.
	// Replicas share it: the attempts are claimed only if this dispatcher
	// owns the subscription, or takes it over (nobody's, or its owner's
	// claims have all expired), which it does only when something is due
	// and no other replica is claiming for the subscription at the same
	// moment. That is a transaction-scoped advisory lock, tried without
	// waiting: waiting for the owner row instead could deadlock two claim
	// transactions taking their subscriptions in different orders. An
	// owner is gone when its presence lock (MarkPresent) is free, which a
	// shared try of it finds without waiting. A data-modifying CTE runs
	// whether or not the UPDATE leases anything. The UPDATE finds the
	// candidates by primary key (= ANY of an array): joined to the CTE,
	// whose LIMIT a generic plan does not know, PostgreSQL hashes every
	// pending due attempt to update a few.
	if dialect == SQLite { // one process: one dispatcher, nobody to share with
		return `WITH due AS (` + due + `) UPDATE subscription_attempts SET next_attempt_at = ?, leased = TRUE
 WHERE id IN (SELECT due_id FROM due) AND status = 'pending' AND next_attempt_at <= ? RETURNING ` + attemptCols
	}
	return `WITH due AS MATERIALIZED (` + due + ` FOR UPDATE SKIP LOCKED),
 own AS (INSERT INTO subscription_owners (subscription_id, owner, owned_until) SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT)
 WHERE EXISTS (SELECT 1 FROM due) AND pg_try_advisory_xact_lock(` + subscriptionLockSpace + `, hashtext(CAST(? AS TEXT)))
 ON CONFLICT (subscription_id) DO UPDATE SET owner = EXCLUDED.owner, owned_until = EXCLUDED.owned_until
 WHERE subscription_owners.owner = EXCLUDED.owner OR subscription_owners.owned_until <= ?
 OR pg_try_advisory_xact_lock_shared(` + ownerLockSpace + `, hashtext(subscription_owners.owner)) RETURNING 1)
 UPDATE subscription_attempts SET next_attempt_at = ?, leased = TRUE
 WHERE id = ANY(ARRAY(SELECT due_id FROM due)) AND status = 'pending' AND next_attempt_at <= ? AND EXISTS (SELECT 1 FROM own) RETURNING ` + attemptCols
}

// claimTx leases up to limit due attempts of active subscriptions: an
// UPDATE … RETURNING per subscription moves their next_attempt_at past the
// lease. On PostgreSQL the candidates are locked with SKIP LOCKED and the
// outer condition is checked again, so two workers never take the same
// attempt.
func (db *DB) claimTx(ctx context.Context, t rawTx, subs []webhook.Subscription, now time.Time, c webhook.Claim) ([]webhook.Attempt, error) {
	q := claimQuery(db.dialect)
	leaseEnd := ms(now.Add(c.Lease))
	var claimed []webhook.Attempt
	// Each subscription gets what room allows (the dispatcher keeps a slow
	// subscriber's attempts few enough to be sent well within their
	// lease). Starting at a random subscription keeps a busy one from
	// crowding the others out of the step's limit.
	start := rand.IntN(len(subs) + 1)
	for i := range subs {
		sub := subs[(start+i)%len(subs)]
		if !sub.IsActive || len(claimed) >= c.Limit {
			continue
		}
		n := min(c.Limit-len(claimed), c.Room(sub))
		if n <= 0 {
			continue
		}
		args := []any{sub.ID, ms(now), n, leaseEnd, ms(now)}
		if db.dialect != SQLite {
			args = []any{sub.ID, ms(now), n, sub.ID, c.Owner, leaseEnd, sub.ID, ms(now), leaseEnd, ms(now)}
		}
		r, err := t.query(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store: claim attempts: %w", err)
		}
		for r.Next() {
			a, err := scanAttempt(r)
			if err != nil {
				r.Close()
				return nil, err
			}
			claimed = append(claimed, a)
		}
		r.Close()
		if err := r.Err(); err != nil {
			return nil, err
		}
	}
	return claimed, nil
}

// ReleaseLeases implements webhook.SubscriptionStore: on SQLite, which one
// process serves, every lease left is from a process that stopped without
// recording its sends, so they are due again now. On PostgreSQL another
// replica may hold them: they end when the lease does.
func (db *DB) ReleaseLeases(ctx context.Context, now time.Time) (int64, error) {
	if db.dialect != SQLite {
		return 0, nil
	}
	var n int64
	err := db.inRawTx(ctx, func(t rawTx) error {
		var err error
		n, err = t.exec(ctx, `UPDATE subscription_attempts SET next_attempt_at = ?, leased = FALSE WHERE leased AND status = 'pending'`, ms(now))
		return err
	})
	return n, err
}

// ReleaseOwner implements webhook.SubscriptionStore.
func (db *DB) ReleaseOwner(ctx context.Context, owner string) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		if _, err := t.exec(ctx, `DELETE FROM subscription_owners WHERE owner = ?`, owner); err != nil {
			return fmt.Errorf("store: release subscriptions: %w", err)
		}
		return nil
	})
}

// ownerLockSpace is the first key of the session advisory locks that mark
// dispatchers present (see MarkPresent), next to subscriptionLockSpace.
const ownerLockSpace = "1768453475"

// MarkPresent implements webhook.SubscriptionStore. On PostgreSQL the mark
// is a session advisory lock on the owner's name, held by a connection of
// its own (taken out of the pool, so that the pool's recycling cannot drop
// it): PostgreSQL releases it when that session ends, at Release or when
// the process dies, and the claims of other replicas test it (claimTx).
// SQLite has one process, nobody to mark anything for.
func (db *DB) MarkPresent(ctx context.Context, owner string) (webhook.Presence, error) {
	if db.dialect == SQLite {
		return alwaysPresent{}, nil
	}
	p := &pgPresence{db: db, owner: owner}
	if err := p.mark(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

type alwaysPresent struct{}

func (alwaysPresent) Check(context.Context) (time.Time, bool) { return time.Time{}, true }
func (alwaysPresent) Held() bool                              { return true }
func (alwaysPresent) Release()                                {}

type pgPresence struct {
	db    *DB
	owner string
	mu    sync.Mutex
	conn  *pgx.Conn // holding the lock; nil when the mark is lost
}

// presenceTimeout bounds each statement on the mark's connection: a
// connection that stops answering must not hold the dispatcher up.
const presenceTimeout = 5 * time.Second

func (p *pgPresence) mark(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	c, err := p.db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store: mark the dispatcher present: %w", err)
	}
	conn := c.Hijack()
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+ownerLockSpace+`, hashtext($1))`, p.owner).Scan(&ok); err != nil || !ok {
		closeConn(conn)
		if err != nil {
			return fmt.Errorf("store: mark the dispatcher present: %w", err)
		}
		return webhook.ErrOwnerNameTaken
	}
	p.conn = conn
	return nil
}

// closeConn ends a session of its own, and with it its advisory locks.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), presenceTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}

func (p *pgPresence) Check(ctx context.Context) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn == nil {
		return time.Time{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, presenceTimeout)
	defer cancel()
	var us int64 // clock_timestamp(), not now(): the time of the answer, not of a transaction's start
	if err := p.conn.QueryRow(ctx, `SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)`).Scan(&us); err == nil {
		return time.UnixMicro(us).UTC(), true
	}
	closeConn(p.conn)
	p.conn = nil
	return time.Time{}, false
}

func (p *pgPresence) Held() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conn != nil
}

func (p *pgPresence) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conn != nil {
		// Unlocked first: the session ends a moment after the connection
		// closes, and other replicas should not wait for that.
		ctx, cancel := context.WithTimeout(context.Background(), presenceTimeout)
		_, _ = p.conn.Exec(ctx, `SELECT pg_advisory_unlock(`+ownerLockSpace+`, hashtext($1))`, p.owner)
		cancel()
		closeConn(p.conn)
		p.conn = nil
	}
}

// loadWork reads the events and subscriptions of claimed attempts, one
// query each.
func (db *DB) loadWork(ctx context.Context, claimed []webhook.Attempt) ([]webhook.Work, error) {
	seqs := make([]int64, 0, len(claimed))
	subIDs := make([]string, 0, 4)
	for _, a := range claimed {
		seqs = append(seqs, a.EventSeq)
		if !slices.Contains(subIDs, a.SubscriptionID) {
			subIDs = append(subIDs, a.SubscriptionID)
		}
	}
	type sealedSub struct {
		sub    webhook.Subscription
		sealed []byte
	}
	subs := make(map[string]sealedSub, len(subIDs))
	r, err := db.query(ctx, `SELECT `+subCols+` FROM subscriptions WHERE deleted_at IS NULL AND id `+db.anyOf(), listArg(db, subIDs))
	if err != nil {
		return nil, fmt.Errorf("store: claimed subscriptions: %w", err)
	}
	for r.Next() {
		sub, sealed, err := scanSub(r)
		if err != nil {
			r.Close()
			return nil, err
		}
		subs[sub.ID] = sealedSub{sub, sealed}
	}
	r.Close()
	if err := r.Err(); err != nil {
		return nil, err
	}
	evs, err := db.eventsWhere(ctx, `e.id `+db.anyOf(), listArg(db, seqs))
	if err != nil {
		return nil, err
	}
	bySeq := make(map[int64]webhook.Event, len(evs))
	for _, ev := range evs {
		bySeq[ev.Seq] = ev
	}
	out := make([]webhook.Work, 0, len(claimed))
	for _, a := range claimed {
		sub, ok := subs[a.SubscriptionID]
		if !ok {
			continue // deleted meanwhile
		}
		ev, ok := bySeq[a.EventSeq]
		if !ok {
			continue // purged by retention
		}
		out = append(out, webhook.Work{Attempt: a, Event: ev, Subscription: sub.sub, Secret: sub.sealed})
	}
	return out, nil
}

// anyRow reports whether a query's result has a row, and closes it.
func anyRow(r rows, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	defer r.Close()
	found := r.Next()
	return found, r.Err()
}

// readStmt is the SQLite readers' prepared statement for q, prepared on
// first use and kept until Close. Only for fixed query texts: the dispatch
// loops are woken by every group commit (hundreds of times a second under
// ingest load) and make the same few reads each time; preparing them anew
// cost more than running them. (pgx keeps its own statement cache.)
func (db *DB) readStmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := db.rawRead.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := db.r.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := db.rawRead.LoadOrStore(q, st); loaded {
		_ = st.Close() // prepared twice concurrently: keep the first
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// queryCached is query with the statement kept prepared on the SQLite
// readers (see readStmt), as rawTx.queryCached is on the writer.
func (db *DB) queryCached(ctx context.Context, q string, args ...any) (rows, error) {
	if db.dialect != SQLite {
		return db.query(ctx, q, args...)
	}
	st, err := db.readStmt(ctx, q)
	if err != nil {
		return nil, err
	}
	r, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{r}, nil
}

// queryRowCached is queryRow with the statement kept prepared (see
// queryCached).
func (db *DB) queryRowCached(ctx context.Context, q string, args ...any) interface{ Scan(...any) error } {
	if db.dialect != SQLite {
		return db.queryRow(ctx, q, args...)
	}
	st, err := db.readStmt(ctx, q)
	if err != nil {
		return errRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// errRow is a row whose Scan reports the error that kept it from being read.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// statusTerm adds "AND status = <status>" to q. A status of the known
// ones is written in the statement as a literal and, unless it is the
// common one (known[0]), with "AND status <> <common>": that is the
// condition of the partial index of the rare statuses
// (webhook_deliveries_status, subscription_attempts_sub_status), and
// neither engine infers it from a bound parameter, nor SQLite from
// "status = 'failed'". Any other value is bound.
func statusTerm(q string, args []any, status string, known ...string) (string, []any) {
	switch {
	case !slices.Contains(known, status):
		return q + ` AND status = ?`, append(args, status)
	case status == known[0]:
		return q + ` AND status = '` + status + `'`, args
	}
	return q + ` AND status = '` + status + `' AND status <> '` + known[0] + `'`, args
}

// anyOf is "matches one of a list" for a column, with the list as one
// argument made by listArg: the statement text is the same whatever the
// list's length.
func (db *DB) anyOf() string {
	if db.dialect == Postgres {
		return "= ANY(?)"
	}
	return "IN (SELECT value FROM json_each(?))"
}

func listArg[T any](db *DB, v []T) any {
	if db.dialect == Postgres {
		return v
	}
	return jsonText(v)
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
	ss := make([]stmt, 0, len(rs))
	var ids, statuses, ats []int64 // delivered, on PostgreSQL
	var disables []webhook.SendResult
	for _, r := range rs {
		// The fence of a failed send (see SendResult.Lease).
		fence, fenceArgs := "", []any(nil)
		if !r.Lease.IsZero() {
			fence, fenceArgs = ` AND status = 'pending' AND next_attempt_at = ?`, []any{ms(r.Lease)}
		}
		switch {
		case r.Delivered && db.dialect == Postgres:
			ids, statuses, ats = append(ids, r.AttemptID), append(statuses, int64(r.Status)), append(ats, ms(r.At))
		case r.Delivered:
			ss = append(ss, stmt{`UPDATE subscription_attempts SET status = 'delivered', attempts = attempts + 1, last_status = ?,
 last_error = '', delivered_at = ?, leased = FALSE WHERE id = ? AND status <> 'delivered'`, []any{r.Status, ms(r.At), r.AttemptID}})
		case r.Disable != "":
			// Sent and answered: counted; it goes out again when the
			// subscription is enabled.
			ss = append(ss, stmt{`UPDATE subscription_attempts SET attempts = attempts + 1, last_status = ?, last_error = ?,
 next_attempt_at = ?, leased = FALSE WHERE id = ?` + fence, append([]any{r.Status, r.Error, ms(r.At), r.AttemptID}, fenceArgs...)})
			disables = append(disables, r)
		case r.CutShort:
			// Not the subscriber's failure: not counted, due again now.
			ss = append(ss, stmt{`UPDATE subscription_attempts SET last_error = ?, next_attempt_at = ?, leased = FALSE
 WHERE id = ?` + fence, append([]any{r.Error, ms(r.At), r.AttemptID}, fenceArgs...)})
		case r.GiveUp:
			ss = append(ss, stmt{`UPDATE subscription_attempts SET status = 'failed', attempts = attempts + 1, last_status = ?,
 last_error = ?, leased = FALSE WHERE id = ?` + fence, append([]any{r.Status, r.Error, r.AttemptID}, fenceArgs...)})
		default:
			ss = append(ss, stmt{`UPDATE subscription_attempts SET attempts = attempts + 1, last_status = ?, last_error = ?,
 next_attempt_at = ?, leased = FALSE WHERE id = ?` + fence, append([]any{r.Status, r.Error, ms(r.NextAttempt), r.AttemptID}, fenceArgs...)})
		}
	}
	if len(ids) > 0 {
		ss = append(ss, stmt{`UPDATE subscription_attempts SET status = 'delivered', attempts = attempts + 1, last_status = u.st,
 last_error = '', delivered_at = u.at, leased = FALSE FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS u(id, st, at)
 WHERE subscription_attempts.id = u.id AND subscription_attempts.status <> 'delivered'`, []any{ids, statuses, ats}})
	}
	return db.inRawTx(ctx, func(t rawTx) error {
		if err := t.execAll(ctx, ss); err != nil {
			return fmt.Errorf("store: record sends: %w", err)
		}
		// A 410 (or a chat target gone) disables the subscription; the activity log records it
		// once, from the answer that turned it off (several sends in
		// flight may all get one).
		for _, r := range disables {
			q, args := `UPDATE subscriptions SET is_active = FALSE, disabled_reason = ?, version = version + 1, updated_at = ?
 WHERE is_active AND id = (SELECT subscription_id FROM subscription_attempts WHERE id = ?)`, []any{r.Disable, ms(r.At), r.AttemptID}
			if r.SentVersion > 0 {
				// Only the settings the 410 answered (see SentVersion).
				q, args = q+` AND version = ?`, append(args, r.SentVersion)
			}
			n, err := t.exec(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("store: record sends: disable subscription: %w", err)
			}
			if n > 0 && r.Disabled != nil {
				if err := recordIf(ctx, t, *r.Disabled); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ListAttempts implements webhook.SubscriptionStore: newest first, so
// that f.BeforeID pages backwards (the subscription_attempts_sub index).
func (db *DB) ListAttempts(ctx context.Context, subscriptionID string, f webhook.AttemptFilter) ([]webhook.Attempt, error) {
	if f.Limit <= 0 || f.Limit > 1001 { // 1001: a page of 1000 and the row that says there is more
		f.Limit = 100
	}
	q, args := `SELECT `+attemptCols+` FROM subscription_attempts WHERE subscription_id = ?`, []any{subscriptionID}
	if f.Status != "" {
		q, args = statusTerm(q, args, f.Status, webhook.AttemptDelivered, webhook.AttemptPending, webhook.AttemptFailed)
	}
	if f.BeforeID > 0 {
		q, args = q+` AND id < ?`, append(args, f.BeforeID)
	}
	r, err := db.queryPlanned(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
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
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("store: list attempts: %w", err)
	}
	return out, db.nameAttemptEvents(ctx, out)
}

// nameAttemptEvents fills in the id and type of each attempt's event, by
// the events' primary key (one query for the page).
func (db *DB) nameAttemptEvents(ctx context.Context, as []webhook.Attempt) error {
	if len(as) == 0 {
		return nil
	}
	at := make(map[int64][]int, len(as))
	seqs := make([]int64, 0, len(as))
	for i, a := range as {
		if _, seen := at[a.EventSeq]; !seen {
			seqs = append(seqs, a.EventSeq)
		}
		at[a.EventSeq] = append(at[a.EventSeq], i)
	}
	r, err := db.query(ctx, `SELECT id, delivery_id, part, type FROM webhook_events WHERE id `+db.anyOf(), listArg(db, seqs))
	if err != nil {
		return fmt.Errorf("store: name attempts' events: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var seq, delivery int64
		var part int
		var typ string
		if err := r.Scan(&seq, &delivery, &part, &typ); err != nil {
			return fmt.Errorf("store: name attempts' events: %w", err)
		}
		for _, i := range at[seq] {
			as[i].EventID, as[i].EventType = webhook.EventID(delivery, part), typ
		}
	}
	return r.Err()
}

// HastenAttempts implements webhook.SubscriptionStore: the subscription's
// pending attempts that wait for a later retry are made due at now,
// SubscriptionPurgeBatch per transaction (a subscriber that failed for a
// day has a day's events waiting, and SQLite's one writer is ingest's
// too). An attempt being sent (leased) is left alone.
func (db *DB) HastenAttempts(ctx context.Context, subscriptionID string, now time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := db.inRawTx(ctx, func(t rawTx) error {
			var err error
			n, err = t.exec(ctx, `UPDATE subscription_attempts SET next_attempt_at = ? WHERE id IN (SELECT id FROM subscription_attempts
 WHERE subscription_id = ? AND status = 'pending' AND next_attempt_at > ? AND NOT leased ORDER BY next_attempt_at, id LIMIT ?)
 AND status = 'pending' AND NOT leased`, ms(now), subscriptionID, ms(now), SubscriptionPurgeBatch)
			return err
		})
		if err != nil {
			return total, fmt.Errorf("store: hasten attempts: %w", err)
		}
		total += n
		if n < SubscriptionPurgeBatch {
			return total, nil
		}
	}
}

// RetryAttempt implements webhook.SubscriptionStore. An attempt a
// dispatcher is sending (claimed, its lease running) is left alone: made
// due again, it would be sent a second time, after the subscriber may have
// acknowledged the first. Once the lease ends (its dispatcher stopped) it
// can be retried. e is recorded only when the attempt was made due.
func (db *DB) RetryAttempt(ctx context.Context, subscriptionID string, attemptID int64, now time.Time, e audit.Entry) error {
	return db.inRawTx(ctx, func(t rawTx) error {
		n, err := t.exec(ctx, `UPDATE subscription_attempts SET status = 'pending', next_attempt_at = ?, leased = FALSE
 WHERE id = ? AND subscription_id = ? AND status <> 'delivered' AND NOT (leased AND next_attempt_at > ?)`,
			ms(now), attemptID, subscriptionID, ms(now))
		if err != nil {
			return fmt.Errorf("store: retry attempt: %w", err)
		}
		if n > 0 {
			return recordIf(ctx, t, e)
		}
		var inFlight bool
		err = t.queryRow(ctx, `SELECT leased FROM subscription_attempts WHERE id = ? AND subscription_id = ? AND status = 'pending'`,
			[]any{attemptID, subscriptionID}, &inFlight)
		switch {
		case err == nil && inFlight:
			return apperr.E(apperr.Conflict, "the attempt is being sent now; its outcome is recorded within seconds")
		case err == nil || errors.Is(err, sql.ErrNoRows):
			return apperr.E(apperr.NotFound, "no such undelivered attempt on this subscription")
		default:
			return fmt.Errorf("store: retry attempt: %w", err)
		}
	})
}
