package webhook

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestClipText: an error text kept in the attempt log is at most 300
// bytes of valid UTF-8 without NUL, cut at a character boundary.
// PostgreSQL refuses anything else, and one refused text rolled back the
// whole batch of outcomes recorded with it, subscribers' 2xx included.
func TestClipText(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		strings.Repeat("a", 299) + "é" + strings.Repeat("b", 10), // é straddles byte 300
		strings.Repeat("€", 200),
		"bad \xff\xfe bytes",
		"nul \x00 inside",
		"short",
	} {
		got := clipText(in)
		if len(got) > 300 || !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Errorf("clipText(%q) = %q (%d bytes); want at most 300 bytes of UTF-8 without NUL", in, got, len(got))
		}
		if clean := strings.ToValidUTF8(strings.ReplaceAll(in, "\x00", ""), "\uFFFD"); !strings.HasPrefix(clean, got) || len(clean)-len(got) > 300 && len(got) < 297 {
			t.Errorf("clipText(%q) = %q; want the text's beginning", in, got)
		}
	}
}
