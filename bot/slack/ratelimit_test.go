package slack

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// TestRateLimitedResultsAllArrive: Slack answers the first three results 429 with
// Retry-After: 1. Each is sent again once that second has passed, never sooner, and every
// result arrives; Notify reports success to the outbox for all of them.
func TestRateLimitedResultsAllArrive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var posts []storage.Post
	for _, text := range []string{"post one", "post two", "post three"} {
		posts = append(posts, e.queued(text))
	}
	e.slack.RateLimit(3, time.Second)
	var wg sync.WaitGroup
	errs := make([]error, len(posts))
	for i, p := range posts {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // the outbox's budget
			defer cancel()
			errs[i] = e.door.Notify(ctx, event(int64(100+i), publisher.EventPosted, p))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("result %d: %v", i, err)
		}
	}
	refused := e.slack.RateLimited()
	if len(refused) != 3 {
		t.Fatalf("%d refusals, want 3", len(refused))
	}
	msgs := e.slack.Messages()
	if len(msgs) != 3 {
		t.Fatalf("%d results arrived, want 3: %+v", len(msgs), msgs)
	}
	for _, m := range msgs {
		if m.At.Before(refused[0].Add(time.Second)) {
			t.Errorf("a result arrived %v after the first 429, before its Retry-After", m.At.Sub(refused[0]))
		}
	}
	if n := e.slack.Early(); n != 0 {
		t.Errorf("%d messages sent before Retry-After had passed", n)
	}
	if h := e.door.Health(); h.LastSuccess.IsZero() {
		t.Errorf("health %+v, want a last success", h)
	}
}

// TestRateLimitedConfirmationIsRetried: the public confirmation of a scheduled post, posted
// after the ack, is sent again after Retry-After instead of being logged and lost.
func TestRateLimitedConfirmationIsRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.slack.RateLimit(1, time.Second)
	e.say("UALICE", "schedule in 2h hello later")
	e.door.wg.Wait()
	msgs := e.slack.Messages()
	if len(msgs) != 1 || msgs[0].Via != "chat.postMessage" || msgs[0].Channel != "C1" {
		t.Fatalf("messages %+v, want the confirmation in C1", msgs)
	}
	if r := e.slack.RateLimited(); len(r) != 1 || msgs[0].At.Before(r[0].Add(time.Second)) {
		t.Errorf("refused at %v, confirmation at %v: want it after Retry-After", r, msgs[0].At)
	}
	if n := e.slack.Early(); n != 0 {
		t.Errorf("%d messages sent before Retry-After had passed", n)
	}
}

// TestRateLimitBeyondTheDeadlineGoesBackToTheOutbox: when Slack's Retry-After outlasts the
// delivery's deadline, Notify says so with the wait, which the outbox honours.
func TestRateLimitBeyondTheDeadlineGoesBackToTheOutbox(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.queued("post hello")
	e.slack.RateLimit(1, 5*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := e.door.Notify(ctx, event(7, publisher.EventPosted, p))
	var rl interface{ RetryAfter() time.Duration }
	if !errors.As(err, &rl) || rl.RetryAfter() != 5*time.Second {
		t.Fatalf("Notify = %v, want an error carrying Retry-After 5s", err)
	}
	if n := len(e.slack.Messages()); n != 0 {
		t.Errorf("%d messages, want none yet", n)
	}
	if h := e.door.Health(); !strings.Contains(h.LastError, "rate limited") || h.LastErrorAt.IsZero() ||
		strings.Contains(h.LastError, "127.0.0.1") {
		t.Errorf("health %+v, want the rate limit as the last error, without the URL", h)
	}
}

// TestPacingSpreadsABurstPerChannel: six messages to one channel at once leave at Slack's
// pace (a burst of 3, then about one a second), while another channel is not held back.
func TestPacingSpreadsABurstPerChannel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, _, err := e.door.postMessage(ctx, "CBUSY", nil...); err != nil {
				t.Error(err)
			}
		})
	}
	if _, _, err := e.door.postMessage(ctx, "CQUIET"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("a quiet channel's message waited %v behind a busy one", d)
	}
	wg.Wait()
	if d := time.Since(start); d < 2500*time.Millisecond {
		t.Errorf("six messages to one channel took %v; Slack's pace allows 3 at once then 1 a second", d)
	}
}

// FuzzParseRetryAfter: whatever a Retry-After header holds, the wait read from it is between
// zero (the minimum applies) and maxRetryAfter, so no answer can stall a channel for long.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "30", " 2 ", "", "0", "-5", "600", "601", "Wed, 21 Oct 2026 07:28:00 GMT",
		"9223372036854775807", "99999999999999999999", "1.5", "+3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d := parseRetryAfter(v)
		if d < 0 || d > maxRetryAfter || d%time.Second != 0 {
			t.Fatalf("parseRetryAfter(%q) = %v", v, d)
		}
	})
}

// TestParseRetryAfter: Slack's whole seconds are read; anything else means the minimum.
func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want time.Duration
	}{{"1", time.Second}, {"30", 30 * time.Second}, {" 2 ", 2 * time.Second}, {"", 0}, {"-5", 0},
		{"600", 10 * time.Minute}, {"601", 0}, {"Wed, 21 Oct 2026 07:28:00 GMT", 0}, {"99999999999999999999", 0}} {
		if got := parseRetryAfter(c.in); got != c.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
