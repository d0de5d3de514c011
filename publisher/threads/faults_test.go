package threads_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

func TestFaults(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		fault      threadstest.Fault
		class      threads.Class
		status     int
		retryAfter time.Duration
	}{
		{"502 HTML from a proxy", threadstest.Fault{Kind: threadstest.FaultServerError, Count: 1}, threads.ClassTransient, 502, 0},
		{"503", threadstest.Fault{Kind: threadstest.FaultServerError, Status: 503, Count: 1}, threads.ClassTransient, 503, 0},
		{"connection reset", threadstest.Fault{Kind: threadstest.FaultReset, Count: 1}, threads.ClassTransient, 0, 0},
		{"429 with Retry-After", threadstest.Fault{Kind: threadstest.FaultRateLimit, Count: 1, RetryAfter: 90 * time.Second}, threads.ClassRateLimited, 429, 90 * time.Second},
		{"transient Graph error", threadstest.Fault{Kind: threadstest.FaultTransient, Count: 1}, threads.ClassTransient, 500, 0},
		{"custom restricted error", threadstest.Fault{Kind: threadstest.FaultError, Count: 1, Error: &threadstest.GraphError{
			Code: 10, Subcode: 4279013, Message: "User restricted"}}, threads.ClassRestricted, 400, 0},
		{"custom throttling code 17", threadstest.Fault{Kind: threadstest.FaultError, Count: 1, Error: &threadstest.GraphError{
			Code: 17, IsTransient: true, Message: "(#17) User request limit reached"}}, threads.ClassRateLimited, 400, 0},
		{"custom 401 auth", threadstest.Fault{Kind: threadstest.FaultError, Count: 1, Error: &threadstest.GraphError{
			HTTPStatus: 401, Code: 190, Message: "Invalid OAuth access token"}}, threads.ClassAuth, 401, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, threadstest.Options{})
			e.sim.Fault(threadstest.EndpointProfile, tt.fault)
			_, err := e.c.Me(ctx, e.token)
			te := e.wantErr(t, err, tt.class)
			if te.HTTPStatus != tt.status || te.RetryAfter != tt.retryAfter {
				t.Errorf("status %d retry-after %v, want %d %v (%v)", te.HTTPStatus, te.RetryAfter, tt.status, tt.retryAfter, err)
			}
			// The fault was spent: the next call works.
			if _, err := e.c.Me(ctx, e.token); err != nil {
				t.Errorf("call after the fault: %v", err)
			}
		})
	}
}

func TestLostPublishAnswerReconciles(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	start := e.clock.Now()
	id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "lost answer"})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Count: 1})
	_, err = e.c.Publish(ctx, e.token, "me", id)
	te := e.wantErr(t, err, threads.ClassPermission) // 5xx + code 10, as observed
	if !te.MaybePublished || !threads.MaybePublished(err) || te.HTTPStatus < 500 {
		t.Fatalf("lost answer = %+v, want MaybePublished on a 5xx", te)
	}
	// Reconcile as the reference says: status, then the recent list.
	st, err := e.c.ContainerStatus(ctx, e.token, id)
	if err != nil || st.Status != threads.StatusPublished {
		t.Fatalf("status = %+v, %v; want PUBLISHED", st, err)
	}
	recent, err := e.c.RecentThreads(ctx, e.token, "me", start, 10)
	if err != nil || len(recent) != 1 || recent[0].Text != "lost answer" {
		t.Fatalf("RecentThreads = %+v, %v", recent, err)
	}
	if l := e.sim.Ledger(); len(l) != 1 || l[0].MediaID != recent[0].ID {
		t.Fatalf("ledger = %+v, want exactly one post, the one found", l)
	}
}

func TestPublishFaultsMarkMaybePublished(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		fault threadstest.Fault
		maybe bool
	}{
		{"reset", threadstest.Fault{Kind: threadstest.FaultReset, Count: 1}, true},
		{"502", threadstest.Fault{Kind: threadstest.FaultServerError, Count: 1}, true},
		{"transient", threadstest.Fault{Kind: threadstest.FaultTransient, Count: 1}, true},
		{"media not found", threadstest.Fault{Kind: threadstest.FaultMediaNotFound, Count: 1}, false},
		{"429", threadstest.Fault{Kind: threadstest.FaultRateLimit, Count: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, threadstest.Options{})
			id, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "x"})
			if err != nil {
				t.Fatal(err)
			}
			e.sim.Fault(threadstest.EndpointPublish, tt.fault)
			_, err = e.c.Publish(ctx, e.token, "me", id)
			if err == nil || threads.MaybePublished(err) != tt.maybe {
				t.Fatalf("Publish = %v; MaybePublished %v, want %v", err, threads.MaybePublished(err), tt.maybe)
			}
			e.assertNoSecrets(t, err.Error(), "publish error")
			// Nothing was published, so a retry publishes exactly once.
			if _, err := e.c.Publish(ctx, e.token, "me", id); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if n := len(e.sim.Ledger()); n != 1 {
				t.Fatalf("ledger has %d posts, want 1", n)
			}
		})
	}
	t.Run("auto_publish_text lost", func(t *testing.T) {
		e := newEnv(t, threadstest.Options{})
		e.sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Count: 1})
		_, err := e.c.CreateContainer(ctx, e.token, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "x", AutoPublishText: true})
		if !threads.MaybePublished(err) {
			t.Fatalf("lost auto-publish answer = %v, want MaybePublished", err)
		}
	})
}

