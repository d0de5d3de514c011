package webhookstore_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher"
)

// receiver is a CI server's callback endpoint: it checks every callback's signature with the
// source's secret, as a Standard Webhooks or GitHub receiver would, and keeps the good ones.
type receiver struct {
	srv    *httptest.Server
	scheme webhook.Scheme
	secret string
	status int

	mu   sync.Mutex
	got  []webhook.CallbackResult
	hdrs []http.Header
	bad  int
}

func newReceiver(t *testing.T, scheme webhook.Scheme, secret string) *receiver {
	rc := &receiver{scheme: scheme, secret: secret, status: http.StatusNoContent}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if _, err := webhook.Verify(rc.scheme, []string{rc.secret}, r.Header, body, time.Now()); err != nil {
			rc.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var res webhook.CallbackResult
		if err := json.Unmarshal(body, &res); err != nil {
			rc.bad++
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rc.got = append(rc.got, res)
		rc.hdrs = append(rc.hdrs, r.Header.Clone())
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) results() ([]webhook.CallbackResult, int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]webhook.CallbackResult(nil), rc.got...), rc.bad
}

// TestEndToEnd: a CI job POSTs a signed GitHub release event to the running door; the post is
// queued with the preset's text; a second, generic delivery names a callback_url; the
// publisher's result event for it, handed to the door's Notifier, arrives at the CI server as
// a callback signed with the source's secret. (The publisher's drain is not part of this
// package: the Notifier is driven with the Event the publisher writes to its outbox, built
// from the stored post.)
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	s := newStack(t, func(o *webhook.Options, _ *webhookstore.Options) { o.AllowPrivateCallbacks = true })
	ctx := context.Background()
	ghSecret := s.add(t, webhookstore.Spec{Name: "releases", Scheme: webhook.SchemeGitHub, Preset: "github-release"})
	ciSecret := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeStandard})

	// 1. The release event, exactly as GitHub sends it.
	release := fixture(t, "github-release-published.json")
	h := sign(t, webhook.SchemeGitHub, ghSecret, release, s.clock.Now(), "X-GitHub-Event", "release",
		"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958", "User-Agent", "GitHub-Hookshot/044aadd")
	code, out := s.post(t, "releases", h, release)
	if code != http.StatusAccepted || out["status"] != "queued" || out["status_url"] != publicURL+"/api/posts/"+out["id"] {
		t.Fatalf("release delivery: %d %v", code, out)
	}
	p, err := s.db.Get(ctx, out["id"])
	if err != nil {
		t.Fatal(err)
	}
	const wantText = "🚀 Codertocat/Hello-World 0.0.1 is out\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1"
	if p.Text != wantText || p.Door != "webhook" || p.AccountID != s.acct.ID || p.State != "queued" {
		t.Errorf("queued post: text %q door %s account %d state %s", p.Text, p.Door, p.AccountID, p.State)
	}
	var ref webhook.Ref
	if err := json.Unmarshal(p.OriginRef, &ref); err != nil || ref.Source != "releases" || ref.Event != "release" ||
		ref.DeliveryID != "72d3162e-cc78-11e3-81ab-4c9367dc0958" || ref.CallbackURL != "" {
		t.Errorf("origin ref %s (%v)", p.OriginRef, err)
	}

	// 2. A generic delivery with a callback URL.
	rc := newReceiver(t, webhook.SchemeStandard, ciSecret)
	body := []byte(`{"text":"Deploy 881 is live","idempotency_key":"deploy-881","callback_url":"` + rc.srv.URL + `/spindle-result"}`)
	code, out2 := s.post(t, "ci", sign(t, webhook.SchemeStandard, ciSecret, body, s.clock.Now()), body)
	if code != http.StatusAccepted {
		t.Fatalf("generic delivery: %d %v", code, out2)
	}
	p2, err := s.db.Get(ctx, out2["id"])
	if err != nil || p2.Text != "Deploy 881 is live" {
		t.Fatalf("generic post: %+v %v", p2, err)
	}

	// 3. The publisher's results, as it hands them to the door's notifier.
	n := webhookstore.NewNotifier(s.store, webhook.NewCallbackSender(webhook.CallbackOptions{AllowPrivate: true, Attempts: 2,
		Sleep: func(context.Context, time.Duration) error { return nil }}), nil)
	events := []publisher.Event{
		{ID: 1, Kind: publisher.EventPosted, PostID: p2.ID, Door: p2.Door, OriginRef: p2.OriginRef,
			Permalink: "https://www.threads.net/@alice/post/C1a2b3", MediaID: "17890001", At: s.clock.Now()},
		{ID: 2, Kind: publisher.EventDelayed, PostID: p2.ID, Door: p2.Door, OriginRef: p2.OriginRef}, // not terminal: no callback
		{ID: 3, Kind: publisher.EventPosted, PostID: p.ID, Door: p.Door, OriginRef: p.OriginRef},     // no callback_url
		{ID: 4, Kind: publisher.EventPosted, PostID: "pother", Door: "slack", OriginRef: []byte(`{"channel":"C1"}`)},
	}
	for _, e := range events {
		if err := n.Notify(ctx, e); err != nil {
			t.Fatalf("notify %d: %v", e.ID, err)
		}
	}
	got, bad := rc.results()
	want := webhook.CallbackResult{ID: p2.ID, Status: "posted", Permalink: "https://www.threads.net/@alice/post/C1a2b3", MediaID: "17890001"}
	if bad != 0 || len(got) != 1 || got[0] != want {
		t.Fatalf("callbacks %+v (%d badly signed), want exactly %+v", got, bad, want)
	}
	if rc.hdrs[0].Get("webhook-id") == "" {
		t.Error("callback carries no webhook-id to deduplicate on")
	}

	// After a rotation, callbacks are signed with the new secret.
	rot, err := s.store.Rotate(ctx, "ci", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rc.mu.Lock()
	rc.secret = rot.Secret
	rc.mu.Unlock()
	if err := n.Notify(ctx, publisher.Event{ID: 5, Kind: publisher.EventFailed, PostID: p2.ID, Door: "webhook",
		OriginRef: p2.OriginRef, Reason: "Threads refused the post: the link is not reachable"}); err != nil {
		t.Fatal(err)
	}
	got, bad = rc.results()
	if bad != 0 || len(got) != 2 || got[1].Status != "failed" || got[1].Error != "Threads refused the post: the link is not reachable" {
		t.Errorf("failure callback after rotation: %+v (%d badly signed)", got, bad)
	}
}

