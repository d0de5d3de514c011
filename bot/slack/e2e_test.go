package slack

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// simTokens gives the publisher the simulator token kept in clear in TokenSealed (the
// accounts package seals real ones).
type simTokens struct{ db *storage.DB }

func (t simTokens) Token(ctx context.Context, id int64) (string, string, error) {
	a, err := t.db.Account(ctx, id)
	if err != nil {
		return "", "", err
	}
	if a.Status != storage.AccountActive {
		return "", "", fmt.Errorf("@%s: %w", a.Username, publisher.ErrNeedsReconnect)
	}
	return string(a.TokenSealed), a.ThreadsUserID, nil
}

func (simTokens) SaveRefreshed(context.Context, int64, string, time.Time) error { return nil }

// The full round trip: a signed /threads post, queued, published to the Threads simulator by
// the real publisher, and reported back on the command's response_url with the simulator's
// permalink; then /threads delete removes it from the simulator and says so.
func TestRoundTripPostToPermalink(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sim := threadstest.NewServer(threadstest.Options{})
	t.Cleanup(sim.Close)
	u := sim.AddUser("spindlesim")
	tok := sim.IssueToken(u.ID, threads.DefaultScopes()...)
	acc, err := e.db.SaveAccount(ctx, storage.Account{ThreadsUserID: u.ID, Username: "spindlesim",
		TokenSealed: []byte(tok), TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	accounts := &bottest.Accounts{DB: e.db}
	if err := accounts.Link(ctx, alice, acc); err != nil {
		t.Fatal(err)
	}

	notifiers := map[string]publisher.Notifier{}
	pub := publisher.New(publisher.Options{Store: e.db, Tokens: simTokens{e.db}, Notifiers: notifiers,
		API:    threads.New(threads.Options{BaseURL: sim.URL, HTTPClient: &http.Client{Timeout: 10 * time.Second}}),
		Delays: publisher.Delays{TextCheck: time.Millisecond, StatusPoll: time.Millisecond, NotReadyWait: time.Millisecond},
		Retry:  publisher.Retry{Base: time.Millisecond, Max: 10 * time.Millisecond, MaxAttempts: 20},
		Now:    e.clock.Now}) // the store's clock judges when a post is due: one clock for both
	d := bot.NewDispatcher(bot.DispatcherOptions{
		Ingest:   ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now}),
		Accounts: accounts, Queue: e.db, Routes: e.db, Deleter: pub, Now: e.clock.Now,
	})
	e.door = e.newDoor(d)
	notifiers["slack"] = e.door
	e.srv = httptest.NewServer(e.door)
	t.Cleanup(e.srv.Close)

	a := e.say("UALICE", "post --account @spindlesim Hello from Slack, through Spindle")
	id := strings.Fields(a.Text)[2]
	run := func(done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !done(); {
			if err := pub.Drain(ctx); err != nil {
				t.Fatal(err)
			}
			if err := pub.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting; Slack got %+v", e.slack.Messages())
			}
			time.Sleep(5 * time.Millisecond)
			e.clock.Advance(10 * time.Millisecond) // past each status check's wait
		}
	}
	run(func() bool { return len(e.slack.Messages()) >= 1 })
	p, err := e.db.Get(ctx, id)
	if err != nil || p.State != storage.StatePosted || p.Permalink == "" {
		t.Fatalf("post %s: %+v, %v", id, p, err)
	}
	published := sim.Ledger()
	if len(published) != 1 || published[0].Text != "Hello from Slack, through Spindle" || published[0].Permalink != p.Permalink {
		t.Fatalf("simulator ledger: %+v", published)
	}
	msg := e.slack.Messages()[0]
	if msg.Via != "response_url" || msg.Text != "✅ Posted: "+p.Permalink+" (post "+id+")" {
		t.Fatalf("Slack got %+v", msg)
	}

	a = e.say("UALICE", "delete "+p.Permalink)
	if !strings.Contains(a.Text, "Deleting "+id) {
		t.Fatalf("delete: %s", a.Text)
	}
	run(func() bool { return len(e.slack.Messages()) >= 2 })
	if got := e.slack.Messages()[1].Text; !strings.HasPrefix(got, "🗑️ Deleted from Threads") {
		t.Errorf("delete reported as %q", got)
	}
}
