package slack

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// cardEnv is env with the real publisher draining to the Threads simulator, approvals on for
// @sim (owned by alice, granted to bob), and the door's Interactions served.
type cardEnv struct {
	*env
	stack   *publishertest.Stack
	acc     storage.Account
	presses *httptest.Server
}

func newCardEnv(t *testing.T) *cardEnv {
	e := newEnv(t)
	ctx := context.Background()
	notifiers := map[string]publisher.Notifier{}
	stack := publishertest.New(t, publishertest.Options{DB: e.db, Clock: e.clock, Publisher: publisher.Options{
		Notifiers: notifiers,
		Delays:    publisher.Delays{TextCheck: time.Millisecond, StatusPoll: time.Millisecond, NotReadyWait: time.Millisecond},
		Retry:     publisher.Retry{Base: time.Millisecond, Max: 10 * time.Millisecond, MaxAttempts: 20}}})
	acc := stack.Account("sim")
	bob := bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UBOB", Name: "bob"}
	if err := e.accts.Link(ctx, alice, acc); err != nil {
		t.Fatal(err)
	}
	if err := e.accts.Grant(ctx, alice, acc.ID, bob); err != nil {
		t.Fatal(err)
	}
	d := bot.NewDispatcher(bot.DispatcherOptions{
		Ingest:   ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now, Approvals: e.db}),
		Accounts: e.accts, Queue: e.db, Routes: e.db, Approvals: e.db, Cards: e.db, Deleter: &bottest.Deleter{}, Now: e.clock.Now,
	})
	e.door = e.newDoor(d)
	notifiers["slack"] = e.door
	e.srv = httptest.NewServer(e.door)
	t.Cleanup(e.srv.Close)
	c := &cardEnv{env: e, stack: stack, acc: acc, presses: httptest.NewServer(e.door.Interactions())}
	t.Cleanup(c.presses.Close)
	if a := e.say("UALICE", "approvals on --account @sim"); !strings.Contains(a.Text, "Approvals on for @sim") {
		t.Fatalf("approvals on: %q", a.Text)
	}
	return c
}

// held has bob post text to @sim and returns the post, which must be waiting for approval.
func (c *cardEnv) held(text string) storage.Post {
	c.t.Helper()
	if a := c.say("UBOB", "post --account @sim "+text); !strings.Contains(a.Text, "waits for approval") {
		c.t.Fatalf("bob's post: %q", a.Text)
	}
	ps, err := c.db.List(context.Background(), storage.ListFilter{States: []storage.State{storage.StatePendingApproval}, Limit: 100})
	if err != nil || len(ps) == 0 {
		c.t.Fatalf("pending posts: %v %d", err, len(ps))
	}
	return ps[0]
}

// card sends the post's card to alice as the daemon's approvers notice does, and returns it
// as Slack received it.
func (c *cardEnv) card(id string) slacktest.Message {
	c.t.Helper()
	card, err := bot.LoadApprovalCard(context.Background(), c.db, id)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.door.SendApprovalCard(context.Background(), alice, card); err != nil {
		c.t.Fatal(err)
	}
	// The buttons carry the post id and the round the card shows.
	value := `"value":"` + id + ":" + strconv.Itoa(card.Round) + `"`
	got := c.slack.WaitMessages(c.t, "the card of "+id, func(ms []slacktest.Message) bool {
		for _, m := range ms {
			if m.Via == "chat.postMessage" && strings.Contains(m.Blocks, value) {
				return true
			}
		}
		return false
	})
	for _, m := range got {
		if m.Via == "chat.postMessage" && strings.Contains(m.Blocks, value) {
			return m
		}
	}
	return slacktest.Message{}
}

// pressCard presses a card's button as user; value is what the button carries: "<id>:<round>",
// or a bare id as buttons carried before rounds were on them.
func (c *cardEnv) pressCard(user, action, value, secret string) int {
	c.t.Helper()
	body := slacktest.ButtonPress{Team: "T1", Channel: "DALICE", User: user, UserName: strings.ToLower(user),
		ActionID: action, Value: value, ResponseURL: c.slack.ResponseURL("card-" + user + itoa(c.seq.Add(1)))}.Form()
	return c.press(c.presses, body, secret, time.Now())
}

