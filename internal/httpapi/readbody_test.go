package httpapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
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

// TestBlankBodyReader: the body a blank one becomes reads as nothing;
// others read with their leading whitespace (as spaces), in reads of any
// size, and with whitespace reaching the cap given whole for huma to
// refuse.
func TestBlankBodyReader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
		max            int64
	}{
		{name: "empty", in: "", want: ""},
		{name: "spaces", in: "   ", want: ""},
		{name: "every kind of whitespace", in: " \t\r\n", want: ""},
		{name: "object", in: `{"a":1}`, want: `{"a":1}`},
		{name: "object after whitespace", in: "\n\t " + `{"a":1} `, want: `   {"a":1} `},
		{name: "null after whitespace", in: "  null", want: "  null"},
		{name: "not JSON", in: " x", want: " x"},
		{name: "whitespace reaching the cap", in: "    ", max: 4, want: "    "},
		{name: "whitespace beyond the cap", in: "      ", max: 4, want: "      "},
		{name: "whitespace under the cap", in: "   ", max: 4, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for name, wrap := range map[string]func(io.Reader) io.Reader{
				"whole":     func(r io.Reader) io.Reader { return r },
				"one byte":  iotest.OneByteReader,
				"half":      iotest.HalfReader,
				"data+EOF":  iotest.DataErrReader,
				"with eofs": func(r io.Reader) io.Reader { return iotest.DataErrReader(iotest.OneByteReader(r)) },
			} {
				b := &blankBody{ReadCloser: io.NopCloser(wrap(strings.NewReader(tc.in))), max: tc.max}
				if err := iotest.TestReader(b, []byte(tc.want)); err != nil {
					t.Errorf("%s: blankBody(%q, max %d): %v", name, tc.in, tc.max, err)
				}
			}
		})
	}
}
