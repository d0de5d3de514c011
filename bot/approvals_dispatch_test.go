package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// approvalWorld is newWorld's people (alice owns @acme, bob was granted it, carol owns @beta)
// with approvals wired, over a real SQLite queue.
func approvalWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{clock: storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}
	w.db = storagetest.Open(t, w.clock.Now)
	w.acme = storagetest.Account(t, w.db, "acme")
	w.beta = storagetest.Account(t, w.db, "beta")
	w.accounts = &bottest.Accounts{DB: w.db}
	for _, l := range []struct {
		who bot.Identity
		acc storage.Account
	}{{alice, w.acme}, {carol, w.beta}} {
		if err := w.accounts.Link(ctx, l.who, l.acc); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.accounts.Grant(ctx, alice, w.acme.ID, bob); err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(ingest.Options{Queue: w.db, Now: w.clock.Now, Approvals: w.db})
	w.d = bot.NewDispatcher(bot.DispatcherOptions{Ingest: svc, Editor: svc, Accounts: w.accounts,
		Queue: w.db, Routes: w.db, Approvals: w.db, Now: w.clock.Now})
	return w
}

// TestApprovalScript: the owner turns approvals on; a grantee's post waits and nobody but the
// owner can decide it (not the grantee, not a stranger); the owner's own post does not wait;
// an approved post is queued once, a rejected one cancelled, and the author is told each.
func TestApprovalScript(t *testing.T) {
	w := approvalWorld(t)
	ctx := context.Background()
	var lastID string
	steps := []step{
		{"grantee cannot turn approvals off", bob, "C1", "approvals off", []string{"Only the owner of @acme"}, nil, true},
		{"stranger cannot turn them on for acme", carol, "C1", "approvals on --account @acme", []string{"You cannot use @acme"}, nil, true},
		{"owner turns them on", alice, "C1", "approvals on", []string{"Approvals on for @acme"}, nil, false},
		{"grantee's post waits", bob, "C1", "post needs a look", []string{"Queued", "waits for approval by the owner of @acme"}, nil, false},
		{"owner lists what waits", alice, "C1", "approvals", []string{"1 waiting for your approval", "needs a look"}, nil, true},
		{"a grantee approves nothing", bob, "C1", "approvals", []string{"Nothing is waiting for your approval"}, nil, true},
		{"list shows it pending", bob, "C1", "list", []string{"needs a look", "pending_approval"}, nil, false},
		{"status shows it waiting", bob, "C1", "status %ID%", []string{"waiting for approval", "Approval requested"}, nil, false},
		{"grantee cannot approve own post", bob, "C1", "approve %ID%", []string{"Only the owner of @acme"}, nil, true},
		{"stranger cannot approve", carol, "C1", "approve %ID%", []string{"There is no post"}, []string{"@acme"}, true},
		{"stranger cannot reject", carol, "C1", "reject %ID% spam", []string{"There is no post"}, nil, true},
		{"grantee edits while pending", bob, "C1", "edit %ID% needs a second look", []string{"Edited", "waits for approval by the owner of @acme again"}, nil, false},
		{"owner approves", alice, "C1", "approve %ID%", []string{"Approved", "@acme"}, nil, false},
		{"approving twice changes nothing", alice, "C1", "approve %ID%", []string{"not waiting for approval any more"}, nil, true},
		{"status records the decision", alice, "C1", "status %ID%", []string{"Approved by alice"}, nil, false},
		{"grantee edits the approved post: back for approval", bob, "C1", "edit %ID% changed after approval", []string{"waits for approval by the owner of @acme again"}, nil, false},
		{"status shows it waiting again", alice, "C1", "status %ID%", []string{"waiting for approval", "Approval requested"}, nil, false},
		{"owner approves the new text", alice, "C1", "approve %ID%", []string{"Approved"}, nil, false},
		{"owner's own edit of an approved post does not re-hold", alice, "C1", "edit %ID% tweak by the owner", []string{"Edited"}, []string{"waits for approval"}, false},
		{"grantee's second post waits", bob, "C1", "post off brand", []string{"waits for approval"}, nil, false},
		{"owner rejects with a reason", alice, "C1", "reject %ID% not before the launch", []string{"Rejected", "not before the launch"}, nil, false},
		{"status says rejected", bob, "C1", "status %ID%", []string{"cancelled", "Rejected by", "not before the launch"}, nil, false},
		{"owner's own post does not wait", alice, "C1", "post from the owner", []string{"Queued"}, []string{"waits for approval"}, false},
		{"owner turns them off", alice, "C1", "approvals off", []string{"Approvals off for @acme"}, nil, false},
		{"grantee posts freely again", bob, "C1", "post free again", []string{"Queued"}, []string{"waits for approval"}, false},
	}
	for _, s := range steps {
		w.clock.Advance(time.Second) // decisions at distinct times, as in life
		r := w.say(s.who, s.channel, strings.ReplaceAll(s.text, "%ID%", lastID))
		for _, want := range s.want {
			if !strings.Contains(r.Text, want) {
				t.Errorf("%s: %q: reply lacks %q:\n%s", s.name, s.text, want, r.Text)
			}
		}
		for _, not := range s.not {
			if strings.Contains(r.Text, not) {
				t.Errorf("%s: %q: reply has %q:\n%s", s.name, s.text, not, r.Text)
			}
		}
		if r.Private != s.private {
			t.Errorf("%s: %q: private = %v, want %v", s.name, s.text, r.Private, s.private)
		}
		if r.Queued != "" {
			lastID = r.Queued
		}
	}
	// Each decision's result reached the author's door: two approvals (the second after the edit) and a rejection.
	out, err := w.db.DueOutbox(ctx, w.clock.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range out {
		for _, k := range []string{`"approved"`, `"rejected"`} {
			if strings.Contains(string(o.Payload), `"Kind":`+k) {
				kinds = append(kinds, k)
			}
		}
	}
	if len(kinds) != 3 {
		t.Fatalf("decision results in the outbox: %v (%d events)", kinds, len(out))
	}
}