func (c *cardEnv) state(id string) storage.State {
	c.t.Helper()
	p, err := c.db.Get(context.Background(), id)
	if err != nil {
		c.t.Fatal(err)
	}
	return p.State
}

// TestApprovalCardApprovedOncePublishedOnce: end to end on the Slack door against the Threads
// simulator. Bob (a grantee) posts a text too long for one post; it waits. Alice, the owner,
// gets a card in a DM showing Meta's count and the split into a thread, the schedule and the
// author, with Approve and Reject buttons. A stranger's press and bob's own are answered
// privately and change nothing (the card stays); a forged press is refused 401. Alice's press
// replaces the card with "Approved by ualice"; her second press acts no more; the publisher
// then publishes the thread exactly once.
func TestApprovalCardApprovedOncePublishedOnce(t *testing.T) {
	t.Parallel()
	c := newCardEnv(t)
	long := strings.TrimSpace(strings.Repeat("Spindle approvals keep a second pair of eyes on the brand account. ", 9)) // 602 characters
	p := c.held(long)
	m := c.card(p.ID)
	if m.Channel != "UALICE" {
		t.Errorf("the card went to %q, want alice's DM (UALICE)", m.Channel)
	}
	for _, want := range []string{`"action_id":"approve_post"`, `"action_id":"reject_post"`, fmt.Sprintf("%d characters as Threads counts them", threads.CountChars(long)),
		"a thread of 2 posts", "1/2 (", "2/2 (", "by bob", "@sim", "Goes out as soon as it is approved", "the request expires"} {
		if !strings.Contains(m.Blocks, want) {
			t.Errorf("the card lacks %q:\n%s", want, m.Blocks)
		}
	}
	if !strings.Contains(m.Text, "waits for your approval") {
		t.Errorf("the card's notification text is %q", m.Text)
	}

	for i, u := range []string{"UMALLORY", "UBOB"} {
		if code := c.pressCard(u, actionApprove, p.ID, testSecret); code != http.StatusOK {
			t.Fatalf("%s's press: %d", u, code)
		}
		want := []string{"There is no post " + p.ID, "Only the owner of @sim"}[i]
		if a := c.answeredPrivately(i + 1); !strings.Contains(a.Text, want) {
			t.Errorf("%s's press answered %q, want %q", u, a.Text, want)
		}
	}
	if code := c.pressCard("UALICE", actionApprove, p.ID, "not the signing secret"); code != http.StatusUnauthorized {
		t.Errorf("a forged press answered %d, want 401", code)
	}
	if s := c.state(p.ID); s != storage.StatePendingApproval {
		t.Fatalf("after refused presses the post is %s", s)
	}
	for _, m := range c.slack.Messages() {
		if m.ReplaceOriginal {
			t.Fatalf("a refused press replaced the card: %+v", m)
		}
	}

	if code := c.pressCard("UALICE", actionApprove, p.ID+":1", testSecret); code != http.StatusOK {
		t.Fatalf("alice's press: %d", code)
	}
	if r := c.replaced(1); !strings.Contains(r.Text, "Approved by ualice: "+p.ID) {
		t.Fatalf("the card was replaced with %q, want the outcome", r.Text)
	}
	if code := c.pressCard("UALICE", actionApprove, p.ID, testSecret); code != http.StatusOK {
		t.Fatalf("alice's second press: %d", code)
	}
	if r := c.replaced(2); !strings.Contains(r.Text, "not waiting for approval any more") {
		t.Errorf("the second press answered %q", r.Text)
	}

	c.stack.Run("the approved thread published", func() bool { return c.state(p.ID) == storage.StatePosted })
	roots := 0
	for _, l := range c.stack.Sim.Ledger() {
		if strings.HasPrefix(l.Text, "Spindle approvals") && l.ReplyToID == "" {
			roots++
		}
	}
	if n := len(c.stack.Sim.Ledger()); roots != 1 || n != 2 {
		t.Fatalf("published %d posts with %d roots, want the thread of 2 once: %+v", n, roots, c.stack.Sim.Ledger())
	}
}

