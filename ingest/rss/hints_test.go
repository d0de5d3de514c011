package rss

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzFetchHints feeds arbitrary Cache-Control, Retry-After and <ttl> values through the
// fetcher's hint parsers: none may panic, and every hint is a lower bound between 0 and
// maxHint, so no server can silence a feed for longer than a day or make the next poll
// come before now.
func FuzzFetchHints(f *testing.F) {
	seeds := [][3]string{
		{"max-age=300", "120", "60"},
		{`public, max-age="600"`, "Wed, 21 Oct 2099 07:28:00 GMT", " 15 "},
		{"no-store, no-cache", "-5", "-1"},
		{"max-age=99999999999999999999", "99999999999999999999", "9223372036854775807"},
		{"MAX-AGE=0,max-age=10", "Thu, 01 Jan 1970 00:00:00 GMT", "1e3"},
		{"max-age", "", ""},
		{"max-age=\x00", "0x10", "١٢"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2])
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, cacheControl, retry, ttl string) {
		check := func(name string, d time.Duration) {
			if d < 0 || d > maxHint {
				t.Fatalf("%s hint %v is outside [0, %v] (Cache-Control %q, Retry-After %q, ttl %q)",
					name, d, maxHint, cacheControl, retry, ttl)
			}
		}
		check("max-age", maxAge(http.Header{"Cache-Control": {cacheControl}}))
		check("Retry-After", retryAfter(retry, now))
		check("ttl", ttlHint(ttl))
	})
}

// TestFetchHintsOverHTTP: the hints arrive through real responses and a real document; a
// hostile server asking for a year gets a day.
func TestFetchHintsOverHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		header http.Header
		status int
		ttl    string
		want   time.Duration
	}{
		{"max-age", http.Header{"Cache-Control": {"public, max-age=900"}}, 200, "", 15 * time.Minute},
		{"ttl wins when longer", http.Header{"Cache-Control": {"max-age=60"}}, 200, "30", 30 * time.Minute},
		{"a year is a day", http.Header{"Cache-Control": {"max-age=31536000"}}, 200, "525600", maxHint},
		{"garbage is nothing", http.Header{"Cache-Control": {"max-age=soon"}}, 200, "often", 0},
		{"retry-after on 429", http.Header{"Retry-After": {"3600"}}, 429, "", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header()[k] = v
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `<rss version="2.0"><channel><title>t</title><ttl>%s</ttl></channel></rss>`, tt.ttl)
			}))
			defer srv.Close()
			p := NewPoller(PollerOptions{Fetcher: testFetcher(), Seen: newMemSeen(), Enqueuer: newMemQueue()})
			res, _ := p.Poll(t.Context(), Feed{ID: 1, URL: srv.URL, FirstPoll: true})
			if res.NextPollAfter != tt.want {
				t.Fatalf("NextPollAfter = %v, want %v", res.NextPollAfter, tt.want)
			}
		})
	}
}
