package bot_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// fakePolls answers poll results as Threads reports them, or an error.
type fakePolls struct {
	r   threads.PollResult
	err error
}

func (f fakePolls) PollResults(context.Context, storage.Post) (threads.PollResult, error) {
	return f.r, f.err
}

// TestStatusShowsPollResults: status of a published poll shows each option's share and the
// votes once Threads reports them; when Threads cannot be asked, status answers without them.
func TestStatusShowsPollResults(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p, _, err := w.db.Enqueue(ctx, storage.NewPost{AccountID: w.acme.ID, Door: "slack", Text: "Lunch?",
		Shape: storage.Shape{Poll: []string{"Soup", "Salad"}}})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := w.db.Lease(ctx, 10, time.Minute)
	if err != nil || len(leased) != 1 {
		t.Fatalf("lease: %v", err)
	}
	if err := w.db.Complete(ctx, storage.LeaseOf(leased[0]), "17900000000000001", "https://www.threads.net/@acme/post/x"); err != nil {
		t.Fatal(err)
	}
	closes := w.clock.Now().Add(20 * time.Hour)
	for _, tc := range []struct {
		name  string
		polls fakePolls
		want  string
	}{
		{"reported", fakePolls{r: threads.PollResult{Options: []string{"Soup", "Salad"}, Shares: []float64{0.75, 0.25}, TotalVotes: 4, ClosesAt: closes}},
			"📊 Soup 75% · Salad 25% — 4 votes; voting closes"},
		{"unavailable", fakePolls{err: errors.New("Threads is down")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := bot.NewDispatcher(bot.DispatcherOptions{Accounts: w.accounts, Queue: w.db, Polls: tc.polls, Now: w.clock.Now})
			r := d.Handle(ctx, bot.Incoming{Identity: alice, Text: "status " + p.ID, Origin: ingest.Origin{Door: ingest.DoorSlack}})
			if !strings.Contains(r.Text, "✅ posted") {
				t.Fatalf("status: %q", r.Text)
			}
			if tc.want != "" && !strings.Contains(r.Text, tc.want) {
				t.Errorf("status %q lacks %q", r.Text, tc.want)
			}
			if tc.want == "" && strings.Contains(r.Text, "📊") {
				t.Errorf("status %q shows results Threads did not give", r.Text)
			}
		})
	}
}
