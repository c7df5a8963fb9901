package verify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// didit: X-Timestamp (Unix seconds, held to the tolerance) and one or more
// of three hex HMAC-SHA256 signatures keyed with the webhook secret
// (providers.md B12); any present one that verifies is enough:
//
//   - X-Signature-V2 over the canonical JSON (keys sorted recursively,
//     compact separators, whole floats shortened to integers). The doc
//     revisions disagree [?] on Unicode (escaped \uXXXX or kept) and on a
//     "{timestamp}:" prefix, so all four combinations are tried;
//   - X-Signature over the raw body;
//   - X-Signature-Simple over "{timestamp}:{session_id}:{status}:{webhook_type}"
//     from the body, only with Config.Legacy, as it leaves the rest of the
//     body (the decision) unauthenticated.
func (v *verifier) didit() (Result, error) {
	tsText := v.r.Header.Get("X-Timestamp")
	ts, err := parseUnix("X-Timestamp", tsText)
	if err != nil {
		return Result{}, err
	}
	type variant struct {
		header string
		msgs   func() [][]byte
	}
	variants := []variant{
		{"X-Signature-V2", func() [][]byte { return diditV2Messages(v.r.Body, tsText) }},
		{"X-Signature", func() [][]byte { return [][]byte{v.r.Body} }},
	}
	if v.c.Legacy {
		variants = append(variants, variant{"X-Signature-Simple", func() [][]byte { return diditSimpleMessage(v.r.Body) }})
	}
	present := false
	for _, va := range variants {
		value := strings.TrimSpace(v.r.Header.Get(va.header))
		if value == "" {
			continue
		}
		present = true
		sig, err := hex.DecodeString(value)
		if err != nil || len(sig) == 0 {
			continue
		}
		for _, msg := range va.msgs() {
			if matchMAC(sha256.New, v.c.Secrets, [][]byte{sig}, msg) >= 0 {
				// X-Timestamp is outside what X-Signature and the plain
				// X-Signature-V2 sign; the body's "timestamp" is inside
				// all three, so a fresh header on an old body is stale.
				// Unless X-Timestamp itself was signed (the "{ts}:" form
				// of V2), a body without one has nothing signed to hold
				// to the tolerance: refused, as it could be replayed
				// forever under a new header.
				if err := v.checkTime(ts); err != nil {
					return Result{}, err
				}
				headerSigned := va.header == "X-Signature-V2" && bytes.HasPrefix(msg, []byte(tsText+":"))
				signed, err := diditBodyTime(v.r.Body, !headerSigned)
				if err != nil {
					return Result{}, err
				}
				if !signed.IsZero() {
					if err := v.checkTime(signed); err != nil {
						return Result{}, err
					}
					ts = signed
				}
				return Result{Timestamp: ts, Signature: v.signatureID(sig)}, nil
			}
		}
	}
	if !present {
		return Result{}, fail(KindMissing, "missing X-Signature-V2 or X-Signature header")
	}
	return Result{}, errMismatch
}

// diditV2Messages returns the candidate signed strings for X-Signature-V2,
// none when the body is not JSON.
func diditV2Messages(body []byte, tsText string) [][]byte {
	val, ok := decodeJSON(body)
	if !ok {
		return nil
	}
	var out [][]byte
	for _, ascii := range []bool{false, true} {
		var b bytes.Buffer
		writeCanonical(&b, val, ascii)
		c := b.Bytes()
		if ascii && len(out) > 0 && bytes.Equal(out[0], c) {
			continue // no non-ASCII: same string
		}
		out = append(out, c, append([]byte(tsText+":"), c...))
	}
	return out
}

// diditSimpleMessage builds "{timestamp}:{session_id}:{status}:{webhook_type}"
// from the body's fields.
func diditSimpleMessage(body []byte) [][]byte {
	val, ok := decodeJSON(body)
	obj, isObj := val.(map[string]any)
	if !ok || !isObj {
		return nil
	}
	field := func(k string) string {
		switch x := obj[k].(type) {
		case string:
			return x
		case json.Number:
			return x.String()
		}
		return ""
	}
	return [][]byte{[]byte(field("timestamp") + ":" + field("session_id") + ":" + field("status") + ":" + field("webhook_type"))}
}

