package webhook

import (
	"context"
	"errors"
	"testing"
)

func TestRetried(t *testing.T) {
	t.Parallel()
	away := errors.New("the database is away")
	tests := []struct {
		name      string
		failures  int
		cancelled bool
		calls     int
		err       error
	}{
		{"first time", 0, false, 1, nil},
		{"after two failures", 2, false, 3, nil},
		{"three failures", 5, false, 3, away},
		{"the context ended", 5, true, 1, away},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			if tc.cancelled {
				cancel()
			} else {
				defer cancel()
			}
			calls := 0
			v, err := retried(ctx, func(context.Context) (int, error) {
				calls++
				if calls <= tc.failures {
					return 0, away
				}
				return 7, nil
			})
			if calls != tc.calls || !errors.Is(err, tc.err) || (err == nil && v != 7) {
				t.Errorf("retried: %d calls, (%d, %v); want %d calls, error %v", calls, v, err, tc.calls, tc.err)
			}
		})
	}
}
