package webhookstore_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
)

// TestEndToEndPublished is the whole trip: a CI job's signed GitHub release event and a signed
// generic delivery with a callback_url go through the door over HTTP into SQLite; the
// publisher drains both to the Threads simulator; its result for the second reaches the CI
// server as a callback signed with the source's secret.
func TestEndToEndPublished(t *testing.T) {
	t.Parallel()
	s := newStack(t, func(o *webhook.Options, _ *webhookstore.Options) { o.AllowPrivateCallbacks = true })
	ctx := context.Background()
	notifiers := map[string]publisher.Notifier{} // the door's notifier, once it is built
	// The store's clock judges when a post is due: one clock for the store, the publisher and
	// the simulator, which Run moves past each status check's wait.
	stack := publishertest.New(t, publishertest.Options{DB: s.db, Clock: s.clock, Publisher: publisher.Options{
		Notifiers: notifiers, Delays: publisher.Delays{TextCheck: 2 * time.Millisecond, StatusPoll: 5 * time.Millisecond}}})
	sim, acct := stack.Sim, stack.Account("octocat")
	rel, err := s.store.Add(ctx, webhookstore.Spec{Name: "releases", AccountID: acct.ID, Scheme: webhook.SchemeGitHub, Preset: "github-release"})
	if err != nil {
		t.Fatal(err)
	}
	ci, err := s.store.Add(ctx, webhookstore.Spec{Name: "ci", AccountID: acct.ID, Scheme: webhook.SchemeStandard})
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, webhook.SchemeStandard, ci.Secret)

	release := fixture(t, "github-release-published.json")
	code, r1 := s.post(t, "releases", sign(t, webhook.SchemeGitHub, rel.Secret, release, s.clock.Now(), "X-GitHub-Event", "release"), release)
	if code != http.StatusAccepted {
		t.Fatalf("release: %d %v", code, r1)
	}
	body := []byte(fmt.Sprintf(`{"text":"Build 881 passed","callback_url":%q}`, rc.srv.URL+"/spindle-result"))
	code, r2 := s.post(t, "ci", sign(t, webhook.SchemeStandard, ci.Secret, body, s.clock.Now()), body)
	if code != http.StatusAccepted {
		t.Fatalf("generic: %d %v", code, r2)
	}

	notifier := webhookstore.NewNotifier(s.store, webhook.NewCallbackSender(webhook.CallbackOptions{AllowPrivate: true, Attempts: 3}), nil)
	notifiers["webhook"] = notifier
	stack.Run("the callback of the generic delivery", func() bool { got, _ := rc.results(); return len(got) > 0 })

	ledger := sim.Ledger()
	texts := map[string]bool{}
	for _, p := range ledger {
		texts[p.Text] = true
	}
	const wantRelease = "🚀 Codertocat/Hello-World 0.0.1 is out\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1"
	if len(ledger) != 2 || !texts[wantRelease] || !texts["Build 881 passed"] {
		t.Errorf("simulator ledger: %+v", ledger)
	}
	p2, err := s.db.Get(ctx, r2["id"])
	if err != nil || p2.State != storage.StatePosted {
		t.Fatalf("generic post: %+v %v", p2, err)
	}
	got, bad := rc.results()
	if bad != 0 || len(got) != 1 || got[0].ID != p2.ID || got[0].Status != "posted" ||
		got[0].Permalink != p2.Permalink || got[0].Permalink == "" || got[0].MediaID != p2.MediaID {
		t.Errorf("callback %+v (%d badly signed), post %+v", got, bad, p2)
	}
}
