package api

import (
	"bytes"
	"net/http"
	"testing"
)

// A stranger with a valid token probes for accounts and posts that are not theirs. Each probe
// of something that exists must answer exactly what the same probe of something that does not
// exist answers, or the difference tells which accounts and post ids Spindle holds.
func TestNoExistenceOracle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	post := e.queued().ID
	const missingPost = "p0000000000000000000"
	probes := []struct {
		name, method, exists, missing string
		body                          any
	}{
		{"connection by name", "GET", "/api/threads/connection?account=@brand", "/api/threads/connection?account=@nosuch", nil},
		{"post to a named account", "POST", "/api/threads/post?account=brand", "/api/threads/post?account=nosuch", map[string]string{"text": "hi"}},
		{"me of a named account", "GET", "/api/threads/me?account=brand", "/api/threads/me?account=nosuch", nil},
		{"post status", "GET", "/api/posts/" + post, "/api/posts/" + missingPost, nil},
		{"cancel", "DELETE", "/api/threads/post/schedule/" + post, "/api/threads/post/schedule/" + missingPost, nil},
		{"delete", "DELETE", "/api/threads/post/" + post, "/api/threads/post/" + missingPost, nil},
	}
	for _, p := range probes {
		for _, role := range []string{"stranger", "revoked"} {
			t.Run(p.name+"/"+role, func(t *testing.T) {
				s1, _, b1 := e.do(role, p.method, p.exists, p.body)
				s2, _, b2 := e.do(role, p.method, p.missing, p.body)
				b2 = bytes.ReplaceAll(b2, []byte(missingPost), []byte(post))
				if s1 != http.StatusNotFound || s1 != s2 || !bytes.Equal(b1, b2) {
					t.Errorf("existing but not yours: %d %s\nmissing: %d %s", s1, b1, s2, b2)
				}
			})
		}
	}
}
