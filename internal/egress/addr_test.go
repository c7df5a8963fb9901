package egress_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"ihub/internal/egress"
)

func TestCheckIP(t *testing.T) {
	t.Parallel()
	const (
		public   = iota // allowed always
		private         // refused unless allowPrivate
		metadata        // refused always
	)
	tests := []struct {
		addr   string
		class  int
		reason string // substring of the error message
	}{
		// Public IPv4.
		{"8.8.8.8", public, ""},
		{"1.1.1.1", public, ""},
		{"93.184.215.14", public, ""},
		{"100.63.255.255", public, ""},  // just below CGNAT
		{"100.128.0.0", public, ""},     // just above CGNAT
		{"172.15.255.255", public, ""},  // just below 172.16/12
		{"172.32.0.0", public, ""},      // just above 172.16/12
		{"169.253.255.255", public, ""}, // just below link-local
		{"11.0.0.1", public, ""},
		{"223.255.255.255", public, ""}, // just below multicast
		{"1.0.0.0", public, ""},         // just above 0/8
		// Public IPv6, and embeddings of public IPv4.
		{"2606:4700:4700::1111", public, ""},
		{"2001:4860:4860::8888", public, ""},
		{"::ffff:8.8.8.8", public, ""},
		{"64:ff9b::808:808", public, ""},      // NAT64 of 8.8.8.8
		{"2002:808:808::1", public, ""},       // 6to4 of 8.8.8.8
		{"2001:0:1:2::f7f7:f7f7", public, ""}, // Teredo client 8.8.8.8

		// Loopback.
		{"127.0.0.1", private, "loopback address"},
		{"127.255.255.254", private, "loopback address"},
		{"::1", private, "loopback address"},
		{"::ffff:127.0.0.1", private, "IPv4-mapped form of 127.0.0.1, a loopback address"},
		{"64:ff9b::7f00:1", private, "NAT64 form of 127.0.0.1, a loopback address"},
		{"::127.0.0.1", private, "IPv4-compatible form of 127.0.0.1"},
		{"2002:7f00:1::", private, "6to4 form of 127.0.0.1"},
		{"2001:0:1:2::80ff:fffe", private, "Teredo form of 127.0.0.1"},
		// Private.
		{"10.0.0.1", private, "private address"},
		{"10.255.255.255", private, "private address"},
		{"172.16.0.1", private, "private address"},
		{"172.31.255.255", private, "private address"},
		{"192.168.1.1", private, "private address"},
		{"fc00::1", private, "private address"},
		{"fd12:3456:789a::1", private, "private address"},
		{"fec0::1", private, "site-local"},
		{"::ffff:10.1.2.3", private, "IPv4-mapped form of 10.1.2.3, a private address"},
		{"::ffff:192.168.0.1", private, "private address"},
		{"64:ff9b::a00:1", private, "NAT64 form of 10.0.0.1"},
		{"64:ff9b:1::a00:1", private, "local-use NAT64"},
		// Link-local.
		{"169.254.0.1", private, "link-local address"},
		{"169.254.169.253", private, "link-local address"},
		{"fe80::1", private, "link-local address"},
		{"fe80::1%eth0", private, "link-local address"},
		{"febf::1", private, "link-local address"},
		// Unspecified and "this network".
		{"0.0.0.0", private, "unspecified address"},
		{"0.1.2.3", private, "this network"},
		{"::", private, "unspecified address"},
		{"::ffff:0.0.0.0", private, "IPv4-mapped form of 0.0.0.0, an unspecified address"},
		// CGNAT.
		{"100.64.0.1", private, "CGNAT"},
		{"198.18.0.1", private, "benchmarking"},
		{"198.19.255.255", private, "benchmarking"},
		{"198.17.255.255", public, ""}, // just below 198.18/15
		{"198.20.0.0", public, ""},     // just above 198.18/15
		{"100.127.255.255", private, "CGNAT"},
		// Multicast, broadcast, reserved.
		{"224.0.0.1", private, "multicast address"},
		{"239.255.255.250", private, "multicast address"},
		{"ff02::1", private, "multicast address"},
		{"ff05::2", private, "multicast address"},
		{"255.255.255.255", private, "broadcast address"},
		{"240.0.0.1", private, "reserved address"},
		{"::ffff:255.255.255.255", private, "broadcast address"},
		{"::2", private, "IPv4-compatible form of 0.0.0.2"},
		{"::8.8.8.8", private, "reserved address (deprecated IPv4-compatible form)"},
		{"::ffff:0:7f00:1", private, "IPv4-translated form of 127.0.0.1, a loopback address"},
		{"::ffff:0:a00:1", private, "IPv4-translated form of 10.0.0.1"},
		{"::ffff:0:808:808", private, "reserved address (IPv4-translated form)"},

		// Cloud metadata: refused even when private networks are allowed.
		{"169.254.169.254", metadata, "cloud metadata address"},
		{"169.254.170.2", metadata, "cloud metadata address (ECS credentials)"},
		{"169.254.170.23", metadata, "EKS Pod Identity"},
		{"100.100.100.200", metadata, "Alibaba"},
		{"168.63.129.16", metadata, "Azure WireServer"},
		{"::ffff:168.63.129.16", metadata, "IPv4-mapped form of 168.63.129.16"},
		{"fd00:ec2::254", metadata, "cloud metadata address"},
		{"fd00:ec2::23", metadata, "cloud metadata address"},
		{"::ffff:169.254.169.254", metadata, "IPv4-mapped form of 169.254.169.254, a cloud metadata address"},
		{"::ffff:a9fe:a9fe", metadata, "cloud metadata address"},
		{"64:ff9b::a9fe:a9fe", metadata, "NAT64 form of 169.254.169.254"},
		{"64:ff9b::6464:64c8", metadata, "NAT64 form of 100.100.100.200"},
		{"2002:a9fe:a9fe::", metadata, "6to4 form of 169.254.169.254"},
		{"::169.254.169.254", metadata, "cloud metadata address"},
		{"::ffff:0:a9fe:a9fe", metadata, "IPv4-translated form of 169.254.169.254"},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			ip := netip.MustParseAddr(tt.addr)
			for _, allowPrivate := range []bool{false, true} {
				err := egress.CheckIP(ip, allowPrivate)
				wantBlocked := tt.class == metadata || (tt.class == private && !allowPrivate)
				if (err != nil) != wantBlocked {
					t.Fatalf("CheckIP(%s, %v) = %v, want blocked: %v", tt.addr, allowPrivate, err, wantBlocked)
				}
				if err == nil {
					continue
				}
				if !errors.Is(err, egress.ErrBlockedAddress) {
					t.Errorf("CheckIP(%s, %v) = %v, want it to wrap ErrBlockedAddress", tt.addr, allowPrivate, err)
				}
				msg := err.Error()
				if !strings.HasPrefix(msg, "egress: refusing to connect to "+ip.String()+": ") || !strings.Contains(msg, tt.reason) {
					t.Errorf("CheckIP(%s, %v) = %q, want the address and %q", tt.addr, allowPrivate, msg, tt.reason)
				}
				wantHint := "(allowPrivateNetwork is off)"
				if tt.class == metadata {
					wantHint = "(refused even when private networks are allowed)"
				}
				if !strings.HasSuffix(msg, wantHint) {
					t.Errorf("CheckIP(%s, %v) = %q, want it to end %q", tt.addr, allowPrivate, msg, wantHint)
				}
			}
		})
	}
}

func TestCheckIPMessage(t *testing.T) {
	t.Parallel()
	err := egress.CheckIP(netip.MustParseAddr("127.0.0.1"), false)
	if got, want := err.Error(), "egress: refusing to connect to 127.0.0.1: loopback address (allowPrivateNetwork is off)"; got != want {
		t.Errorf("CheckIP(127.0.0.1) = %q, want %q", got, want)
	}
	if err := egress.CheckIP(netip.Addr{}, true); !errors.Is(err, egress.ErrBlockedAddress) {
		t.Errorf("CheckIP(zero Addr) = %v, want ErrBlockedAddress", err)
	}
}
