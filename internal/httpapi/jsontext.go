package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Messages of the body checks.
const (
	msgNotUTF8   = "must be UTF-8 text"
	msgNUL       = "must not contain NUL characters (\\u0000)"
	msgDuplicate = "is given more than once"
	msgNull      = "must not be null"
)

// checkJSONText names the first string or key in a JSON document that is
// not UTF-8 text (invalid bytes, or an escaped UTF-16 surrogate without its
// other half, "\ud800") or that holds a NUL, and the first key given twice
// in one object. json.Unmarshal turns the first two into U+FFFD without a
// word, PostgreSQL's text cannot store a NUL (no field of ihub's takes one),
// and of a repeated key json.Unmarshal keeps the last while huma validated
// the map that kept it too: the client meant one of them, and which is not
// for the server to guess.
//
// A string or key is reported where it is; a bad key at the object that
// holds it, since the key itself cannot be written in the location. Text is
// looked at only when a byte scan says something may be wrong; keys are
// always compared. A document that is not JSON is left to json.Unmarshal.
func checkJSONText(data []byte) error {
	w := jsonWalk{data: data, text: !utf8.Valid(data) || riskyEscape(data)}
	err := w.value()
	if err == errNotJSON || err == nil {
		return nil
	}
	if !json.Valid(data) {
		return nil // the decoder's syntax error says more
	}
	return err
}

// riskyEscape says whether data holds an escape checkJSONText must look at:
// \u0000, or a surrogate (\uD800 to \uDFFF). A false alarm (the text of an
// escaped backslash, "\\ud800") costs only the closer look.
func riskyEscape(data []byte) bool {
	for rest := data; ; {
		i := bytes.Index(rest, []byte(`\u`))
		if i < 0 || i+6 > len(rest) {
			return false
		}
		e := rest[i+2 : i+6]
		if string(e) == "0000" || (e[0]|0x20 == 'd' && strings.IndexByte("89abcdefABCDEF", e[1]) >= 0) {
			return true
		}
		rest = rest[i+2:]
	}
}

// errNotJSON stops a jsonWalk at a syntax error.
var errNotJSON = errors.New("not JSON")

// jsonWalk walks a JSON document keeping the path it is at. Keys are kept
// as the document's bytes (decoded only when escaped), so that a walk
// allocates little: it runs on every body.
type jsonWalk struct {
	data []byte
	pos  int
	text bool      // look at the text of strings and keys
	path []pathSeg // where the walk is, below "body"
	// keys holds the keys of the objects being walked, innermost last.
	keys [][]byte
}

// pathSeg is a key or, when key is nil, an array index.
type pathSeg struct {
	key   []byte
	index int
}

func (w *jsonWalk) at() string {
	var b strings.Builder
	b.WriteString("body")
	for _, s := range w.path {
		if s.key != nil {
			b.WriteString("." + string(s.key))
		} else {
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		}
	}
	return b.String()
}

