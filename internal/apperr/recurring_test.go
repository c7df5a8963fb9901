package apperr

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestRecurring: a run of failures is logged at its start, then once per
// Every with the count since, and its end once; Delay backs off while it
// fails, up to 5 s.
func TestRecurring(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 12, 6, 6, 0, 0, 0, time.UTC)
	r := &Recurring{Log: slog.New(slog.NewTextHandler(&buf, nil)), Msg: "dispatching events failed", now: func() time.Time { return now }}
	down := errors.New("connection refused")
	if d := r.Delay(200 * time.Millisecond); d != 200*time.Millisecond {
		t.Errorf("Delay while working = %v, want the base", d)
	}
	r.OK()          // nothing to report
	for range 300 { // a minute of failures every 200 ms
		r.Fail(down)
		now = now.Add(200 * time.Millisecond)
	}
	r.Fail(down) // a minute after the first line
	if d := r.Delay(200 * time.Millisecond); d != 5*time.Second {
		t.Errorf("Delay after 301 failures = %v, want 5s", d)
	}
	r.OK()
	r.OK()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3 (first failure, a minute later, recovery):\n%s", len(lines), buf.String())
	}
	for i, want := range []string{"level=WARN msg=\"dispatching events failed\" err=\"connection refused\"",
		"failing_for=1m0s failures_since_last_line=300", "level=INFO msg=\"dispatching events failed: working again\" failures=301"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d = %s, want it to contain %s", i, lines[i], want)
		}
	}
	if d := r.Delay(200 * time.Millisecond); d != 200*time.Millisecond {
		t.Errorf("Delay after recovery = %v, want the base", d)
	}
	r.Fail(down) // a new run is logged at once
	if n := strings.Count(buf.String(), "\n"); n != 4 {
		t.Errorf("after a new failure: %d lines, want 4", n)
	}
	if d := r.Delay(200 * time.Millisecond); d != 400*time.Millisecond {
		t.Errorf("Delay after one failure = %v, want 400ms", d)
	}

	// Step: an error from a loop being stopped is no failure; nil ends the run.
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	r.Step(stopped, context.Canceled)
	if d := r.Delay(200 * time.Millisecond); d != 400*time.Millisecond {
		t.Errorf("Delay after a step cut short by the loop stopping = %v, want it unchanged (400ms)", d)
	}
	r.Step(context.Background(), nil)
	if n := strings.Count(buf.String(), "\n"); n != 5 || !strings.Contains(buf.String(), "working again\" failures=1") {
		t.Errorf("after Step(nil): %d lines, want 5 ending the run of one failure:\n%s", n, buf.String())
	}
}