// TestNotifierFailures: a callback the receiver refuses for good is dropped (nil, so the
// outbox stops), one that may work later is returned as an error (so the outbox retries), and
// a callback to a removed source is dropped.
func TestNotifierFailures(t *testing.T) {
	t.Parallel()
	s := newStack(t, func(o *webhook.Options, _ *webhookstore.Options) { o.AllowPrivateCallbacks = true })
	ctx := context.Background()
	secret := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeGitHub})
	rc := newReceiver(t, webhook.SchemeGitHub, secret)
	ref, _ := json.Marshal(webhook.Ref{Source: "ci", CallbackURL: rc.srv.URL})
	ev := publisher.Event{ID: 1, Kind: publisher.EventPosted, PostID: "p1", Door: "webhook", OriginRef: ref}
	n := webhookstore.NewNotifier(s.store, webhook.NewCallbackSender(webhook.CallbackOptions{AllowPrivate: true, Attempts: 1}), nil)

	rc.mu.Lock()
	rc.status = http.StatusGone
	rc.mu.Unlock()
	if err := n.Notify(ctx, ev); err != nil {
		t.Errorf("410: %v, want nil (dropped)", err)
	}
	rc.mu.Lock()
	rc.status = http.StatusServiceUnavailable
	rc.mu.Unlock()
	if err := n.Notify(ctx, ev); err == nil {
		t.Error("503: nil, want an error so the outbox retries")
	}
	guarded := webhookstore.NewNotifier(s.store, webhook.NewCallbackSender(webhook.CallbackOptions{Attempts: 1}), nil)
	if err := guarded.Notify(ctx, ev); err != nil {
		t.Errorf("private address without SPINDLE_ALLOW_PRIVATE_URLS: %v, want nil (dropped)", err)
	}
	if got, _ := rc.results(); len(got) != 2 {
		t.Errorf("receiver got %d callbacks, want 2 (the guarded one must not arrive)", len(got))
	}
	if err := s.store.Remove(ctx, "ci"); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(ctx, ev); err != nil {
		t.Errorf("removed source: %v, want nil (dropped)", err)
	}
	if got, _ := rc.results(); len(got) != 2 {
		t.Errorf("a callback for a removed source was sent")
	}
}
