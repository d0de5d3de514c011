package slacktest

import (
	"net/http"
	"strconv"
	"time"
)

// rateLimits refuses messages as Slack does over its rate limit. Slack limits per channel
// (per response_url for those), so each is held apart. Times are the wall clock: the client
// under test waits real time.
type rateLimits struct {
	pending  int           // messages still to refuse
	after    time.Duration // the Retry-After they are refused with
	until    map[string]time.Time
	refusals []time.Time
	early    int
}

// refuse answers w with a 429 and reports true when the message for key is to be refused:
// one of the pending refusals, or sent to a key still held back by its Retry-After. The
// caller holds the server's lock.
func (l *rateLimits) refuse(w http.ResponseWriter, key string) bool {
	now := time.Now()
	switch until, held := l.until[key]; {
	case held && now.Before(until):
		l.early++
	case l.pending > 0:
		l.pending--
		l.until[key] = now.Add(l.after)
		l.refusals = append(l.refusals, now)
	default:
		return false
	}
	// Exactly Slack's answer: HTTP 429, Retry-After in whole seconds, the "ratelimited" error.
	w.Header().Set("Retry-After", strconv.Itoa(int((l.after+time.Second-1)/time.Second)))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}` + "\n"))
	return true
}

// RateLimit makes the next n messages (chat.postMessage, or a post to a response_url)
// refused as Slack refuses a message over its rate limit: HTTP 429 with Retry-After (after,
// rounded up to whole seconds) and {"ok":false,"error":"ratelimited"}. The channel (or
// response_url) refused stays limited until Retry-After has passed: a message sent to it
// sooner is refused again and counted by Early.
func (s *Server) RateLimit(n int, after time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits.pending, s.limits.after = n, after
}

// RateLimited returns when each rate-limit refusal was answered (not counting early ones).
func (s *Server) RateLimited() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.limits.refusals...)
}

// Early counts messages sent to a rate-limited channel before its Retry-After had passed.
func (s *Server) Early() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.limits.early
}
