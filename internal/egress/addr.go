package egress

import (
	"errors"
	"net/netip"
	"strings"
	"syscall"
)

// ErrBlockedAddress is wrapped by the error returned when a connection is
// refused because of the address it would reach. The error's message names
// the address and the reason, for example
//
//	egress: refusing to connect to 127.0.0.1: loopback address (allowPrivateNetwork is off)
//
// and is meant to be shown to the user who configured the URL.
var ErrBlockedAddress = errors.New("egress: blocked address")

// blockedError explains one refusal; it unwraps to ErrBlockedAddress.
type blockedError struct {
	addr   string // as dialled, e.g. "::ffff:127.0.0.1"
	reason string
	always bool // refused even with allowPrivate
}

func (e *blockedError) Error() string {
	hint := " (allowPrivateNetwork is off)"
	if e.always {
		hint = " (refused even when private networks are allowed)"
	}
	return "egress: refusing to connect to " + e.addr + ": " + e.reason + hint
}

func (e *blockedError) Unwrap() error { return ErrBlockedAddress }

// metadataAddrs are the cloud instance-metadata and credential endpoints. They
// hand out the machine's cloud credentials to anyone who can reach them, and
// no legitimate integration targets them, so they are refused even when
// private networks are allowed.
var metadataAddrs = map[netip.Addr]string{
	netip.MustParseAddr("169.254.169.254"): "cloud metadata address",                    // AWS, GCP, Azure, OCI, DigitalOcean, …
	netip.MustParseAddr("169.254.170.2"):   "cloud metadata address (ECS credentials)",  // AWS ECS task credentials
	netip.MustParseAddr("169.254.170.23"):  "cloud metadata address (EKS Pod Identity)", // AWS EKS Pod Identity agent
	netip.MustParseAddr("100.100.100.200"): "cloud metadata address (Alibaba Cloud)",    // Alibaba Cloud
	netip.MustParseAddr("168.63.129.16"):   "cloud platform address (Azure WireServer)", // Azure VM agent: certificates, extension settings
	netip.MustParseAddr("fd00:ec2::254"):   "cloud metadata address (AWS IPv6)",         // AWS IMDS over IPv6
	netip.MustParseAddr("fd00:ec2::23"):    "cloud metadata address (EKS Pod Identity)", // AWS EKS Pod Identity over IPv6
}

var (
	cgnat        = netip.MustParsePrefix("100.64.0.0/10")
	benchmarking = netip.MustParsePrefix("198.18.0.0/15")
	thisNetwork  = netip.MustParsePrefix("0.0.0.0/8")
	reserved4    = netip.MustParsePrefix("240.0.0.0/4")
	broadcast4   = netip.MustParseAddr("255.255.255.255")
	nat64        = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local   = netip.MustParsePrefix("64:ff9b:1::/48")
	v4Compatible = netip.MustParsePrefix("::/96")
	v4Translated = netip.MustParsePrefix("::ffff:0:0:0/96") // SIIT, RFC 2765
	sixToFour    = netip.MustParsePrefix("2002::/16")
	teredo       = netip.MustParsePrefix("2001::/32")
	siteLocal6   = netip.MustParsePrefix("fec0::/10")
	uniqueLocal6 = netip.MustParsePrefix("fc00::/7")
	linkLocal6   = netip.MustParsePrefix("fe80::/10")
	linkLocal4   = netip.MustParsePrefix("169.254.0.0/16")
	multicast6   = netip.MustParsePrefix("ff00::/8")
	multicast4   = netip.MustParsePrefix("224.0.0.0/4")
	loopback4    = netip.MustParsePrefix("127.0.0.0/8")
	private4     = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16")}
	unspecified6 = netip.IPv6Unspecified()
	loopback6    = netip.IPv6Loopback()
	unspecified4 = netip.IPv4Unspecified()
)

const errNotAnIPMsg = "not a valid IP address"

// CheckIP reports whether egress may connect to ip. It returns nil for a
// public address, and otherwise an error wrapping ErrBlockedAddress that
// names the address and says why.
//
// Unless allowPrivate is true it refuses loopback (127.0.0.0/8, ::1), private
// (10/8, 172.16/12, 192.168/16, fc00::/7, deprecated fec0::/10), link-local
// (169.254/16, fe80::/10), unspecified and "this network" (0.0.0.0/8, ::),
// shared CGNAT space (100.64/10), benchmarking (198.18/15), multicast,
// broadcast and reserved (240/4) addresses. IPv6 forms that embed an IPv4
// address — IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96), 6to4
// (2002::/16), Teredo (2001::/32), IPv4-compatible (::/96) and
// IPv4-translated (::ffff:0:0:0/96) — are judged by the IPv4 address they
// embed; the last two are refused as reserved when it is public.
//
// Cloud metadata and credential endpoints (169.254.169.254, 169.254.170.2,
// 169.254.170.23, 100.100.100.200, Azure's WireServer 168.63.129.16,
// fd00:ec2::254, fd00:ec2::23, and the embedded forms of those) are
// refused even when allowPrivate is true:
// allowing private networks is meant for reaching a user's own servers (a
// WHM host on a LAN), never the cloud provider's credential service of the
// machine ihub runs on.
//
// An invalid (zero) Addr is refused.
func CheckIP(ip netip.Addr, allowPrivate bool) error {
	if !ip.IsValid() {
		return &blockedError{addr: "invalid address", reason: errNotAnIPMsg, always: true}
	}
	reason, always := classify(ip.WithZone(""))
	if reason == "" || (allowPrivate && !always) {
		return nil
	}
	return &blockedError{addr: ip.String(), reason: reason, always: always}
}

