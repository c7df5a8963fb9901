package jobqueue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestCanceledIsNoError: River's error records about a cancelled context
// (a shutdown mid-step) go at debug level with their attributes; other
// errors stay errors.
func TestCanceledIsNoError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level slog.Level
		err   any
		want  string // "" for nothing logged
	}{
		{"cancelled, info level", slog.LevelInfo, fmt.Errorf("begin: %w", context.Canceled), ""},
		{"cancelled as text, info level", slog.LevelInfo, "begin: context canceled", ""},
		{"cancelled, debug level", slog.LevelDebug, context.Canceled, `level=DEBUG msg="maintenance: Error starting transaction" error="context canceled" queue=default`},
		{"another error", slog.LevelInfo, errors.New("disk full"), `level=ERROR msg="maintenance: Error starting transaction" error="disk full" queue=default`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(canceledIsNoError{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.level,
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				}})})
			log.Error("maintenance: Error starting transaction", "error", tc.err, "queue", "default")
			if got := strings.TrimSpace(buf.String()); got != tc.want {
				t.Errorf("logged %q, want %q", got, tc.want)
			}
		})
	}
}
