package netguard

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrPrivateAddress is the one error every refused fetch matches (errors.Is), whichever
// package made it.
var ErrPrivateAddress = errors.New("the address is on a private network; Spindle only fetches public addresses — " +
	"set SPINDLE_ALLOW_PRIVATE_URLS=true to allow it")

// AddressError is a refusal naming the address that was refused. It matches
// ErrPrivateAddress.
type AddressError struct {
	Addr  string // the address or host name refused
	Range string // the special-purpose range it falls in, for logs
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("the address resolves to a private network (%s); Spindle only fetches public addresses — "+
		"set SPINDLE_ALLOW_PRIVATE_URLS=true to allow it", e.Addr)
}

// Unwrap makes an AddressError match ErrPrivateAddress.
func (e *AddressError) Unwrap() error { return ErrPrivateAddress }

// Options configures a Guard. The zero value refuses every non-public address.
type Options struct {
	// AllowPrivate turns the guard off (SPINDLE_ALLOW_PRIVATE_URLS).
	AllowPrivate bool
	// Exempt lists exact addresses allowed although they are not public: the sandbox's own
	// media URL on loopback, or a test server standing in for a public host. Nothing else on
	// the same address with another port is allowed.
	Exempt []netip.AddrPort
	// Resolve looks host names up; nil uses the system resolver. Tests inject one to play a
	// DNS server that answers with whatever address the attack needs.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// DialTimeout bounds one connection attempt; zero means 10 s.
	DialTimeout time.Duration
}

// Guard checks and dials outbound connections. It is safe for concurrent use.
type Guard struct {
	allowPrivate bool
	exempt       []netip.AddrPort
	resolve      func(ctx context.Context, host string) ([]netip.Addr, error)
	dialer       *net.Dialer
}

// New builds a Guard.
func New(o Options) *Guard {
	g := &Guard{allowPrivate: o.AllowPrivate, resolve: o.Resolve}
	for _, ap := range o.Exempt {
		g.exempt = append(g.exempt, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
	}
	timeout := o.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	g.dialer = &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	if !g.allowPrivate {
		g.dialer.ControlContext = g.control
	}
	return g
}

// Check refuses ap unless it is public, exempt, or the guard is off.
func (g *Guard) Check(ap netip.AddrPort) error {
	if g.allowPrivate {
		return nil
	}
	name, isBlocked := Blocked(ap.Addr())
	if !isBlocked {
		return nil
	}
	if slices.Contains(g.exempt, netip.AddrPortFrom(ap.Addr().WithZone("").Unmap(), ap.Port())) {
		return nil
	}
	return &AddressError{Addr: ap.Addr().String(), Range: name}
}

// control is the dialer's ControlContext hook: address is the resolved ip:port about to be
// connected to, for the first request and every redirect hop alike.
func (g *Guard) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: unexpected address: %w", address, ErrPrivateAddress)
	}
	return g.Check(ap)
}

// DialContext connects like net.Dialer.DialContext, through the guard.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if g.resolve == nil {
		return g.dialer.DialContext(ctx, network, address)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return g.dialer.DialContext(ctx, network, address)
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("dial %s: look up %s: %w", address, host, err)
	}
	var errs []error
	for _, a := range addrs {
		c, err := g.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("dial %s: %s has no address", address, host)
	}
	return nil, fmt.Errorf("dial %s: %w", address, errors.Join(errs...))
}

// Transport returns a new HTTP transport that dials through the guard. Callers may tune its
// pool and timeouts; they must not set Proxy: through a proxy the guard would see the
// proxy's address, not the target's.
func (g *Guard) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		// A server's headers are outside input too (an ETag is stored and sent back); the
		// default allows 10 MB of them.
		MaxResponseHeaderBytes: 64 << 10,
	}
}

// CheckURL refuses, without any DNS lookup, a URL whose host is obviously internal: an IP
// literal that is not public, or localhost. It lets a person hear at once that a URL cannot
// work; names that resolve to internal addresses are caught when dialling.
func (g *Guard) CheckURL(rawURL string) error {
	if g.allowPrivate {
		return nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%q is not a valid URL: %w", rawURL, err)
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return &AddressError{Addr: host, Range: "loopback"}
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	port, _ := strconv.ParseUint(cmp.Or(u.Port(), defaultPort(u.Scheme)), 10, 16)
	return g.Check(netip.AddrPortFrom(addr, uint16(port)))
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}
