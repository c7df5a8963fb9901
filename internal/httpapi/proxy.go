package httpapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"ihub/internal/apperr"
	"ihub/internal/auth"
	"ihub/internal/integration"
	"ihub/internal/outbound"
	"ihub/internal/provider"
)

// Proxy limits.
const (
	// MaxProxyRequestBody caps what a caller may send through the proxy.
	MaxProxyRequestBody = 32 << 20
	// MaxProxyResponseBody caps what the proxy relays back; a longer answer
	// is cut off (the connection is aborted so the caller sees an error,
	// not a silently truncated body).
	MaxProxyResponseBody = 64 << 20
	// ProxyTimeout bounds one proxied request.
	ProxyTimeout = 60 * time.Second
)

// hopHeaders are never forwarded in either direction (RFC 9110 §7.6.1),
// nor are the caller's credentials, cookies and forwarding headers, which
// would either leak ihub's own credentials to the provider or let the
// caller choose the provider's. Expect is answered on each hop: net/http
// sends the caller its 100 Continue when the body is first read, that is
// when the transport starts sending it to the provider, and a body that is
// refused never gets one.
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer",
	"Transfer-Encoding", "Upgrade", "Authorization", "Cookie", "X-Api-Key", "X-Auth-Token", "Private-Token",
	"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip", "Host", "Expect",
}

// respDropHeaders are upstream answer headers not relayed to the caller.
var respDropHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Te", "Trailer", "Transfer-Encoding",
	"Upgrade", "Set-Cookie", "Content-Length", "Strict-Transport-Security", "Alt-Svc",
}

// proxy is the credential-injecting proxy:
// /api/v1/integrations/{id}/proxy/{path...}, any method. It forwards to the
// provider's API base with the integration's credentials added by the
// adapter, streams bodies both ways and never shows the caller a secret.
func (s *Server) proxy(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rid := requestID(ctx)
	fail := func(err error) {
		writeProblem(w, r, toProblem(ctx, http.StatusInternalServerError, "proxy", err))
	}
	cookie := ""
	if c, err := r.Cookie(SessionCookie); err == nil {
		cookie = c.Value
	}
	pr, err := s.identify(ctx, r.Header.Get("Authorization"), cookie)
	if err != nil {
		if apperr.Is(err, apperr.Unauthenticated) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ihub"`)
		}
		fail(err)
		return
	}
	if !pr.Can(auth.PermIntegrationsProxy) {
		fail(apperr.E(apperr.Forbidden, "this needs the %s permission", auth.PermIntegrationsProxy))
		return
	}
	ctx = context.WithValue(ctx, keyPrincipal, pr)
	h, err := s.d.Integrations.Clients().Get(ctx, r.PathValue("id"))
	if err != nil {
		fail(err)
		return
	}
	p, ok := h.Provider.(provider.Proxyable)
	if !ok {
		fail(apperr.E(apperr.NotFound, "provider %s cannot be reached through the proxy", h.Integration.Provider))
		return
	}
	if !h.Integration.IsActive {
		fail(apperr.E(apperr.Conflict, "the integration is inactive; activate it to use the proxy"))
		return
	}
	base, target, err := proxyTarget(p, h, r)
	if err != nil {
		fail(err)
		return
	}
	if r.ContentLength > MaxProxyRequestBody {
		// Refused before anything reaches the provider (or, for Zoho, its
		// token endpoint): forwarding would send it a request cut short.
		fail(proxyTooLarge())
		return
	}
	ctx, cancel := context.WithTimeout(outbound.WithSource(ctx, "proxy"), ProxyTimeout)
	defer cancel()
	var body io.Reader
	if r.Body != nil && r.Body != http.NoBody {
		body = http.MaxBytesReader(w, r.Body, MaxProxyRequestBody)
	}
	// Metrics group the call with the adapter's own calls to the same
	// endpoint, never by the raw path (ids, user names) or the query.
	tpl := outbound.Method(r.Method) + " " + provider.PathTemplate(endpointPath(h.Conn.BaseURL, base, target))
	out, err := http.NewRequestWithContext(provider.WithEndpoint(ctx, tpl), r.Method, target.String(), body)
	if err != nil {
		fail(apperr.InvalidFields("the request cannot be forwarded", apperr.FieldError{Field: "path", Message: "is not a valid path"}))
		return
	}
	out.ContentLength = r.ContentLength
	copyHeaders(out.Header, r.Header, hopHeaders)
	dropConnectionHeaders(out.Header, r.Header)
	if out.Header.Get("User-Agent") == "" {
		out.Header.Set("User-Agent", "ihub-proxy") // also spares the egress client a request clone
	}
	beforeQuery := out.URL.RawQuery
	if err := p.Authorize(ctx, out, h.Conn); err != nil {
		fail(s.d.Integrations.ProviderFailure(err, h.Conn))
		return
	}
	rl := newRelay(base, r.PathValue("id"), beforeQuery, out, h.Conn)
	resp, err := h.Proxy.Do(out)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(proxyTooLarge()) // a chunked body that turned out too long: cut off mid-way
			return
		}
		fail(proxyFailure(ctx, err))
		return
	}
	defer resp.Body.Close()
	copyHeaders(w.Header(), resp.Header, respDropHeaders)
	dropConnectionHeaders(w.Header(), resp.Header)
	rl.headers(w.Header())
	w.Header().Set("X-Ihub-Request-Id", rid)
	if resp.ContentLength >= 0 && resp.ContentLength <= MaxProxyResponseBody {
		w.Header().Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	var dst io.Writer = w
	if resp.ContentLength < 0 {
		dst = flushWriter{w} // streamed answer: relay each piece as it comes
	}
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	n, err := io.CopyBuffer(dst, io.LimitReader(resp.Body, MaxProxyResponseBody+1), *buf)
	if n > MaxProxyResponseBody || (err != nil && ctx.Err() == nil) {
		// Headers are gone: the only honest way to report a cut-off or a
		// broken upstream body is to abort the connection.
		panic(http.ErrAbortHandler)
	}
}

