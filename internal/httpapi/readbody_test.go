package httpapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		length  int64
		limit   int64
		want    string
		wantErr bool
	}{
		{name: "as announced", body: "0123456789", length: 10, limit: 100, want: "0123456789"},
		{name: "shorter than announced", body: "0123", length: 10, limit: 100, want: "0123"},
		{name: "longer than announced", body: "0123456789abc", length: 5, limit: 100, want: "0123456789abc"},
		{name: "unknown length", body: strings.Repeat("y", 5000), length: -1, limit: 10000, want: strings.Repeat("y", 5000)},
		{name: "empty", body: "", length: 0, limit: 100, want: ""},
		{name: "announced larger than the pre-sized buffer", body: strings.Repeat("b", preSizeMax+10), length: preSizeMax + 10,
			limit: 1 << 20, want: strings.Repeat("b", preSizeMax+10)},
		{name: "announced the cap, sent little", body: "tiny", length: 1 << 20, limit: 1 << 20, want: "tiny"},
		{name: "over the cap, unknown length", body: strings.Repeat("z", 101), length: -1, limit: 100, wantErr: true},
		{name: "over the cap, understated length", body: strings.Repeat("z", 101), length: 3, limit: 100, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := http.MaxBytesReader(httptest.NewRecorder(), io.NopCloser(strings.NewReader(tc.body)), tc.limit)
			got, err := readBody(r, tc.length)
			if tc.wantErr {
				var mbe *http.MaxBytesError
				if !errors.As(err, &mbe) {
					t.Fatalf("readBody = %d bytes, %v; want a MaxBytesError", len(got), err)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("readBody = %q, %v; want %q", got, err, tc.want)
			}
			// The client's announcement alone never sizes a buffer beyond
			// preSizeMax.
			if len(tc.body) < preSizeMax && cap(got) > preSizeMax {
				t.Errorf("readBody kept a %d-byte buffer for %d bytes", cap(got), len(tc.body))
			}
		})
	}
}
