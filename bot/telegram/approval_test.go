package telegram_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/storage"
)

// TestGranteeDraftWaitsForApproval: with approvals on for grantees, a grantee's draft published
// with the Publish button is held for the owner, as the same text sent with /post is. Before,
// the draft path did not say who posted, so a grantee skipped the policy by pressing Publish.
func TestGranteeDraftWaitsForApproval(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{grantee: true})
	ps, err := h.db.Accounts(context.Background())
	if err != nil || len(ps) != 1 {
		t.Fatalf("accounts %+v %v", ps, err)
	}
	if err := h.db.SetApprovalPolicy(context.Background(), storage.ApprovalPolicy{AccountID: ps[0].ID, Grantees: true}); err != nil {
		t.Fatal(err)
	}
	msg := h.tg.Text(telegramtest.Private(alice), alice, "A grantee's draft")
	h.deliver(msg)
	pv := h.waitSent("with the draft preview", func(s telegramtest.Sent) bool { return len(s.Buttons) == 3 })
	h.deliver(h.tg.Press(alice, pv.Message(), button(pv, "Publish")))
	h.tg.WaitCalls("answerCallbackQuery", 1, wait)
	posts := h.posts()
	if len(posts) != 1 || posts[0].State != storage.StatePendingApproval {
		t.Fatalf("posts after Publish: %+v, want one pending_approval", posts)
	}
	if h.publishDue(); len(h.sim.Ledger()) != 0 {
		t.Fatalf("a held draft was published: %+v", h.sim.Ledger())
	}
	if !strings.Contains(posts[0].Text, "grantee") {
		t.Fatalf("text %q", posts[0].Text)
	}
}