func proxyTooLarge() error {
	return apperr.E(apperr.TooLarge, "the request body is larger than %d MiB", MaxProxyRequestBody>>20)
}

// copyBufs holds the buffers proxied answers are copied through. io.Copy
// made a new 32 KiB one for every request (neither the limited body nor the
// wrapped ResponseWriter offers a faster path): two thirds of everything
// the proxy allocated, and the garbage collector's work with it.
var copyBufs = sync.Pool{New: func() any {
	b := make([]byte, 32<<10)
	return &b
}}

// proxyTarget joins the provider's API base with the caller's path and
// query. Dot segments and encoded slashes are refused so that the path
// cannot climb out of the base.
func proxyTarget(p provider.Proxyable, h *integration.Handle, r *http.Request) (base, target *url.URL, err error) {
	base, err = p.ProxyBase(h.Conn)
	if err != nil {
		return nil, nil, apperr.E(apperr.Conflict, "the integration's base URL cannot be used by the proxy")
	}
	rest := r.PathValue("path")
	for _, seg := range strings.Split(rest, "/") {
		if seg == "." || seg == ".." {
			return nil, nil, apperr.InvalidFields("the path is not valid", apperr.FieldError{Field: "path", Message: "must not contain . or .. segments"})
		}
	}
	if raw := r.URL.EscapedPath(); strings.Contains(strings.ToLower(raw), "%2f") || strings.Contains(raw, "%2e%2e") {
		return nil, nil, apperr.InvalidFields("the path is not valid", apperr.FieldError{Field: "path", Message: "must not contain encoded slashes or dots"})
	}
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + "/" + rest
	u.RawPath = ""
	q := base.Query()
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	if len(q) == 0 {
		u.RawQuery = ""
	}
	return base, &u, nil
}

// endpointPath is target's path relative to the integration's base URL,
// which adapters' endpoint templates are relative to too (AWX's include the
// API path the proxy base adds), or to the proxy base when the base URL is
// not set (a provider's default) or does not lead to target.
func endpointPath(baseURL string, base, target *url.URL) string {
	if u, err := url.Parse(baseURL); err == nil && baseURL != "" && strings.EqualFold(u.Host, target.Host) {
		if p := strings.TrimSuffix(u.Path, "/"); strings.HasPrefix(target.Path, p+"/") {
			return target.Path[len(p):]
		}
	}
	return target.Path[len(strings.TrimSuffix(base.Path, "/")):]
}

