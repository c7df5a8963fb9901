package app_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"ihub/internal/app"
)

// TestJSONLogDurations: the JSON log format writes durations as text, as
// the text format does, not as nanoseconds.
func TestJSONLogDurations(t *testing.T) {
	var buf bytes.Buffer
	app.NewLogger(&buf, "json", "info").Info("request", "duration", 8470*time.Microsecond, "retention", 90*24*time.Hour, "n", 3)
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatalf("%s: %v", buf.Bytes(), err)
	}
	if line["duration"] != "8.47ms" || line["retention"] != "2160h0m0s" || line["n"] != float64(3) {
		t.Errorf("logged %s, want durations as text and numbers as numbers", buf.Bytes())
	}
}