func (w *jsonWalk) space() {
	for w.pos < len(w.data) {
		switch w.data[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// next skips space and returns the next byte (0 at the end).
func (w *jsonWalk) next() byte {
	w.space()
	if w.pos >= len(w.data) {
		return 0
	}
	return w.data[w.pos]
}

// maxDepth is encoding/json's nesting limit: deeper, the decoder refuses
// the document, and the walk (recursive) stops rather than grow its stack.
const maxDepth = 10000

func (w *jsonWalk) value() error {
	if len(w.path) > maxDepth {
		return errNotJSON
	}
	switch w.next() {
	case 0:
		return errNotJSON
	case '{':
		return w.object()
	case '[':
		return w.array()
	case '"':
		_, msg, err := w.str(false)
		if err != nil {
			return err
		}
		if msg != "" {
			return &fieldDecodeError{loc: w.at(), msg: msg}
		}
		return nil
	}
	// A number or a literal: up to the next delimiter.
	start := w.pos
	for w.pos < len(w.data) && !strings.ContainsRune(",]} \t\r\n", rune(w.data[w.pos])) {
		w.pos++
	}
	if w.pos == start {
		return errNotJSON
	}
	return nil
}

// manyKeys is the object size from which keys are compared through a map
// rather than one by one.
const manyKeys = 16

func (w *jsonWalk) object() error {
	w.pos++ // {
	if w.next() == '}' {
		w.pos++
		return nil
	}
	base := len(w.keys)
	defer func() { w.keys = w.keys[:base] }()
	var set map[string]bool
	for {
		if w.next() != '"' {
			return errNotJSON
		}
		key, msg, err := w.str(true)
		if err != nil {
			return err
		}
		if msg != "" {
			return &fieldDecodeError{loc: w.at(), msg: msg}
		}
		seen := false
		if set != nil {
			seen = set[string(key)]
			set[string(key)] = true
		} else {
			seen = slices.ContainsFunc(w.keys[base:], func(k []byte) bool { return bytes.Equal(k, key) })
			if w.keys = append(w.keys, key); len(w.keys)-base > manyKeys {
				set = make(map[string]bool, 2*manyKeys)
				for _, k := range w.keys[base:] {
					set[string(k)] = true
				}
			}
		}
		w.path = append(w.path, pathSeg{key: key})
		if seen {
			return &fieldDecodeError{loc: w.at(), msg: msgDuplicate}
		}
		if w.next() != ':' {
			return errNotJSON
		}
		w.pos++
		if end, err := w.member('}'); end || err != nil {
			return err
		}
	}
}

func (w *jsonWalk) array() error {
	w.pos++ // [
	if w.next() == ']' {
		w.pos++
		return nil
	}
	for i := 0; ; i++ {
		w.path = append(w.path, pathSeg{index: i})
		if end, err := w.member(']'); end || err != nil {
			return err
		}
	}
}

// member walks the value of an object member or array element (its path
// segment pushed) and what follows it: a comma, or closer, which ends the
// container (end).
func (w *jsonWalk) member(closer byte) (end bool, err error) {
	if err := w.value(); err != nil {
		return false, err
	}
	w.path = w.path[:len(w.path)-1]
	switch w.next() {
	case ',':
		w.pos++
		return false, nil
	case closer:
		w.pos++
		return true, nil
	}
	return false, errNotJSON
}

// str reads the string at w.pos: its value when decode is set (a key), and
// what is wrong with its text ("" for nothing) when w.text is. The value is
// the document's own bytes unless escapes make it differ.
func (w *jsonWalk) str(decode bool) ([]byte, string, error) {
	start := w.pos // the opening quote
	escaped := false
	i := start + 1
	for {
		if i >= len(w.data) {
			return nil, "", errNotJSON
		}
		c := w.data[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			escaped = true
			i++
			if i < len(w.data) && w.data[i] == 'u' {
				i += 4
			}
		}
		i++
	}
	w.pos = i + 1
	raw := w.data[start+1 : i]
	var msg string
	if w.text {
		msg = textProblem(raw)
	}
	if !decode || !escaped {
		return raw, msg, nil
	}
	var s string
	if json.Unmarshal(w.data[start:w.pos], &s) != nil {
		return nil, "", errNotJSON
	}
	return []byte(s), msg, nil
}

// textProblem says what is wrong with the text of a JSON string as written
// between its quotes: bytes that are not UTF-8, a surrogate escape without
// its other half, or NUL.
func textProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return msgNotUTF8
	}
	highBefore := false // the previous escape was a high surrogate
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			if highBefore {
				return msgNotUTF8
			}
			continue
		}
		i++
		if i >= len(raw) || raw[i] != 'u' {
			if highBefore {
				return msgNotUTF8
			}
			continue
		}
		if i+5 > len(raw) {
			return "" // malformed: the decoder says so
		}
		n, err := strconv.ParseUint(string(raw[i+1:i+5]), 16, 16)
		if err != nil {
			return "" // malformed: the decoder says so
		}
		i += 4
		switch {
		case n == 0:
			return msgNUL
		case n >= 0xD800 && n < 0xDC00:
			if highBefore {
				return msgNotUTF8
			}
			highBefore = true
			continue
		case n >= 0xDC00 && n < 0xE000:
			if !highBefore {
				return msgNotUTF8
			}
		default:
			if highBefore {
				return msgNotUTF8
			}
		}
		highBefore = false
	}
	if highBefore {
		return msgNotUTF8
	}
	return ""
}

// nullsIn names the first null in a JSON document that decodes into v where
// v's field (or element) is neither a list nor free-form (any): huma does
// not validate a null optional field, and json.Unmarshal leaves the field
// as if absent, so {"name": null} would silently change nothing. A list
// takes null (some clients clear one so); a key v has no field for is
// huma's to refuse.
func nullsIn(data []byte, v any) error {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return nil // json.Unmarshal says what is wrong
	}
	if loc := nullAt(tree, t, "body"); loc != "" {
		return &fieldDecodeError{loc: loc, msg: msgNull}
	}
	return nil
}

// nullable says whether a field of type t may be given as null.
func nullable(t reflect.Type) bool {
	return t.Kind() == reflect.Slice || t.Kind() == reflect.Interface
}

// nullAt is where in v, decoded into type t, a null is given that t does not
// take ("" for nowhere).
func nullAt(v any, t reflect.Type, at string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	check := func(e any, et reflect.Type, loc string) string {
		if e == nil {
			if nullable(et) {
				return ""
			}
			return loc
		}
		return nullAt(e, et, loc)
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return "" // a time, or the wrong type: not this check's
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(m)) {
			ft, ok := fields[k]
			if !ok {
				continue
			}
			if loc := check(m[k], ft, at+"."+k); loc != "" {
				return loc
			}
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if loc := check(m[k], t.Elem(), at+"."+k); loc != "" {
				return loc
			}
		}
	case reflect.Slice, reflect.Array:
		list, ok := v.([]any)
		if !ok {
			return ""
		}
		for i, e := range list {
			if loc := check(e, t.Elem(), at+"["+strconv.Itoa(i)+"]"); loc != "" {
				return loc
			}
		}
	}
	return ""
}

// fieldTypes caches jsonFields.
var fieldTypes sync.Map // reflect.Type -> map[string]reflect.Type

// jsonFields maps the JSON names of a struct's fields, those of embedded
// structs included, to their types, as encoding/json names them (but
// matched exactly: keys are case-sensitive, huma.ValidateStrictCasing).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldTypes.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, own := m[k]; !own {
						m[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	fieldTypes.Store(t, m)
	return m
}
