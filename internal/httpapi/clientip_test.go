package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	s := &Server{d: Deps{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fe80::/64")}}}
	for _, tt := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"untrusted peer's header is ignored", "198.51.100.7:5000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"trusted proxy", "10.1.2.3:5000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"forged left-most entry is skipped", "10.1.2.3:5000", []string{"1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"chain of trusted proxies", "10.1.2.3:5000", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"several header lines", "10.1.2.3:5000", []string{"203.0.113.9", "10.9.9.9"}, "203.0.113.9"},
		{"malformed hop", "10.1.2.3:5000", []string{"203.0.113.9, nonsense"}, "10.1.2.3"},
		{"only proxies", "10.1.2.3:5000", []string{"10.4.4.4"}, "10.1.2.3"},
		{"ipv6 trusted peer", "[::1]:5000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"link-local trusted peer, with its zone", "[fe80::1%eth0]:5000", []string{"2001:db8::1"}, "2001:db8::1"},
		{"link-local trusted hop, with its zone", "10.1.2.3:5000", []string{"2001:db8::1, fe80::2%eth0"}, "2001:db8::1"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientIP(r); got != tt.want {
			t.Errorf("%s: clientIP = %q, want %q", tt.name, got, tt.want)
		}
	}
}
