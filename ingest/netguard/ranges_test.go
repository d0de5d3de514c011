package netguard

import (
	"net/netip"
	"testing"
)

// TestBlockedEveryRange walks each special-purpose range at its first and last address and
// just outside it where the neighbour is public, in IPv4, IPv4-mapped IPv6 and zoned forms.
func TestBlockedEveryRange(t *testing.T) {
	for _, r := range blocked {
		first := r.prefix.Masked().Addr()
		last := lastAddr(r.prefix)
		for _, a := range []netip.Addr{first, last} {
			if Public(a) {
				t.Errorf("%s (%s, %s) is allowed", a, r.prefix, r.name)
			}
			if a.Is4() {
				if mapped := netip.AddrFrom16(a.As16()); Public(mapped) {
					t.Errorf("IPv4-mapped %s (%s) is allowed", mapped, r.prefix)
				}
			} else if Public(a.WithZone("eth0")) {
				t.Errorf("zoned %s%%eth0 (%s) is allowed", a, r.prefix)
			}
		}
	}
}

func TestBlockedTable(t *testing.T) {
	tests := []struct {
		addr   string
		public bool
	}{
		// The ranges the brief names, by hand, so a change to the list cannot hide one.
		{"10.0.0.5", false}, {"172.16.0.1", false}, {"172.31.255.255", false}, {"192.168.1.1", false},
		{"127.0.0.1", false}, {"127.255.255.254", false}, {"169.254.169.254", false},
		{"100.64.0.1", false}, {"100.127.255.255", false}, {"0.0.0.0", false}, {"0.1.2.3", false},
		{"192.0.0.8", false}, {"192.0.2.10", false}, {"198.18.0.1", false}, {"198.19.255.255", false},
		{"198.51.100.7", false}, {"203.0.113.9", false}, {"224.0.0.1", false}, {"239.255.255.250", false},
		{"240.0.0.1", false}, {"255.255.255.255", false},
		{"::", false}, {"::1", false}, {"fc00::1", false}, {"fd12:3456::1", false}, {"fe80::1", false},
		{"fe80::1%eth0", false}, {"ff02::1", false}, {"2001:db8::1", false},
		{"64:ff9b::a00:5", false}, {"64:ff9b::8.8.8.8", false}, {"64:ff9b:1::1", false},
		{"::ffff:10.0.0.5", false}, {"::ffff:127.0.0.1", false}, {"::ffff:169.254.169.254", false},
		{"::ffff:100.64.0.1", false}, {"::127.0.0.1", false}, {"2002:a00:5::1", false},
		{"2001::1", false}, {"100::1", false}, {"3fff::1", false}, {"fec0::1", false},
		// Public neighbours stay public.
		{"8.8.8.8", true}, {"1.1.1.1", true}, {"100.63.255.255", true}, {"100.128.0.0", true},
		{"172.15.255.255", true}, {"172.32.0.0", true}, {"198.17.255.255", true}, {"198.20.0.0", true},
		{"223.255.255.255", true}, {"93.184.216.34", true}, {"::ffff:8.8.8.8", true},
		{"2606:4700:4700::1111", true}, {"2a00:1450:4001::200e", true}, {"64:ff9b:2::1", true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			if got := Public(a); got != tt.public {
				name, _ := Blocked(a)
				t.Errorf("Public(%s) = %v, want %v (range %q)", tt.addr, got, tt.public, name)
			}
		})
	}
	if Public(netip.Addr{}) {
		t.Error("the zero Addr is allowed")
	}
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// FuzzBlocked checks the address check against properties that must hold for any input:
// it never panics, a zone or an IPv4-mapped form never changes the answer, and every
// address netip itself calls private, loopback, link-local, multicast or unspecified is
// refused.
func FuzzBlocked(f *testing.F) {
	for _, s := range []string{"10.0.0.5", "::ffff:127.0.0.1", "fe80::1%eth0", "8.8.8.8", "2001:db8::1",
		"64:ff9b::1", "255.255.255.255", "::", "2606:4700::1", "not an address", "1.2.3.4%zone"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return
		}
		pub := Public(a)
		if Public(a.WithZone("")) != pub {
			t.Fatalf("%s: zone changes the answer", s)
		}
		if a.Is4() && Public(netip.AddrFrom16(a.As16())) != pub {
			t.Fatalf("%s: IPv4-mapped form changes the answer", s)
		}
		u := a.WithZone("").Unmap()
		if pub && (u.IsPrivate() || u.IsLoopback() || u.IsLinkLocalUnicast() || u.IsMulticast() ||
			u.IsUnspecified() || u.IsInterfaceLocalMulticast() || u.IsLinkLocalMulticast()) {
			t.Fatalf("%s: netip says it is internal, the guard allows it", s)
		}
	})
}