// TestApprovalCardRejectTellsAuthor: alice rejects bob's post from the card without giving a
// reason (a button asks for none); the card shows the outcome, nothing is published, and bob
// hears it was not approved where he posted it.
func TestApprovalCardRejectTellsAuthor(t *testing.T) {
	t.Parallel()
	c := newCardEnv(t)
	p := c.held("Off-brand hot take")
	c.card(p.ID)
	if code := c.pressCard("UALICE", actionReject, p.ID, testSecret); code != http.StatusOK {
		t.Fatalf("alice's press: %d", code)
	}
	if r := c.replaced(1); !strings.Contains(r.Text, "Rejected by ualice: "+p.ID) {
		t.Fatalf("the card was replaced with %q", r.Text)
	}
	c.stack.Run("bob told", func() bool {
		for _, m := range c.slack.Messages() {
			if strings.Contains(m.Text, "Not approved: rejected by ualice") {
				return true
			}
		}
		return false
	})
	if s := c.state(p.ID); s != storage.StateCancelled {
		t.Errorf("the rejected post is %s, want cancelled", s)
	}
	if n := len(c.stack.Sim.Ledger()); n != 0 {
		t.Errorf("a rejected post was published: %d", n)
	}
}

// TestApprovalsListShowsCards: the owner's approvals list shows each waiting post as its card
// (count, plan, author) with its own Approve and Reject buttons.
func TestApprovalsListShowsCards(t *testing.T) {
	t.Parallel()
	c := newCardEnv(t)
	first, second := c.held("First for review"), c.held("Second for review")
	a := c.say("UALICE", "approvals")
	blocks := string(a.Blocks)
	for _, id := range []string{first.ID, second.ID} {
		if !strings.Contains(blocks, `"value":"`+id+`:1"`) {
			t.Errorf("no buttons for %s round 1: %s", id, blocks)
		}
	}
	if n := strings.Count(blocks, "characters as Threads counts them: one post"); n != 2 {
		t.Errorf("%d cards in the list, want 2: %s", n, blocks)
	}
	if !strings.Contains(blocks, "by bob") || strings.Count(blocks, `"action_id":"approve_post"`) != 2 {
		t.Errorf("the list's cards: %s", blocks)
	}
	if err := slacktest.ValidateBlocks(blocks); err != nil {
		t.Error(err)
	}
}

// TestLongApprovalsListFitsSlack: a list of 20 waiting posts (the most it shows) stays within
// Slack's 50 blocks, with full cards first and a row of buttons for each post past them;
// every post keeps its buttons.
func TestLongApprovalsListFitsSlack(t *testing.T) {
	t.Parallel()
	c := newCardEnv(t)
	for i := range 20 {
		c.held(fmt.Sprintf("Post number %d for review", i))
	}
	a := c.say("UALICE", "approvals")
	blocks := string(a.Blocks)
	if err := slacktest.ValidateBlocks(blocks); err != nil {
		t.Fatalf("%v\n%s", err, blocks)
	}
	if n := strings.Count(blocks, `"action_id":"approve_post"`); n != 20 {
		t.Errorf("%d Approve buttons, want 20", n)
	}
	if n := strings.Count(blocks, "characters as Threads counts them"); n < 10 {
		t.Errorf("only %d full cards", n)
	}
}

