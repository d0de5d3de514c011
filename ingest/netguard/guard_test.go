package netguard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// loopbackServer starts a server and returns it with its address.
func loopbackServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, netip.AddrPort) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return srv, netip.MustParseAddrPort(u.Host)
}

// fakeDNS answers each name with the addresses listed for it, one list per lookup in turn
// (the last list repeats), so a test can play a rebinding DNS server.
func fakeDNS(answers map[string][][]netip.Addr) func(context.Context, string) ([]netip.Addr, error) {
	var calls = map[string]*atomic.Int32{}
	for name := range answers {
		calls[name] = &atomic.Int32{}
	}
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		lists, ok := answers[host]
		if !ok {
			return nil, errors.New("no such host")
		}
		i := int(calls[host].Add(1)) - 1
		return lists[min(i, len(lists)-1)], nil
	}
}

func get(t *testing.T, g *Guard, rawURL string) (*http.Response, error) {
	t.Helper()
	c := &http.Client{Transport: g.Transport()}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// TestRedirectToPrivateRefused: a server that looks public (its address is exempt, as a
// public host would be) redirects to an internal one; the hop is refused when dialling and
// the internal server never sees a request.
func TestRedirectToPrivateRefused(t *testing.T) {
	var internalHits atomic.Int32
	internal, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) { internalHits.Add(1) })
	iu, _ := url.Parse(internal.URL)
	for name, target := range map[string]string{
		"loopback literal":          internal.URL + "/admin",
		"name resolving to private": "http://intranet.test:" + iu.Port() + "/admin",
		"metadata service":          "http://169.254.169.254/latest/meta-data/",
	} {
		t.Run(name, func(t *testing.T) {
			_, public := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target, http.StatusFound)
			})
			g := New(Options{Exempt: []netip.AddrPort{public}, Resolve: fakeDNS(map[string][][]netip.Addr{
				"feed.test":     {{public.Addr()}},
				"intranet.test": {{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("127.0.0.1")}},
			})})
			_, err := get(t, g, "http://feed.test:"+itoa(public.Port())+"/feed.xml")
			if !errors.Is(err, ErrPrivateAddress) {
				t.Fatalf("err = %v, want ErrPrivateAddress", err)
			}
			if !strings.Contains(err.Error(), "SPINDLE_ALLOW_PRIVATE_URLS=true") {
				t.Errorf("error does not say how to allow it: %v", err)
			}
		})
	}
	if n := internalHits.Load(); n != 0 {
		t.Fatalf("the internal server was reached %d times", n)
	}
}

// TestDNSRebindingRefused: the name answers a public-looking address on the first lookup
// and a private one on the next; the second connection is refused.
func TestDNSRebindingRefused(t *testing.T) {
	_, public := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close") // a fresh dial, and a fresh lookup, per request
	})
	g := New(Options{Exempt: []netip.AddrPort{public}, Resolve: fakeDNS(map[string][][]netip.Addr{
		"rebind.test": {{public.Addr()}, {netip.MustParseAddr("192.168.1.1")}},
	})})
	u := "http://rebind.test:" + itoa(public.Port()) + "/"
	if _, err := get(t, g, u); err != nil {
		t.Fatalf("first fetch (public answer): %v", err)
	}
	_, err := get(t, g, u)
	var ae *AddressError
	if !errors.As(err, &ae) || ae.Addr != "192.168.1.1" {
		t.Fatalf("second fetch (rebound to 192.168.1.1): err = %v, want an AddressError for it", err)
	}
	want := "the address resolves to a private network (192.168.1.1); Spindle only fetches public addresses — set SPINDLE_ALLOW_PRIVATE_URLS=true to allow it"
	if ae.Error() != want {
		t.Errorf("message = %q, want %q", ae.Error(), want)
	}
}

func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	srv, _ := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {})
	if _, err := get(t, New(Options{}), srv.URL); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("default guard: err = %v, want ErrPrivateAddress", err)
	}
	if _, err := get(t, New(Options{AllowPrivate: true}), srv.URL); err != nil {
		t.Fatalf("AllowPrivate: %v", err)
	}
}

func TestExemptIsExactPort(t *testing.T) {
	srv, ap := loopbackServer(t, func(w http.ResponseWriter, r *http.Request) {})
	other := netip.AddrPortFrom(ap.Addr(), ap.Port()+1)
	if _, err := get(t, New(Options{Exempt: []netip.AddrPort{other}}), srv.URL); !errors.Is(err, ErrPrivateAddress) {
		t.Fatalf("another port exempt: err = %v, want ErrPrivateAddress", err)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url     string
		refused bool
	}{
		{"https://example.com/feed", false},
		{"https://8.8.8.8/x", false},
		{"http://localhost:8080/", true},
		{"http://LOCALHOST./", true},
		{"http://api.localhost/", true},
		{"http://127.0.0.1/", true},
		{"http://[::1]:9000/", true},
		{"http://[::ffff:10.0.0.5]/", true},
		{"http://169.254.169.254/latest/meta-data/", true},
		{"http://[fe80::1%25eth0]/", true},
		{"http://100.64.1.1/", true},
		{"http://0.0.0.0:22/", true},
	}
	strict, open := New(Options{}), New(Options{AllowPrivate: true})
	for _, tt := range tests {
		err := strict.CheckURL(tt.url)
		if got := errors.Is(err, ErrPrivateAddress); got != tt.refused {
			t.Errorf("CheckURL(%s) = %v, want refused=%v", tt.url, err, tt.refused)
		}
		if err := open.CheckURL(tt.url); err != nil {
			t.Errorf("AllowPrivate CheckURL(%s) = %v", tt.url, err)
		}
	}
}

func itoa(p uint16) string { return strconv.Itoa(int(p)) }
