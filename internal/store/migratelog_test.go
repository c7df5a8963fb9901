package store_test

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/app/apptest"
	"ihub/internal/store"
	"ihub/internal/store/storetest"
)

// logLines parses the JSON log lines written so far.
func logLines(t *testing.T, logs *apptest.SyncBuffer) []map[string]any {
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestMigrationsAnnounced: start-up says it is migrating before the first
// pending migration runs (a large database can take a while, and webhooks
// wait meanwhile), then logs each one applied; a new database and an
// up-to-date one say nothing of it.
func TestMigrationsAnnounced(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, e storetest.Engine) {
		opts := e.Options(t)
		if err := store.MigrateUpTo(t.Context(), opts, 17); err != nil {
			t.Fatalf("migrate to 17: %v", err)
		}
		open := func() []map[string]any {
			var logs apptest.SyncBuffer
			o := opts
			o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			db, err := store.Open(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			return logLines(t, &logs)
		}
		type step struct {
			Msg     string
			From    float64
			Version float64
		}
		var got []step
		var to float64
		for _, l := range open() {
			msg, _ := l["msg"].(string)
			if !strings.Contains(msg, "migration") {
				continue
			}
			s := step{Msg: msg}
			s.From, _ = l["from"].(float64)
			s.Version, _ = l["version"].(float64)
			if v, ok := l["to"].(float64); ok {
				to = v
			}
			got = append(got, s)
		}
		if to < 19 {
			t.Fatalf("announced target version %v; want at least 19 (log: %+v)", to, got)
		}
		want := []step{{Msg: "applying schema migrations; on a large database this can take a while", From: 17}}
		for v := 18.0; v <= to; v++ {
			want = append(want, step{Msg: "applied migration", Version: v})
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("migration log from version 17 (-want +got):\n%s", diff)
		}
		for _, l := range open() {
			if msg, _ := l["msg"].(string); strings.Contains(msg, "migration") {
				t.Errorf("an up-to-date database logged %q", msg)
			}
		}
	})
}
