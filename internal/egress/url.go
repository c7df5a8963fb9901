package egress

import (
	"errors"
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