func proxyFailure(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, outbound.ErrCircuitOpen):
		msg := outbound.ErrCircuitOpen.Error()
		if ue, ok := errors.AsType[*url.Error](err); ok { // the URL may carry a query credential
			msg = ue.Err.Error()
		}
		return apperr.E(apperr.BadGateway, "%s", msg)
	case errors.Is(err, outbound.ErrRateLimited):
		e := apperr.E(apperr.TooManyRequests, "%s", outbound.ErrRateLimited.Error())
		e.RetryAfter = time.Second
		return e
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return apperr.E(apperr.GatewayTimeout, "the provider did not answer in time")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL may carry a credential (query key): never show it
	}
	return apperr.E(apperr.BadGateway, "the provider cannot be reached: %s", scrubText(err.Error()))
}

// scrubText keeps an error text short and free of URLs.
func scrubText(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[:max(0, strings.LastIndex(s[:i], " "))] + " (address withheld)"
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.TrimSpace(s)
}

func copyHeaders(dst, src http.Header, drop []string) {
	for k, vs := range src {
		if containsFold(drop, k) {
			continue
		}
		dst[k] = append(dst[k][:0:0], vs...)
	}
}

// dropConnectionHeaders removes the headers the Connection header names.
func dropConnectionHeaders(dst, src http.Header) {
	for _, v := range src.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" {
				dst.Del(name)
			}
		}
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// flushWriter flushes after every write so that streamed answers (server-
// sent events, long downloads) reach the caller as they arrive.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	} else {
		_ = http.NewResponseController(f.w).Flush() // best effort: buffering only delays the bytes
	}
	return n, err
}

// documentProxy adds the proxy to the OpenAPI document. It is served by a
// plain handler (bodies are streamed, not decoded), so huma does not know it.
func (s *Server) documentProxy() {
	const path = "/api/v1/integrations/{id}/proxy/{path}"
	access := string(auth.PermIntegrationsProxy)
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		op := &huma.Operation{
			OperationID: "proxy" + m[:1] + strings.ToLower(m[1:]),
			Method:      m, Path: path, Tags: []string{"Proxy"},
			Summary: m + " through the credential-injecting proxy",
			Description: "Forwards the request to the integration's provider API (path and query appended to the provider's API base) " +
				"with the integration's credentials added; the caller's Authorization, Cookie and hop-by-hop headers are never forwarded. " +
				"Bodies stream both ways (request up to 32 MiB, answer up to 64 MiB). Redirects are relayed, never followed. " +
				"The provider's status, headers and body are returned as they are, except that Set-Cookie is dropped, URLs in " +
				"Location, Content-Location and Link that point inside the provider's API base are rewritten to the matching proxy URL, " +
				"and credentials the proxy added (query parameters included) are removed from every header; failures of the proxy itself " +
				"are problem+json: 404 unknown integration or no proxy for this provider, 409 inactive, 429 client-side rate limit, " +
				"502 provider unreachable or circuit open, 504 no answer in 60 s.\n\nRequires: " + access + ".",
			Metadata: map[string]any{"access": access},
			Security: []map[string][]string{{"bearer": {}}, {"session": {}}},
			Parameters: []*huma.Param{
				{Name: "id", In: "path", Required: true, Description: "Integration id or slug.", Schema: &huma.Schema{Type: huma.TypeString}},
				{Name: "path", In: "path", Required: true, Description: "The provider API path, slashes included (e.g. user/repos).",
					Schema: &huma.Schema{Type: huma.TypeString}},
			},
			Responses: map[string]*huma.Response{
				"default": {Description: "The provider's answer, relayed."},
				"401":     {Description: "Not signed in.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				"403":     {Description: "Missing " + access + ".", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				"404":     {Description: "No such integration, or its provider has no proxy.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				"409":     {Description: "The integration is inactive.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				"422":     {Description: "The path has . or .. segments, empty ones or encoded slashes or dots.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				"429":     {Description: "Client-side rate limit; Retry-After says when to try again.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				"502":     {Description: "The provider cannot be reached, or its circuit breaker is open.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
				"504":     {Description: "The provider did not answer in 60 s.", Content: map[string]*huma.MediaType{"application/problem+json": {}}},
			},
		}
		if m != http.MethodGet && m != http.MethodDelete {
			op.RequestBody = &huma.RequestBody{Description: "Forwarded as is.", Content: map[string]*huma.MediaType{"*/*": {}}}
			op.Responses["413"] = &huma.Response{Description: "The body is larger than 32 MiB.", Content: map[string]*huma.MediaType{"application/problem+json": {}}}
		}
		s.api.OpenAPI().AddOperation(op)
	}
}
