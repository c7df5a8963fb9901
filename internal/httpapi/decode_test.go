package httpapi

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeJSONNumbers(t *testing.T) {
	type inner struct {
		N   int64   `json:"n"`
		U8  uint8   `json:"u8"`
		I32 int32   `json:"i32"`
		F   float64 `json:"f"`
		F32 float32 `json:"f32"`
		S   string  `json:"s"`
	}
	type body struct {
		In   inner          `json:"in"`
		List []int          `json:"list"`
		Map  map[string]any `json:"map"`
	}
	for _, tc := range []struct {
		name, in string
		want     body
		err      string // the error's text; "" for none
	}{
		{name: "plain integers", in: `{"in":{"n":4,"u8":2},"list":[1,2]}`, want: body{In: inner{N: 4, U8: 2}, List: []int{1, 2}}},
		{name: "decimal whole number", in: `{"in":{"n":4.0}}`, want: body{In: inner{N: 4}}},
		{name: "exponent", in: `{"in":{"n":1e2,"i32":-3E+0}}`, want: body{In: inner{N: 100, I32: -3}}},
		{name: "in a list", in: `{"list":[1,2.0,3e0]}`, want: body{List: []int{1, 2, 3}}},
		{name: "the largest exact float", in: `{"in":{"n":9.007199254740991e15}}`, want: body{In: inner{N: 9007199254740991}}},
		{name: "floats stay floats", in: `{"in":{"n":1.0,"f":2.5},"map":{"x":1.5}}`, want: body{In: inner{N: 1, F: 2.5}, Map: map[string]any{"x": 1.5}}},
		{name: "a fraction in an integer", in: `{"in":{"n":4.5}}`, err: "body.in.n: must be an integer from -9223372036854775808 to 9223372036854775807"},
		{name: "beyond float64", in: `{"in":{"f":1e400}}`, err: "body.in.f: is out of range"},
		{name: "beyond float64 in a map", in: `{"map":{"a":1,"b":[2,-1e999]}}`, err: "body.map.b[1]: is out of range"},
		{name: "beyond int64", in: `{"in":{"n":1e19}}`, err: "body.in.n: must be an integer from -9223372036854775808 to 9223372036854775807"},
		{name: "beyond int32", in: `{"in":{"i32":3e9}}`, err: "body.in.i32: must be an integer from -2147483648 to 2147483647"},
		{name: "beyond uint8", in: `{"in":{"u8":256.0}}`, err: "body.in.u8: must be a whole number from 0 to 255"},
		{name: "negative into unsigned", in: `{"in":{"u8":-1}}`, err: "body.in.u8: must be a whole number from 0 to 255"},
		{name: "beyond float32", in: `{"in":{"f32":1e39}}`, err: "body.in.f32: is out of range"},
		{name: "a number where a string goes", in: `{"in":{"s":1.0}}`, err: "json: cannot unmarshal number into Go struct field inner.in.s of type string"},
		{name: "malformed stays the decoder's", in: `{"in":{"n":}}`, err: "invalid character '}' looking for beginning of value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got body
			err := decodeJSON([]byte(tc.in), &got)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("decodeJSON(%s) = %v, want %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeJSON(%s): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decodeJSON(%s) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
	// The validation pass decodes into any: a number beyond float64 is
	// named there too.
	var tree any
	if err := decodeJSON([]byte(`{"a":{"b":1e400}}`), &tree); err == nil || err.Error() != "body.a.b: is out of range" {
		t.Errorf("decodeJSON into any = %v, want body.a.b: is out of range", err)
	}
}

func TestFieldOfDecodeError(t *testing.T) {
	for _, tc := range []struct {
		text, loc, msg string
		ok             bool
	}{
		{"body.in.n: is out of range", "body.in.n", "is out of range", true},
		{"body.labels.a key: b: is out of range", "body.labels.a key: b", "is out of range", true},
		{"json: cannot unmarshal number", "", "", false},
		{"invalid character 'x'", "", "", false},
		{"body.x: one\ntwo", "", "", false},
		{"body: must be UTF-8 text", "body", "must be UTF-8 text", true},
		{"body[2].a: is given more than once", "body[2].a", "is given more than once", true},
		{"bodyguard: x", "", "", false},
	} {
		loc, msg, ok := fieldOfDecodeError(tc.text)
		if loc != tc.loc || msg != tc.msg || ok != tc.ok {
			t.Errorf("fieldOfDecodeError(%q) = %q, %q, %v; want %q, %q, %v", tc.text, loc, msg, ok, tc.loc, tc.msg, tc.ok)
		}
	}
}

func TestScrubMessageNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"expected number <= 9.007199254740991e+15": "expected number <= 9007199254740991",
		"expected number >= -1e+06":                "expected number >= -1e+06",
		"expected number >= -1.5e+06":              "expected number >= -1500000",
		"expected number <= 1.5e+300":              "expected number <= 1.5e+300",
		"expected number <= 2.5":                   "expected number <= 2.5",
	} {
		if got := scrubMessage(in); got != want {
			t.Errorf("scrubMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckJSONText: a string or key that is not UTF-8 text, holds a NUL,
// or a key given twice in one object, is named; everything else, and
// malformed JSON (the decoder's to report), passes.
func TestCheckJSONText(t *testing.T) {
	many := `{`
	for i := range 40 {
		many += `"k` + strconv.Itoa(i) + `":1,`
	}
	for _, tc := range []struct {
		name, in string
		err      string // "" for none
	}{
		{"plain", `{"a":"b","c":[1,"d",{"e":null}]}`, ""},
		{"surrogate pair", `{"a":"\ud83d\ude00"}`, ""},
		{"upper-case pair", `{"a":"\uD83D\uDE00x"}`, ""},
		{"escaped backslash", `{"a":"\\ud800"}`, ""},
		{"replacement character", `{"a":"\ufffd"}`, ""},
		{"keys differing in case", `{"a":1,"A":2}`, ""},
		{"same key in two objects", `{"a":{"x":1},"b":{"x":2}}`, ""},
		{"malformed", `{"a":"\ud800`, ""},
		{"malformed escape", `{"a":"\u12"}`, ""},
		{"invalid byte", "{\"a\":\"x\xffy\"}", "body.a: must be UTF-8 text"},
		{"lone high", `{"a":"\ud800"}`, "body.a: must be UTF-8 text"},
		{"high then text", `{"a":"\ud800x"}`, "body.a: must be UTF-8 text"},
		{"high then escape", `{"a":"\ud800\n"}`, "body.a: must be UTF-8 text"},
		{"high then high", `{"a":"\ud800\ud800\udc00"}`, "body.a: must be UTF-8 text"},
		{"lone low", `{"a":"x\udc00"}`, "body.a: must be UTF-8 text"},
		{"in a list", `{"a":["ok","\udbff"]}`, "body.a[1]: must be UTF-8 text"},
		{"top-level list", `["ok",{"b":"\ud800"}]`, "body[1].b: must be UTF-8 text"},
		{"in a key", `{"a":{"\ud800":1}}`, "body.a: must be UTF-8 text"},
		{"in a top-level key", `{"\ud800":1}`, "body: must be UTF-8 text"},
		{"NUL", `{"a":{"b":"x\u0000"}}`, `body.a.b: must not contain NUL characters (\u0000)`},
		{"repeated key", `{"a":1,"a":2}`, "body.a: is given more than once"},
		{"repeated key, escaped", `{"ab":1,"\u0061b":2}`, "body.ab: is given more than once"},
		{"repeated key, deep", `{"a":[{"b":{"c":1,"d":2,"c":3}}]}`, "body.a[0].b.c: is given more than once"},
		{"repeated key among many", many + `"k7":2}`, "body.k7: is given more than once"},
		{"many keys", many + `"z":2}`, ""},
		{"too deep for the decoder", strings.Repeat(`[`, 20000) + `{"a":1,"a":2}` + strings.Repeat(`]`, 20000), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkJSONText([]byte(tc.in))
			if got := fmt.Sprint(err); (tc.err == "" && err != nil) || (tc.err != "" && got != tc.err) {
				t.Errorf("checkJSONText(%s) = %v, want %q", tc.in, err, tc.err)
			}
		})
	}
}

// TestNullsIn: null is refused where the field is not a list or free-form,
// at any depth, and only there.
func TestNullsIn(t *testing.T) {
	type inner struct {
		S    string   `json:"s"`
		List []string `json:"list"`
	}
	type Embedded struct {
		E *int `json:"e,omitempty"`
	}
	type body struct {
		Embedded
		Name   *string           `json:"name,omitempty"`
		In     *inner            `json:"in,omitempty"`
		Ins    []inner           `json:"ins,omitempty"`
		Labels map[string]string `json:"labels,omitempty"`
		Free   map[string]any    `json:"free,omitempty"`
		Any    any               `json:"any,omitempty"`
		Plain  int
	}
	for _, tc := range []struct{ in, err string }{
		{`{"name":"x","free":{"a":null},"any":null,"ins":null,"in":{"list":null}}`, ""},
		{`{"unknown":null,"NAME":null}`, ""}, // huma's to refuse
		{`{"ins":[{"list":[null]}]}`, "body.ins[0].list[0]: must not be null"},
		{`{"name":null}`, "body.name: must not be null"},
		{`{"in":null}`, "body.in: must not be null"},
		{`{"in":{"s":null}}`, "body.in.s: must not be null"},
		{`{"ins":[null]}`, "body.ins[0]: must not be null"},
		{`{"labels":{"a":"b","c":null}}`, "body.labels.c: must not be null"},
		{`{"free":null}`, "body.free: must not be null"},
		{`{"e":null}`, "body.e: must not be null"},
		{`{"Plain":null}`, "body.Plain: must not be null"},
	} {
		var v body
		err := decodeJSON([]byte(tc.in), &v)
		if got := fmt.Sprint(err); (tc.err == "" && err != nil) || (tc.err != "" && got != tc.err) {
			t.Errorf("decodeJSON(%s) = %v, want %q", tc.in, err, tc.err)
		}
		var tree any
		if err := decodeJSON([]byte(tc.in), &tree); err != nil {
			t.Errorf("decodeJSON(%s) into any = %v, want no error: null is the struct's to refuse", tc.in, err)
		}
	}
}
