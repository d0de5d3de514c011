package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
)

// maxBlocks is Slack's limit on the blocks of one message.
const maxBlocks = 50

// SendApprovalCard sends card to a Slack user as a direct message from the bot: the post's
// exact preview in Block Kit with Approve and Reject buttons (action_ids approve_post and
// reject_post, handled by Interactions), times in the user's zone. The plain text is the
// notification and the fallback for clients that show no blocks.
func (d *Door) SendApprovalCard(ctx context.Context, to bot.Identity, card bot.ApprovalCard) error {
	zone, _ := d.zoneOf(ctx, to.Team, to.User)
	if zone == nil {
		zone = d.fetchZone(ctx, to.Team, to.User) // the outbox can wait for users.info
	}
	if zone == nil {
		zone = d.zone
	}
	blocks := cardBlocks(card, zone)
	_, _, err := d.postMessage(ctx, to.User, slack.MsgOptionText(escape(card.Title()+"."), false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		return sendErr("approval card to "+to.User, err)
	}
	return nil
}

// cardBlocks renders a card as two blocks: one section with the preview, then the buttons.
func cardBlocks(c bot.ApprovalCard, zone *time.Location) []slack.Block {
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*\n%s\n%s", escape(c.Title()), quote(c.CardText()), escape(c.Plan()))
	for _, m := range c.MediaLines() {
		b.WriteString("\n" + escape(m))
	}
	if len(c.Shape) > 0 {
		b.WriteString("\n✨ With " + escape(strings.Join(c.Shape, ", ")) + ".")
	}
	b.WriteString("\n" + escape(c.Schedule(zone)))
	return []slack.Block{section(b.String()), decisionButtons(c.PostID, c.Round)}
}

// decisionButtons are the Approve and Reject buttons of one post. Their value is the post id
// and the approval round the card shows, "<id>:<round>" (bot.DecisionRef), which a press
// types after the verb, so it decides only that round's text; round 0 (unknown) leaves the
// bare id, as buttons carried before rounds did.
func decisionButtons(id string, round int) slack.Block {
	ref := bot.DecisionRef(id, round)
	approve := slack.NewButtonBlockElement(actionApprove, ref,
		slack.NewTextBlockObject(slack.PlainTextType, "Approve "+id, false, false)).WithStyle(slack.StylePrimary)
	reject := slack.NewButtonBlockElement(actionReject, ref,
		slack.NewTextBlockObject(slack.PlainTextType, "Reject", false, false)).WithStyle(slack.StyleDanger)
	return slack.NewActionBlock("", approve, reject)
}

// withApprovalCards shows the approvals list as one card per post, each with its buttons. A
// list too long for Slack's 50 blocks shows its last posts as a row of buttons each (their
// ids and first words are in the list's text above).
func withApprovalCards(msg *slack.WebhookMessage, r bot.Reply, zone *time.Location) {
	head, _, _ := strings.Cut(r.Text, "\n")
	blocks := []slack.Block{section("*" + escape(head) + "*")}
	for i, c := range r.Cards {
		left := len(r.Cards) - i - 1
		if len(blocks)+3+left <= maxBlocks {
			blocks = append(blocks, slack.NewDividerBlock())
			blocks = append(blocks, cardBlocks(c, zone)...)
			continue
		}
		blocks = append(blocks, decisionButtons(c.PostID, c.Round))
	}
	msg.Blocks = &slack.Blocks{BlockSet: blocks}
}
