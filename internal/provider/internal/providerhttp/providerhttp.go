// Package providerhttp holds the plumbing every go-github-shaped provider
// client shares: base-URL checks, capped body reads, Retry-After parsing,
// mapping a failed round trip to a transport *provider.Error, and turning an
// error body (JSON or an HTML error page) into a short, safe excerpt.
//
// It is internal to the provider tree: adapters use it, nothing else does.
// Every function is safe for concurrent use.
package providerhttp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"ihub/internal/provider"
	"ihub/internal/secret"
)

// Body size caps. A success body larger than MaxBody is an error, never
// silently truncated JSON; error bodies are only read up to MaxErrorBody
// (go-github's maxErrorBodySize) because only an excerpt is ever shown.
const (
	MaxBody      = 10 << 20
	MaxErrorBody = 1 << 20
)

// MaxExcerpt caps, in runes, the provider text quoted in an error message.
const MaxExcerpt = 200

// DefaultUserAgent is sent when a client has no User-Agent of its own.
const DefaultUserAgent = "ihub"

// SetUserAgent sets req's User-Agent to ua (DefaultUserAgent if empty)
// unless the request already has one.
func SetUserAgent(req *http.Request, ua string) {
	if req.Header.Get("User-Agent") != "" {
		return
	}
	if ua == "" {
		ua = DefaultUserAgent
	}
	req.Header.Set("User-Agent", ua)
}

// ParseBaseURL checks a user-supplied base URL and returns it with any
// trailing slash removed. It must be absolute http or https with a host, and
// must not carry credentials (user:pass@), a query or a fragment: base URLs
// are shown and logged, credentials belong in the vault. The port is kept as
// given; no default port is added. Errors are *provider.Error of kind invalid
// and never echo the URL (it may contain a secret).
func ParseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the base URL is not set"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the base URL is not a valid URL"}
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the base URL must start with https:// or http://"}
	case u.Host == "":
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the base URL has no host"}
	case u.User != nil:
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the base URL must not contain a user name or password; put credentials in the credential fields"}
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, &provider.Error{Kind: provider.ErrInvalid, Message: "the base URL must not contain a query string or fragment"}
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// ReadBody reads a success body of at most limit bytes. A longer body is a
// provider error rather than truncated data.
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, &provider.Error{Kind: provider.ErrTransport, Status: resp.StatusCode, Message: "reading the response failed: " + err.Error()}
	}
	if int64(len(b)) > limit {
		return nil, &provider.Error{Kind: provider.ErrProvider, Status: resp.StatusCode, Message: fmt.Sprintf("the response is larger than %d MiB", limit>>20)}
	}
	return b, nil
}

// ReadErrorBody reads at most MaxErrorBody bytes of an error response. A read
// failure part-way is ignored on purpose: whatever arrived is enough for an
// excerpt, and the status code already says what happened.
func ReadErrorBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody)) // partial body is fine for an excerpt
	return b
}

// Drain discards up to MaxErrorBody bytes of an unread body and closes it, so
// the connection can be reused.
func Drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxErrorBody)) // best effort: only affects reuse
	_ = resp.Body.Close()                                               // read path: nothing to report
}

// StatusKind maps an HTTP error status to the error kind: 401/403 auth, 404
// and 410 not found, 429 rate limited, everything else provider.
func StatusKind(status int) provider.ErrorKind {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusProxyAuthRequired:
		return provider.ErrAuth
	case http.StatusNotFound, http.StatusGone:
		return provider.ErrNotFound
	case http.StatusTooManyRequests:
		return provider.ErrRateLimited
	default:
		return provider.ErrProvider
	}
}

