package normalize

import (
	"encoding/json"
	"testing"
)

func TestObjInt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   any
		want int64
		ok   bool
	}{
		{"42", 42, true},
		{" 42 ", 42, true},
		{json.Number("1.5e3"), 1500, true},
		{json.Number("42.0"), 42, true},
		{json.Number("-7E0"), -7, true},
		{json.Number("1.5"), 0, false},
		{json.Number("1e400"), 0, false},
		{json.Number("123456789012345678901234567890"), 0, false},
		{"0x10", 0, false},
		{"1_000", 0, false},
		{"Inf", 0, false},
		{"NaN", 0, false},
		{"", 0, false},
	} {
		n, ok := obj{"n": tc.in}.int("n")
		if n != tc.want || ok != tc.ok {
			t.Errorf("int(%v) = %d, %v; want %d, %v", tc.in, n, ok, tc.want, tc.ok)
		}
	}
}
