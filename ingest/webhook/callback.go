package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/spindle-threads/spindle/ingest/netguard"
)

// CallbackResult is the JSON a source's callback_url receives once its post reaches a terminal
// state.
type CallbackResult struct {
	ID        string `json:"id"`
	Status    string `json:"status"` // "posted", "failed" or "cancelled"
	Permalink string `json:"permalink,omitempty"`
	MediaID   string `json:"media_id,omitempty"`
	Error     string `json:"error,omitempty"` // why it failed, in words a person can act on
}

// Callback is one result to deliver.
type Callback struct {
	URL    string
	Scheme Scheme // the source's scheme: the callback is signed the way the source signs
	Secret string // the source's current secret (Source.Secrets[0])
	Result CallbackResult
}

// CallbackOptions configures a CallbackSender; zero values are the documented defaults.
type CallbackOptions struct {
	AllowPrivate bool // allow loopback and private addresses (tests, LAN-only setups)
	// Guard replaces the one AllowPrivate would build (netguard, shared with the feed
	// fetcher); tests inject one with a fake resolver or an exempt address.
	Guard    *netguard.Guard
	Attempts int           // tries per callback; default 6 (about a minute of backoff)
	Timeout  time.Duration // per attempt; default 10s
	// Transport replaces the guarded transport; tests only. With it, AllowPrivate is not
	// enforced at dial time.
	Transport http.RoundTripper
	Logger    *slog.Logger                                     // default: discard
	Now       func() time.Time                                 // default: time.Now
	Sleep     func(ctx context.Context, d time.Duration) error // default: a timer honouring ctx
}

// CallbackSender POSTs results to callback URLs, signed in the source's scheme, retrying
// transient failures with exponential backoff and jitter.
//
// The private-address guard is netguard's: it runs on the address actually dialled, after DNS
// resolution, so DNS rebinding cannot slip an internal address past it. Proxies from the
// environment are not used for the same reason, and redirects are not followed: a signed
// result goes to the URL the sender named, or nowhere.
type CallbackSender struct {
	client   *http.Client
	attempts int
	log      *slog.Logger
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
}

// NewCallbackSender builds a sender.
func NewCallbackSender(o CallbackOptions) *CallbackSender {
	s := &CallbackSender{attempts: o.Attempts, log: o.Logger, now: o.Now, sleep: o.Sleep}
	if s.attempts <= 0 {
		s.attempts = 6
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	rt := o.Transport
	if rt == nil {
		g := o.Guard
		if g == nil {
			g = netguard.New(netguard.Options{AllowPrivate: o.AllowPrivate, DialTimeout: 5 * time.Second})
		}
		t := g.Transport()
		t.MaxIdleConns = 32
		t.ResponseHeaderTimeout = 0 // the client's Timeout bounds each attempt
		rt = t
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	s.client = &http.Client{
		Transport:     rt,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

// permanentError is a callback failure retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }

// PermanentCallbackError reports whether err, from Deliver, is one no later attempt can fix
// (a 4xx answer, a redirect, a private address, a bad URL): the caller should drop the
// callback instead of queueing it again.
func PermanentCallbackError(err error) bool {
	_, ok := errors.AsType[*permanentError](err)
	return ok
}
func (e *permanentError) Unwrap() error { return e.err }

// Deliver POSTs cb.Result to cb.URL until it is accepted (2xx), refused for good (a 4xx other
// than 408, 425 and 429, a redirect, a private address), the attempts run out, or ctx ends.
// Every attempt is signed afresh (a Standard Webhooks timestamp must be current) under the same
// delivery id, so the receiver can drop duplicates.
func (s *CallbackSender) Deliver(ctx context.Context, cb Callback) error {
	body, err := json.Marshal(cb.Result)
	if err != nil {
		return fmt.Errorf("webhook: callback: encode result: %w", err)
	}
	var last error
	for attempt := range s.attempts {
		if attempt > 0 {
			if err := s.sleep(ctx, backoff(attempt, last)); err != nil {
				return fmt.Errorf("webhook: callback for post %s: %w (last error: %w)", cb.Result.ID, err, last)
			}
		}
		last = s.attempt(ctx, cb, body)
		if last == nil {
			s.log.DebugContext(ctx, "webhook callback delivered", slog.String("post_id", cb.Result.ID), slog.Int("attempt", attempt+1))
			return nil
		}
		if _, ok := errors.AsType[*permanentError](last); ok {
			break
		}
		s.log.InfoContext(ctx, "webhook callback failed, will retry", slog.String("post_id", cb.Result.ID),
			slog.Int("attempt", attempt+1), slog.String("error", last.Error()))
	}
	return fmt.Errorf("webhook: callback for post %s: %w", cb.Result.ID, last)
}

func (s *CallbackSender) attempt(ctx context.Context, cb Callback, body []byte) error {
	h, err := Sign(cb.Scheme, cb.Secret, body, s.now())
	if err != nil {
		return &permanentError{err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cb.URL, bytes.NewReader(body))
	if err != nil {
		return &permanentError{fmt.Errorf("bad callback URL: %w", err)}
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Spindle-Webhook/1")
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, netguard.ErrPrivateAddress) {
			return &permanentError{err}
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return nil
	case c == http.StatusRequestTimeout || c == http.StatusTooEarly || c == http.StatusTooManyRequests || c >= 500:
		return &retryAfterError{status: c, after: retryAfter(resp.Header.Get("Retry-After"))}
	default:
		return &permanentError{fmt.Errorf("callback URL answered %d %s", c, http.StatusText(c))}
	}
}

// retryAfterError is a transient HTTP failure, with the server's Retry-After if it gave one.
type retryAfterError struct {
	status int
	after  time.Duration
}

func (e *retryAfterError) Error() string {
	return fmt.Sprintf("callback URL answered %d %s", e.status, http.StatusText(e.status))
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n > 0 {
		return min(time.Duration(n)*time.Second, 5*time.Minute)
	}
	return 0
}

// backoff is 1s, 2s, 4s, … capped at 1 minute, with ±20 % jitter so callbacks that failed
// together do not retry together; a server's Retry-After wins when it is longer.
func backoff(attempt int, last error) time.Duration {
	d := min(time.Second<<min(attempt-1, 6), time.Minute)
	d = time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	if ra, ok := errors.AsType[*retryAfterError](last); ok && ra.after > d {
		d = ra.after
	}
	return d
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
