package egress_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ihub/internal/egress"
)

// get fetches u with c and returns the status and body.
func get(t *testing.T, c *http.Client, u string, header http.Header) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), nil
}

// newServer starts an httptest server on 127.0.0.1 that answers "ok" and
// counts its requests.
func newServer(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// localhostURL returns srv's URL with the host written as "localhost".
func localhostURL(srv *httptest.Server) string {
	u, _ := url.Parse(srv.URL)
	return "http://localhost:" + u.Port()
}

func TestClientPrivateAddress(t *testing.T) {
	t.Parallel()
	srv, hits := newServer(t)
	tests := []struct {
		name         string
		url          string
		allowPrivate bool
		wantBlocked  bool
	}{
		{"loopback ip refused", srv.URL, false, true},
		{"localhost name refused", localhostURL(srv), false, true},
		{"loopback ip allowed", srv.URL, true, false},
		{"localhost name allowed", localhostURL(srv), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := egress.NewClient(egress.Options{AllowPrivate: tt.allowPrivate})
			defer c.CloseIdleConnections()
			status, body, err := get(t, c, tt.url, nil)
			if tt.wantBlocked {
				if !errors.Is(err, egress.ErrBlockedAddress) {
					t.Fatalf("GET %s = %d, %v; want ErrBlockedAddress", tt.url, status, err)
				}
				if !strings.Contains(err.Error(), "loopback address (allowPrivateNetwork is off)") {
					t.Errorf("GET %s error = %q, want it to say why", tt.url, err)
				}
				return
			}
			if err != nil || status != http.StatusOK || body != "ok" {
				t.Errorf("GET %s = %d, %q, %v; want 200, \"ok\", nil", tt.url, status, body, err)
			}
		})
	}
	t.Cleanup(func() {
		if got := hits.Load(); got != 2 {
			t.Errorf("server saw %d requests, want 2 (the refused ones must not connect)", got)
		}
	})
}

func TestClientMetadataAlwaysRefused(t *testing.T) {
	t.Parallel()
	// The dial is refused before connecting, so this needs no network.
	c := egress.NewClient(egress.Options{AllowPrivate: true, DialTimeout: time.Second})
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://[::ffff:169.254.169.254]/"} {
		_, _, err := get(t, c, u, nil)
		if !errors.Is(err, egress.ErrBlockedAddress) || !strings.Contains(err.Error(), "cloud metadata address") {
			t.Errorf("GET %s = %v, want a refusal naming the metadata address", u, err)
		}
	}
}

func TestClientRedirects(t *testing.T) {
	t.Parallel()
	other, otherHits := newServer(t)
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/ok":
			fmt.Fprint(w, "ok")
		case r.URL.Path == "/same":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case r.URL.Path == "/to-localhost":
			// Same port, other host name: a different host all the same.
			http.Redirect(w, r, localhostURL(srv)+"/ok", http.StatusFound)
		case r.URL.Path == "/to-other":
			http.Redirect(w, r, other.URL+"/", http.StatusTemporaryRedirect)
		case r.URL.Path == "/to-other-localhost":
			http.Redirect(w, r, localhostURL(other)+"/", http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/chain/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/chain/"))
			if n == 0 {
				fmt.Fprint(w, "ok")
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/chain/%d", n-1), http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name        string
		url         string
		wantBlocked bool
	}{
		{"same host", srv.URL + "/same", false},
		{"same host by name", localhostURL(srv) + "/same", false},
		{"to localhost from 127.0.0.1", srv.URL + "/to-localhost", true},
		{"to other port", srv.URL + "/to-other", true},
		{"to other host and port", srv.URL + "/to-other-localhost", true},
		{"five redirects", srv.URL + "/chain/5", false},
		{"six redirects", srv.URL + "/chain/6", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := egress.NewClient(egress.Options{AllowPrivate: true})
			defer c.CloseIdleConnections()
			status, body, err := get(t, c, tt.url, nil)
			if tt.wantBlocked {
				if !errors.Is(err, egress.ErrRedirectBlocked) {
					t.Errorf("GET %s = %d, %v; want ErrRedirectBlocked", tt.url, status, err)
				}
				return
			}
			if err != nil || status != http.StatusOK || body != "ok" {
				t.Errorf("GET %s = %d, %q, %v; want 200, \"ok\", nil", tt.url, status, body, err)
			}
		})
	}
	t.Cleanup(func() {
		if got := otherHits.Load(); got != 0 {
			t.Errorf("other server saw %d requests, want 0", got)
		}
	})
}

func TestClientUserAgent(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua, ok := r.Header["User-Agent"]
		fmt.Fprintf(w, "%v %q", ok, ua)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name   string
		opts   egress.Options
		header http.Header
		want   string
	}{
		{"default", egress.Options{}, nil, `true ["ihub"]`},
		{"configured", egress.Options{UserAgent: "ihub/1.2.3 (+https://example.com)"}, nil, `true ["ihub/1.2.3 (+https://example.com)"]`},
		{"request wins", egress.Options{UserAgent: "ihub/1"}, http.Header{"User-Agent": {"custom/2"}}, `true ["custom/2"]`},
		{"explicitly empty", egress.Options{}, http.Header{"User-Agent": {""}}, `false []`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.AllowPrivate = true
			c := egress.NewClient(tt.opts)
			defer c.CloseIdleConnections()
			_, body, err := get(t, c, srv.URL, tt.header)
			if err != nil || body != tt.want {
				t.Errorf("GET = %q, %v; want %q", body, err, tt.want)
			}
		})
	}
}

func TestClientDoesNotModifyRequest(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	c := egress.NewClient(egress.Options{AllowPrivate: true})
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, ok := req.Header["User-Agent"]; ok {
		t.Errorf("the caller's request gained a User-Agent header")
	}
}

func TestClientTimeout(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	c := egress.NewClient(egress.Options{AllowPrivate: true, Timeout: 100 * time.Millisecond})
	defer c.CloseIdleConnections()
	start := time.Now()
	_, _, err := get(t, c, srv.URL, nil)
	if err == nil {
		t.Fatalf("GET a stalled server = nil error, want a timeout")
	}
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("GET error = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("GET took %v, want about 100ms", d)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("GET error = %v, want a timeout, not cancellation", err)
	}
}
