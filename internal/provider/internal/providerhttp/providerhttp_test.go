package providerhttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"ihub/internal/provider"
)

func TestParseBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "https://whm.example.com:2087", want: "https://whm.example.com:2087"},
		{in: "https://whm.example.com:2087/", want: "https://whm.example.com:2087"},
		{in: " https://example.com/whmcs/ ", want: "https://example.com/whmcs"},
		{in: "http://10.0.0.5", want: "http://10.0.0.5"},
		{in: "https://host/api/v3", want: "https://host/api/v3"},
		{in: "", wantErr: "not set"},
		{in: "example.com:2087", wantErr: "https:// or http://"},
		{in: "ftp://example.com", wantErr: "https:// or http://"},
		{in: "https://", wantErr: "no host"},
		{in: "https://root:hunter2@example.com", wantErr: "user name or password"},
		{in: "https://example.com/?token=abc", wantErr: "query string"},
		{in: "https://example.com/#x", wantErr: "query string"},
		{in: "https://exa mple.com", wantErr: "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			u, err := ParseBaseURL(tt.in)
			if tt.wantErr != "" {
				var perr *provider.Error
				if !errors.As(err, &perr) || perr.Kind != provider.ErrInvalid || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseBaseURL(%q) error = %v, want an invalid error containing %q", tt.in, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "abc") {
					t.Errorf("ParseBaseURL(%q) error %q echoes the URL", tt.in, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseBaseURL(%q) error = %v", tt.in, err)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("ParseBaseURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"absent", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"fractional seconds", "1.5", 1500 * time.Millisecond},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"absurd", "99999999", 0},
		{"http date", "Sun, 22 Nov 2026 10:01:30 GMT", 90 * time.Second},
		{"past date", "Sun, 22 Nov 2026 09:00:00 GMT", 0},
		{"garbage", "soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			if got := RetryAfter(h, now); got != tt.want {
				t.Errorf("RetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", MaxExcerpt+50)
	tests := []struct {
		name, body, want string
	}{
		{"plain text", "  Access   denied\n", "Access denied"},
		{"html title", "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>", "502 Bad Gateway"},
		{"html entities in title", "<html><head><title>Tom &amp; Jerry&#39;s</title></head></html>", "Tom & Jerry's"},
		{"html without title", "<html><body><script>var x = '<b>';</script><style>p{}</style><!-- c --><p>Service <b>unavailable</b></p></body></html>", "Service unavailable"},
		{"empty title falls back to text", "<html><head><title> </title></head><body><p>Oops</p></body></html>", "Oops"},
		{"only markup", "<html><body></body></html>", ""},
		{"long text is clipped", long, strings.Repeat("é", MaxExcerpt) + "…"},
		{"invalid utf-8", "bad \xff bytes", "bad bytes"},
		{"json is kept as text", `{"x":1}`, `{"x":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Excerpt([]byte(tt.body)); got != tt.want {
				t.Errorf("Excerpt(%.40q) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

func TestDropStatusEcho(t *testing.T) {
	t.Parallel()
	for _, msg := range []string{"502 Bad Gateway", "Bad Gateway", "bad gateway", "502", "  "} {
		if got := DropStatusEcho(502, msg); got != "" {
			t.Errorf("DropStatusEcho(502, %q) = %q, want \"\"", msg, got)
		}
	}
	if got := DropStatusEcho(502, "upstream timed out"); got != "upstream timed out" {
		t.Errorf("DropStatusEcho(502, %q) = %q, want it unchanged", "upstream timed out", got)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	got := Redact("token abc123 and abc123 again, user:abc123", "abc123", "")
	if want := "token [REDACTED] and [REDACTED] again, user:[REDACTED]"; got != want {
		t.Errorf("Redact() = %q, want %q", got, want)
	}
	err := RedactError(&provider.Error{Kind: provider.ErrAuth, Message: "bad abc123", Code: "abc123"}, "abc123")
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Message != "bad [REDACTED]" || perr.Code != "[REDACTED]" {
		t.Errorf("RedactError() = %#v, want message and code redacted", err)
	}
	// A one-character password is masked where it is quoted back, not in
	// every word that holds the letter.
	if got, want := Redact(`access denied to box.example for password "x" (max 3 tries)`, "x"),
		`access denied to box.example for password "[REDACTED]" (max 3 tries)`; got != want {
		t.Errorf("Redact() with a one-character secret = %q, want %q", got, want)
	}
	plain := errors.New("x")
	if RedactError(plain, "x") != plain {
		t.Errorf("RedactError(non-provider error) changed the error")
	}
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	resp := func(body string) *http.Response {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(body))}
	}
	b, err := ReadBody(resp("12345"), 5)
	if err != nil || string(b) != "12345" {
		t.Errorf("ReadBody(5 bytes, limit 5) = %q, %v; want the body", b, err)
	}
	_, err = ReadBody(resp("123456"), 5)
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Kind != provider.ErrProvider {
		t.Errorf("ReadBody(6 bytes, limit 5) error = %v, want a provider error", err)
	}
	big := &http.Response{StatusCode: 500, Body: io.NopCloser(strings.NewReader(strings.Repeat("x", MaxErrorBody+10)))}
	if got := len(ReadErrorBody(big)); got != MaxErrorBody {
		t.Errorf("len(ReadErrorBody(huge)) = %d, want %d", got, MaxErrorBody)
	}
}

func TestStatusKind(t *testing.T) {
	t.Parallel()
	got := map[int]provider.ErrorKind{}
	for _, s := range []int{400, 401, 403, 404, 407, 410, 422, 429, 500, 503} {
		got[s] = StatusKind(s)
	}
	want := map[int]provider.ErrorKind{
		400: provider.ErrProvider, 401: provider.ErrAuth, 403: provider.ErrAuth, 404: provider.ErrNotFound,
		407: provider.ErrAuth, 410: provider.ErrNotFound, 422: provider.ErrProvider, 429: provider.ErrRateLimited,
		500: provider.ErrProvider, 503: provider.ErrProvider,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("StatusKind mismatch (-want +got):\n%s", diff)
	}
}

func TestTransportError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	do := func(ctx context.Context, hc *http.Client, u string) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"/path?token=SECRET", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("request to %s succeeded", u)
		}
		return TransportError(ctx, req.URL.Host, err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(20*time.Millisecond, cancel)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"refused", do(t.Context(), http.DefaultClient, closedURL), "cannot reach 127.0.0.1:"},
		{"cancelled", do(ctx, http.DefaultClient, srv.URL), "cancelled: context canceled"},
		{"client timeout", do(t.Context(), &http.Client{Timeout: 20 * time.Millisecond}, srv.URL), "timed out"},
	}
	dctx, dcancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer dcancel()
	tests = append(tests, struct {
		name string
		err  error
		want string
	}{"deadline", do(dctx, http.DefaultClient, srv.URL), "timed out: context deadline exceeded"})

	for _, tt := range tests {
		var perr *provider.Error
		if !errors.As(tt.err, &perr) || perr.Kind != provider.ErrTransport {
			t.Errorf("%s: error = %v, want a transport error", tt.name, tt.err)
			continue
		}
		if !strings.Contains(perr.Error(), tt.want) {
			t.Errorf("%s: error = %q, want it to contain %q", tt.name, perr.Error(), tt.want)
		}
		if strings.Contains(perr.Error(), "SECRET") || strings.Contains(perr.Error(), "/path") {
			t.Errorf("%s: error = %q names the URL's path or query", tt.name, perr.Error())
		}
	}
}
