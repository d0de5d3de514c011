package slack

// Drafts: `/threads preview …` answers with the preview and three buttons. Publish queues the
// post exactly as previewed (the preview's command, kept in storage, run again as post);
// Schedule… opens a modal asking when, read in the person's zone; Discard drops it. A draft
// acts once: each button moves it out of "open" with a conditional UPDATE, so two presses, or
// Publish and Discard racing, find one winner; the idempotency key "post:draft:<id>" (or
// "schedule:draft:<id>") makes the queueing itself answer the same post if it runs twice. Only
// the draft's author may press its buttons, and a draft expires after DraftTTL, as Telegram's.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// The draft buttons' action_ids; their value is the draft id.
const (
	actionDraftPublish  = "draft_publish"
	actionDraftSchedule = "draft_schedule"
	actionDraftDiscard  = "draft_discard"
)

// DraftTTL is how long a draft's buttons work, as a Telegram draft's (24 hours).
const DraftTTL = 24 * time.Hour

// draftSweepEvery is how often the door deletes drafts past DraftTTL.
const draftSweepEvery = time.Hour

// openDraft stores the draft of a preview; "" when it could not (the preview is then answered
// without buttons, and the person can still send it with post).
func (d *Door) openDraft(ctx context.Context, c command) string {
	dr, err := d.store.CreateSlackDraft(ctx, storage.SlackDraft{Team: c.TeamID, Channel: c.ChannelID, User: c.UserID,
		Command: c.Text, ResponseURL: c.ResponseURL})
	if err != nil {
		d.log.ErrorContext(ctx, "slack: could not store a draft; the preview goes without buttons",
			slog.String("request_id", requestID(c.signature)), slog.Any("error", err))
		return ""
	}
	return dr.ID
}

// withDraftButtons adds Publish, Schedule… and Discard under a preview, for its draft.
func withDraftButtons(msg *slack.WebhookMessage, draftID string) {
	var blocks []slack.Block
	if msg.Blocks != nil {
		blocks = msg.Blocks.BlockSet
	} else {
		blocks = []slack.Block{section(msg.Text)}
	}
	button := func(action, label string) *slack.ButtonBlockElement {
		return slack.NewButtonBlockElement(action, draftID, slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
	}
	blocks = append(blocks, slack.NewActionBlock("draft",
		button(actionDraftPublish, "Publish").WithStyle(slack.StylePrimary),
		button(actionDraftSchedule, "Schedule…"),
		button(actionDraftDiscard, "Discard").WithStyle(slack.StyleDanger)))
	msg.Blocks = &slack.Blocks{BlockSet: blocks}
}

// isDraftAction reports whether a button is one of a draft's.
func isDraftAction(id string) bool {
	return id == actionDraftPublish || id == actionDraftSchedule || id == actionDraftDiscard
}

// press is one press of a draft button, from a verified block_actions payload.
type press struct {
	team, channel, user    string
	action, draftID        string
	responseURL, triggerID string
	requestID              string
}

// pressDraft acts on a draft button. Schedule… must open its modal within the trigger_id's 3
// seconds, so every press runs at once after the acknowledgement.
func (d *Door) pressDraft(p press) {
	budget := confirmBudget
	if p.action == actionDraftSchedule {
		budget = 3 * time.Second // Slack's trigger_id lives 3 seconds
	}
	d.background(budget, func(ctx context.Context) {
		dr, refusal := d.pressable(ctx, p.draftID, p.team, p.user)
		if refusal != "" {
			d.tell(ctx, p.responseURL, p.channel, refusal)
			return
		}
		switch p.action {
		case actionDraftPublish:
			d.publishDraft(ctx, dr, p)
		case actionDraftSchedule:
			d.openScheduleModal(ctx, dr, p)
		case actionDraftDiscard:
			d.discardDraft(ctx, dr, p)
		}
	})
}

// pressable reads a draft for its author; the refusal, when not empty, is what to tell the
// person instead (gone, not theirs, expired). A stranger learns nothing of the draft.
func (d *Door) pressable(ctx context.Context, id, team, user string) (storage.SlackDraft, string) {
	dr, err := d.store.SlackDraft(ctx, id)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return dr, "That draft is gone (drafts last 24 hours); nothing was posted. Preview it again with /threads preview."
	case err != nil:
		d.log.ErrorContext(ctx, "slack: could not read a draft", slog.String("draft", id), slog.Any("error", err))
		return dr, "Sorry, Spindle could not read that draft because of a problem on its side; nothing changed. Please press again in a minute."
	case dr.Team != team || dr.User != user:
		d.log.WarnContext(ctx, "slack: a draft button pressed by someone who is not its author",
			slog.String("draft", id), slog.String("user", user))
		return storage.SlackDraft{}, "That draft is not yours: only the person who previewed it can publish, schedule or discard it. Nothing changed."
	case d.now().Sub(dr.CreatedAt) > DraftTTL:
		return dr, "⌛ That draft expired (drafts last 24 hours); nothing was posted. Preview it again with /threads preview."
	}
	return dr, ""
}

