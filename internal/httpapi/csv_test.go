package httpapi_test

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"ihub/internal/app/apptest"
	"ihub/internal/audit"
	"ihub/internal/store/storetest"
)

// TestActivityCSVStreamsAcrossPages exports more entries than one query
// reads (1,000) and checks every row arrives once, newest first.
func TestActivityCSVStreamsAcrossPages(t *testing.T) {
	t.Parallel()
	env := apptest.New(t, storetest.Engines(t)[0], apptest.Options{})
	ctx := context.Background()
	base := time.Now().Add(-time.Hour)
	for i := range 2500 {
		if err := env.App.DB.RecordActivity(ctx, audit.Entry{At: base.Add(time.Duration(i) * time.Millisecond), Actor: audit.System,
			Action: "test.bulk", Success: true, Details: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	r := call(t, env, "GET", "/api/v1/activity.csv?action=test.bulk&limit=2100", env.AdminToken, nil)
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export = %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2101 {
		t.Fatalf("export has %d rows, want a header and 2100 entries", len(rows))
	}
	prev, prevAt := int64(1<<62), "9"
	for _, row := range rows[1:] {
		id, err := strconv.ParseInt(row[0], 10, 64)
		if err != nil || id >= prev {
			t.Fatalf("row ids not strictly decreasing: %v after %d", row[0], prev)
		}
		prev = id
		// Times written to the millisecond, whole seconds too, so that
		// they sort as text in the order of the rows.
		if at, err := time.Parse(time.RFC3339, row[1]); err != nil || len(row[1]) != len("2006-01-02T15:04:05.000Z") ||
			at.Format("2006-01-02T15:04:05.000Z") != row[1] || row[1] >= prevAt {
			t.Fatalf("row %d: at %q after %q; want a UTC time with milliseconds, decreasing", id, row[1], prevAt)
		}
		prevAt = row[1]
	}
}
