package normalize

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// strictJSON is the reference parseJSON must agree with: encoding/json with
// UseNumber, and nothing but whitespace after the value.
func strictJSON(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if len(bytes.TrimLeft(b[dec.InputOffset():], " \t\r\n")) != 0 {
		return nil, false
	}
	return v, true
}

func checkParseJSON(t *testing.T, in []byte) {
	t.Helper()
	want, wantOK := strictJSON(in)
	got, gotOK := parseJSON(in)
	if gotOK != wantOK {
		t.Fatalf("parseJSON(%q) ok = %v, encoding/json says %v", in, gotOK, wantOK)
	}
	if reflect.DeepEqual(want, got) {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("parseJSON(%q) mismatch (-encoding/json +parseJSON):\n%s", in, diff)
	}
}

var parseJSONCases = []string{
	`{}`, `[]`, ` { } `, `{"a":1}`, `{"a":1,"a":2}`, `{"a":[1,2,{"b":null}],"c":true,"d":false}`,
	`0`, `-0`, `-0.5e+10`, `1E-3`, `12.`, `01`, `-`, `.5`, `1e`, `1e+`, `+1`, `1.5E07`,
	`"x"`, `"\u00e9\n\t\"\\\/\b\f\r"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\ud83d\u0041"`, `"\ude00\ud83d"`,
	`"\ud83d\ud83d\ude00"`, `"\u12"`, `"\uzzzz"`, `"\x"`, "\"tab\there\"", "\"bad \xff byte\"", "\"\xe2\x82\"",
	"\"ok \xe2\x82\xac\"", `"unterminated`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1 "b":2}`,
	`{1:2}`, `nul`, `tru`, `falsey`, `null`, `true`, `{"a":1}{"b":2}`, `{"a":1} x`, `{"a":1} ]`, "{\"a\":1}\n",
	"\ufeff{}", `{"k\u0000":"v"}`, `[` + strings.Repeat(" ", 3) + `]`, `{"a" : 1 , "b" : [ ] }`, ``, ` `,
}

func TestParseJSON(t *testing.T) {
	for _, c := range parseJSONCases {
		checkParseJSON(t, []byte(c))
	}
	// Each kind of special byte at each place of the word-at-a-time scan,
	// and at the end of the body.
	for _, special := range []string{`\"`, `\n`, `\u00e9`, "\x01", "\x1f", "\x7f", "é", "\xff", "€", `"`} {
		for pos := range 18 {
			in := `"` + strings.Repeat("a", pos) + special + strings.Repeat("b", 17-pos) + `"`
			checkParseJSON(t, []byte(in))
			checkParseJSON(t, []byte(`{"k":`+in+`}`))
			checkParseJSON(t, []byte(`"`+strings.Repeat("a", pos)+special))
		}
	}
	// encoding/json's nesting limit: 10,000 levels parse, 10,001 do not.
	for _, n := range []int{10000, 10001} {
		checkParseJSON(t, []byte(strings.Repeat("[", n)+strings.Repeat("]", n)))
		checkParseJSON(t, []byte(strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n)))
	}
	if _, ok := parseJSON([]byte(strings.Repeat("[", 10001) + strings.Repeat("]", 10001))); ok {
		t.Error("parseJSON accepted 10,001 levels of nesting")
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, c := range parseJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(checkParseJSON)
}

func BenchmarkDecodeJSON(b *testing.B) {
	body := []byte(`{"type":"bench.event","id":"x","data":{"padding":"` + strings.Repeat("x", 1990) + `"}}`)
	b.Run("parseJSON", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := parseJSON(body); !ok {
				b.Fatal("not parsed")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, ok := strictJSON(body); !ok {
				b.Fatal("not parsed")
			}
		}
	})
}