// RetryAfter parses a Retry-After header, given either as delay-seconds or as
// an HTTP date (relative to now). It returns 0 when the header is absent,
// malformed or in the past.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs > 7*24*3600 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// TransportError maps an error from http.Client.Do (or from building the
// request) to a transport *provider.Error. When ctx is done the message names
// the context error ("request cancelled: context canceled"); otherwise it
// names the host and the network error, never the full URL, whose path or
// query may carry a credential.
func TransportError(ctx context.Context, host string, err error) *provider.Error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return &provider.Error{Kind: provider.ErrTransport, Message: "request to " + host + " timed out: " + cerr.Error(), Err: cerr}
		}
		return &provider.Error{Kind: provider.ErrTransport, Message: "request to " + host + " cancelled: " + cerr.Error(), Err: cerr}
	}
	inner := err
	var uerr *url.Error
	if errors.As(err, &uerr) {
		inner = uerr.Err
	}
	var nerr net.Error
	if errors.As(inner, &nerr) && nerr.Timeout() {
		return &provider.Error{Kind: provider.ErrTransport, Message: "request to " + host + " timed out: " + inner.Error(), Err: inner}
	}
	return &provider.Error{Kind: provider.ErrTransport, Message: "cannot reach " + host + ": " + inner.Error(), Err: inner}
}

var (
	titleRE   = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
	hiddenRE  = regexp.MustCompile(`(?is)<(script|style|head)[^>]*>.*?</(script|style|head)>`)
	commentRE = regexp.MustCompile(`(?s)<!--.*?-->`)
	tagRE     = regexp.MustCompile(`(?s)<[^>]*>`)
)

// Excerpt turns an error body that carried no structured message into a
// short plain-text excerpt: for HTML the page title (or, without one, the
// text with tags, scripts and styles stripped), whitespace collapsed, capped
// at MaxExcerpt runes. It returns "" when nothing useful remains, so callers
// fall back to the status text alone.
func Excerpt(body []byte) string {
	s := string(body)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if looksHTML(s) {
		if m := titleRE.FindStringSubmatch(s); m != nil && strings.TrimSpace(tagRE.ReplaceAllString(m[1], "")) != "" {
			s = tagRE.ReplaceAllString(m[1], " ")
		} else {
			s = commentRE.ReplaceAllString(s, " ")
			s = hiddenRE.ReplaceAllString(s, " ")
			s = tagRE.ReplaceAllString(s, " ")
		}
		s = html.UnescapeString(s)
	}
	return Clip(s, MaxExcerpt)
}

// Clip collapses whitespace (including newlines) and caps s at n runes,
// marking a cut with an ellipsis.
func Clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}

func looksHTML(s string) bool {
	head := strings.ToLower(strings.TrimSpace(s))
	if len(head) > 512 {
		head = head[:512]
	}
	return strings.HasPrefix(head, "<") &&
		(strings.Contains(head, "<html") || strings.Contains(head, "<!doctype") ||
			strings.Contains(head, "<head") || strings.Contains(head, "<body") ||
			strings.Contains(head, "<title") || strings.Contains(head, "<h1") || strings.Contains(head, "<p"))
}

// DropStatusEcho returns "" when msg only repeats the HTTP status ("502 Bad
// Gateway" from a proxy's error page), so the error text does not say it
// twice.
func DropStatusEcho(status int, msg string) string {
	m := strings.ToLower(strings.TrimSpace(msg))
	text := strings.ToLower(http.StatusText(status))
	code := strconv.Itoa(status)
	switch m {
	case "", text, code, code + " " + text, code + " - " + text, "error " + code, "http " + code:
		return ""
	}
	return msg
}

// Redact masks the secrets in s with secret.Redact's rule: one of six
// characters or more wherever it occurs, a shorter one where it stands
// alone, as an echoed value does. Clients run it over every message they
// build as a last line of defence against a provider echoing a credential
// back.
func Redact(s string, secrets ...string) string {
	return secret.Redact(s, secrets...)
}

// RedactError applies Redact to the message of a *provider.Error in place and
// returns it. Other errors are returned unchanged.
func RedactError(err error, secrets ...string) error {
	var perr *provider.Error
	if errors.As(err, &perr) {
		perr.Message = Redact(perr.Message, secrets...)
		perr.Code = Redact(perr.Code, secrets...)
	}
	return err
}
