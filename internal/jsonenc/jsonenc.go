// Package jsonenc writes JSON strings byte for byte as encoding/json does,
// for the hand-written encoders on hot paths (the integration page, event
// data and delivery headers). It imports nothing from ihub.
package jsonenc

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

const ones, highs = 0x0101010101010101, 0x8080808080808080

// hasByte reports whether any byte of w is c (false positives only above a
// byte that is c).
func hasByte(w uint64, c byte) bool {
	v := w ^ (ones * uint64(c))
	return (v-ones)&^v&highs != 0
}

// load8 is the first 8 bytes of s as a little-endian word (the compiler
// makes it one load).
func load8(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// Plain8 reports whether the 8 bytes of w are all printable ASCII other
// than a quote or a backslash: bytes a JSON string holds as they are, on
// the way in and out. Scanners skip such words whole.
func Plain8(w uint64) bool {
	return (w&highs|(w-ones*0x20)&^w&highs) == 0 && !hasByte(w, '"') && !hasByte(w, '\\')
}

// AppendString appends s as a JSON string exactly as encoding/json writes
// it: invalid UTF-8 as U+FFFD, U+2028/U+2029 as \u escapes, and, when
// escapeHTML is set (encoding/json's Marshal; an Encoder with
// SetEscapeHTML(false) leaves them), <, > and & as \u escapes too.
func AppendString(b []byte, s string, escapeHTML bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) {
			w := load8(s[i : i+8])
			if !Plain8(w) || escapeHTML && (hasByte(w, '<') || hasByte(w, '>') || hasByte(w, '&')) {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && (!escapeHTML || (c != '<' && c != '>' && c != '&')) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendStrings appends ss as a JSON array of strings (null when nil), as
// AppendString writes each.
func AppendStrings(b []byte, ss []string, escapeHTML bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, s, escapeHTML)
	}
	return append(b, ']')
}
