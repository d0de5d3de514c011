package rss

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

const (
	// MaxBackoff caps the wait before retrying a failing feed.
	MaxBackoff = 24 * time.Hour
	// DefaultMaxFailures is how many failed polls in a row pause a feed.
	DefaultMaxFailures = 10
)

// NextAttempt is how long to wait before the next poll of a feed. failures is the number of
// failed polls in a row (0 after a success), base the feed's interval, and hint the
// server's lower bound (Retry-After, Cache-Control max-age, <ttl>). The wait doubles with
// each failure up to MaxBackoff (or base, when base is longer) and is never below the hint,
// itself capped at MaxBackoff. It is a pure function; Backoff adds jitter.
func NextAttempt(failures int, base, hint time.Duration) time.Duration {
	if base <= 0 {
		base = time.Minute
	}
	ceiling := max(MaxBackoff, base)
	d := base
	for i := 0; i < failures && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return max(d, min(hint, MaxBackoff))
}

// IsFailure reports whether a poll's error counts towards a feed's failures. A 304 is
// success, and a poll cut short by shutdown says nothing about the feed.
func IsFailure(err error) bool {
	return err != nil && !errors.Is(err, ErrNotModified) && !errors.Is(err, context.Canceled)
}

// Decision is what the scheduler does with a feed after a poll.
type Decision struct {
	After  time.Duration // wait before the next poll
	Pause  bool          // stop polling until a person resumes the feed
	Reason string        // why the feed is paused, for its chat; empty unless Pause
}

// Backoff turns a poll's outcome into a Decision. The zero value uses DefaultMaxFailures and
// up to 10 % random jitter, so a thousand feeds added at once drift apart.
type Backoff struct {
	MaxFailures int                               // failures in a row that pause; 0 means DefaultMaxFailures
	Jitter      func(time.Duration) time.Duration // the extra wait added to d; nil means up to d/10
}

// Decide returns the decision after a poll that ended with err (nil on success), where
// failures counts failed polls in a row including this one, base is the feed's interval and
// hint the server's lower bound on the next poll.
func (b Backoff) Decide(err error, failures int, base, hint time.Duration) Decision {
	maxFailures := b.MaxFailures
	if maxFailures <= 0 {
		maxFailures = DefaultMaxFailures
	}
	if errors.Is(err, ErrGone) {
		return Decision{Pause: true, Reason: "the feed answered 410 Gone: its publisher retired it. " +
			"Remove the feed, or add its new URL."}
	}
	if !IsFailure(err) {
		failures = 0
	} else if failures >= maxFailures {
		return Decision{Pause: true, Reason: fmt.Sprintf("%d polls in a row failed; the last said: %v. "+
			"Check the feed URL, then resume the feed.", failures, Explain(err))}
	}
	d := NextAttempt(failures, base, hint)
	jitter := b.Jitter
	if jitter == nil {
		jitter = func(d time.Duration) time.Duration { return rand.N(d/10 + 1) }
	}
	return Decision{After: d + max(jitter(d), 0)}
}
