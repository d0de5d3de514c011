package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
)

// actionCancel is the action_id of the Cancel button on a schedule confirmation; its value is
// the post id.
const actionCancel = "cancel_post"

// actionApprove and actionReject are the action_ids of the Approve and Reject buttons on an
// approval card (card.go) and on the list of posts waiting for approval; their value is the
// post id and the approval round the card showed, "<id>:<round>" (bot.DecisionRef), or the
// bare post id (buttons sent before rounds were on them, and the list without cards). A press
// types "<verb> <value>", so an old button still decides, by whoever may, whatever round waits.
const (
	actionApprove = "approve_post"
	actionReject  = "reject_post"
)

// actionVerbs maps a button's action_id to the verb its press types.
var actionVerbs = map[string]string{actionCancel: bot.VerbCancel, actionApprove: bot.VerbApprove, actionReject: bot.VerbReject}

// Interactions answers POST /slack/interactions: presses of the buttons on Spindle's messages.
// A press is signed and replay-checked exactly like a slash command, then acted on as the
// person who pressed it typing the verb, so the dispatcher's rules (whose post, which state)
// hold unchanged. Slack wants its 200 within 3 seconds: the press is answered at once, and the
// message is then replaced through its response_url with the outcome. A second press of the
// same button is a second request; the verb is what makes it act once ("already cancelled").
// A draft's buttons and its scheduling window's submission are the drafts' (drafts.go).
func (d *Door) Interactions() http.Handler { return http.HandlerFunc(d.interact) }

func (d *Door) interact(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	sig, status := d.authenticate(w, r, "slack interaction")
	if status == statusSSLCheck {
		status = http.StatusUnauthorized // Slack sends no unsigned pings here
	}
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	payload := r.PostForm.Get("payload")
	var cb slack.InteractionCallback
	err := json.Unmarshal([]byte(payload), &cb)
	if err == nil && cb.Type == slack.InteractionTypeViewSubmission {
		d.viewSubmission(w, r, payload, sig)
		return
	}
	if err != nil || cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) == 0 ||
		cb.Team.ID == "" || cb.User.ID == "" {
		http.Error(w, "not a block_actions or view_submission payload", http.StatusBadRequest)
		return
	}
	act := cb.ActionCallback.BlockActions[0]
	if isDraftAction(act.ActionID) {
		w.WriteHeader(http.StatusOK)
		if !isDraftID(act.Value) {
			d.log.InfoContext(r.Context(), "slack draft button with a malformed draft id ignored")
			return
		}
		d.pressDraft(press{team: cb.Team.ID, channel: cb.Channel.ID, user: cb.User.ID,
			action: act.ActionID, draftID: act.Value, responseURL: cb.ResponseURL, triggerID: cb.TriggerID,
			requestID: requestID(sig)})
		return
	}
	verb, known := actionVerbs[act.ActionID]
	if !known || act.Value == "" || strings.ContainsAny(act.Value, " \t\n") {
		d.log.InfoContext(r.Context(), "slack interaction ignored", slog.String("action", act.ActionID))
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusOK)
	ref, _ := json.Marshal(Ref{Team: cb.Team.ID, Channel: cb.Channel.ID, User: cb.User.ID,
		ResponseURL: cb.ResponseURL, IssuedAt: d.now().UnixMilli()})
	in := bot.Incoming{
		Identity:  bot.Identity{Door: ingest.DoorSlack, Team: cb.Team.ID, User: cb.User.ID, Name: cb.User.Name},
		Text:      verb + " " + act.Value,
		Origin:    ingest.Origin{Door: ingest.DoorSlack, Ref: ref},
		Channel:   cb.Channel.ID,
		RequestID: requestID(sig),
		Key:       sig,
	}
	d.background(confirmBudget, func(ctx context.Context) {
		reply := d.dispatch.Handle(ctx, in)
		if verb != bot.VerbCancel && reply.Refused && reply.Decided == "" {
			// Someone who may not decide pressed Approve or Reject: they are told why, and the
			// card stays as it was for those who may.
			d.answerPresser(ctx, cb.ResponseURL, cb.Channel.ID, reply)
			return
		}
		d.replaceOriginal(ctx, cb.ResponseURL, cb.Channel.ID, reply)
	})
}

// answerPresser answers a press privately, leaving the message whose button was pressed as it
// was.
func (d *Door) answerPresser(ctx context.Context, responseURL, channel string, reply bot.Reply) {
	d.replaceVia(ctx, responseURL, channel, "an interaction's refusal",
		slack.WebhookMessage{Text: escapeKeepMentions(reply.Text), ResponseType: slack.ResponseTypeEphemeral})
}

// replaceOriginal replaces the message whose button was pressed with the verb's answer.
func (d *Door) replaceOriginal(ctx context.Context, responseURL, channel string, reply bot.Reply) {
	d.replaceVia(ctx, responseURL, channel, "an interaction's answer",
		slack.WebhookMessage{Text: escapeKeepMentions(reply.Text), ReplaceOriginal: true})
}

// replaceVia posts msg on a Slack response_url, paced per channel like every other post; what
// names it in the log. A URL that is not Slack's is never called.
func (d *Door) replaceVia(ctx context.Context, responseURL, channel, what string, msg slack.WebhookMessage) {
	if !d.slackURL(responseURL) {
		d.log.InfoContext(ctx, "slack: "+what+" has nowhere to go: its response_url is not Slack's")
		return
	}
	err := d.paced(ctx, channel, "response_url", func(ctx context.Context) error {
		status, err := d.postJSON(ctx, responseURL, msg)
		if err == nil && status != http.StatusOK {
			d.log.InfoContext(ctx, "slack refused "+what, slog.Int("status", status))
		}
		return err
	})
	if err != nil {
		d.log.InfoContext(ctx, "slack: "+what+" was not delivered", slog.String("error", errText(err)))
	}
}

// slackURL reports whether raw is a response_url Spindle may post to (Slack's own host, or
// what AllowResponseURL allows).
func (d *Door) slackURL(raw string) bool {
	u, err := url.Parse(raw)
	return raw != "" && err == nil && d.allowURL(u)
}

// withCancelButton adds a Cancel button under a schedule confirmation, for the post it queued.
func withCancelButton(msg *slack.WebhookMessage, postID string) {
	var blocks []slack.Block
	if msg.Blocks != nil {
		blocks = msg.Blocks.BlockSet
	} else {
		blocks = []slack.Block{section(msg.Text)}
	}
	button := slack.NewButtonBlockElement(actionCancel, postID,
		slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false)).WithStyle(slack.StyleDanger)
	blocks = append(blocks, slack.NewActionBlock("", button))
	msg.Blocks = &slack.Blocks{BlockSet: blocks}
}

// withApprovalButtons adds Approve and Reject buttons under each post the approvals list names.
func withApprovalButtons(msg *slack.WebhookMessage, ids []string) {
	var blocks []slack.Block
	if msg.Blocks != nil {
		blocks = msg.Blocks.BlockSet
	} else {
		blocks = []slack.Block{section(msg.Text)}
	}
	for _, id := range ids {
		blocks = append(blocks, decisionButtons(id, 0)) // no card, no round known
	}
	msg.Blocks = &slack.Blocks{BlockSet: blocks}
}