// handled says what became of a draft that is no longer open.
func handled(dr storage.SlackDraft) string {
	s := "Nothing changed: that draft was already " + string(dr.State)
	if dr.PostID != "" {
		s += " as " + dr.PostID
	}
	return s + "."
}

// publishDraft queues the draft now, once.
func (d *Door) publishDraft(ctx context.Context, dr storage.SlackDraft, p press) {
	moved, err := d.store.MoveSlackDraft(ctx, dr.ID, storage.DraftOpen, storage.DraftPublished, d.now().Add(-DraftTTL))
	switch {
	case err != nil:
		d.log.ErrorContext(ctx, "slack: could not move a draft", slog.String("draft", dr.ID), slog.Any("error", err))
		d.tell(ctx, p.responseURL, p.channel, "Sorry, that did not work because of a problem on Spindle's side; nothing was posted. Please press Publish again.")
		return
	case !moved && !(dr.State == storage.DraftPublished && dr.PostID == ""):
		// Published with no post recorded is a press cut short (a crash between the two
		// steps): running it again is safe, its idempotency key answers the same post.
		if fresh, err := d.store.SlackDraft(ctx, dr.ID); err == nil {
			dr = fresh
		}
		d.tell(ctx, p.responseURL, p.channel, handled(dr))
		return
	}
	reply := d.runDraft(ctx, dr, p.responseURL, p.channel, p.requestID, bot.VerbPost, time.Time{}, "")
	if reply.Queued == "" {
		d.reopen(ctx, dr.ID, storage.DraftPublished)
		msg := render(bot.Reply{Text: reply.Text})
		withDraftButtons(&msg, dr.ID)
		d.replaceWith(ctx, p.responseURL, p.channel, msg)
		return
	}
	d.queued(ctx, dr.ID, reply.Queued, p.responseURL, p.channel, reply.Text)
}

// discardDraft drops the draft, once.
func (d *Door) discardDraft(ctx context.Context, dr storage.SlackDraft, p press) {
	moved, err := d.store.MoveSlackDraft(ctx, dr.ID, storage.DraftOpen, storage.DraftDiscarded, time.Time{})
	if err != nil {
		d.log.ErrorContext(ctx, "slack: could not discard a draft", slog.String("draft", dr.ID), slog.Any("error", err))
		d.tell(ctx, p.responseURL, p.channel, "Sorry, that did not work because of a problem on Spindle's side; nothing changed. Please press Discard again.")
		return
	}
	if !moved {
		if fresh, err := d.store.SlackDraft(ctx, dr.ID); err == nil {
			dr = fresh
		}
		d.tell(ctx, p.responseURL, p.channel, handled(dr))
		return
	}
	d.replaceWith(ctx, p.responseURL, p.channel, slack.WebhookMessage{Text: "🗑️ Draft discarded; nothing was posted."})
}

// runDraft runs the draft's command again as verb (post, or schedule at the instant at, typed
// as when) for its author, exactly as the dispatcher runs a typed command once parsed. Results
// of the post are reported on responseURL.
func (d *Door) runDraft(ctx context.Context, dr storage.SlackDraft, responseURL, channel, reqID, verb string, at time.Time, when string) bot.Reply {
	zone, _ := d.zoneOf(ctx, dr.Team, dr.User)
	cmd, err := bot.Parse(dr.Command, d.now(), zone)
	if err != nil || cmd.Verb != bot.VerbPreview {
		// Not reached: the draft was made from a preview the dispatcher had just parsed.
		d.log.ErrorContext(ctx, "slack: a draft's command does not parse", slog.String("draft", dr.ID))
		return bot.Reply{Text: "Sorry, that draft cannot be read back; nothing was posted. Preview it again with /threads preview.", Refused: true}
	}
	cmd.Verb, cmd.At, cmd.When = verb, at, when
	ref, _ := json.Marshal(Ref{Team: dr.Team, Channel: channel, User: dr.User, ResponseURL: responseURL, IssuedAt: d.now().UnixMilli()})
	in := bot.Incoming{
		Identity:  bot.Identity{Door: ingest.DoorSlack, Team: dr.Team, User: dr.User},
		Origin:    ingest.Origin{Door: ingest.DoorSlack, Ref: ref},
		Zone:      zone,
		Channel:   channel,
		RequestID: reqID,
		Key:       "draft:" + dr.ID, // the idempotency key is verb + ":draft:" + id: one post per draft
	}
	return d.dispatch.Run(ctx, in, cmd)
}