// diditBodyTime returns the body's "timestamp" (Unix seconds, a number or
// a string of digits); zero when a body has none, unless required.
func diditBodyTime(body []byte, required bool) (time.Time, error) {
	val, _ := decodeJSON(body)
	obj, _ := val.(map[string]any)
	var text string
	switch x := obj["timestamp"].(type) {
	case json.Number:
		text = x.String()
	case string:
		text = x
	case nil:
		if !required {
			return time.Time{}, nil
		}
		return time.Time{}, fail(KindMissing, `missing "timestamp" in the body`)
	}
	t, err := parseUnix("body timestamp", text)
	if err != nil {
		return time.Time{}, fail(KindMalformed, `malformed "timestamp" in the body: not Unix seconds`)
	}
	return t, nil
}

// decodeJSON decodes one JSON value keeping numbers as written. Objects
// with a duplicate key are refused: parsers disagree on which value wins,
// so the canonical form would not say what the consumer reads.
func decodeJSON(body []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	val, ok := decodeValue(dec, 0)
	if !ok {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // trailing data
	}
	return val, true
}

// maxDepth bounds nesting so that hostile bodies cannot exhaust the stack.
const maxDepth = 512

func decodeValue(dec *json.Decoder, depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := map[string]any{}
			for dec.More() {
				kt, err := dec.Token()
				k, isKey := kt.(string)
				if err != nil || !isKey {
					return nil, false
				}
				if _, dup := obj[k]; dup {
					return nil, false
				}
				v, ok := decodeValue(dec, depth+1)
				if !ok {
					return nil, false
				}
				obj[k] = v
			}
			if end, err := dec.Token(); err != nil || end != json.Delim('}') {
				return nil, false
			}
			return obj, true
		case '[':
			arr := []any{}
			for dec.More() {
				v, ok := decodeValue(dec, depth+1)
				if !ok {
					return nil, false
				}
				arr = append(arr, v)
			}
			if end, err := dec.Token(); err != nil || end != json.Delim(']') {
				return nil, false
			}
			return arr, true
		}
		return nil, false
	default:
		return t, true // string, json.Number, bool or nil
	}
}

// writeCanonical writes val as compact JSON with object keys sorted, like
// Python's json.dumps(sort_keys=True, separators=(",", ":"),
// ensure_ascii=ascii) after Didit's float shortening.
func writeCanonical(b *bytes.Buffer, val any, ascii bool) {
	switch x := val.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case json.Number:
		b.WriteString(canonicalNumber(x))
	case string:
		writeString(b, x, ascii)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, e, ascii)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range x {
				if !yield(k) {
					return
				}
			}
		}) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k, ascii)
			b.WriteByte(':')
			writeCanonical(b, x[k], ascii)
		}
		b.WriteByte('}')
	}
}

// canonicalNumber keeps integers as written, turns floats with a zero
// fraction into integers (1.0 → 1, as Didit's shortenFloats does) and
// writes other floats as Python's repr does (shortest round-trip form,
// exponent only below 1e-4 or from 1e16).
func canonicalNumber(n json.Number) string {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsInf(f, 0):
		return s
	case f == 0:
		return "0"
	case f == math.Trunc(f):
		return strconv.FormatFloat(f, 'f', 0, 64)
	case math.Abs(f) >= 1e-4 && math.Abs(f) < 1e16:
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

// writeString writes s as a JSON string the way Python's json module does.
func writeString(b *bytes.Buffer, s string, ascii bool) {
	const hexDigits = "0123456789abcdef"
	u4 := func(r rune) {
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hexDigits[(r>>shift)&0xf])
		}
	}
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20:
			u4(r)
		case r < utf8.RuneSelf || !ascii:
			b.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			u4(0xd800 + (r>>10)&0x3ff)
			u4(0xdc00 + r&0x3ff)
		default:
			u4(r)
		}
	}
	b.WriteByte('"')
}
