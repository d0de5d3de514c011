package metrics

import (
	"net/http"
	"net/netip"
)

// OnlyFrom lets next answer only requests whose TCP peer (r.RemoteAddr) is on loopback or in
// one of networks, and answers 403 to everyone else. The metrics name accounts, webhook
// sources and feeds, which are the operator's business only.
//
// It judges by the connection's own address, never by X-Forwarded-For or similar headers: a
// client sets those to whatever it likes. Behind a reverse proxy, list the proxy's network
// and let the proxy decide who reaches /metrics.
func OnlyFrom(networks []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !peerAllowed(r.RemoteAddr, networks) {
			http.Error(w, "403 forbidden: /metrics answers only to loopback and SPINDLE_METRICS_ALLOWED_NETWORKS", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func peerAllowed(remote string, networks []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return false
	}
	addr := ap.Addr().Unmap().WithZone("")
	if addr.IsLoopback() {
		return true
	}
	for _, n := range networks {
		if n.Contains(addr) {
			return true
		}
	}
	return false
}
