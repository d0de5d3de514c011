package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/netguard"
)

// receiver is a local callback endpoint that verifies what it gets like a real receiver would.
type receiver struct {
	mu       sync.Mutex
	scheme   Scheme
	secret   string
	statuses []int // answered in order; then 204
	got      []CallbackResult
	ids      []string
	verifyOK []bool
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	v, err := Verify(rc.scheme, []string{rc.secret}, r.Header, body, testNow)
	rc.verifyOK = append(rc.verifyOK, err == nil && r.Header.Get("Content-Type") == "application/json")
	rc.ids = append(rc.ids, v.DeliveryID)
	var res CallbackResult
	_ = json.Unmarshal(body, &res)
	rc.got = append(rc.got, res)
	status := http.StatusNoContent
	if n := len(rc.got) - 1; n < len(rc.statuses) {
		status = rc.statuses[n]
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "7")
	}
	w.WriteHeader(status)
}

func newSender(t *testing.T, allowPrivate bool, sleeps *[]time.Duration) *CallbackSender {
	t.Helper()
	var mu sync.Mutex
	return NewCallbackSender(CallbackOptions{
		AllowPrivate: allowPrivate, Attempts: 4, Now: func() time.Time { return testNow },
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			if sleeps != nil {
				*sleeps = append(*sleeps, d)
			}
			return ctx.Err()
		},
	})
}

func TestCallbackSignedPerScheme(t *testing.T) {
	for _, sc := range []Scheme{SchemeGitHub, SchemeStandard, SchemeGitLab} {
		t.Run(string(sc), func(t *testing.T) {
			rc := &receiver{scheme: sc, secret: NewSecret(sc)}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			res := CallbackResult{ID: "p2345678", Status: "posted", Permalink: "https://www.threads.net/@spindle/post/C1", MediaID: "1789"}
			if err := newSender(t, true, nil).Deliver(context.Background(), Callback{URL: srv.URL, Scheme: sc, Secret: rc.secret, Result: res}); err != nil {
				t.Fatal(err)
			}
			if len(rc.got) != 1 || rc.got[0] != res || !rc.verifyOK[0] {
				t.Fatalf("received %+v, verified %v", rc.got, rc.verifyOK)
			}
		})
	}
}

func TestCallbackRetries(t *testing.T) {
	rc := &receiver{scheme: SchemeStandard, secret: swSecret, statuses: []int{500, 429, 503}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var sleeps []time.Duration
	err := newSender(t, true, &sleeps).Deliver(context.Background(),
		Callback{URL: srv.URL, Scheme: SchemeStandard, Secret: swSecret, Result: CallbackResult{ID: "p1", Status: "failed", Error: "token revoked"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rc.got) != 4 || len(sleeps) != 3 {
		t.Fatalf("%d attempts, %d sleeps; want 4 and 3", len(rc.got), len(sleeps))
	}
	for i, id := range rc.ids {
		if id != rc.ids[0] || !rc.verifyOK[i] {
			t.Fatalf("attempt %d: id %q (first %q), verified %v", i, id, rc.ids[0], rc.verifyOK[i])
		}
	}
	if sleeps[0] < 800*time.Millisecond || sleeps[0] > 1200*time.Millisecond || sleeps[1] != 7*time.Second {
		t.Fatalf("sleeps = %v; want ~1s, then Retry-After 7s", sleeps)
	}
}

func TestCallbackPermanentFailures(t *testing.T) {
	for _, status := range []int{400, 404, 410, 302} {
		rc := &receiver{scheme: SchemeGitHub, secret: ghSecret, statuses: []int{status}}
		srv := httptest.NewServer(rc)
		err := newSender(t, true, nil).Deliver(context.Background(), Callback{URL: srv.URL, Scheme: SchemeGitHub, Secret: ghSecret, Result: CallbackResult{ID: "p1"}})
		srv.Close()
		if err == nil || len(rc.got) != 1 {
			t.Errorf("status %d: err %v after %d attempts; want an error after 1", status, err, len(rc.got))
		}
	}
	// Attempts run out on a server that keeps failing.
	rc := &receiver{scheme: SchemeGitHub, secret: ghSecret, statuses: []int{502, 502, 502, 502, 502}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	err := newSender(t, true, nil).Deliver(context.Background(), Callback{URL: srv.URL, Scheme: SchemeGitHub, Secret: ghSecret, Result: CallbackResult{ID: "p1"}})
	if err == nil || !strings.Contains(err.Error(), "502") || len(rc.got) != 4 {
		t.Fatalf("err %v after %d attempts", err, len(rc.got))
	}
}

func TestCallbackRefusesPrivateAddresses(t *testing.T) {
	rc := &receiver{scheme: SchemeGitHub, secret: ghSecret}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	// srv.URL is 127.0.0.1; "localhost" goes through the resolver and is caught at dial time.
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		err := newSender(t, false, nil).Deliver(context.Background(), Callback{URL: u, Scheme: SchemeGitHub, Secret: ghSecret, Result: CallbackResult{ID: "p1"}})
		if !errors.Is(err, netguard.ErrPrivateAddress) {
			t.Fatalf("%s: err = %v, want ErrPrivateAddress", u, err)
		}
	}
	if len(rc.got) != 0 {
		t.Fatalf("the private server received %d callbacks", len(rc.got))
	}
}

// TestCallbackRefusesEveryInternalRange: ranges the callback's own guard used to miss
// (benchmarking, documentation, IETF, reserved, NAT64, 6to4) are refused before any
// connection, as a permanent failure: no retry, no sleep.
func TestCallbackRefusesEveryInternalRange(t *testing.T) {
	for _, u := range []string{"http://198.18.0.1:9/cb", "http://192.0.0.8/cb", "http://240.0.0.1/cb",
		"http://0.0.0.1/cb", "http://203.0.113.5/cb", "http://[64:ff9b::a00:5]/cb", "http://[2002:a00:5::1]/cb",
		"http://[2001:db8::1]/cb", "http://[::ffff:100.64.0.1]/cb", "http://255.255.255.255/cb"} {
		var sleeps []time.Duration
		err := newSender(t, false, &sleeps).Deliver(t.Context(), Callback{URL: u, Scheme: SchemeGitHub, Secret: ghSecret, Result: CallbackResult{ID: "p1"}})
		if !errors.Is(err, netguard.ErrPrivateAddress) || !PermanentCallbackError(err) || len(sleeps) != 0 {
			t.Errorf("%s: err = %v (permanent %v) after %d retries; want a permanent ErrPrivateAddress at once",
				u, err, PermanentCallbackError(err), len(sleeps))
		}
	}
}

func TestHandlerRefusesPrivateCallback(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"text":"hi","callback_url":"http://169.254.169.254/latest/meta-data"}`)
	code, out, _ := e.request(t, "POST", "gh", signed(t, SchemeGitHub, ghSecret, body), body)
	if code != http.StatusBadRequest || out["field"] != "callback_url" || !strings.Contains(out["error"], "SPINDLE_ALLOW_PRIVATE_URLS") {
		t.Fatalf("%d %v", code, out)
	}
	if calls, _ := e.queue.snapshot(); calls != 0 {
		t.Fatalf("Enqueue called %d times", calls)
	}
}
