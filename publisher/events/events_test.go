package events_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/netguard"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestMain(m *testing.M) { os.Exit(storagetest.RunDialects(m)) }

// verify is an independent Standard Webhooks verifier, written from the specification and not
// sharing code with the package: the base64 key after whsec_, HMAC-SHA256 over
// "id.timestamp.body", any of the space-separated "v1,<base64>" signatures may match, and the
// timestamp must be within five minutes of now.
func verify(secret string, h http.Header, body []byte, now time.Time) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return err
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp out of tolerance")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		v, b64, ok := strings.Cut(s, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// The specification's test vector.
func TestSignSpecVector(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	got, err := events.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,bm9ub3RoZXJz "+got)
	if err := verify(secret, h, body, time.Unix(1614265330, 0)); err != nil {
		t.Fatalf("the verifier refuses the spec vector: %v", err)
	}
	body[3] = 'x'
	if err := verify(secret, h, body, time.Unix(1614265330, 0)); err == nil {
		t.Fatal("the verifier accepts a changed body")
	}
}

// receiver records signed deliveries; answer decides each status.
type receiver struct {
	t      *testing.T
	secret string
	clock  *storagetest.Clock
	mu     sync.Mutex
	got    []events.Message
	ids    []string
	answer func(n int) int
	srv    *httptest.Server
}

func newReceiver(t *testing.T, clock *storagetest.Clock, answer func(n int) int) *receiver {
	r := &receiver{t: t, clock: clock, answer: answer}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := verify(r.secret, req.Header, body, r.clock.Now()); err != nil {
			t.Errorf("delivery does not verify: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var m events.Message
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("body: %v", err)
		}
		status := http.StatusOK
		if r.answer != nil {
			status = r.answer(len(r.ids))
		}
		r.ids = append(r.ids, req.Header.Get("webhook-id"))
		if status/100 == 2 {
			r.got = append(r.got, m)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) delivered() []events.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Message(nil), r.got...)
}

func (r *receiver) attempts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

type kit struct {
	db    *storage.DB
	clock *storagetest.Clock
	keys  *accounts.Keys
	subs  events.Subscriptions
	fan   events.Fanout
}

