package secret

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Masked is what Redact writes in place of a secret (and what Value prints).
const Masked = redacted

// RedactAnywhereLen is the length, in characters, from which Redact masks a
// secret wherever it occurs in a text. A random string that long does not
// turn up in ordinary text by chance, so finding it there means it was
// echoed.
const RedactAnywhereLen = 6

// Redact returns s with every secret in it replaced by Masked. It is the
// last line of defence for free text that ihub does not write itself: a
// provider's error message, a transport error, a server's reply, which
// may quote a credential back.
//
// A secret of RedactAnywhereLen characters or more is masked wherever it
// occurs. A shorter one is masked only where it stands alone, that is where
// neither the character before nor the one after it is a letter or a
// digit: as a value echoed back is (`password "x"`, `key=ab&`, `pin: 1234`),
// but not inside a word. Masking a one-letter password inside every word
// that holds the letter would make the text unreadable and would not keep
// the secret either: the places of the masks would spell it out
// ("e[REDACTED]ample.com"), where an "x" in "example.com" tells a reader
// nothing.
//
// Masks are placed by what the original s holds, overlapping matches
// becoming one mask: a secret that is part of another never leaves a piece
// of the longer one behind, and no mask's own text is masked again. Empty
// secrets are ignored. s is returned unchanged when it holds no secret.
func Redact(s string, secrets ...string) string {
	type span struct{ from, to int }
	var spans []span
	for _, sec := range secrets {
		if sec == "" || !strings.Contains(s, sec) {
			continue
		}
		short := utf8.RuneCountInString(sec) < RedactAnywhereLen
		for i := 0; i < len(s); {
			j := strings.Index(s[i:], sec)
			if j < 0 {
				break
			}
			from, to := i+j, i+j+len(sec)
			if !short || standsAlone(s, from, to) {
				spans = append(spans, span{from, to})
			}
			// Step one character, not past the match: "aa" is found twice
			// in "aaa", and a standalone match may start inside a
			// rejected one.
			_, size := utf8.DecodeRuneInString(s[from:])
			i = from + size
		}
	}
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for k := 0; k < len(spans); {
		from, to := spans[k].from, spans[k].to
		for k++; k < len(spans) && spans[k].from <= to; k++ {
			to = max(to, spans[k].to)
		}
		b.WriteString(s[last:from])
		b.WriteString(Masked)
		last = to
	}
	b.WriteString(s[last:])
	return b.String()
}

// Holds reports whether s holds one of the secrets by Redact's rule (a
// secret of RedactAnywhereLen characters or more anywhere, a shorter one
// where it stands alone): whether Redact would mask anything in s.
func Holds(s string, secrets ...string) bool {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) && Redact(s, sec) != s {
			return true
		}
	}
	return false
}

// standsAlone reports whether s[from:to] has no letter or digit right
// before or right after it.
func standsAlone(s string, from, to int) bool {
	if from > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:from]); isWordRune(r) {
			return false
		}
	}
	if to < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[to:]); isWordRune(r) {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
