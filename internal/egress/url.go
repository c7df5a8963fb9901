package egress

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ErrInvalidURL is wrapped by every error ValidateBaseURL returns.
var ErrInvalidURL = errors.New("egress: invalid url")

// urlError is a ValidateBaseURL failure. Its message is the bare reason
// ("must use http or https"), without the usual package prefix, because it
// is written to be shown beside the form field that holds the URL.
type urlError string

func (e urlError) Error() string { return string(e) }
func (e urlError) Unwrap() error { return ErrInvalidURL }

// ValidateBaseURL checks a URL entered by a user as the base of an outbound
// API or webhook endpoint, and returns it parsed. Surrounding whitespace is
// ignored. The URL must be absolute http or https with a host, must not
// carry credentials (user:password@), must have a port between 1 and 65535
// if it has one, and must not have a fragment. A path and a query are
// allowed.
//
// The error wraps ErrInvalidURL, and its message is a short lowercase
// sentence fragment fit to show as a field error, such as "must use http or
// https". It never repeats the input, which may contain a secret.
//
// ValidateBaseURL does not resolve the host or judge its address: that is
// done when the client dials (see NewClient), where it cannot be raced by a
// DNS change.
func ValidateBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, urlError("must not be empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the input, credentials included: drop it.
		return nil, urlError("must be a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, urlError("must use http or https")
	}
	if u.User != nil {
		return nil, urlError("must not contain credentials")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, urlError("must include a host")
	}
	if msg := checkHost(u.Hostname()); msg != "" {
		return nil, urlError(msg)
	}
	if strings.HasSuffix(u.Host, ":") {
		return nil, urlError("port must be between 1 and 65535")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, urlError("port must be between 1 and 65535")
		}
	}
	// An empty fragment ("https://h/#") leaves no trace in url.URL.
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, urlError("must not contain a fragment")
	}
	return u, nil
}

// checkHost says what is wrong with a URL's host ("" when nothing): it is
// an IP address, or a name of dot-separated labels. A name whose last
// label is a number ("127.1", "2130706433", "0x7f.0.0.1", "127.0.0.1.")
// is an IPv4 address in a form browsers and C resolvers read but Go does
// not: it would be looked up in DNS, fail, and be retried for days.
func checkHost(host string) string {
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	name := strings.TrimSuffix(host, ".")
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" {
			return "host must be a name or an IP address"
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 0x80) {
				return "host must be a name or an IP address"
			}
		}
	}
	last := strings.ToLower(labels[len(labels)-1])
	hex := strings.TrimPrefix(last, "0x")
	if strings.Trim(last, "0123456789") == "" || (hex != last && strings.Trim(hex, "0123456789abcdef") == "") {
		return "host must be a name, or an IP address written in full (such as 192.0.2.10)"
	}
	return ""
}
