package jsonenc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// marshal is encoding/json's encoding of v, with or without HTML escaping.
func marshal(t testing.TB, v any, escapeHTML bool) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func TestAppendStringsMatchesEncodingJSON(t *testing.T) {
	for _, ss := range [][]string{nil, {}, {"a", "<b>&", "\x00\n\"\\\u2028", "bad\xff", "🙂"}} {
		for _, html := range []bool{true, false} {
			if got, want := string(AppendStrings(nil, ss, html)), marshal(t, ss, html); got != want {
				t.Errorf("AppendStrings(%q, html=%v) = %s, encoding/json gives %s", ss, html, got, want)
			}
		}
	}
}

// TestAppendStringEveryPlace puts each kind of byte that needs care at each
// place of the word-at-a-time scan.
func TestAppendStringEveryPlace(t *testing.T) {
	for _, special := range []string{`"`, `\\`, "\x00", "\x1f", "\x7f", "<", ">", "&", "é", "\xff", "\u2028", "🙂"} {
		for pos := range 18 {
			s := strings.Repeat("a", pos) + special + strings.Repeat("b", 17-pos)
			for _, in := range []string{s, s[:pos+len(special)]} {
				for _, html := range []bool{true, false} {
					if got, want := string(AppendString(nil, in, html)), marshal(t, in, html); got != want {
						t.Errorf("AppendString(%q, html=%v) = %s, encoding/json gives %s", in, html, got, want)
					}
				}
			}
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "<>&", "\u2028\u2029", "a\xffb", "\x00\x1f\"\\", "🙂\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, html := range []bool{true, false} {
			if got, want := string(AppendString(nil, s, html)), marshal(t, s, html); got != want {
				t.Fatalf("AppendString(%q, html=%v) = %s, encoding/json gives %s", s, html, got, want)
			}
		}
	})
}
