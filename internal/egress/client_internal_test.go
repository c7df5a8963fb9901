package egress

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestNewClientTransport(t *testing.T) {
	t.Parallel()
	c := NewClient(Options{})
	if c.Timeout != DefaultTimeout {
		t.Errorf("Timeout = %v, want %v", c.Timeout, DefaultTimeout)
	}
	ua, ok := c.Transport.(*userAgentTransport)
	if !ok {
		t.Fatalf("Transport = %T, want *userAgentTransport", c.Transport)
	}
	tr := ua.base
	if tr.Proxy != nil {
		t.Errorf("Transport.Proxy is set; environment proxies would bypass the dial-time check")
	}
	if !tr.ForceAttemptHTTP2 {
		t.Errorf("ForceAttemptHTTP2 = false, want true")
	}
	if tr.TLSHandshakeTimeout != 10*time.Second {
		t.Errorf("TLSHandshakeTimeout = %v, want 10s", tr.TLSHandshakeTimeout)
	}
	if tr == http.DefaultTransport {
		t.Errorf("client shares http.DefaultTransport")
	}
	if c2 := NewClient(Options{}); c2.Transport.(*userAgentTransport).base == tr {
		t.Errorf("two clients share one transport")
	}
}

func TestCheckRedirect(t *testing.T) {
	t.Parallel()
	req := func(u string) *http.Request {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name string
		via  []string
		to   string
		ok   bool
	}{
		{"same host path", []string{"https://api.example.com/a"}, "https://api.example.com/b", true},
		{"same host case", []string{"https://api.example.com/a"}, "https://API.Example.com/b", true},
		{"explicit default port", []string{"https://api.example.com/a"}, "https://api.example.com:443/b", true},
		{"http to https", []string{"http://api.example.com/a"}, "https://api.example.com/a", true},
		{"http to https other port", []string{"http://api.example.com:8080/a"}, "https://api.example.com:8443/a", false},
		{"https to http", []string{"https://api.example.com/a"}, "http://api.example.com/a", false},
		{"https to http after upgrade", []string{"http://h/a", "https://h/a"}, "http://h/b", false},
		{"other host", []string{"https://api.example.com/a"}, "https://evil.example.net/", false},
		{"subdomain", []string{"https://example.com/a"}, "https://www.example.com/a", false},
		{"other port", []string{"http://h:8080/a"}, "http://h:8081/a", false},
		{"other host after a same-host hop", []string{"https://a/", "https://a/x"}, "https://b/", false},
		{"five hops", []string{"https://a/1", "https://a/2", "https://a/3", "https://a/4", "https://a/5"}, "https://a/6", true},
		{"six hops", []string{"https://a/1", "https://a/2", "https://a/3", "https://a/4", "https://a/5", "https://a/6"}, "https://a/7", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var via []*http.Request
			for _, u := range tt.via {
				via = append(via, req(u))
			}
			err := checkRedirect(req(tt.to), via)
			if (err == nil) != tt.ok {
				t.Fatalf("checkRedirect(%s via %v) = %v, want ok: %v", tt.to, tt.via, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrRedirectBlocked) {
				t.Errorf("checkRedirect error %v does not wrap ErrRedirectBlocked", err)
			}
		})
	}
}

func TestDialControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		address      string
		allowPrivate bool
		ok           bool
	}{
		{"93.184.215.14:443", false, true},
		{"[2606:4700:4700::1111]:443", false, true},
		{"127.0.0.1:80", false, false},
		{"127.0.0.1:80", true, true},
		{"[::1]:80", false, false},
		{"[fe80::1%eth0]:80", false, false},
		{"[fe80::1%eth0]:80", true, true},
		{"169.254.169.254:80", true, false},
		{"not-an-address", true, false},
		{"example.com:80", true, false},
	}
	for _, tt := range tests {
		err := dialControl(tt.allowPrivate)("tcp", tt.address, nil)
		if (err == nil) != tt.ok {
			t.Errorf("dialControl(%v)(%q) = %v, want ok: %v", tt.allowPrivate, tt.address, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBlockedAddress) {
			t.Errorf("dialControl(%q) error %v does not wrap ErrBlockedAddress", tt.address, err)
		}
	}
}