func newKit(t *testing.T) *kit {
	clock := storagetest.NewClock(time.Time{})
	db := storagetest.Open(t, clock.Now)
	keys, err := accounts.NewKeys([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	return &kit{db: db, clock: clock, keys: keys, subs: events.Subscriptions{Store: db, Sealer: keys}, fan: events.Fanout{Store: db}}
}

func (k *kit) deliverer(client *http.Client, attempted func(storage.EventDelivery)) *events.Deliverer {
	if client == nil {
		client = http.DefaultClient
	}
	return events.NewDeliverer(events.Options{Store: k.db, Sealer: k.keys, Client: client, Now: k.clock.Now, Wall: k.clock.Now, Attempted: attempted})
}

func (k *kit) add(t *testing.T, r *receiver, spec events.Spec) storage.EventSubscription {
	t.Helper()
	spec.URL = r.srv.URL + "/hook"
	sub, secret, err := k.subs.Add(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	r.secret = secret
	return sub
}

func (k *kit) event(t *testing.T, id int64, kind publisher.EventKind, account int64) {
	t.Helper()
	e := publisher.Event{ID: id, Kind: kind, PostID: "p" + strconv.FormatInt(id, 10), AccountID: account, Door: "cli",
		Permalink: "https://www.threads.net/@a/post/x", At: k.clock.Now()}
	// Through the Doors wrapper, as the publisher's outbox calls it.
	if err := events.Doors(nil, k.fan).Notifier("cli").Notify(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

func TestDeliverSignedAndFiltered(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	all := newReceiver(t, k.clock, nil)
	failedOnly := newReceiver(t, k.clock, nil)
	k.add(t, all, events.Spec{})
	k.add(t, failedOnly, events.Spec{Events: []string{"post.failed"}, AccountID: 7})

	k.event(t, 1, publisher.EventPosted, 7)
	k.event(t, 2, publisher.EventFailed, 8) // another account
	k.event(t, 3, publisher.EventFailed, 7)
	k.event(t, 3, publisher.EventFailed, 7) // the outbox repeats an event: no second delivery
	k.deliverer(nil, nil).Drain(context.Background())

	got := all.delivered()
	if len(got) != 3 || got[0].Type != "post.published" || got[0].Data.PostID != "p1" || got[2].Type != "post.failed" {
		t.Fatalf("all: %+v", got)
	}
	if got := failedOnly.delivered(); len(got) != 1 || got[0].Data.PostID != "p3" {
		t.Fatalf("failed-only for account 7: %+v", got)
	}
	// Acknowledged deliveries are never sent again.
	k.deliverer(nil, nil).Drain(context.Background())
	if n := all.attempts(); n != 3 {
		t.Fatalf("%d attempts after a second drain, want 3", n)
	}
}

// TestTimestampByTheWallClock: a deliverer whose database clock (Now) runs an hour ahead of
// the machine's (Wall) still sends what falls due by the database's clock, and dates
// webhook-timestamp by the machine's, which receivers hold to five minutes of their own. Dated
// by the database's clock, every delivery was refused as stale.
func TestTimestampByTheWallClock(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	wall := storagetest.NewClock(k.clock.Now().Add(-time.Hour))
	r := newReceiver(t, wall, nil)
	k.add(t, r, events.Spec{})
	k.event(t, 1, publisher.EventPosted, 7)
	events.NewDeliverer(events.Options{Store: k.db, Sealer: k.keys, Client: http.DefaultClient,
		Now: k.clock.Now, Wall: wall.Now}).Drain(context.Background())
	if got := r.delivered(); len(got) != 1 || got[0].Data.PostID != "p1" {
		t.Fatalf("delivered %+v, want p1's event, verified against the receiver's clock", got)
	}
}

func TestRetryWithBackoffThenNeverTwice(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := newReceiver(t, k.clock, func(n int) int {
		if n < 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	sub := k.add(t, r, events.Spec{})
	k.event(t, 1, publisher.EventPosted, 1)
	k.event(t, 2, publisher.EventDeleted, 1)
	d := k.deliverer(nil, nil)
	ctx := context.Background()

	d.Drain(ctx) // 503: the lane stops at its head, event 2 waits behind it (order per subscription)
	if n := r.attempts(); n != 1 {
		t.Fatalf("%d attempts, want 1", n)
	}
	d.Drain(ctx) // not due yet
	if n := r.attempts(); n != 1 {
		t.Fatalf("%d attempts before the backoff passed, want 1", n)
	}
	k.clock.Advance(5 * time.Second)
	d.Drain(ctx) // 503 again; backoff now 10s
	k.clock.Advance(5 * time.Second)
	d.Drain(ctx)
	if n := r.attempts(); n != 2 {
		t.Fatalf("%d attempts before the doubled backoff passed, want 2", n)
	}
	k.clock.Advance(5 * time.Second)
	d.Drain(ctx)
	got := r.delivered()
	if len(got) != 2 || got[0].Type != "post.published" || got[1].Type != "post.deleted" {
		t.Fatalf("delivered %+v, want published then deleted", got)
	}
	r.mu.Lock()
	if r.ids[0] != r.ids[2] {
		t.Errorf("a retry changed webhook-id: %v", r.ids)
	}
	r.mu.Unlock()
	subs, err := k.db.EventSubscriptions(ctx)
	if err != nil || len(subs) != 1 || subs[0].ID != sub.ID || subs[0].Pending != 0 || subs[0].LastStatus != 204 {
		t.Fatalf("subscriptions %+v, %v", subs, err)
	}
	k.clock.Advance(time.Hour)
	d.Drain(ctx)
	if n := r.attempts(); n != 4 {
		t.Fatalf("%d attempts, want 4: an acknowledged delivery went out again", n)
	}
}

func TestGiveUpThenRedeliver(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	down := true
	r := newReceiver(t, k.clock, func(int) int {
		if down {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	sub := k.add(t, r, events.Spec{})
	k.event(t, 1, publisher.EventFailed, 1)
	d := k.deliverer(nil, nil)
	ctx := context.Background()
	for range 60 { // the receiver is down past the retry period
		d.Drain(ctx)
		k.clock.Advance(31 * time.Minute)
	}
	subs, _ := k.db.EventSubscriptions(ctx)
	if subs[0].Failed != 1 || subs[0].Pending != 0 || subs[0].LastStatus != 502 {
		t.Fatalf("after the retry period: %+v", subs[0])
	}
	ds, err := k.db.EventDeliveries(ctx, sub.ID, 10)
	if err != nil || len(ds) != 1 || ds[0].State != storage.EventDeliveryFailed {
		t.Fatalf("deliveries %+v, %v", ds, err)
	}
	r.mu.Lock()
	down = false
	r.mu.Unlock()
	if err := k.db.RedeliverEvent(ctx, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	d.Drain(ctx)
	if got := r.delivered(); len(got) != 1 || got[0].Type != "post.failed" {
		t.Fatalf("after redeliver: %+v", got)
	}
}

func TestDeadReceiverDoesNotDelayOthers(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	hang := make(chan struct{})
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(dead.Close)
	t.Cleanup(func() { close(hang) })
	if _, _, err := k.subs.Add(context.Background(), events.Spec{URL: dead.URL}); err != nil {
		t.Fatal(err)
	}
	healthy := newReceiver(t, k.clock, nil)
	k.add(t, healthy, events.Spec{})

	done := make(chan storage.EventDelivery, 8)
	d := k.deliverer(nil, func(dl storage.EventDelivery) { done <- dl })
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { _ = d.Run(ctx); close(stopped) }()
	k.event(t, 1, publisher.EventPosted, 1)
	d.Kick()
	for {
		dl := <-done
		if dl.SubscriptionID != 1 {
			break
		}
	}
	if got := healthy.delivered(); len(got) != 1 {
		t.Fatalf("healthy receiver got %d deliveries while the other hangs", len(got))
	}
	cancel()
	<-stopped
	// The hanging delivery was cut by the shutdown and stays pending for the next run.
	subs, _ := k.db.EventSubscriptions(context.Background())
	if subs[0].Pending != 1 {
		t.Fatalf("dead receiver's delivery: %+v", subs[0])
	}
}

func TestRestartResumes(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := newReceiver(t, k.clock, nil)
	k.add(t, r, events.Spec{})
	k.event(t, 1, publisher.EventPosted, 1)
	k.event(t, 2, publisher.EventPosted, 1)
	// A daemon stopped before it delivered anything; a fresh one on the reopened database
	// delivers both.
	db := storagetest.Reopen(t, k.db, k.clock.Now)
	events.NewDeliverer(events.Options{Store: db, Sealer: k.keys, Client: http.DefaultClient, Now: k.clock.Now, Wall: k.clock.Now}).Drain(context.Background())
	if got := r.delivered(); len(got) != 2 || got[0].Data.PostID != "p1" || got[1].Data.PostID != "p2" {
		t.Fatalf("after restart: %+v", got)
	}
}

func TestNetguardRefusesPrivateReceivers(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := newReceiver(t, k.clock, nil) // on 127.0.0.1
	// The receiver's URL carries its own token; it must not reach the recorded error.
	if _, _, err := k.subs.Add(context.Background(), events.Spec{URL: r.srv.URL + "/hook?token=hunter2"}); err != nil {
		t.Fatal(err)
	}
	k.event(t, 1, publisher.EventPosted, 1)
	guard := netguard.New(netguard.Options{})
	d := k.deliverer(&http.Client{Transport: guard.Transport()}, nil)
	d.Drain(context.Background())
	if n := r.attempts(); n != 0 {
		t.Fatalf("a private receiver was called %d times", n)
	}
	subs, _ := k.db.EventSubscriptions(context.Background())
	if subs[0].Pending != 1 || !strings.Contains(subs[0].LastError, "private") || strings.Contains(subs[0].LastError, "hunter2") {
		t.Fatalf("subscription after a refused delivery: %+v", subs[0])
	}
}

func TestSpecCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		spec events.Spec
		want string
	}{
		{events.Spec{URL: "https://example.com/hook"}, ""},
		{events.Spec{URL: "https://example.com/hook", Events: []string{"post.published", "token.expiring"}}, ""},
		{events.Spec{URL: "ftp://example.com/"}, "https://"},
		{events.Spec{URL: "https:///nohost"}, "no host"},
		{events.Spec{URL: "https://u:p@example.com/"}, "password"},
		{events.Spec{URL: "https://example.com/", Events: []string{"post.publish"}}, "not an event"},
		{events.Spec{URL: "%zz"}, "does not parse"},
	} {
		err := tc.spec.Check()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
}

func FuzzParseInput(f *testing.F) {
	for _, s := range []string{"12", "sub_3", "msg_9", "-1", "", "https://example.com/h", "http://[::1]:80/", "https://u@h/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, err := events.ParseID(s); err == nil && id <= 0 {
			t.Fatalf("ParseID(%q) = %d", s, id)
		}
		if err := events.CheckURL(s); err == nil && !strings.HasPrefix(s, "http") {
			t.Fatalf("CheckURL accepted %q", s)
		}
	})
}

// TestTwoDeliverersSendEachOnce: two deliverers on one database (two replicas, or the daemon
// and a restarted one) never both send a delivery.
func TestTwoDeliverersSendEachOnce(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	r := newReceiver(t, k.clock, nil)
	k.add(t, r, events.Spec{})
	for id := int64(1); id <= 20; id++ {
		k.event(t, id, publisher.EventPosted, 1)
	}
	a, b := k.deliverer(nil, nil), k.deliverer(nil, nil)
	var wg sync.WaitGroup
	for _, d := range []*events.Deliverer{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); d.Drain(context.Background()) }()
	}
	wg.Wait()
	a.Drain(context.Background()) // whatever a lost race left for later
	seen := map[string]bool{}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range r.ids {
		if seen[id] {
			t.Fatalf("%s sent twice: %v", id, r.ids)
		}
		seen[id] = true
	}
	if len(seen) != 20 {
		t.Fatalf("%d deliveries, want 20", len(seen))
	}
}

// TestRotateWithGrace: after a rotation the deliveries verify with the old secret and with the
// new one until the grace period ends; then only with the new one.
func TestRotateWithGrace(t *testing.T) {
	t.Parallel()
	k := newKit(t)
	k.subs.Now = k.clock.Now
	r := newReceiver(t, k.clock, nil)
	sub := k.add(t, r, events.Spec{})
	old := r.secret
	newSecret, err := k.subs.Rotate(context.Background(), sub.ID, time.Hour)
	if err != nil || newSecret == old {
		t.Fatalf("rotate: %q %v", newSecret, err)
	}
	var mu sync.Mutex
	var sigs []http.Header
	r.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		mu.Lock()
		defer mu.Unlock()
		h := req.Header.Clone()
		h.Set("x-body", string(body))
		sigs = append(sigs, h)
	})
	k.event(t, 1, publisher.EventPosted, 1)
	d := k.deliverer(nil, nil)
	d.Drain(context.Background())
	k.clock.Advance(2 * time.Hour)
	k.event(t, 2, publisher.EventPosted, 1)
	d.Drain(context.Background())
	mu.Lock()
	defer mu.Unlock()
	if len(sigs) != 2 {
		t.Fatalf("%d deliveries, want 2", len(sigs))
	}
	during, after := sigs[0], sigs[1]
	for _, tc := range []struct {
		name   string
		h      http.Header
		secret string
		now    time.Time
		ok     bool
	}{
		{"old secret during grace", during, old, k.clock.Now().Add(-2 * time.Hour), true},
		{"new secret during grace", during, newSecret, k.clock.Now().Add(-2 * time.Hour), true},
		{"old secret after grace", after, old, k.clock.Now(), false},
		{"new secret after grace", after, newSecret, k.clock.Now(), true},
	} {
		err := verify(tc.secret, tc.h, []byte(tc.h.Get("x-body")), tc.now)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
