package telegram_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// cardHarness is the harness with alice owning @alice, bob granted it, mallory a stranger,
// and approvals on for grantees.
func cardHarness(t *testing.T) *harness {
	h := newHarness(t, webhook, options{roles: map[int64]bool{alice.ID: true, bob.ID: false}})
	ctx := context.Background()
	accs, err := h.db.Accounts(ctx)
	if err != nil || len(accs) != 1 {
		t.Fatalf("accounts %+v %v", accs, err)
	}
	if err := h.db.SetApprovalPolicy(ctx, storage.ApprovalPolicy{AccountID: accs[0].ID, Grantees: true}); err != nil {
		t.Fatal(err)
	}
	// The accounts service records who people are as they use Spindle; the card names bob so.
	if _, err := h.db.UpsertIdentity(ctx, storage.Identity{Door: "telegram", User: "2002", Name: "bob_tg"}); err != nil {
		t.Fatal(err)
	}
	return h
}

// heldPhoto has bob post a photo with a caption, and returns the post waiting for approval.
func (h *harness) heldPhoto(caption string) storage.Post {
	h.t.Helper()
	photo := h.tg.AddFile("photos/card.jpg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{7}, 2048)...))
	msg := h.tg.Photo(telegramtest.Private(bob), bob, photo, "/post "+caption, "")
	h.deliver(msg)
	h.waitSent("answering bob's photo", func(s telegramtest.Sent) bool { return s.ReplyTo == msg.ID })
	for _, p := range h.posts() {
		if p.Text == caption {
			if p.State != storage.StatePendingApproval {
				h.t.Fatalf("bob's post is %s, want pending_approval", p.State)
			}
			return p
		}
	}
	h.t.Fatalf("bob's post %q is not in the queue: %+v", caption, h.posts())
	return storage.Post{}
}

// sendCard sends alice the post's card as the daemon's approvers notice does, and returns it
// as Telegram received it.
func (h *harness) sendCard(id string) telegramtest.Sent {
	h.t.Helper()
	card, err := bot.LoadApprovalCard(context.Background(), h.db, id)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.door.SendApprovalCard(context.Background(), bot.Identity{Door: ingest.DoorTelegram, User: "1001"}, card); err != nil {
		h.t.Fatal(err)
	}
	return h.waitSent("with the card of "+id, func(s telegramtest.Sent) bool {
		return s.ChatID == alice.ID && strings.Contains(s.Text, "Post "+id)
	})
}

// pressCard presses a card's button as who and returns the callback answer's text.
func (h *harness) pressCard(who models.User, card telegramtest.Sent, data string) string {
	h.t.Helper()
	n := len(h.tg.Calls("answerCallbackQuery"))
	h.deliver(h.tg.Press(who, card.Message(), data))
	calls := h.tg.WaitCalls("answerCallbackQuery", n+1, wait)
	if len(calls) <= n {
		h.t.Fatalf("the press was not answered")
	}
	return calls[n].Form.Get("text")
}

func (h *harness) state(id string) storage.State {
	h.t.Helper()
	p, err := h.db.Get(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return p.State
}

// TestApprovalCardOnTelegram: end to end on the Telegram door against the Threads simulator.
// Bob (a grantee) posts a photo; it waits. Alice, the owner, gets a card in her private chat
// with the count, the plan, the photo (kind and URL), the schedule and the author, and two
// buttons whose callback data Telegram accepts (the fake enforces 1–64 bytes). Mallory's
// press (a forged callback from another user) and bob's own are refused and change nothing;
// alice's press approves, answers the callback and edits the card to the outcome without
// buttons; her second press acts no more and only takes the buttons away; the publisher then
// publishes the photo once.
func TestApprovalCardOnTelegram(t *testing.T) {
	t.Parallel()
	h := cardHarness(t)
	p := h.heldPhoto("Sunset over the bay")
	card := h.sendCard(p.ID)
	for _, want := range []string{"by bob_tg", "@alice", "19 of 500 characters as Threads counts them: one post",
		"🖼️ image: " + h.spindle.URL + "/media/", "Goes out as soon as it is approved", "“Sunset over the bay”"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("the card lacks %q:\n%s", want, card.Text)
		}
	}
	approve, reject := button(card, "👍 Approve"), button(card, "👎 Reject")
	if approve == "" || reject == "" || len(approve) > 64 {
		t.Fatalf("the card's buttons: %+v", card.Buttons)
	}

	for _, c := range []struct {
		who  models.User
		want string
	}{{mallory, "There is no post " + p.ID}, {bob, "Only the owner of @alice"}} {
		if got := h.pressCard(c.who, card, approve); !strings.Contains(got, c.want) {
			t.Errorf("%s's press answered %q, want %q", c.who.Username, got, c.want)
		}
	}
	if got := h.pressCard(mallory, card, "v:"+p.ID+":x"); !strings.Contains(got, "no longer valid") {
		t.Errorf("a forged action answered %q", got)
	}
	if n := len(h.tg.Calls("editMessageText", "editMessageReplyMarkup")); n != 0 || h.state(p.ID) != storage.StatePendingApproval {
		t.Fatalf("refused presses edited %d messages; the post is %s", n, h.state(p.ID))
	}

	if got := h.pressCard(alice, card, approve); !strings.Contains(got, "Approved by alice_tg: "+p.ID) {
		t.Fatalf("alice's press answered %q", got)
	}
	edits := h.tg.Calls("editMessageText")
	if len(edits) != 1 || !strings.Contains(edits[0].Form.Get("text"), "Sunset over the bay") ||
		!strings.Contains(edits[0].Form.Get("text"), "👍 Approved by alice_tg") || edits[0].Form.Get("reply_markup") != "" ||
		edits[0].Form.Get("message_id") != strconv.Itoa(card.MessageID) {
		t.Fatalf("the card's edit: %+v", edits)
	}
	if got := h.pressCard(alice, card, approve); !strings.Contains(got, "not waiting for approval any more") {
		t.Errorf("alice's second press answered %q", got)
	}
	if n := len(h.tg.Calls("editMessageReplyMarkup")); n != 1 {
		t.Errorf("the second press removed the buttons %d times, want once", n)
	}
	if s := h.state(p.ID); s != storage.StateQueued {
		t.Fatalf("after approval the post is %s, want queued", s)
	}
	done := h.publishDue()
	if len(done) != 1 || done[0].State != storage.StatePosted {
		t.Fatalf("published: %+v", done)
	}
	if l := h.sim.Ledger(); len(l) != 1 || l[0].Text != "Sunset over the bay" || l[0].MediaType != "IMAGE" {
		t.Fatalf("the simulator's ledger: %+v, want the photo once", l)
	}
}

// TestApprovalCardRejectOnTelegram: alice rejects bob's photo from the card, giving no reason;
// nothing is published and bob is told, under his own message, that it was not approved.
func TestApprovalCardRejectOnTelegram(t *testing.T) {
	t.Parallel()
	h := cardHarness(t)
	p := h.heldPhoto("Blurry test shot")
	card := h.sendCard(p.ID)
	if got := h.pressCard(alice, card, button(card, "👎 Reject")); !strings.Contains(got, "Rejected by alice_tg: "+p.ID) {
		t.Fatalf("alice's press answered %q", got)
	}
	stack := publishertest.New(t, publishertest.Options{DB: h.db, Server: h.sim, Publisher: publisher.Options{
		API: h.api, Tokens: simTokens{h}, Notifiers: map[string]publisher.Notifier{"telegram": h.door}}})
	stack.Run("bob told", func() bool {
		for _, s := range h.tg.Sent() {
			if s.ChatID == bob.ID && strings.Contains(s.Text, "Not approved: rejected by alice_tg") {
				return true
			}
		}
		return false
	})
	if s := h.state(p.ID); s != storage.StateCancelled || len(h.sim.Ledger()) != 0 {
		t.Fatalf("the rejected post is %s; ledger %+v", s, h.sim.Ledger())
	}
}

// TestApprovalsListCardsOnTelegram: /approvals lists what waits, then sends each post's card
// with its own buttons.
func TestApprovalsListCardsOnTelegram(t *testing.T) {
	t.Parallel()
	h := cardHarness(t)
	p := h.heldPhoto("For the list")
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/approvals"))
	card := h.waitSent("with the listed card", func(s telegramtest.Sent) bool {
		return s.ChatID == alice.ID && len(s.Buttons) == 2 && strings.Contains(s.Text, "Post "+p.ID)
	})
	if !strings.Contains(card.Text, "characters as Threads counts them") || button(card, "👍 Approve") != "v:"+p.ID+":a:1" {
		t.Errorf("the listed card: %+v", card)
	}
}

// TestApprovalExpiryOnTelegram: a request nobody decides expires after the approval TTL; the
// publisher (its clock a week and a day on) cancels the post and tells the author in Telegram.
func TestApprovalExpiryOnTelegram(t *testing.T) {
	t.Parallel()
	h := cardHarness(t)
	p := h.heldPhoto("Nobody reviews this")
	h.sendCard(p.ID)
	later := storagetest.NewClock(time.Now().Add(ingest.DefaultApprovalTTL + time.Hour))
	stack := publishertest.New(t, publishertest.Options{DB: h.db, Server: h.sim, Clock: later, Publisher: publisher.Options{
		API: h.api, Tokens: simTokens{h}, Notifiers: map[string]publisher.Notifier{"telegram": h.door}}})
	if err := stack.Pub.ExpireApprovals(context.Background()); err != nil {
		t.Fatal(err)
	}
	stack.Run("bob told", func() bool {
		for _, s := range h.tg.Sent() {
			if s.ChatID == bob.ID && strings.Contains(s.Text, "Approval request expired") {
				return true
			}
		}
		return false
	})
	if s := h.state(p.ID); s != storage.StateCancelled || len(h.sim.Ledger()) != 0 {
		t.Fatalf("the expired post is %s; ledger %+v", s, h.sim.Ledger())
	}
}

// TestStaleApprovalCardOnTelegram: alice's card shows round 1 of bob's post, and its buttons
// carry that round. Bob edits the post (round 2, other words); alice's press on the old card
// approves nothing, says the post changed, and takes the old card's buttons away; the post
// still waits. A button from before rounds were on buttons ("v:<id>:a") still decides.
func TestStaleApprovalCardOnTelegram(t *testing.T) {
	t.Parallel()
	h := cardHarness(t)
	p := h.heldPhoto("The words alice reads")
	card := h.sendCard(p.ID)
	approve := button(card, "👍 Approve")
	if approve != "v:"+p.ID+":a:1" {
		t.Fatalf("the card's Approve carries %q, want round 1", approve)
	}
	edit := h.tg.Text(telegramtest.Private(bob), bob, "/edit "+p.ID+" The words alice never read")
	h.deliver(edit)
	h.waitSent("answering bob's edit", func(s telegramtest.Sent) bool { return s.ReplyTo == edit.ID })
	if a, err := h.db.ApprovalOf(context.Background(), p.ID); err != nil || a.Rounds != 2 {
		t.Fatalf("after bob's edit the request is %+v %v, want round 2", a, err)
	}

	if got := h.pressCard(alice, card, approve); !strings.Contains(got, "changed since you saw it") || !strings.Contains(got, "round 2") {
		t.Errorf("alice's press on the old card answered %q", got)
	}
	if s := h.state(p.ID); s != storage.StatePendingApproval {
		t.Fatalf("after a press on the old card the post is %s, want pending_approval", s)
	}
	if n := len(h.tg.Calls("editMessageReplyMarkup")); n != 1 {
		t.Errorf("the old card's buttons were removed %d times, want once", n)
	}
	if got := h.pressCard(alice, card, "v:"+p.ID+":a"); !strings.Contains(got, "Approved by alice_tg: "+p.ID) {
		t.Fatalf("alice's press of a button without a round answered %q", got)
	}
	if got, err := h.db.Get(context.Background(), p.ID); err != nil || got.State != storage.StateQueued || got.Text != "The words alice never read" {
		t.Fatalf("after approval: %+v %v", got, err)
	}
}
