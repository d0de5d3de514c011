package metrics_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/metrics"
)

func TestEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, want string
	}{
		{"POST", "/v1.0/1784alice/threads", "threads_create"},
		{"GET", "/v1.0/1784alice/threads", "threads_list"},
		{"POST", "/v1.0/1784alice/threads_publish", "threads_publish"},
		{"GET", "/v1.0/1784alice/threads_publishing_limit", "threads_publishing_limit"},
		{"GET", "/v1.0/17890000000", "media_get"},
		{"DELETE", "/v1.0/17890000000", "media_delete"},
		{"GET", "/v1.0/me", "me"},
		{"POST", "/oauth/access_token", "oauth_access_token"},
		{"GET", "/access_token", "access_token"},
		{"GET", "/refresh_access_token", "refresh_access_token"},
		{"GET", "/", "other"},
		{"POST", "/v1.0/THsecrettoken", "other"},
		{"GET", "/v1.0/a/b/c", "other"},
		{"GET", "/v1.0/1784alice/THsecrettoken", "other"},
		{"GET", "/sandbox/threads/oauth/authorize", "other"},
	}
	for _, tt := range tests {
		if got := metrics.Endpoint(tt.method, tt.path); got != tt.want {
			t.Errorf("Endpoint(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

var endpoints = []string{"threads_create", "threads_list", "threads_publish", "threads_publishing_limit",
	"media_get", "media_delete", "me", "oauth_access_token", "access_token", "refresh_access_token",
	"replies", "conversation", "threads_insights", "other"}

// FuzzEndpoint: whatever the path, the label is one of a fixed set, so nothing in a path (ids,
// tokens) ever becomes a label.
func FuzzEndpoint(f *testing.F) {
	for _, s := range []string{"/v1.0/1/threads", "/access_token", "/v1.0/THtoken", "//", "/v9/x/threads_publish", ""} {
		f.Add("GET", s)
		f.Add("POST", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		if got := metrics.Endpoint(method, path); !slices.Contains(endpoints, got) {
			t.Fatalf("Endpoint(%q, %q) = %q, not a known endpoint", method, path, got)
		}
	})
}

type failing struct{}

func (failing) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

func TestTransportCountsByEndpointAndOutcome(t *testing.T) {
	t.Parallel()
	const token = "THAAsecretTOKEN123"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/threads_publish"):
			http.Error(w, `{"error":{"code":190}}`, http.StatusBadRequest)
		case r.URL.Path == "/refresh_access_token":
			http.Error(w, "down", http.StatusBadGateway)
		default:
			w.Write([]byte(`{"id":"1"}`))
		}
	}))
	defer srv.Close()
	m := metrics.New(metrics.Options{Store: emptyStore{}})
	hc := &http.Client{Transport: m.Transport(nil)}
	get := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get("POST", "/v1.0/1784alice/threads?access_token="+token)
	get("POST", "/v1.0/1784alice/threads?access_token="+token)
	get("POST", "/v1.0/1784alice/threads_publish?access_token="+token)
	get("GET", "/refresh_access_token?access_token="+token)
	get("GET", "/v1.0/"+token) // a token where an id belongs must not become a label
	bad := &http.Client{Transport: m.Transport(failing{})}
	if _, err := bad.Get(srv.URL + "/v1.0/me?access_token=" + token); err == nil {
		t.Fatal("the failing transport succeeded")
	}

	fams := families(t, m)
	for _, c := range []struct {
		endpoint, outcome string
		want              float64
	}{
		{"threads_create", "ok", 2},
		{"threads_publish", "4xx", 1},
		{"refresh_access_token", "5xx", 1},
		{"media_get", "ok", 1},
		{"me", "network_error", 1},
	} {
		got := value(t, fams, "spindle_threads_api_requests_total", map[string]string{"endpoint": c.endpoint, "outcome": c.outcome})
		if got != c.want {
			t.Errorf("%s/%s = %v, want %v", c.endpoint, c.outcome, got, c.want)
		}
	}
	if _, ok := find(fams, "spindle_threads_api_request_duration_seconds", map[string]string{"endpoint": "threads_create"}); !ok {
		t.Error("no latency series for threads_create")
	}
	for name, f := range fams {
		for _, mm := range f.GetMetric() {
			for _, l := range mm.GetLabel() {
				if strings.Contains(l.GetValue(), token) || strings.Contains(l.GetValue(), "1784alice") {
					t.Errorf("%s has a label %s=%q from the request", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}