// TestApprovalCardInOwnersZone: the card tells a scheduled post's time in the owner's zone,
// as Slack reports it, not the author's or the server's.
func TestApprovalCardInOwnersZone(t *testing.T) {
	t.Parallel()
	c := newCardEnv(t)
	c.slack.SetZone("UALICE", "Asia/Tokyo")
	if a := c.say("UBOB", "schedule --account @sim in 3h Later today"); !strings.Contains(a.Text, "waits for approval") {
		t.Fatalf("bob's schedule: %q", a.Text)
	}
	ps, err := c.db.List(context.Background(), storage.ListFilter{States: []storage.State{storage.StatePendingApproval}})
	if err != nil || len(ps) != 1 {
		t.Fatalf("held: %+v %v", ps, err)
	}
	m := c.card(ps[0].ID)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if want := "Goes out " + bot.FormatWhen(ps[0].ScheduledAt, tokyo); !strings.Contains(m.Blocks, want) {
		t.Errorf("the card lacks %q:\n%s", want, m.Blocks)
	}
}

// TestApprovalExpiryTellsAuthor: a request nobody decides expires after the approval TTL; the
// post is cancelled, never published, its author is told in Slack, and the card's buttons
// then change nothing.
func TestApprovalExpiryTellsAuthor(t *testing.T) {
	t.Parallel()
	c := newCardEnv(t)
	p := c.held("Nobody will look at this")
	c.card(p.ID)
	c.clock.Advance(ingest.DefaultApprovalTTL + time.Minute)
	if err := c.stack.Pub.ExpireApprovals(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.stack.Run("bob told", func() bool {
		for _, m := range c.slack.Messages() {
			if strings.Contains(m.Text, "Approval request expired") && strings.Contains(m.Text, "nobody approved it in time") {
				return true
			}
		}
		return false
	})
	if s := c.state(p.ID); s != storage.StateCancelled {
		t.Errorf("the expired post is %s, want cancelled", s)
	}
	if code := c.pressCard("UALICE", actionApprove, p.ID, testSecret); code != http.StatusOK {
		t.Fatalf("alice's late press: %d", code)
	}
	if r := c.replaced(1); !strings.Contains(r.Text, "not waiting for approval any more") {
		t.Errorf("a late press answered %q", r.Text)
	}
	if s := c.state(p.ID); s != storage.StateCancelled {
		t.Errorf("after the late press the post is %s", s)
	}
	if n := len(c.stack.Sim.Ledger()); n != 0 {
		t.Errorf("an expired post was published: %d", n)
	}
}

// TestStaleApprovalCardOnSlack: alice's card shows round 1 of bob's post and its buttons carry
// it. Bob edits the post (round 2, other words, a new card on its way); alice's press on the
// old card approves nothing: the old card is replaced with why (the post changed, round 2
// waits) and the post still waits. A press on round 2's buttons approves it.
func TestStaleApprovalCardOnSlack(t *testing.T) {
	t.Parallel()
	c := newCardEnv(t)
	p := c.held("The words alice reads")
	c.card(p.ID)
	if a := c.say("UBOB", "edit "+p.ID+" The words alice never read"); !strings.Contains(a.Text, p.ID) {
		t.Fatalf("bob's edit: %q", a.Text)
	}
	if code := c.pressCard("UALICE", actionApprove, p.ID+":1", testSecret); code != http.StatusOK {
		t.Fatalf("alice's press: %d", code)
	}
	if r := c.replaced(1); !strings.Contains(r.Text, "changed since you saw it") || !strings.Contains(r.Text, "round 2") {
		t.Errorf("the old card was replaced with %q, want why nothing was decided", r.Text)
	}
	if got, err := c.db.Get(context.Background(), p.ID); err != nil || got.State != storage.StatePendingApproval {
		t.Fatalf("after a press on the old card: %+v %v", got, err)
	}
	m := c.card(p.ID) // round 2's card
	if !strings.Contains(m.Blocks, "The words alice never read") {
		t.Fatalf("round 2's card: %s", m.Blocks)
	}
	if code := c.pressCard("UALICE", actionApprove, p.ID+":2", testSecret); code != http.StatusOK {
		t.Fatalf("alice's press on round 2: %d", code)
	}
	if r := c.replaced(2); !strings.Contains(r.Text, "Approved by ualice: "+p.ID) {
		t.Fatalf("round 2's card was replaced with %q", r.Text)
	}
	if s := c.state(p.ID); s != storage.StateQueued {
		t.Fatalf("after approving round 2 the post is %s", s)
	}
}