// queued records the post a draft became and replaces the preview with the confirmation,
// which carries a Cancel button.
func (d *Door) queued(ctx context.Context, draftID, postID, responseURL, channel, text string) {
	d.linkPost(ctx, draftID, postID)
	d.confirm(ctx, postID, responseURL, channel, text)
}

// linkPost records the post a draft became.
func (d *Door) linkPost(ctx context.Context, draftID, postID string) {
	if err := d.store.SetSlackDraftPost(ctx, draftID, postID); err != nil {
		d.log.WarnContext(ctx, "slack: could not link a draft to its post", slog.String("draft", draftID),
			slog.String("post_id", postID), slog.Any("error", err))
	}
}

// confirm replaces the preview with the confirmation of the post it became, with Cancel.
func (d *Door) confirm(ctx context.Context, postID, responseURL, channel, text string) {
	msg := render(bot.Reply{Text: text})
	withCancelButton(&msg, postID)
	d.replaceWith(ctx, responseURL, channel, msg)
}

// reopen puts a draft back to open after its queueing failed, so the person can try again.
func (d *Door) reopen(ctx context.Context, id string, from storage.DraftState) {
	if _, err := d.store.MoveSlackDraft(ctx, id, from, storage.DraftOpen, time.Time{}); err != nil {
		d.log.ErrorContext(ctx, "slack: could not reopen a draft", slog.String("draft", id), slog.Any("error", err))
	}
}

// replaceWith replaces the message whose button was pressed.
func (d *Door) replaceWith(ctx context.Context, responseURL, channel string, msg slack.WebhookMessage) {
	msg.ReplaceOriginal, msg.ResponseType = true, slack.ResponseTypeEphemeral
	d.replaceVia(ctx, responseURL, channel, "a draft's outcome", msg)
}

// tell answers the presser privately, leaving the message with the buttons as it was.
func (d *Door) tell(ctx context.Context, responseURL, channel, text string) {
	d.replaceVia(ctx, responseURL, channel, "an answer to a draft button",
		slack.WebhookMessage{Text: escape(text), ResponseType: slack.ResponseTypeEphemeral})
}

// sweepDrafts deletes drafts past DraftTTL, every draftSweepEvery until Close; on PostgreSQL
// every replica sweeps, and a DELETE of what is already gone is harmless.
func (d *Door) sweepDrafts() {
	d.loops.Add(1)
	go func() {
		defer d.loops.Done()
		tick := time.NewTicker(draftSweepEvery)
		defer tick.Stop()
		for {
			select {
			case <-d.bg.Done():
				return
			case <-tick.C:
			}
			if _, err := d.SweepDrafts(d.bg); err != nil && d.bg.Err() == nil {
				d.log.WarnContext(d.bg, "slack: could not delete old drafts", slog.Any("error", err))
			}
		}
	}()
}

// SweepDrafts deletes the drafts past DraftTTL, in batches, and returns how many it deleted.
func (d *Door) SweepDrafts(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := d.store.DeleteSlackDrafts(ctx, d.now().Add(-DraftTTL), 100)
		total += n
		if err != nil || n < 100 {
			return total, err
		}
	}
}

// answerDraft answers a preview that found nothing to refuse as a draft: the preview with
// Publish, Schedule… and Discard under it. It reports whether it answered; when the draft
// could not be stored the preview is answered as before, without buttons.
func (d *Door) answerDraft(ctx context.Context, w http.ResponseWriter, c command, r bot.Reply) bool {
	if r.Preview == nil || r.Refused || firstWord(c.Text) != bot.VerbPreview {
		return false
	}
	id := d.openDraft(ctx, c)
	if id == "" {
		return false
	}
	msg := render(r)
	withDraftButtons(&msg, id)
	msg.ResponseType = slack.ResponseTypeEphemeral
	body, err := json.Marshal(msg)
	if err != nil {
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
	return true
}
