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
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// clearTokens is a publisher.TokenSource over accounts whose TokenSealed holds the simulator's
// token in clear (sealing tokens is the accounts package's business, not this door's).
type clearTokens struct{ db *storage.DB }

func (c clearTokens) Token(ctx context.Context, id int64) (string, string, error) {
	a, err := c.db.Account(ctx, id)
	if err != nil {
		return "", "", err
	}
	return string(a.TokenSealed), a.ThreadsUserID, nil
}

func (clearTokens) SaveRefreshed(context.Context, int64, string, time.Time) error { return nil }

// TestEndToEndPublished is the whole trip: a CI job's signed GitHub release event and a signed
// generic delivery with a callback_url go through the door over HTTP into SQLite; the
// publisher drains both to the Threads simulator; its result for the second reaches the CI
// server as a callback signed with the source's secret.
func TestEndToEndPublished(t *testing.T) {
	s := newStack(t, func(o *webhook.Options, _ *webhookstore.Options) { o.AllowPrivateCallbacks = true })
	ctx := context.Background()
	sim := threadstest.NewServer(threadstest.Options{})
	t.Cleanup(sim.Close)
	u := sim.AddUser("octocat")
	acct, err := s.db.SaveAccount(ctx, storage.Account{ThreadsUserID: u.ID, Username: "octocat",
		TokenSealed: []byte(sim.IssueToken(u.ID, threads.DefaultScopes()...)), TokenExpiresAt: time.Now().Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
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
	pub := publisher.New(publisher.Options{Store: s.db, API: threads.New(threads.Options{BaseURL: sim.URL}),
		Tokens: clearTokens{s.db}, Notifiers: map[string]publisher.Notifier{"webhook": notifier},
		Delays: publisher.Delays{TextCheck: 2 * time.Millisecond, StatusPoll: 5 * time.Millisecond},
		Now:    s.clock.Now}) // the store's clock judges when a post is due: one clock for both
	deadline := time.Now().Add(30 * time.Second)
	for {
		if err := pub.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		if err := pub.Deliver(ctx); err != nil {
			t.Fatal(err)
		}
		if got, _ := rc.results(); len(got) > 0 {
			break
		}
		if time.Now().After(deadline) {
			p, _ := s.db.Get(ctx, r2["id"])
			t.Fatalf("no callback within 30 s; post %s is %s (%s)", p.ID, p.State, p.LastError)
		}
		time.Sleep(5 * time.Millisecond)
		s.clock.Advance(10 * time.Millisecond) // past each status check's wait
	}

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
