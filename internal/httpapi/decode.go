package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// jsonFormat is huma's JSON format with decodeJSON as its decoder.
var jsonFormat = huma.Format{Marshal: huma.DefaultJSONFormat.Marshal, Unmarshal: decodeJSON}

// decodeJSON is json.Unmarshal, except in how it treats numbers:
//   - a whole number written as a decimal or with an exponent (4.0, 1e2) is
//     an integer, as JSON Schema has it, and fills an integer field;
//   - a number no field can hold (1e400, or 1e19 for an int64) is an error
//     naming the field, so that the answer is a 422 at "body.<field>", not
//     the decoder's message at "body".
//
// and in what it refuses, each as an error naming the place (checkJSONText,
// nullsIn):
//   - a string or key that is not UTF-8 text (invalid bytes, a lone UTF-16
//     surrogate escape) or holds a NUL: json.Unmarshal would silently turn
//     the first two into U+FFFD;
//   - a key given twice in one object: json.Unmarshal keeps the last;
//   - null for a field that is not a list (or free-form): json.Unmarshal
//     reads it as if the field were absent.
//
// Only bodies that json.Unmarshal refuses for a number take the slower way.
func decodeJSON(data []byte, v any) error {
	if err := checkJSONText(data); err != nil {
		return err
	}
	if bytes.Contains(data, []byte("null")) {
		if err := nullsIn(data, v); err != nil {
			return err
		}
	}
	err := json.Unmarshal(data, v)
	te, ok := errors.AsType[*json.UnmarshalTypeError](err)
	if !ok || !strings.HasPrefix(te.Value, "number") {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return err
	}
	if bad := wholeNumbers(&tree, "body"); bad != nil {
		return bad
	}
	fixed, merr := json.Marshal(tree)
	if merr != nil {
		return err
	}
	err = json.Unmarshal(fixed, v)
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && strings.HasPrefix(te.Value, "number") {
		loc := "body"
		if te.Field != "" {
			loc += "." + te.Field
		}
		var msg string
		switch te.Type.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			msg = "must be an integer from " + strconv.FormatInt(minInt(te.Type.Bits()), 10) + " to " + strconv.FormatInt(-1-minInt(te.Type.Bits()), 10)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			msg = "must be a whole number from 0 to " + strconv.FormatUint(math.MaxUint64>>(64-te.Type.Bits()), 10)
		case reflect.Float32, reflect.Float64:
			msg = "is out of range"
		default:
			return err // a number where no number goes: the type is wrong, not the range
		}
		return &fieldDecodeError{loc: loc, msg: msg}
	}
	return err
}

func minInt(bits int) int64 { return math.MinInt64 >> (64 - bits) }

// wholeNumbers rewrites, in place, every json.Number in *v that is a whole
// number in another notation (4.0, 1e2, -3E+0) as a plain integer, and
// returns an error naming the first number that no float64 can hold.
func wholeNumbers(v *any, at string) error {
	switch x := (*v).(type) {
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return &fieldDecodeError{loc: at, msg: "is out of range"}
		}
		// Only where the conversion is exact: beyond 2^53 a float64 is
		// not the number that was written.
		if f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			*v = json.Number(strconv.FormatInt(int64(f), 10))
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			e := x[k]
			if err := wholeNumbers(&e, at+"."+k); err != nil {
				return err
			}
			x[k] = e
		}
	case []any:
		for i := range x {
			if err := wholeNumbers(&x[i], at+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	return nil
}

// plainText says s is UTF-8 without NUL: what ids, names and filters are,
// and what PostgreSQL's text columns can hold.
func plainText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// fieldDecodeError is a number in the body that no field can hold. Huma
// reports decoder errors at "body" with the error's text as the message;
// toProblem takes the location back out of the text (fieldOfDecodeError).
type fieldDecodeError struct{ loc, msg string }

func (e *fieldDecodeError) Error() string { return e.loc + ": " + e.msg }

// fieldOfDecodeError splits a fieldDecodeError's text into its location
// and message.
func fieldOfDecodeError(text string) (loc, msg string, ok bool) {
	i := strings.LastIndex(text, ": ")
	if i < 0 || !strings.HasPrefix(text, "body") || strings.ContainsRune(text, '\n') {
		return "", "", false
	}
	if len(text[:i]) > len("body") && !strings.ContainsRune(".[", rune(text[len("body")])) {
		return "", "", false
	}
	return text[:i], text[i+2:], true
}
