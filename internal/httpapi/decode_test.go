package httpapi

import (
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
