package provider

import (
	"strings"
	"unicode/utf8"
)

// Limits of PathTemplate.
const (
	// MaxTemplateSegments is how many path segments a template keeps; the
	// rest become "…".
	MaxTemplateSegments = 8
	// maxWordLen is the longest segment kept as it is; maxRunLen the
	// longest kept when it has no separator (-, _, .), as tokens have none.
	maxWordLen = 40
	maxRunLen  = 24
	// minHashLen is the shortest run of hex letters taken for a hash.
	minHashLen = 16
)

// PathTemplate turns a request path, relative to the integration's base URL,
// into the path part of an endpoint template for API metrics: every segment
// that could be data rather than a fixed part of the API becomes {id}, so
// that metrics neither hold ids, user names with digits, hashes, e-mail
// addresses or tokens nor grow with every distinct URL. A segment is kept
// only if it is made of ASCII letters and - _ . ~ : (no digit), is at most
// 40 characters long (24 without any - _ .), is not percent-encoded and is
// not 16 or more hex letters (a hash that happens to have no digit);
// API versions (v1, v2.1) are kept too, as they are part of the endpoint.
// "/users/42/repos" → "/users/{id}/repos"; "" → "/".
func PathTemplate(path string) string {
	if path == "" || path == "/" {
		return "/"
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && !keepSegment(s) {
			segs[i] = "{id}"
		}
	}
	if len(segs) > MaxTemplateSegments+1 { // +1: the empty segment before the leading slash
		segs = append(segs[:MaxTemplateSegments+1], "…")
	}
	p := strings.Join(segs, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

func keepSegment(s string) bool {
	if isVersion(s) {
		return true
	}
	n := utf8.RuneCountInString(s)
	if n > maxWordLen {
		return false
	}
	sep, hex := false, true
	for _, r := range s {
		hex = hex && (r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '~', r == ':':
		case r == '-', r == '_', r == '.':
			sep = true
		default: // digits, @, %, +, non-ASCII, …
			return false
		}
	}
	return !(hex && n >= minHashLen) && (sep || n <= maxRunLen)
}

// isVersion reports whether s is an API version such as v1, v20 or v2.1.
func isVersion(s string) bool {
	if len(s) < 2 || len(s) > 6 || s[0] != 'v' && s[0] != 'V' {
		return false
	}
	major, minor, dotted := strings.Cut(s[1:], ".")
	digits := func(d string) bool {
		if d == "" || len(d) > 2 {
			return false
		}
		for i := range len(d) {
			if d[i] < '0' || d[i] > '9' {
				return false
			}
		}
		return true
	}
	return digits(major) && (!dotted || digits(minor))
}
