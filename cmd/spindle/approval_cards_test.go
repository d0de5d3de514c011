package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// TestHeldPostCardReachesOwnerOnTelegram: through the daemon's own wiring, a grantee's post
// held for approval reaches the account's owner as a card with buttons in her private chat
// (the outbox's pending_approval event, the approvers hook, the Telegram door's card offer),
// and her press of Approve, arriving by webhook, approves it.
func TestHeldPostCardReachesOwnerOnTelegram(t *testing.T) {
	a, tg, _, webhook := heldPostDaemon(t)
	ctx := context.Background()
	bob := telegramtest.User(2002, "bob")
	webhook(tg.Text(telegramtest.Private(bob), bob, "/post Needs a second pair of eyes"))
	if _, ok := tg.WaitSent(10*time.Second, func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "waits for approval") }); !ok {
		t.Fatalf("bob's post was not held: %+v", tg.Sent())
	}
	ps, err := a.db.List(ctx, storage.ListFilter{States: []storage.State{storage.StatePendingApproval}})
	if err != nil || len(ps) != 1 {
		t.Fatalf("held posts: %+v %v", ps, err)
	}
	id := ps[0].ID

	if err := a.publisher.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	card, ok := tg.WaitSent(10*time.Second, func(s telegramtest.Sent) bool { return s.ChatID == 1001 && len(s.Buttons) == 2 })
	if !ok {
		t.Fatalf("alice got no card: %+v", tg.Sent())
	}
	for _, want := range []string{"Post " + id + " for @alices by bob", "characters as Threads counts them", "Needs a second pair of eyes"} {
		if !strings.Contains(card.Text, want) {
			t.Errorf("the card lacks %q:\n%s", want, card.Text)
		}
	}
	if err := a.publisher.Deliver(ctx); err != nil { // delivered once: nothing more to send
		t.Fatal(err)
	}
	aliceTG := telegramtest.User(1001, "alice")
	webhook(tg.Press(aliceTG, card.Message(), card.Buttons[0].CallbackData))
	tg.WaitCalls("answerCallbackQuery", 1, 10*time.Second)
	if p, err := a.db.Get(ctx, id); err != nil || p.State != storage.StateQueued {
		t.Fatalf("after alice's press: %+v %v", p.State, err)
	}
	cards := 0
	for _, s := range tg.Sent() {
		if len(s.Buttons) == 2 && strings.Contains(s.Text, "Post "+id) {
			cards++
		}
	}
	if cards != 1 {
		t.Errorf("alice was sent %d cards, want 1", cards)
	}
}

// cardDouble is a chat door offering approval cards; it can fail its first sends.
type cardDouble struct {
	sent  []string
	fails int
}

func (c *cardDouble) SendApprovalCard(_ context.Context, to bot.Identity, card bot.ApprovalCard) error {
	if c.fails > 0 {
		c.fails--
		return errors.New("chat is down")
	}
	c.sent = append(c.sent, to.User+" "+card.PostID)
	return nil
}

// fixedApprovers is an approvers hook naming the given people.
type fixedApprovers []accounts.Identity

func (f fixedApprovers) approvers(context.Context, int64) ([]accounts.Identity, error) { return f, nil }

// cardStore serves one waiting post's card.
type cardStore struct{ post storage.Post }

func (s cardStore) Get(_ context.Context, id string) (storage.Post, error) {
	if id != s.post.ID {
		return storage.Post{}, storage.ErrNotFound
	}
	return s.post, nil
}
func (s cardStore) ApprovalOf(context.Context, string) (storage.Approval, error) {
	return storage.Approval{Author: "slack:T1:UBOB"}, nil
}
func (s cardStore) Account(context.Context, int64) (storage.Account, error) {
	return storage.Account{Username: "acme"}, nil
}
func (s cardStore) IdentityByKey(context.Context, string, string, string) (storage.Identity, error) {
	return storage.Identity{Name: "bob"}, nil
}

// memDeliveries is chat deliveries in memory.
type memDeliveries map[string]bool