// classify returns why ip must not be dialled ("" when it is public) and
// whether that holds even when private networks are allowed. ip has no zone.
func classify(ip netip.Addr) (reason string, always bool) {
	if r, ok := metadataAddrs[ip]; ok {
		return r, true
	}
	if ip.Is4In6() {
		return embedded("IPv4-mapped", ip.Unmap())
	}
	if ip.Is4() {
		return classify4(ip), false
	}
	switch {
	case ip == unspecified6:
		return "unspecified address", false
	case ip == loopback6:
		return "loopback address", false
	case nat64.Contains(ip):
		return embedded("NAT64", v4At(ip, 12, 0))
	case nat64Local.Contains(ip):
		return "local-use NAT64 address", false
	case v4Compatible.Contains(ip):
		if r, a := embedded("IPv4-compatible", v4At(ip, 12, 0)); r != "" {
			return r, a
		}
		return "reserved address (deprecated IPv4-compatible form)", false
	case v4Translated.Contains(ip):
		if r, a := embedded("IPv4-translated", v4At(ip, 12, 0)); r != "" {
			return r, a
		}
		return "reserved address (IPv4-translated form)", false
	case sixToFour.Contains(ip):
		return embedded("6to4", v4At(ip, 2, 0))
	case teredo.Contains(ip):
		// The Teredo client's address is stored inverted (RFC 4380).
		return embedded("Teredo", v4At(ip, 12, 0xff))
	case linkLocal6.Contains(ip):
		return "link-local address", false
	case siteLocal6.Contains(ip):
		return "private address (deprecated site-local)", false
	case uniqueLocal6.Contains(ip):
		return "private address (unique local)", false
	case multicast6.Contains(ip):
		return "multicast address", false
	}
	return "", false
}

// classify4 returns why the IPv4 address ip must not be dialled, or "".
// Metadata addresses are handled by the caller.
func classify4(ip netip.Addr) string {
	switch {
	case ip == unspecified4:
		return "unspecified address"
	case thisNetwork.Contains(ip):
		return `"this network" address (0.0.0.0/8)`
	case loopback4.Contains(ip):
		return "loopback address"
	case private4[0].Contains(ip), private4[1].Contains(ip), private4[2].Contains(ip):
		return "private address"
	case linkLocal4.Contains(ip):
		return "link-local address"
	case cgnat.Contains(ip):
		return "shared address space (CGNAT, 100.64.0.0/10)"
	case multicast4.Contains(ip):
		return "multicast address"
	case ip == broadcast4:
		return "broadcast address"
	case reserved4.Contains(ip):
		return "reserved address (240.0.0.0/4)"
	case benchmarking.Contains(ip):
		return "benchmarking address (198.18.0.0/15), not reachable on the internet"
	}
	return ""
}

// embedded judges an IPv6 address by the IPv4 address v4 it embeds; form
// names the embedding.
func embedded(form string, v4 netip.Addr) (reason string, always bool) {
	if r, ok := metadataAddrs[v4]; ok {
		return form + " form of " + v4.String() + ", " + article(r) + r, true
	}
	if r := classify4(v4); r != "" {
		return form + " form of " + v4.String() + ", " + article(r) + r, false
	}
	return "", false
}

func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an "
	}
	return "a "
}

// v4At returns the IPv4 address stored in bytes [i, i+4) of ip, each byte
// XORed with mask.
func v4At(ip netip.Addr, i int, mask byte) netip.Addr {
	b := ip.As16()
	return netip.AddrFrom4([4]byte{b[i] ^ mask, b[i+1] ^ mask, b[i+2] ^ mask, b[i+3] ^ mask})
}

// dialControl returns a net.Dialer Control hook that runs CheckIP on the
// address about to be connected, after DNS resolution. Every address the
// dialer tries (for example both families under Happy Eyeballs) is checked.
func dialControl(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			// The dialer always passes a literal ip:port; fail closed if not.
			return &blockedError{addr: address, reason: errNotAnIPMsg, always: true}
		}
		return CheckIP(ap.Addr(), allowPrivate)
	}
}
