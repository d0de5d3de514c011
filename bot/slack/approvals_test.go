package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// TestApprovalButtons: end to end through Slack's signed endpoints. The owner turns approvals
// on; a grantee's post waits; the owner's "approvals" list carries Approve and Reject buttons;
// the grantee's press of Approve is refused privately (the list stays for the owner) and a
// forged press is rejected, both changing nothing; the owner's press approves it once,
// replacing the message with the outcome, and a second press says it was decided.
func TestApprovalButtons(t *testing.T) {
	t.Parallel()
	e, srv := approvalEnv(t)
	ctx := context.Background()
	if a := e.say("UALICE", "approvals on"); !strings.Contains(a.Text, "Approvals on for @acme") {
		t.Fatalf("approvals on: %q", a.Text)
	}
	if a := e.say("UBOB", "post needs a look"); !strings.Contains(a.Text, "waits for approval") {
		t.Fatalf("grantee's post: %q", a.Text)
	}
	ps, err := e.db.List(ctx, storage.ListFilter{States: []storage.State{storage.StatePendingApproval}})
	if err != nil || len(ps) != 1 {
		t.Fatalf("pending posts: %v %d", err, len(ps))
	}
	id := ps[0].ID
	a := e.say("UALICE", "approvals")
	if !strings.Contains(string(a.Blocks), `"action_id":"approve_post"`) || !strings.Contains(string(a.Blocks), `"action_id":"reject_post"`) ||
		!strings.Contains(string(a.Blocks), `"value":"`+id+`"`) {
		t.Fatalf("the list has no Approve/Reject buttons for %s: %s", id, a.Blocks)
	}
	pressBy := func(user, action string) string {
		return slacktest.ButtonPress{Team: "T1", Channel: "C1", User: user, UserName: strings.ToLower(user),
			ActionID: action, Value: id, ResponseURL: e.slack.ResponseURL("press-" + user + itoa(e.seq.Add(1)))}.Form()
	}
	if code := e.press(srv, pressBy("UBOB", "approve_post"), testSecret, time.Now()); code != http.StatusOK {
		t.Fatalf("bob's press: %d", code)
	}
	if m := e.answeredPrivately(1); !strings.Contains(m.Text, "Only the owner of @acme") {
		t.Fatalf("bob's press answered %q", m.Text)
	}
	if code := e.press(srv, pressBy("UALICE", "approve_post"), "not the signing secret", time.Now()); code != http.StatusUnauthorized {
		t.Fatalf("a forged press answered %d, want 401", code)
	}
	if p, _ := e.db.Get(ctx, id); p.State != storage.StatePendingApproval {
		t.Fatalf("after refused presses the post is %s", p.State)
	}
	if code := e.press(srv, pressBy("UALICE", "approve_post"), testSecret, time.Now()); code != http.StatusOK {
		t.Fatalf("alice's press: %d", code)
	}
	if m := e.replaced(1); !strings.Contains(m.Text, "Approved by ualice: "+id) {
		t.Fatalf("alice's press answered %q", m.Text)
	}
	if p, _ := e.db.Get(ctx, id); p.State != storage.StateQueued {
		t.Fatalf("after approval the post is %s, want queued", p.State)
	}
	if code := e.press(srv, pressBy("UALICE", "reject_post"), testSecret, time.Now()); code != http.StatusOK {
		t.Fatalf("alice's second press: %d", code)
	}
	if m := e.replaced(2); !strings.Contains(m.Text, "not waiting for approval any more") {
		t.Fatalf("the second press answered %q", m.Text)
	}
	if p, _ := e.db.Get(ctx, id); p.State != storage.StateQueued {
		t.Fatalf("after the second press the post is %s, want queued", p.State)
	}
}

// approvalEnv is a Slack door whose dispatcher holds and decides posts (alice owns @acme and
// granted it to bob, UBOB), with the slash-command server in e.srv and the interactions
// server returned.
func approvalEnv(t *testing.T) (*env, *httptest.Server) {
	t.Helper()
	e := newEnv(t)
	bob := bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UBOB", Name: "ubob"}
	if err := e.accts.Grant(context.Background(), alice, e.acme.ID, bob); err != nil {
		t.Fatal(err)
	}
	d := bot.NewDispatcher(bot.DispatcherOptions{
		Ingest:   ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now, Approvals: e.db}),
		Accounts: e.accts, Queue: e.db, Routes: e.db, Approvals: e.db, Now: e.clock.Now,
	})
	e.door = e.newDoor(d)
	e.srv = httptest.NewServer(e.door)
	t.Cleanup(e.srv.Close)
	srv := httptest.NewServer(e.door.Interactions())
	t.Cleanup(srv.Close)
	return e, srv
}
