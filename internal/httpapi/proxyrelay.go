package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"ihub/internal/provider"
)

// urlHeaders are answer headers whose value is a URL (Link: URLs in angle
// brackets) that may point back into the provider's API, with whatever
// query the provider chose to echo, the injected credential included.
var urlHeaders = []string{"Location", "Content-Location"}

// minRedact is the shortest secret withheld by text replacement; shorter
// strings would match too much ordinary header text to be useful.
const minRedact = 6

// relay makes the provider's answer headers safe and useful for the
// caller: URLs inside the provider's API base become the matching proxy
// URLs, the query parameters the adapter's Authorize injected are removed
// from every URL (also when spelled with other cases), and any credential
// still left in any header is replaced by [REDACTED]. Bodies are the
// provider's business and are relayed untouched.
type relay struct {
	base     *url.URL // the proxy base (Proxyable.ProxyBase)
	upstream *url.URL // the URL the answer is for, to resolve relative references
	prefix   string   // "/api/v1/integrations/{id}/proxy/"
	keys     []string // query parameters injected by Authorize
	secrets  []string // credentials in the forms they take on the wire
}

// newRelay works out what Authorize added to out: beforeQuery is out's raw
// query before Authorize ran.
func newRelay(base *url.URL, id, beforeQuery string, out *http.Request, conn provider.Connection) *relay {
	r := &relay{base: base, upstream: out.URL, prefix: "/api/v1/integrations/" + url.PathEscape(id) + "/proxy/"}
	add := func(s string) {
		if len(s) >= minRedact && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	if out.URL.RawQuery != beforeQuery {
		before, _ := url.ParseQuery(beforeQuery) // a bad pair is skipped: compare what parses
		after, _ := url.ParseQuery(out.URL.RawQuery)
		for k, vs := range after {
			if slices.Equal(before[k], vs) {
				continue
			}
			r.keys = append(r.keys, k)
			for _, v := range vs {
				if !slices.Contains(before[k], v) {
					add(v)
					add(url.QueryEscape(v))
				}
			}
		}
	}
	for _, v := range conn.Credentials {
		s := v.Reveal()
		add(s)
		add(url.QueryEscape(s))
	}
	// The Authorization header carries OAuth tokens that are not among the
	// stored credentials, and Basic credentials in base64.
	for _, v := range out.Header.Values("Authorization") {
		add(v)
		if _, cred, ok := strings.Cut(v, " "); ok {
			add(strings.TrimSpace(cred))
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	return r
}

// headers rewrites h (the answer headers about to be sent) in place.
func (r *relay) headers(h http.Header) {
	for name, vs := range h {
		link := strings.EqualFold(name, "Link")
		isURL := containsFold(urlHeaders, name)
		for i, v := range vs {
			switch {
			case isURL:
				v = r.url(v)
			case link:
				v = r.links(v)
			}
			vs[i] = r.redact(v)
		}
	}
}

// links rewrites the URLs of a Link header value: <url>; rel="next", ….
func (r *relay) links(v string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(v, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(v[open:], '>')
		if end < 0 {
			break
		}
		end += open
		b.WriteString(v[:open+1])
		b.WriteString(r.url(v[open+1 : end]))
		b.WriteByte('>')
		v = v[end+1:]
	}
	b.WriteString(v)
	return b.String()
}

// url maps one URL reference from the provider: inside the API base it
// becomes the proxy URL for the same path, elsewhere it is relayed (made
// absolute if it was relative to the provider). Injected query parameters
// are removed in both cases.
func (r *relay) url(v string) string {
	ref, err := url.Parse(strings.TrimSpace(v))
	if err != nil || strings.TrimSpace(v) == "" {
		return v // redact still withholds any credential in it
	}
	abs := r.upstream.ResolveReference(ref)
	query := dropParams(abs.RawQuery, r.keys, nil)
	rest, inside := r.rest(abs)
	if !inside {
		if ref.IsAbs() && query == abs.RawQuery {
			return v
		}
		abs.RawQuery, abs.ForceQuery = query, false
		return abs.String()
	}
	// proxyTarget adds the base URL's own query to every request: drop it
	// here so that following the link does not send it twice.
	query = dropParams(query, nil, r.base.Query())
	out := r.prefix + rest
	if query != "" {
		out += "?" + query
	}
	if abs.Fragment != "" {
		out += "#" + abs.EscapedFragment()
	}
	return out
}

// rest returns the escaped path of u below the proxy base, without the
// leading slash, and whether u lies inside the base at all (same scheme,
// host and port, and a path at or below the base path).
func (r *relay) rest(u *url.URL) (string, bool) {
	if !strings.EqualFold(u.Scheme, r.base.Scheme) || !sameHost(u, r.base) || u.User != nil && r.base.User == nil {
		return "", false
	}
	basePath := strings.TrimSuffix(r.base.Path, "/")
	if u.Path != basePath && !strings.HasPrefix(u.Path, basePath+"/") {
		return "", false
	}
	if ep, eb := u.EscapedPath(), strings.TrimSuffix(r.base.EscapedPath(), "/"); strings.HasPrefix(ep, eb) {
		return strings.TrimPrefix(ep[len(eb):], "/"), true
	}
	return strings.TrimPrefix((&url.URL{Path: u.Path[len(basePath):]}).EscapedPath(), "/"), true
}

func sameHost(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// dropParams returns the raw query without the parameters named in keys
// (compared case-insensitively) and without the exact pairs in pairs; the
// others keep their order and encoding.
func dropParams(raw string, keys []string, pairs url.Values) string {
	if raw == "" || len(keys) == 0 && len(pairs) == 0 {
		return raw
	}
	parts := strings.Split(raw, "&")
	kept := parts[:0]
	for _, part := range parts {
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if slices.ContainsFunc(keys, func(s string) bool { return strings.EqualFold(s, k) }) {
			continue
		}
		if uv, err := url.QueryUnescape(v); err == nil && slices.Contains(pairs[k], uv) {
			continue
		}
		if part != "" {
			kept = append(kept, part)
		}
	}
	return strings.Join(kept, "&")
}

// redact replaces every credential in v.
func (r *relay) redact(v string) string {
	for _, s := range r.secrets {
		if strings.Contains(v, s) {
			v = strings.ReplaceAll(v, s, "[REDACTED]")
		}
	}
	return v
}
