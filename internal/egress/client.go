package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout     = 30 * time.Second
	DefaultDialTimeout = 10 * time.Second
	DefaultUserAgent   = "ihub"
)

// maxRedirects is how many same-host redirects a client follows.
const maxRedirects = 5

// ErrRedirectBlocked is wrapped by the error a client's request returns when a
// redirect is not followed: it leads to another host (or port), downgrades
// https to http, or is the sixth in a row. The request fails rather than
// returning the 3xx response, so the caller sees why.
var ErrRedirectBlocked = errors.New("egress: redirect blocked")

// Options configures NewClient. The zero value is the strict default.
type Options struct {
	// AllowPrivate lets the client connect to loopback, private, link-local
	// and other non-public addresses, for integrations with servers on a
	// private network. Cloud metadata addresses stay refused; see CheckIP.
	AllowPrivate bool
	// Timeout bounds a whole request, from dialling to reading the end of the
	// body, including redirects. Zero or negative means DefaultTimeout.
	// Callers should also pass a context with a deadline.
	Timeout time.Duration
	// DialTimeout bounds establishing a TCP connection. Zero or negative
	// means DefaultDialTimeout.
	DialTimeout time.Duration
	// UserAgent is sent on requests that set no User-Agent header. Empty
	// means DefaultUserAgent.
	UserAgent string
	// InsecureSkipVerify accepts any TLS certificate (self-signed servers).
	// The connection is still encrypted, but anyone on the path can pose as
	// the server: integrations opt in one by one.
	InsecureSkipVerify bool
}

// NewClient returns an HTTP client for outbound calls, with its own transport
// (connections are not shared with other clients). The client:
//
//   - checks every address it dials with CheckIP(ip, o.AllowPrivate), after
//     DNS resolution, so that a hostname that resolves (or later rebinds) to
//     a refused address fails with an error wrapping ErrBlockedAddress;
//   - never uses a proxy, whatever HTTP_PROXY and friends say, since a proxy
//     would dial on the client's behalf and bypass that check;
//   - follows at most 5 redirects, and only to the same host and port, or
//     from http to https on the same host with default ports; any other
//     redirect fails with an error wrapping ErrRedirectBlocked;
//   - sets User-Agent on requests that carry none;
//   - applies o.Timeout to each request and o.DialTimeout to each dial, and
//     allows HTTP/2 over TLS.
//
// The client is safe for concurrent use. Build one per configuration and
// reuse it; each holds a pool of idle connections.
func NewClient(o Options) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = DefaultDialTimeout
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	dialer := &net.Dialer{
		Timeout:   o.DialTimeout,
		KeepAlive: 30 * time.Second,
		Control:   dialControl(o.AllowPrivate),
	}
	t := &http.Transport{
		Proxy:             nil, // never: a proxy would bypass the dial-time check
		DialContext:       dialer.DialContext,
		ForceAttemptHTTP2: true,
		// Proxy traffic to one provider is many concurrent requests to
		// one host: keep enough idle connections that bursts do not
		// re-dial (the default 2, or 10, made the proxy dial constantly).
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: 1 * time.Second,
	}
	if o.InsecureSkipVerify {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // the integration asked for it
	}
	return &http.Client{
		Transport:     &userAgentTransport{base: t, userAgent: o.UserAgent},
		CheckRedirect: checkRedirect,
		Timeout:       o.Timeout,
	}
}

// userAgentTransport sets a default User-Agent.
type userAgentTransport struct {
	base      *http.Transport
	userAgent string
}

// RoundTrip adds the User-Agent header unless the request has one. A request
// whose User-Agent is present but empty is left alone: net/http then sends
// none, which is what such a caller asked for.
func (t *userAgentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if _, ok := r.Header["User-Agent"]; ok {
		return t.base.RoundTrip(r)
	}
	// A RoundTripper must not modify the caller's request.
	r2 := r.Clone(r.Context())
	if r2.Header == nil {
		r2.Header = make(http.Header)
	}
	r2.Header.Set("User-Agent", t.userAgent)
	return t.base.RoundTrip(r2)
}

// CloseIdleConnections closes the transport's idle connections, so that
// (*http.Client).CloseIdleConnections works through the wrapper.
func (t *userAgentTransport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// checkRedirect is the http.Client redirect policy; see NewClient. It
// compares each hop with the original request, so a chain cannot wander off
// one step at a time, and with the previous hop, so that https is never
// downgraded to http.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("egress: stopped after %d redirects: %w", maxRedirects, ErrRedirectBlocked)
	}
	from, prev, to := via[0].URL, via[len(via)-1].URL, req.URL
	if prev.Scheme == "https" && to.Scheme != "https" {
		return fmt.Errorf("egress: refusing redirect from https to %s: %w", to.Scheme, ErrRedirectBlocked)
	}
	if !sameHost(from, to) {
		return fmt.Errorf("egress: refusing redirect from %s to another host, %s: %w", from.Host, to.Host, ErrRedirectBlocked)
	}
	return nil
}

// sameHost reports whether to reaches the same server as from: the same
// host name (case-insensitively) and port, or from http to https with both
// ports left at their defaults.
func sameHost(from, to *url.URL) bool {
	if !strings.EqualFold(from.Hostname(), to.Hostname()) {
		return false
	}
	fp, tp := effectivePort(from), effectivePort(to)
	if fp == tp {
		return true
	}
	return from.Scheme == "http" && to.Scheme == "https" && fp == "80" && tp == "443"
}

func effectivePort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// NewDialer returns a dial function with the same address check as
// NewClient's, for protocols other than HTTP (SMTP): every address is
// checked after DNS resolution, so a name that resolves to a refused
// address fails with an error wrapping ErrBlockedAddress.
func NewDialer(allowPrivate bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second, Control: dialControl(allowPrivate)}
	return d.DialContext
}
