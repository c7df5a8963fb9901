package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestExportEnded: a streamed export the client stopped reading is no
// error (it set off the 5xx-and-errors alert); one the store cut short is.
func TestExportEnded(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), keyRequest, &reqInfo{id: "r1", log: log}))
	exportEnded(ctx, "webhook log", errors.New("store: connection reset"))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("a store failure: %q; want an error", buf.String())
	}
	buf.Reset()
	cancel()
	exportEnded(ctx, "webhook log", context.Canceled)
	if !strings.Contains(buf.String(), "level=DEBUG") {
		t.Errorf("a client that went away: %q; want a debug line", buf.String())
	}
}
