package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// cardSender is a chat door that can show a person an approval card with buttons (the Slack
// and Telegram doors' SendApprovalCard).
type cardSender interface {
	SendApprovalCard(ctx context.Context, to bot.Identity, card bot.ApprovalCard) error
}

// approverLister says who is asked to decide the posts held on an account.
type approverLister interface {
	approvers(ctx context.Context, accountID int64) ([]accounts.Identity, error)
}

// ownerAndApprovers says who is asked to decide an account's held posts: its owner, then the
// approvers the owner named (storage.DB.Approvers). The dispatcher's decide rules obey the
// same people when a button is pressed.
type ownerAndApprovers struct {
	owners interface {
		Owner(ctx context.Context, accountID int64) (accounts.Identity, error)
	}
	named interface {
		Approvers(ctx context.Context, accountID int64) ([]storage.ApproverIdentity, error)
	}
}

func (o ownerAndApprovers) approvers(ctx context.Context, accountID int64) ([]accounts.Identity, error) {
	owner, err := o.owners.Owner(ctx, accountID)
	if err != nil {
		return nil, err
	}
	named, err := o.named.Approvers(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("approvers of account %d: %w", accountID, err)
	}
	out := []accounts.Identity{owner}
	for _, n := range named {
		id := accounts.Identity{Door: n.Door, Team: n.Team, User: n.User, Name: n.Name}
		if id.Key() != owner.Key() {
			out = append(out, id)
		}
	}
	return out, nil
}

// deliveries remembers which approver was shown which outbox event (storage.DB's chat
// deliveries), so a retry after one approver's door failed does not show the others the card
// twice.
type deliveries interface {
	Delivered(ctx context.Context, door string, eventID int64) (bool, error)
	MarkDelivered(ctx context.Context, door string, eventID int64) error
}

// approvalCards asks the approvers of a held post to decide it: each gets the post's card
// (bot.ApprovalCard, built once) through their door's approvalCards offer, or a plain line
// through the door's people notifier when the door has no cards.
type approvalCards struct {
	store     bot.CardStore
	seen      deliveries
	doors     *doors
	people    accounts.IdentityNotifier
	approvers approverLister
	log       *slog.Logger
}

// ask delivers e (EventPendingApproval) to every approver. A post decided or gone before the
// event is delivered asks nobody. Errors are joined; the outbox delivers e again, and only
// the approvers not yet shown it are shown it then.
func (c approvalCards) ask(ctx context.Context, e publisher.Event) error {
	who, err := c.approvers.approvers(ctx, e.AccountID)
	if errors.Is(err, storage.ErrNotFound) {
		c.log.WarnContext(ctx, "post waits for approval but its account has no owner to ask",
			slog.String("post_id", e.PostID), slog.Int64("account_id", e.AccountID))
		return nil
	} else if err != nil {
		return err
	}
	card, err := bot.LoadApprovalCard(ctx, c.store, e.PostID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil // pruned, or its request is gone: nothing to decide
	} else if err != nil {
		return err
	}
	if !card.Waiting {
		c.log.InfoContext(ctx, "approval request already decided; no card sent", slog.String("post_id", e.PostID))
		return nil
	}
	var errs []error
	for _, id := range who {
		errs = append(errs, c.askOne(ctx, e, id, card))
	}
	return errors.Join(errs...)
}

// askOne shows one approver the card, once per event.
func (c approvalCards) askOne(ctx context.Context, e publisher.Event, id accounts.Identity, card bot.ApprovalCard) error {
	key := "approval-card:" + id.Key()
	if e.ID != 0 {
		if done, err := c.seen.Delivered(ctx, key, e.ID); err != nil || done {
			return err
		}
	}
	var err error
	if s := c.doors.cards(ingest.Door(id.Door)); s != nil {
		err = s.SendApprovalCard(ctx, bot.Identity{Door: ingest.Door(id.Door), Team: id.Team, User: id.User, Name: id.Name}, card)
	} else {
		err = c.people.NotifyIdentity(ctx, id, pendingLine(e))
	}
	if err != nil {
		return fmt.Errorf("approval card of %s: %w", e.PostID, err)
	}
	if e.ID != 0 {
		return c.seen.MarkDelivered(ctx, key, e.ID)
	}
	return nil
}

// pendingLine is the plain line that tells an approver whose door shows no cards that a post
// waits, and how to decide it.
func pendingLine(e publisher.Event) string {
	return "⏸️ Post " + e.PostID + " waits for your approval: “" + e.Text + "”. Answer with approve " + e.PostID +
		" or reject " + e.PostID + " [reason] (the approvals command lists all that wait)."
}