func (m memDeliveries) Delivered(_ context.Context, door string, id int64) (bool, error) {
	return m[door+itoa64(id)], nil
}
func (m memDeliveries) MarkDelivered(_ context.Context, door string, id int64) error {
	m[door+itoa64(id)] = true
	return nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// TestApprovalCardsGoToEachApproversDoor: every approver is asked through their own door — a
// card where the door offers cards, the plain line where it does not; when one door fails,
// the retry asks only the approvers not yet asked; a post decided before delivery asks nobody.
func TestApprovalCardsGoToEachApproversDoor(t *testing.T) {
	d := newDoors(slog.New(slog.DiscardHandler))
	slack := &cardDouble{fails: 1}
	tgPeople := &chatDouble{}
	d.register(ingest.DoorSlack, doorOffer{approvalCards: slack})
	d.register(ingest.DoorTelegram, doorOffer{people: tellPeople(tgPeople)})
	store := cardStore{post: storage.Post{ID: "p7k2m9x", Text: "Hi", State: storage.StatePendingApproval}}
	c := approvalCards{store: store, seen: memDeliveries{}, doors: d, people: d, log: slog.New(slog.DiscardHandler),
		approvers: fixedApprovers{{Door: "telegram", User: "42"}, {Door: "slack", Team: "T1", User: "UANN"}}}
	e := publisher.Event{ID: 7, Kind: publisher.EventPendingApproval, PostID: "p7k2m9x", Text: "Hi"}
	ctx := context.Background()
	if err := c.ask(ctx, e); err == nil {
		t.Fatal("slack failed, yet ask reported success (the outbox would not retry)")
	}
	if err := c.ask(ctx, e); err != nil {
		t.Fatal(err)
	}
	if len(tgPeople.told) != 1 || !strings.Contains(tgPeople.told[0], "42 ⏸️ Post p7k2m9x waits for your approval") {
		t.Errorf("telegram (no cards) was told %q, want the plain line once", tgPeople.told)
	}
	if len(slack.sent) != 1 || slack.sent[0] != "UANN p7k2m9x" {
		t.Errorf("slack cards %q, want one to UANN", slack.sent)
	}
	c.store = cardStore{post: storage.Post{ID: "p7k2m9x", State: storage.StateQueued}}
	e.ID = 8
	if err := c.ask(ctx, e); err != nil || len(slack.sent) != 1 || len(tgPeople.told) != 1 {
		t.Errorf("a decided post asked again: %v %q %q", err, slack.sent, tgPeople.told)
	}
}

// TestNamedApproverGetsTheCard: an approver the owner named (storage's account_approvers) is
// shown the card too, through their own door, and their press decides the post.
func TestNamedApproverGetsTheCard(t *testing.T) {
	a, tg, acc, webhook := heldPostDaemon(t)
	ctx := context.Background()
	if _, err := a.accounts.Identify(ctx, accounts.Identity{Door: accounts.DoorTelegram, User: "3003", Name: "carol"}); err != nil {
		t.Fatal(err)
	}
	if err := a.db.AddApprover(ctx, acc.ID, storage.ApproverIdentity{Door: "telegram", User: "3003", Name: "carol"}, "telegram:1001"); err != nil {
		t.Fatal(err)
	}
	bob := telegramtest.User(2002, "bob")
	webhook(tg.Text(telegramtest.Private(bob), bob, "/post Carol checks this one"))
	if _, ok := tg.WaitSent(10*time.Second, func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "waits for approval") }); !ok {
		t.Fatalf("bob's post was not held: %+v", tg.Sent())
	}
	if err := a.publisher.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []int64{1001, 3003} {
		if _, ok := tg.WaitSent(10*time.Second, func(s telegramtest.Sent) bool { return s.ChatID == chat && len(s.Buttons) == 2 }); !ok {
			t.Fatalf("chat %d got no card: %+v", chat, tg.Sent())
		}
	}
	card, _ := tg.WaitSent(time.Second, func(s telegramtest.Sent) bool { return s.ChatID == 3003 && len(s.Buttons) == 2 })
	webhook(tg.Press(telegramtest.User(3003, "carol"), card.Message(), card.Buttons[0].CallbackData))
	tg.WaitCalls("answerCallbackQuery", 1, 10*time.Second)
	ps, err := a.db.List(ctx, storage.ListFilter{AccountID: acc.ID})
	if err != nil || len(ps) != 1 || ps[0].State != storage.StateQueued {
		t.Fatalf("after carol's press: %+v %v", ps, err)
	}
	if ap, err := a.db.ApprovalOf(ctx, ps[0].ID); err != nil || ap.Decision != storage.DecisionApproved || ap.Decider() != "carol" {
		t.Fatalf("approval record: %+v %v", ap, err)
	}
}

// heldPostDaemon is the daemon's own wiring with the Telegram door on a webhook: alice
// (telegram 1001) owns @alices with approvals on for grantees, and bob (2002) is granted it.
// webhook delivers one update as Telegram would.
func heldPostDaemon(t *testing.T) (*app, *telegramtest.Server, storage.Account, func(any)) {
	t.Helper()
	tg := telegramtest.NewServer("")
	t.Cleanup(tg.Close)
	a, srv := telegramDaemon(t, tg)
	ctx := context.Background()
	alice, err := a.accounts.Identify(ctx, accounts.Identity{Door: accounts.DoorTelegram, User: "1001", Name: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	bobID, err := a.accounts.Identify(ctx, accounts.Identity{Door: accounts.DoorTelegram, User: "2002", Name: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	acc := link(t, a.db, alice, "alices")
	if err := a.db.GrantAccess(ctx, acc.ID, bobID.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.db.SetApprovalPolicy(ctx, storage.ApprovalPolicy{AccountID: acc.ID, Grantees: true}); err != nil {
		t.Fatal(err)
	}
	webhook := func(v any) {
		t.Helper()
		resp, err := telegramtest.PostWebhook(srv.Client(), srv.URL+"/telegram/webhook", tgSecret, tg.Update(v))
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %d", resp.StatusCode)
		}
	}
	return a, tg, acc, webhook
}
