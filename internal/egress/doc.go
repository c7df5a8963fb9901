// Package egress is the only way ihub builds outbound HTTP clients. Every URL
// ihub calls is supplied by a user (webhook endpoints, provider base URLs), so
// ihub is an SSRF target by design; the clients made here defend against that:
//
//   - The resolved IP address is checked when each connection is dialled, not
//     when the URL is saved, so DNS rebinding cannot slip past the check. By
//     default loopback, private, link-local, CGNAT, multicast and similar
//     addresses are refused; Options.AllowPrivate lifts that for connections
//     to servers on private networks, but cloud metadata addresses stay
//     refused (see CheckIP).
//   - Proxies from the environment (HTTP_PROXY and friends) are never used,
//     since a proxy would dial on our behalf and bypass the check.
//   - Redirects are followed only on the same host (see NewClient).
//   - Every request has a timeout and a User-Agent.
//
// ValidateBaseURL checks the shape of a URL when a user enters it, with
// messages fit to show beside the form field.
//
// It imports nothing from ihub.
package egress
