package metrics

import (
	"net/http"
	"strings"
	"time"
)

// Transport wraps base (http.DefaultTransport when nil) to count every Threads API request by
// endpoint and outcome. Give it to the Threads client as its HTTP client's Transport.
func (m *Metrics) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{m: m, base: base}
}

type transport struct {
	m    *Metrics
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ep := Endpoint(req.Method, req.URL.Path)
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	t.m.apiTime.WithLabelValues(ep).Observe(time.Since(start).Seconds())
	outcome := "network_error"
	if err == nil {
		switch {
		case resp.StatusCode < 400:
			outcome = "ok"
		case resp.StatusCode < 500:
			outcome = "4xx"
		default:
			outcome = "5xx"
		}
	}
	t.m.apiCalls.WithLabelValues(ep, outcome).Inc()
	return resp, err
}

// Endpoint names a Threads API request by what it does, from a fixed set: ids, tokens and
// anything else in the path never reach a label (they would leak and explode cardinality).
func Endpoint(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 0 && strings.HasPrefix(segs[0], "v") && len(segs[0]) > 1 && strings.Contains(segs[0], ".") {
		segs = segs[1:] // the version prefix, e.g. v1.0
	}
	switch len(segs) {
	case 1:
		switch segs[0] {
		case "access_token", "refresh_access_token", "me":
			return segs[0]
		case "":
			return "other"
		}
		if method == http.MethodDelete {
			return "media_delete"
		}
		if method == http.MethodGet {
			return "media_get" // a container's status or a post's fields
		}
	case 2:
		switch segs[1] {
		case "access_token":
			if segs[0] == "oauth" {
				return "oauth_access_token"
			}
		case "threads":
			if method == http.MethodPost {
				return "threads_create"
			}
			return "threads_list"
		case "threads_publish", "threads_publishing_limit", "replies", "conversation", "threads_insights":
			return segs[1]
		}
	}
	return "other"
}
