package rss

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestNextAttempt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		failures   int
		base, hint time.Duration
		want       time.Duration
	}{
		{0, 10 * time.Minute, 0, 10 * time.Minute},
		{1, 10 * time.Minute, 0, 20 * time.Minute},
		{3, 10 * time.Minute, 0, 80 * time.Minute},
		{8, 10 * time.Minute, 0, 24 * time.Hour}, // 2560 min capped
		{1000, 10 * time.Minute, 0, 24 * time.Hour},
		{0, 10 * time.Minute, time.Hour, time.Hour},              // <ttl> / max-age lower bound
		{1, 10 * time.Minute, 5 * time.Minute, 20 * time.Minute}, // hint below backoff
		{0, 10 * time.Minute, 72 * time.Hour, 24 * time.Hour},    // hint capped
		{0, 48 * time.Hour, 0, 48 * time.Hour},                   // a long interval is kept
		{2, 48 * time.Hour, 0, 48 * time.Hour},
		{0, 0, 0, time.Minute},
	}
	for _, tt := range tests {
		if got := NextAttempt(tt.failures, tt.base, tt.hint); got != tt.want {
			t.Errorf("NextAttempt(%d, %v, %v) = %v, want %v", tt.failures, tt.base, tt.hint, got, tt.want)
		}
	}
}

func TestBackoffDecide(t *testing.T) {
	t.Parallel()
	noJitter := Backoff{Jitter: func(time.Duration) time.Duration { return 0 }}
	base := 10 * time.Minute
	fetchErr := fmt.Errorf("fetch https://x: %w", &StatusError{Code: 500, Status: "500 Internal Server Error"})
	gone := fmt.Errorf("fetch https://x: %w", &StatusError{Code: 410, Status: "410 Gone"})
	tests := []struct {
		name     string
		b        Backoff
		err      error
		failures int
		want     Decision
		reason   string
	}{
		{"success", noJitter, nil, 0, Decision{After: base}, ""},
		{"304", noJitter, ErrNotModified, 0, Decision{After: base}, ""},
		{"shutdown does not count", noJitter, context.Canceled, 4, Decision{After: base}, ""},
		{"third failure", noJitter, fetchErr, 3, Decision{After: 80 * time.Minute}, ""},
		{"pause after 10", noJitter, fetchErr, 10, Decision{Pause: true}, "10 polls in a row failed"},
		{"custom limit", Backoff{MaxFailures: 3, Jitter: noJitter.Jitter}, fetchErr, 3, Decision{Pause: true}, "3 polls"},
		{"410 pauses at once", noJitter, gone, 1, Decision{Pause: true}, "410 Gone"},
		{"jitter added", Backoff{Jitter: func(d time.Duration) time.Duration { return d / 10 }}, nil, 0, Decision{After: 11 * time.Minute}, ""},
	}
	for _, tt := range tests {
		got := tt.b.Decide(tt.err, tt.failures, base, 0)
		if got.After != tt.want.After || got.Pause != tt.want.Pause || !strings.Contains(got.Reason, tt.reason) ||
			(tt.reason == "" && got.Reason != "") {
			t.Errorf("%s: Decide = %+v, want %+v with reason %q", tt.name, got, tt.want, tt.reason)
		}
	}
	// The default jitter stays within 10 %.
	for range 100 {
		d := (Backoff{}).Decide(nil, 0, base, 0).After
		if d < base || d > base+base/10 {
			t.Fatalf("default jitter gave %v for a %v base", d, base)
		}
	}
	if !IsFailure(errors.New("x")) || IsFailure(nil) || IsFailure(fmt.Errorf("w: %w", ErrNotModified)) {
		t.Error("IsFailure misclassifies")
	}
}
