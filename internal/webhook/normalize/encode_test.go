package normalize

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestEncodeDataMatchesEncodingJSON: EncodeData writes what encoding/json
// writes, for every value type normalizers store and for strings that
// need escaping.
func TestEncodeDataMatchesEncodingJSON(t *testing.T) {
	for _, d := range []map[string]any{
		nil,
		{},
		{"a": "plain", "b": int64(-42), "c": true, "d": false, "e": 7},
		{"to": []string{"x@example.com", "<y>"}, "ids": []string{}, "none": []string(nil), "n": nil},
		{"html": "<script>&amp;</script>", "ctl": "\x00\x01\b\f\n\r\t\x1f\x7f", "quote": `"\`},
		{"utf8": "héllo, 世界, \u2028\u2029 🙂", "bad": "a\xffb\xc3", "ke\"y<": "v"},
		{"float": 1.5, "nested": map[string]any{"z": 1, "a": "<"}},
	} {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := EncodeData(d)
		if err != nil {
			t.Fatalf("EncodeData(%v): %v", d, err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("EncodeData(%#v) differs from encoding/json (-want +got):\n%s", d, diff)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "<>&", "\u2028\u2029", "a\xffb", "\x00\x1f\"\\", "🙂\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("AppendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	})
}
