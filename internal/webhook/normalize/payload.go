package normalize

import (
	"bytes"
	"encoding/json"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// obj is a decoded JSON object or a flattened form body, read through
// forgiving accessors: a missing key or a value of the wrong kind reads as
// the zero value, never as a panic.
type obj map[string]any

// decode parses body as JSON (numbers kept as json.Number) or, when the
// content type says so or the body does not look like JSON, as a
// form-encoded body whose fields become strings (first value wins). It
// reports false when the body is empty or does not parse.
func decode(header http.Header, body []byte) (any, bool) {
	// A UTF-8 byte order mark (PHP or .NET senders) may be ignored (RFC
	// 8259 §8.1); encoding/json would reject the body.
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\ufeff")))
	if len(trimmed) == 0 {
		return nil, false
	}
	mediaType, _, err := mime.ParseMediaType(headerValue(header, "Content-Type"))
	if err != nil {
		mediaType = ""
	}
	looksJSON := trimmed[0] == '{' || trimmed[0] == '['
	if mediaType == "application/x-www-form-urlencoded" && !looksJSON {
		return decodeForm(trimmed)
	}
	if looksJSON {
		return decodeJSON(trimmed)
	}
	if strings.Contains(mediaType, "json") {
		return nil, false
	}
	return decodeForm(trimmed)
}

func decodeJSON(body []byte) (any, bool) {
	v, ok := parseJSON(body)
	if !ok {
		return nil, false
	}
	switch v.(type) {
	case map[string]any, []any:
		return v, true
	}
	return nil, false
}

func decodeForm(body []byte) (any, bool) {
	if !bytes.ContainsRune(body, '=') {
		return nil, false
	}
	values, err := url.ParseQuery(string(body))
	if err != nil || len(values) == 0 {
		return nil, false
	}
	o := make(obj, len(values))
	for k, vs := range values {
		if len(vs) > 0 {
			o[strings.ToValidUTF8(k, "\uFFFD")] = strings.ToValidUTF8(vs[0], "\uFFFD")
		}
	}
	return map[string]any(o), true
}

// asObj returns v as an object, or nil.
func asObj(v any) obj {
	if m, ok := v.(map[string]any); ok {
		return obj(m)
	}
	if m, ok := v.(obj); ok {
		return m
	}
	return nil
}

// get walks path through nested objects.
func (o obj) get(path ...string) any {
	var cur any = map[string]any(o)
	for _, k := range path {
		m := asObj(cur)
		if m == nil {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// obj returns the object at path, or nil.
func (o obj) obj(path ...string) obj { return asObj(o.get(path...)) }

// arr returns the array at path, or nil.
func (o obj) arr(path ...string) []any {
	a, _ := o.get(path...).([]any)
	return a
}

// withOnly returns o with the array at path replaced by one holding elem
// alone, o itself untouched (the objects along path are copied, shallowly):
// a normalizer that reads the first element of that array then reads
// elem, so that each change of a delivery is mapped as a delivery holding
// only that change would be.
func (o obj) withOnly(elem any, path ...string) obj {
	if len(path) == 0 {
		return o
	}
	out := make(obj, len(o))
	for k, v := range o {
		out[k] = v
	}
	if len(path) == 1 {
		out[path[0]] = []any{elem}
		return out
	}
	out[path[0]] = map[string]any(o.obj(path[0]).withOnly(elem, path[1:]...))
	return out
}

// str returns the scalar at path as a string: strings as they are, numbers
// in their JSON spelling, booleans as "true"/"false"; anything else is "".
func (o obj) str(path ...string) string {
	return scalar(o.get(path...))
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// int returns the integer at path (a JSON number or a numeric string).
func (o obj) int(path ...string) (int64, bool) {
	s := strings.TrimSpace(o.str(path...))
	if s == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	// Another JSON spelling of a whole number (1.5e3, 42.0), within the
	// integers a float64 holds exactly.
	if strings.ContainsAny(s, "xXpP_") { // Go's syntax, not JSON's
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// bool reports whether the value at path is true, "true" or "1".
func (o obj) bool(path ...string) bool {
	switch strings.ToLower(strings.TrimSpace(o.str(path...))) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// fold looks key up case-insensitively (WHMCS spells orderId and orderid).
func (o obj) fold(key string) any {
	if v, ok := o[key]; ok {
		return v
	}
	for k, v := range o {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// first returns the first non-empty scalar among keys (looked up
// case-insensitively).
func (o obj) first(keys ...string) string {
	for _, k := range keys {
		if s := scalar(o.fold(k)); s != "" {
			return s
		}
	}
	return ""
}

// headerValue returns the first value of a header, also when the map was
// built by hand with a non-canonical key.
func headerValue(h http.Header, name string) string {
	if h == nil {
		return ""
	}
	if v := h.Get(name); v != "" {
		return strings.TrimSpace(v)
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return ""
}

// maxUnix is 9999-12-31T23:59:59Z in Unix seconds.
const maxUnix = 253402300799

// timeLayouts are the textual timestamp spellings seen in the payloads:
// RFC 3339, Zoho's offset without a colon, GitLab's older "… UTC" form.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// parseTime reads a timestamp: Unix seconds or milliseconds (number or
// numeric string; values above 10^11 are milliseconds) or one of
// timeLayouts. It returns the zero time for anything else or for values
// outside 1970–9999.
func parseTime(v any) time.Time {
	s := strings.TrimSpace(scalar(v))
	if s == "" {
		return time.Time{}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n <= 0:
			return time.Time{}
		case n > 1e17: // nanoseconds
			return time.Unix(0, n).UTC()
		case n > 1e14: // microseconds (Slack's app_mention example)
			if n/1_000_000 > maxUnix {
				return time.Time{}
			}
			return time.UnixMicro(n).UTC()
		case n > 1e11: // milliseconds
			if n/1000 > maxUnix {
				return time.Time{}
			}
			return time.UnixMilli(n).UTC()
		}
		return time.Unix(n, 0).UTC()
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f <= 0 {
			return time.Time{}
		}
		if f > 1e11 {
			f /= 1000
		}
		if f > maxUnix || f != f {
			return time.Time{}
		}
		sec := int64(f)
		nsec := int64((f - float64(sec)) * 1e9)
		return time.Unix(sec, nsec).UTC()
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			if t.Year() < 1970 || t.Year() > 9999 {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}

// maxTypePart bounds the provider's part of a "<provider>.<raw>" type.
const maxTypePart = 64

// typePart turns a provider's raw event name into the part of an event type
// after "<provider>.": ASCII letters, digits and . _ : - kept, anything else
// (spaces, slashes, control bytes) replaced by "_", at most 64 bytes. An
// empty name becomes "event".
func typePart(raw string) string {
	raw = strings.TrimSpace(raw)
	var b strings.Builder
	for i := 0; i < len(raw) && b.Len() < maxTypePart; i++ {
		c := raw[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == ':', c == '-':
			b.WriteByte(c)
		default:
			if c >= utf8.RuneSelf {
				// Skip the rest of a multi-byte rune: one "_" per rune.
				_, size := utf8.DecodeRuneInString(raw[i:])
				i += size - 1
			}
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		return "event"
	}
	return out
}

// maxRawType bounds Event.RawType.
const maxRawType = 128

// maxSubject bounds Event.Subject. It is an id, so it must not be cut
// short: a GitHub full name reaches 140 bytes, a GitLab path far more.
const maxSubject = 1024

// cleanRaw makes a provider's event name safe to store: valid UTF-8, no
// control characters, at most 128 bytes.
func cleanRaw(raw string) string { return cleanBounded(raw, maxRawType) }

// cleanSubject is cleanRaw for Event.Subject, at most 1 KiB.
func cleanSubject(s string) string { return cleanBounded(s, maxSubject) }

func cleanBounded(raw string, limit int) string {
	raw = strings.TrimSpace(strings.ToValidUTF8(raw, "\uFFFD"))
	raw = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, raw)
	if len(raw) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(raw[cut]) {
			cut--
		}
		raw = raw[:cut]
	}
	return raw
}

// maxDataString bounds each string copied into Event.Data.
const maxDataString = 1024

// data builds Event.Data, leaving out empty values so that the map holds
// only what the payload carried.
type data map[string]any

// set stores a string value, cut to 1 KiB, unless it is empty.
func (d data) set(key, value string) {
	if value == "" {
		return
	}
	if len(value) > maxDataString {
		cut := maxDataString
		for cut > 0 && !utf8.RuneStart(value[cut]) {
			cut--
		}
		value = value[:cut]
	}
	d[key] = value
}

// setN stores an integer when ok.
func (d data) setN(key string, n int64, ok bool) {
	if ok {
		d[key] = n
	}
}

// setInt stores the integer at path in o, when there is one.
func (d data) setInt(key string, o obj, path ...string) {
	n, ok := o.int(path...)
	d.setN(key, n, ok)
}

// setBool stores a boolean.
func (d data) setBool(key string, b bool) { d[key] = b }

// strings collects the non-empty scalars of an array (Resend's "to").
func stringList(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if s := scalar(e); s != "" {
				out = append(out, s)
			}
		}
	default:
		if s := scalar(x); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// result assembles an Event; the Data map is nil when empty.
func result(typ, raw string, at time.Time, subject string, d data) Event {
	ev := Event{Type: typ, OccurredAt: at, Subject: cleanSubject(subject), RawType: cleanRaw(raw)}
	if len(d) > 0 {
		ev.Data = map[string]any(d)
	}
	return ev
}
