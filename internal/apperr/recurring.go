package apperr

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Recurring reports the failures of a background loop that runs every few
// hundred milliseconds, so that an outage (the database gone for an hour)
// does not write a warning per step: the first failure of a run is logged
// at once, then at most one line per Every with how many failed since, and
// one line when the loop works again. Delay slows the loop while it fails.
// Safe for concurrent use; the zero Every means a minute.
type Recurring struct {
	Log   *slog.Logger
	Msg   string
	Every time.Duration
	// now is the clock (tests).
	now func() time.Time

	mu          sync.Mutex
	failing     bool
	since, last time.Time // the run's first failure, its last logged line
	failures    int       // in the run
	unlogged    int       // since the last line
}

// Step records a step's outcome: err nil ends a run of failures; an error
// while ctx is still live is a failure; one caused by ctx ending (the loop
// stopping) is neither.
func (r *Recurring) Step(ctx context.Context, err error) {
	switch {
	case err == nil:
		r.OK()
	case ctx.Err() == nil:
		r.Fail(err)
	}
}

// Fail records a failure.
func (r *Recurring) Fail(err error) {
	now := r.clock()
	r.mu.Lock()
	first := !r.failing
	if first {
		r.failing, r.since, r.failures = true, now, 0
	}
	r.failures++
	every := r.Every
	if every <= 0 {
		every = time.Minute
	}
	if !first && now.Sub(r.last) < every {
		r.unlogged++
		r.mu.Unlock()
		return
	}
	r.last = now
	unlogged := r.unlogged
	r.unlogged = 0
	since := r.since
	r.mu.Unlock()
	if first {
		r.Log.Warn(r.Msg, "err", err)
		return
	}
	r.Log.Warn(r.Msg, "err", err, "failing_for", now.Sub(since).Round(time.Second).String(),
		"failures_since_last_line", unlogged+1)
}

// OK records a step that worked, ending a run of failures.
func (r *Recurring) OK() {
	r.mu.Lock()
	if !r.failing {
		r.mu.Unlock()
		return
	}
	failures, since := r.failures, r.since
	r.failing, r.unlogged = false, 0
	r.mu.Unlock()
	r.Log.Info(r.Msg+": working again", "failures", failures, "failed_for", r.clock().Sub(since).Round(time.Millisecond).String())
}

// Delay is how long the loop waits before its next step: base while it
// works, doubling with each failure in a row up to 5 s (or base, if more).
func (r *Recurring) Delay(base time.Duration) time.Duration {
	r.mu.Lock()
	n := r.failures
	failing := r.failing
	r.mu.Unlock()
	if !failing {
		return base
	}
	d := base
	for range min(n, 10) {
		d *= 2
	}
	return max(base, min(d, 5*time.Second))
}

func (r *Recurring) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}
