package slack

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
)

// The full round trip: a signed /threads post, queued, published to the Threads simulator by
// the real publisher, and reported back on the command's response_url with the simulator's
// permalink; then /threads delete removes it from the simulator and says so.
func TestRoundTripPostToPermalink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	notifiers := map[string]publisher.Notifier{} // the door, once it is built
	// The store's clock judges when a post is due: one clock for the store, the publisher and
	// the simulator, which Run moves past each status check's wait.
	stack := publishertest.New(t, publishertest.Options{DB: e.db, Clock: e.clock, Publisher: publisher.Options{
		Notifiers: notifiers,
		Delays:    publisher.Delays{TextCheck: time.Millisecond, StatusPoll: time.Millisecond, NotReadyWait: time.Millisecond},
		Retry:     publisher.Retry{Base: time.Millisecond, Max: 10 * time.Millisecond, MaxAttempts: 20}}})
	sim, acc, pub := stack.Sim, stack.Account("spindlesim"), stack.Pub
	accounts := &bottest.Accounts{DB: e.db}
	if err := accounts.Link(ctx, alice, acc); err != nil {
		t.Fatal(err)
	}

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
		stack.Run("Slack told", done)
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
