package metrics

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// TestOnlyFrom asks /metrics from addresses an attacker might use, including a forged
// X-Forwarded-For claiming loopback.
func TestOnlyFrom(t *testing.T) {
	t.Parallel()
	office := []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("fd00::/8")}
	secret := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("spindle_posts{account=\"bob\"} 1"))
	})
	h := OnlyFrom(office, secret)
	for _, tc := range []struct {
		name, remote, xff string
		want              int
	}{
		{"loopback v4", "127.0.0.1:5555", "", http.StatusOK},
		{"loopback v6", "[::1]:5555", "", http.StatusOK},
		{"allowed network", "10.20.3.4:80", "", http.StatusOK},
		{"allowed v6 network", "[fd00::7]:80", "", http.StatusOK},
		{"v4-mapped v6 in allowed network", "[::ffff:10.20.3.4]:80", "", http.StatusOK},
		{"internet", "203.0.113.9:4444", "", http.StatusForbidden},
		{"internet claiming loopback", "203.0.113.9:4444", "127.0.0.1", http.StatusForbidden},
		{"neighbouring network", "10.21.0.1:4444", "10.20.0.1", http.StatusForbidden},
		{"garbage peer", "not-an-address", "", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.RemoteAddr = tc.remote
			if tc.xff != "" {
				req.Header.Set("X-Forwarded-For", tc.xff)
				req.Header.Set("X-Real-IP", tc.xff)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("from %s: %d, want %d", tc.remote, rec.Code, tc.want)
			}
			if tc.want == http.StatusForbidden && rec.Body.Len() > 0 && strings.Contains(rec.Body.String(), "bob") {
				t.Fatal("a refused peer saw account names")
			}
		})
	}
}

// FuzzPeerAllowed: any RemoteAddr is judged without panicking, and with no networks listed
// only a loopback peer is let in.
func FuzzPeerAllowed(f *testing.F) {
	for _, s := range []string{"127.0.0.1:1", "[::1]:80", "[::ffff:127.0.0.1]:80", "10.0.0.1:5", "[fe80::1%eth0]:80", "", "127.0.0.1", "@", "[::1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, remote string) {
		if !peerAllowed(remote, nil) {
			return
		}
		ap, err := netip.ParseAddrPort(remote)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Fatalf("%q let in with no networks listed", remote)
		}
	})
}
