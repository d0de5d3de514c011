package main

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/ingest/mediaprobe"
	"github.com/spindle-threads/spindle/ingest/netguard"
)

// sandboxMediaClient is the HTTP client the in-process Threads simulator downloads image_url
// and video_url with. Meta's crawler cannot reach a private network; the simulator, running
// inside Spindle, can, so without the guard anyone who may post in sandbox mode could make
// Spindle fetch an internal URL. Spindle's own public URL stays reachable (media it hosts
// itself, often on localhost in a sandbox), as does everything with SPINDLE_ALLOW_PRIVATE_URLS.
// Redirects are not followed, as the simulator does by default.
func sandboxMediaClient(ctx context.Context, cfg *config.Config) *http.Client {
	g := netguard.New(netguard.Options{AllowPrivate: cfg.AllowPrivateURLs, Exempt: ownAddrs(ctx, cfg.PublicURL)})
	return &http.Client{
		Transport:     g.Transport(),
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// mediaURLCheck is the ingest preflight's check of media URLs: an IP literal on a private
// network or localhost is refused when the post is sent (Meta could never fetch it, and the
// sandbox must not), except under Spindle's own public URL, where it hosts media itself.
func mediaURLCheck(cfg *config.Config) func(string) error {
	g := netguard.New(netguard.Options{AllowPrivate: cfg.AllowPrivateURLs})
	own := strings.TrimSuffix(cfg.PublicURL, "/") + "/"
	return func(rawURL string) error {
		if strings.HasPrefix(rawURL, own) {
			return nil
		}
		return g.CheckURL(rawURL)
	}
}

// mediaProbe is the door's fetch of each media URL (ingest.Options.MediaProbe): through
// netguard, so SPINDLE_ALLOW_PRIVATE_URLS decides as for every outbound request, with a short
// timeout. Media under Spindle's own public URL (hosted uploads) is Spindle's to vouch for.
func mediaProbe(cfg *config.Config) func(ctx context.Context, kind, rawURL string) error {
	g := netguard.New(netguard.Options{AllowPrivate: cfg.AllowPrivateURLs})
	p := mediaprobe.New(mediaprobe.Options{Client: &http.Client{Transport: g.Transport()}})
	own := strings.TrimSuffix(cfg.PublicURL, "/") + "/"
	return func(ctx context.Context, kind, rawURL string) error {
		if strings.HasPrefix(rawURL, own) {
			return nil
		}
		return p.Probe(ctx, kind, rawURL)
	}
}

// ownAddrs resolves the public URL's host once, at start: those exact addresses and port are
// Spindle itself.
func ownAddrs(ctx context.Context, publicURL string) []netip.AddrPort {
	u, err := url.Parse(publicURL)
	if err != nil || u.Hostname() == "" {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80"}[u.Scheme]
		if port == "" {
			port = "443"
		}
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return nil
	}
	out := make([]netip.AddrPort, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, netip.AddrPortFrom(a.Unmap(), uint16(p)))
	}
	return out
}
