package webhook

import (
	"net/netip"
	"testing"
)

// TestAllowlistEntries: allowlist entries match client addresses however
// they are written, IPv4-mapped IPv6 included (client addresses are
// unmapped before the check).
func TestAllowlistEntries(t *testing.T) {
	for _, tc := range []struct {
		entry, client string
		want          bool
	}{
		{"127.0.0.1", "127.0.0.1", true},
		{"::ffff:127.0.0.1", "127.0.0.1", true},
		{"::ffff:192.0.2.0/120", "192.0.2.77", true},
		{"::ffff:192.0.2.0/120", "192.0.3.1", false},
		{"192.0.2.0/24", "::ffff:192.0.2.9", true},
		{"2001:db8::/32", "2001:db8::1", true},
		{"2001:db8::/32", "192.0.2.1", false},
		// A link-local peer's address carries its interface (zone); the
		// allowlist keeps none (fe80::1%eth0 is stored as fe80::1).
		{"fe80::1", "fe80::1%eth0", true},
		{"fe80::1%eth0", "fe80::1%eth0", true},
		{"fe80::/10", "fe80::2%eth1", true},
		{"fe80::1", "fe80::2%eth0", false},
	} {
		p, err := parsePrefix(tc.entry)
		if err != nil {
			t.Fatalf("parsePrefix(%q): %v", tc.entry, err)
		}
		tg := Target{&resolved{prefixes: []netip.Prefix{p}}}
		if got := tg.Allowed(netip.MustParseAddr(tc.client)); got != tc.want {
			t.Errorf("entry %s, client %s: allowed = %v, want %v", tc.entry, tc.client, got, tc.want)
		}
	}
}