// TestTokenNeverInErrors makes requests fail in every way that puts a URL in
// the error (the token travels in the query of GET calls) and checks the
// token is not in the error, its wrapped *url.Error, or the log.
func TestTokenNeverInErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})

	t.Run("timeout", func(t *testing.T) {
		e.sim.Fault(threadstest.EndpointProfile, threadstest.Fault{Kind: threadstest.FaultLatency, Delay: 2 * time.Second, Count: 1})
		ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := e.c.Me(ctx, e.token)
		te := e.wantErr(t, err, threads.ClassTransient)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("timeout error does not match context.DeadlineExceeded: %v", err)
		}
		var ue *url.Error
		if !errors.As(err, &ue) || !strings.Contains(ue.URL, "access_token=%5BREDACTED%5D") {
			t.Errorf("wrapped url.Error URL = %v, want the token redacted", ue)
		}
		if te.HTTPStatus != 0 {
			t.Errorf("HTTPStatus = %d, want 0 (no answer)", te.HTTPStatus)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		dead := threads.New(threads.Options{BaseURL: "http://127.0.0.1:1", AppSecret: e.sim.AppSecret()})
		_, err := dead.RecentThreads(ctx, e.token, "me", time.Now(), 5)
		e.wantErr(t, err, threads.ClassTransient)
		_, err = dead.ExchangeLongLived(ctx, e.token)
		e.wantErr(t, err, threads.ClassTransient)
	})
	t.Run("app token with URL-escaped characters", func(t *testing.T) {
		appToken := "TH|" + e.sim.AppID() + "|" + e.sim.AppSecret()
		dead := threads.New(threads.Options{BaseURL: "http://127.0.0.1:1"})
		_, err := dead.Media(ctx, appToken, "123")
		if err == nil || strings.Contains(err.Error(), url.QueryEscape(appToken)) || strings.Contains(err.Error(), appToken) {
			t.Errorf("error shows the app token: %v", err)
		}
	})
	t.Run("server echoes the token", func(t *testing.T) {
		e.sim.Fault(threadstest.EndpointProfile, threadstest.Fault{Kind: threadstest.FaultError, Count: 1,
			Error: &threadstest.GraphError{Code: 190, Message: "Malformed access token " + e.token}})
		_, err := e.c.Me(ctx, e.token)
		e.wantErr(t, err, threads.ClassAuth)
	})
	t.Run("redirect refused, its error quoting the URL", func(t *testing.T) {
		redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.String()+"&again=1", http.StatusFound)
		}))
		defer redirector.Close()
		c := threads.New(threads.Options{BaseURL: redirector.URL, HTTPClient: &http.Client{
			CheckRedirect: func(req *http.Request, via []*http.Request) error {
				return fmt.Errorf("refusing redirect to %s: %w", req.URL, errRedirect)
			},
		}})
		_, err := c.Me(ctx, e.token)
		e.wantErr(t, err, threads.ClassTransient)
		if !errors.Is(err, errRedirect) {
			t.Errorf("redacted error lost its cause: %v", err)
		}
		if !strings.Contains(err.Error(), "[REDACTED]") {
			t.Errorf("error = %v, want the URL shown redacted", err)
		}
	})
	if !strings.Contains(e.log.String(), "op=\"get profile\"") {
		t.Errorf("the client logged nothing at Debug: %q", e.log.String())
	}
}

var errRedirect = errors.New("redirects are not followed")

func TestNewDefaultsAndPanics(t *testing.T) {
	c := threads.New(threads.Options{})
	if !strings.HasPrefix(c.AuthorizeURL("x"), threads.DefaultAuthURL+"?") {
		t.Errorf("default AuthorizeURL = %q", c.AuthorizeURL("x"))
	}
	for _, opts := range []threads.Options{{BaseURL: "graph.threads.net"}, {AuthURL: "/oauth"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%+v) did not panic", opts)
				}
			}()
			threads.New(opts)
		}()
	}
}
