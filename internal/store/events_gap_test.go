package store_test

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"ihub/internal/audit"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
	"ihub/internal/webhook"
)

// gapStore opens a PostgreSQL store of its own, or skips: the gap the
// tests of this file need exists only on PostgreSQL.
func gapStore(t *testing.T) (store.Options, *store.DB) {
	t.Helper()
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skipf("%s is not set: the gap exists only on PostgreSQL", storetest.EnvDatabaseURL)
	}
	opts := storetest.PostgresOptions(t)
	return opts, storetest.Open(t, storetest.Engine{Name: "postgres", Options: func(testing.TB) store.Options { return opts }})
}

// TestEventsCommittedLate: on PostgreSQL an event id can become visible
// after a higher one (concurrent group commits). Neither the pull API nor
// fan-out may move past the missing id while its transaction may still
// commit, or that event would never be read.
func TestEventsCommittedLate(t *testing.T) {
	t.Parallel()
	opts, db := gapStore(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, opts.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	insert := func(q queryRower, delivery int64, created time.Time) int64 {
		t.Helper()
		var id int64
		if err := q.QueryRow(ctx, `INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at,
 created_at, data) VALUES ($1, 'int_1', 'github', 'code.push', '', $2, $2, '{}') RETURNING id`, delivery, created.UnixMilli()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	now := time.Now()
	sub := webhook.Subscription{ID: "sub_1", Name: "s", Target: webhook.TargetHTTP, URL: "https://example.com/", MaxConcurrency: 1,
		IsActive: true, CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour)}
	if err := db.CreateSubscription(ctx, sub, []byte("sealed"), "k1", audit.Entry{}); err != nil {
		t.Fatal(err)
	}
	all := func(webhook.Event, []webhook.Subscription) []string { return []string{"sub_1"} }
	seqs := func() []int64 {
		t.Helper()
		evs, err := db.ListEvents(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, ev := range evs {
			out = append(out, ev.Seq)
		}
		return out
	}
	queued := func() []int64 {
		t.Helper()
		as, err := db.ListAttempts(ctx, "sub_1", webhook.AttemptFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, a := range as {
			out = append(out, a.EventSeq)
		}
		slices.Sort(out)
		return out
	}

	first := insert(conn, 1, now)
	// A transaction takes the next id and has not committed yet.
	late, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lateID := insert(late, 2, now)
	third := insert(conn2(t, opts.DatabaseURL), 3, now)
	if lateID <= first || third <= lateID {
		t.Fatalf("ids %d, %d, %d are not ascending", first, lateID, third)
	}
	if got := seqs(); !slices.Equal(got, []int64{first}) {
		t.Errorf("events while %d is uncommitted = %v, want only %d", lateID, got, first)
	}
	if _, err := db.FanOut(ctx, 100, time.Now(), all); err != nil {
		t.Fatal(err)
	}
	if got := queued(); !slices.Equal(got, []int64{first}) {
		t.Errorf("fanned out while %d is uncommitted: %v, want only %d", lateID, got, first)
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := seqs(); !slices.Equal(got, []int64{first, lateID, third}) {
		t.Errorf("events after the commit = %v", got)
	}
	if _, err := db.FanOut(ctx, 100, time.Now(), all); err != nil {
		t.Fatal(err)
	}
	if got := queued(); !slices.Equal(got, []int64{first, lateID, third}) {
		t.Errorf("fanned out after the commit: %v, want all three", got)
	}

	// A transaction that holds an id for long (a stalled commit, or a
	// replica whose clock is behind, so that the event after it looks
	// old): the events after it wait, however old they look. A timeout
	// once let readers pass such an id, and the event was never read.
	stalled, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	held := insert(stalled, 4, now)
	old := insert(conn2(t, opts.DatabaseURL), 5, now.Add(-time.Hour))
	if got := seqs(); slices.Contains(got, old) {
		t.Errorf("events while %d is uncommitted = %v, want none after it, however old", held, got)
	}
	if _, err := db.FanOut(ctx, 100, time.Now(), all); err != nil {
		t.Fatal(err)
	}
	if got := queued(); slices.Contains(got, old) {
		t.Errorf("fanned out while %d is uncommitted: %v, want none after it", held, got)
	}
	if err := stalled.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := seqs(); !slices.Contains(got, held) || !slices.Contains(got, old) {
		t.Errorf("events after the stalled commit = %v, want %d and %d", got, held, old)
	}

	// A rolled-back transaction leaves a hole for good: passed as soon as
	// it has ended, whatever the times.
	rb, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hole := insert(rb, 6, now)
	_ = rb.Rollback(ctx)
	fresh := insert(conn, 7, now)
	if got := seqs(); !slices.Contains(got, fresh) || slices.Contains(got, hole) {
		t.Errorf("events after a rolled-back id = %v, want %d included", got, fresh)
	}
	if _, err := db.FanOut(ctx, 100, time.Now(), all); err != nil {
		t.Fatal(err)
	}
	if got := queued(); !slices.Contains(got, fresh) || !slices.Contains(got, old) {
		t.Errorf("fanned out after the rolled-back id: %v, want %d and %d", got, old, fresh)
	}
}

type queryRower interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}

func conn2(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// TestScanEventsCommittedLate: the filtered read moves its cursor past
// the events its filter skips, but never past an id whose transaction may
// still commit, even when what it would skip to does not match: the late
// event may be one that does. The gap here falls in the second statement
// of a read (its first examines 100 events), and in the first of the next.
func TestScanEventsCommittedLate(t *testing.T) {
	t.Parallel()
	opts, db := gapStore(t)
	ctx := context.Background()
	conn, other := conn2(t, opts.DatabaseURL), conn2(t, opts.DatabaseURL)
	delivery := int64(0)
	insert := func(q queryRower, typ string) int64 {
		t.Helper()
		delivery++
		var id int64
		if err := q.QueryRow(ctx, `INSERT INTO webhook_events (delivery_id, integration_id, provider, type, subject, occurred_at,
 created_at, data) VALUES ($1, 'int_1', 'github', $2, '', 0, 0, '{}') RETURNING id`, delivery, typ).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	code := webhook.EventFilter{Types: []string{"code.*"}}
	type page struct {
		Seqs []int64
		Next int64
		More bool
	}
	scan := func(after int64) page {
		t.Helper()
		p, err := db.ScanEvents(ctx, after, 100, 10000, code.Matches)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, ev := range p.Events {
			seqs = append(seqs, ev.Seq)
		}
		return page{seqs, p.Next, p.More}
	}

	var skipped int64
	for range 150 {
		skipped = insert(conn, "chat.message")
	}
	late, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lateID := insert(late, "code.push") // taken, not committed yet
	chat := insert(other, "chat.message")
	push := insert(other, "code.push")
	if lateID != skipped+1 || chat != lateID+1 || push != chat+1 {
		t.Fatalf("ids %d, %d, %d, %d are not consecutive", skipped, lateID, chat, push)
	}
	for _, c := range []struct {
		name  string
		after int64
		want  page
	}{
		{"from the start", 0, page{Next: skipped}},
		{"from the last event before the gap", skipped, page{Next: skipped}},
	} {
		if diff := cmp.Diff(c.want, scan(c.after)); diff != "" {
			t.Errorf("%s, while %d is uncommitted (-want +got):\n%s", c.name, lateID, diff)
		}
	}
	if err := late.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(page{Seqs: []int64{lateID, push}, Next: push}, scan(skipped)); diff != "" {
		t.Errorf("after the commit (-want +got):\n%s", diff)
	}

	// A rolled-back id is a hole for good: passed once its transaction has
	// ended, with the events the filter skips after it.
	rb, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hole := insert(rb, "code.push")
	if err := rb.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	last := insert(other, "chat.message")
	if diff := cmp.Diff(page{Next: last}, scan(push)); diff != "" {
		t.Errorf("after the rolled-back %d (-want +got):\n%s", hole, diff)
	}
}
