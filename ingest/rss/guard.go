package rss

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// blockedPrefixes are ranges that are not the public internet but that netip's predicates
// do not cover: carrier-grade NAT, IETF protocol assignments, benchmarking, the reserved
// class E block, and NAT64 (which can reach IPv4-internal hosts).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
}

// IsPublicAddr reports whether a feed may be fetched from addr when private URLs are not
// allowed: not private, loopback, link-local, unspecified, multicast or reserved.
func IsPublicAddr(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsPrivate() || addr.IsLoopback() || addr.IsLinkLocalUnicast() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() || addr.IsMulticast() ||
		addr.IsUnspecified() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// refusePrivate is the dialer's Control func: it sees the resolved address of every
// connection attempt, after DNS and for every redirect hop.
func refusePrivate(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("dial %s: unexpected address: %w", address, err)
	}
	if !IsPublicAddr(addr) {
		return fmt.Errorf("dial %s: %w", addr, ErrPrivateAddress)
	}
	return nil
}

// maxAge reads Cache-Control max-age as a lower bound on the next poll. no-store and
// no-cache say nothing about poll frequency and are ignored.
func maxAge(h http.Header) time.Duration {
	for _, line := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(line, ",") {
			name, val, ok := strings.Cut(strings.TrimSpace(dir), "=")
			if !ok || !strings.EqualFold(name, "max-age") {
				continue
			}
			secs, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
			if err != nil || secs <= 0 {
				continue
			}
			return capHint(time.Duration(min(secs, int64(maxHint/time.Second))) * time.Second)
		}
	}
	return 0
}

// retryAfter reads Retry-After, either delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return capHint(time.Duration(min(secs, int64(maxHint/time.Second))) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return capHint(t.Sub(now))
	}
	return 0
}

// ttlHint reads an RSS <ttl> (minutes).
func ttlHint(ttl string) time.Duration {
	mins, err := strconv.ParseInt(strings.TrimSpace(ttl), 10, 64)
	if err != nil || mins <= 0 {
		return 0
	}
	return capHint(time.Duration(min(mins, int64(maxHint/time.Minute))) * time.Minute)
}

func capHint(d time.Duration) time.Duration { return min(d, maxHint) }
