package netguard

import "net/netip"

// blockedRange is one range Spindle never fetches from, with the registry's name for it so a
// test failure or a log line says which rule matched.
type blockedRange struct {
	prefix netip.Prefix
	name   string
}

// blocked lists every range that is not the ordinary public internet: IANA's IPv4 and IPv6
// Special-Purpose Address Registries (RFC 6890 and its updates), plus the deprecated
// site-local and IPv4-compatible IPv6 blocks. The registry marks a few of these "globally
// reachable" (anycast relays, AS112 sinks); no feed, callback or media file lives there, so
// they are refused too rather than reasoned about one by one.
//
// IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries (see Blocked),
// so it has no entry of its own. NAT64 and 6to4 are refused whole: both embed an IPv4
// address, which may be an internal one.
var blocked = []blockedRange{
	// IPv4
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private-use"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private-use"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation (TEST-NET-1)"},
	{netip.MustParsePrefix("192.31.196.0/24"), "AS112-v4"},
	{netip.MustParsePrefix("192.52.193.0/24"), "AMT"},
	{netip.MustParsePrefix("192.88.99.0/24"), "deprecated 6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private-use"},
	{netip.MustParsePrefix("192.175.48.0/24"), "direct delegation AS112 service"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation (TEST-NET-2)"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation (TEST-NET-3)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved (and limited broadcast)"},
	// IPv6
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "deprecated IPv4-compatible"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "IPv4-translated (SIIT)"},
	{netip.MustParsePrefix("64:ff9b::/96"), "NAT64 well-known prefix"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("100:0:0:1::/64"), "dummy prefix"},
	{netip.MustParsePrefix("2001::/23"), "IETF protocol assignments (Teredo, ORCHID, benchmarking)"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("2620:4f:8000::/48"), "direct delegation AS112 service"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("5f00::/16"), "segment routing (SRv6) SIDs"},
	{netip.MustParsePrefix("fc00::/7"), "unique local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "deprecated site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// Blocked reports whether addr is outside the public internet, and the name of the range it
// falls in. An invalid address is blocked. A zone (fe80::1%eth0) is ignored: netip's
// Prefix.Contains never matches a zoned address, which would otherwise let one through.
func Blocked(addr netip.Addr) (name string, isBlocked bool) {
	if !addr.IsValid() {
		return "invalid address", true
	}
	addr = addr.WithZone("").Unmap()
	for _, r := range blocked {
		if r.prefix.Contains(addr) {
			return r.name, true
		}
	}
	return "", false
}

// Public reports whether addr is an ordinary public internet address.
func Public(addr netip.Addr) bool {
	_, b := Blocked(addr)
	return !b
}
