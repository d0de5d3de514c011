package bot_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
)

// TestRunStructuredCommands: Run (the MCP door's entry) authorises like Handle, never reads
// the text as options, pins a command to Incoming.Only, and marks refusals.
func TestRunStructuredCommands(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	// carol owns @beta; grant her @acme too, so that a pin has something to hide.
	if err := w.accounts.Grant(ctx, alice, w.acme.ID, carol); err != nil {
		t.Fatal(err)
	}
	in := func(who bot.Identity, only int64) bot.Incoming {
		return bot.Incoming{Identity: who, Origin: ingest.Origin{Door: ingest.DoorAPI}, RequestID: "mcp-1", Only: only}
	}

	r := w.d.Run(ctx, in(alice, 0), bot.Command{Verb: bot.VerbPost, Text: "--account @beta hi"})
	if r.Refused || r.Queued == "" {
		t.Fatalf("post of an option-like text: %+v", r)
	}
	p, err := w.db.Get(ctx, r.Queued)
	if err != nil || p.Text != "--account @beta hi" || p.AccountID != w.acme.ID {
		t.Fatalf("queued %+v (%v): want the text verbatim on @acme", p, err)
	}

	for _, tc := range []struct {
		name        string
		who         bot.Identity
		only        int64
		cmd         bot.Command
		wantRefused bool
	}{
		{"stranger cannot cancel", dave, 0, bot.Command{Verb: bot.VerbCancel, PostID: p.ID}, true},
		{"pinned to @beta cannot see @acme's post", carol, w.beta.ID, bot.Command{Verb: bot.VerbStatus, PostID: p.ID}, true},
		{"pinned to @beta cannot post to @acme", carol, w.beta.ID, bot.Command{Verb: bot.VerbPost, Text: "x", Account: "acme"}, true},
		{"unpinned carol sees @acme's post", carol, 0, bot.Command{Verb: bot.VerbStatus, PostID: p.ID}, false},
		{"pinned to @beta posts there without naming it", carol, w.beta.ID, bot.Command{Verb: bot.VerbPost, Text: "y"}, false},
		{"unpinned carol must choose", carol, 0, bot.Command{Verb: bot.VerbPost, Text: "z"}, true},
		{"schedule at a time", alice, 0, bot.Command{Verb: bot.VerbSchedule, Text: "later", When: "in 2h", At: w.clock.Now().Add(2 * time.Hour)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.d.Run(ctx, in(tc.who, tc.only), tc.cmd)
			if r.Refused != tc.wantRefused || r.Text == "" {
				t.Errorf("refused=%v %q, want refused=%v", r.Refused, r.Text, tc.wantRefused)
			}
		})
	}
	if p, _ := w.db.Get(ctx, p.ID); p.Status() != "queued" {
		t.Errorf("post after refused cancels: %s, want still queued", p.Status())
	}
	accs, r2 := w.d.Accounts(ctx, in(carol, w.beta.ID))
	if r2 != nil || len(accs) != 1 || accs[0].Username != "beta" {
		t.Errorf("accounts of a pinned caller: %+v %+v", accs, r2)
	}
}
