package rss

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxAge reads Cache-Control max-age as a lower bound on the next poll. no-store and
// no-cache say nothing about poll frequency and are ignored.
func maxAge(h http.Header) time.Duration {
	for _, line := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(line, ",") {
			name, val, ok := strings.Cut(strings.TrimSpace(dir), "=")
			if !ok || !strings.EqualFold(name, "max-age") {
				continue
			}
			secs, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
			if err != nil || secs <= 0 {
				continue
			}
			return capHint(time.Duration(min(secs, int64(maxHint/time.Second))) * time.Second)
		}
	}
	return 0
}

// retryAfter reads Retry-After, either delay-seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return capHint(time.Duration(min(secs, int64(maxHint/time.Second))) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return capHint(t.Sub(now))
	}
	return 0
}

// ttlHint reads an RSS <ttl> (minutes).
func ttlHint(ttl string) time.Duration {
	mins, err := strconv.ParseInt(strings.TrimSpace(ttl), 10, 64)
	if err != nil || mins <= 0 {
		return 0
	}
	return capHint(time.Duration(min(mins, int64(maxHint/time.Minute))) * time.Minute)
}

func capHint(d time.Duration) time.Duration { return min(d, maxHint) }
