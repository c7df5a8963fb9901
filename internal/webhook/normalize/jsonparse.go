package normalize

import (
	"encoding/binary"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"

	"ihub/internal/jsonenc"
)

// parseJSON decodes one JSON value that must fill body (whitespace aside)
// into the shapes encoding/json gives an `any` with UseNumber: map[string]any,
// []any, string, json.Number, bool and nil. Strings are unquoted as
// encoding/json does (invalid UTF-8 and lone surrogates become U+FFFD) and a
// repeated key keeps its last value. It reports false for anything
// encoding/json would reject, and for nesting deeper than encoding/json's.
//
// Every webhook is decoded on the request path to be normalized, and
// encoding/json's Decoder scans the body twice and copies it into its own
// buffer: on a 2 KB body this parser takes a fifth of the time.
// FuzzParseJSON checks it against encoding/json.
func parseJSON(body []byte) (any, bool) {
	p := jsonParser{b: body}
	v, ok := p.value(0)
	if !ok {
		return nil, false
	}
	if p.space(); p.i != len(p.b) {
		return nil, false
	}
	return v, true
}

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

type jsonParser struct {
	b []byte
	i int
}

func (p *jsonParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, bool) {
	p.space()
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		s, ok := p.str()
		return s, ok
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *jsonParser) literal(word string) bool {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

func (p *jsonParser) object(depth int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
		if more, ok := p.more('}'); !ok {
			return nil, false
		} else if !more {
			return m, true
		}
	}
}

func (p *jsonParser) array(depth int) (any, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	p.i++ // [
	a := make([]any, 0)
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return a, true
	}
	for {
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		if more, ok := p.more(']'); !ok {
			return nil, false
		} else if !more {
			return a, true
		}
	}
}

// more reads what follows a member or an element: a comma (more), or the
// closing byte (done); anything else is malformed (!ok).
func (p *jsonParser) more(closing byte) (more, ok bool) {
	p.space()
	if p.i < len(p.b) {
		switch p.b[p.i] {
		case ',':
			p.i++
			return true, true
		case closing:
			p.i++
			return false, true
		}
	}
	return false, false
}

// number takes -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? as it is.
func (p *jsonParser) number() (any, bool) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil, false
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, false
		}
	}
	return json.Number(p.b[start:p.i]), true
}

func (p *jsonParser) digits() int {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// str reads a quoted string at p.i. The common case (no escape, valid
// UTF-8) is one scan and one copy.
func (p *jsonParser) str() (string, bool) {
	p.i++ // "
	start := p.i
	plain := true
	for p.i < len(p.b) {
		// Runs of plain ASCII (most of a body) are skipped a word at a time.
		for p.i+8 <= len(p.b) && jsonenc.Plain8(binary.LittleEndian.Uint64(p.b[p.i:])) {
			p.i += 8
		}
		if p.i >= len(p.b) {
			break
		}
		switch c := p.b[p.i]; {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			if plain && utf8.Valid(raw) {
				return string(raw), true
			}
			return unquoteJSON(raw), true
		case c == '\\':
			plain = false
			p.i++
			if p.i >= len(p.b) {
				return "", false
			}
			switch p.b[p.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if len(p.b)-p.i < 5 || hex4(p.b[p.i+1:p.i+5]) < 0 {
					return "", false
				}
				p.i += 5
			default:
				return "", false
			}
		case c < 0x20:
			return "", false
		default:
			p.i++
		}
	}
	return "", false
}

// hex4 is the value of four hex digits, or -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// unquoteJSON decodes the escapes of a string already checked by str, as
// encoding/json does: a surrogate pair becomes its rune, a lone surrogate
// and each byte of invalid UTF-8 become U+FFFD.
func unquoteJSON(s []byte) string {
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				out = append(out, c)
				i++
				continue
			}
			r, size := utf8.DecodeRune(s[i:])
			i += size
			out = utf8.AppendRune(out, r)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, next := hex4(s[i+1:]), i+5
			if utf16.IsSurrogate(r) {
				r = utf8.RuneError
				if next+6 <= len(s) && s[next] == '\\' && s[next+1] == 'u' {
					if pair := utf16.DecodeRune(hex4(s[i+1:]), hex4(s[next+2:])); pair != utf8.RuneError {
						r, next = pair, next+6
					}
				}
			}
			out = utf8.AppendRune(out, r)
			i = next
			continue
		default: // " \ /
			out = append(out, s[i])
		}
		i++
	}
	return string(out)
}
