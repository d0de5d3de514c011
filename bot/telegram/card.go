package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
)

// An approval card's buttons carry "v:<post id>:a:<round>" (Approve) or "v:<post id>:r:<round>"
// (Reject) as their callback data, the round being the approval round the card shows: at
// most 27 bytes for Spindle's ids, well within Telegram's 1–64. A press decides only that
// round's text. Buttons sent before rounds were on them carry "v:<post id>:a" or ":r"; they
// still work, deciding whatever round waits (never by the post's author, which storage
// checks with the decision).
const (
	cardPrefix  = "v:"
	cardApprove = "a"
	cardReject  = "r"
)

// maxCallbackData is Telegram's limit on a button's callback_data, in bytes.
const maxCallbackData = 64

// cardData is a button's callback data; round 0 (unknown) writes none.
func cardData(postID, act string, round int) string {
	if round <= 0 {
		return cardPrefix + postID + ":" + act
	}
	return cardPrefix + postID + ":" + act + ":" + strconv.Itoa(round)
}

// parseCardData reads an approval card's callback data into the post id, the verb a press
// types (bot.VerbApprove or bot.VerbReject) and the round the card showed (0 for a button
// without one). Anything else (a draft's data, a forged or truncated string) is not a card
// press: ok is false.
func parseCardData(data string) (postID, verb string, round int, ok bool) {
	if len(data) > maxCallbackData {
		return "", "", 0, false
	}
	rest, found := strings.CutPrefix(data, cardPrefix)
	if !found {
		return "", "", 0, false
	}
	parts := strings.Split(rest, ":")
	if len(parts) < 2 || len(parts) > 3 || !bot.IsPostID(parts[0]) {
		return "", "", 0, false
	}
	if len(parts) == 3 {
		// The canonical decimal only, so each press has one spelling (cardData writes it back).
		n, err := strconv.ParseInt(parts[2], 10, 32)
		if err != nil || n < 1 || strconv.FormatInt(n, 10) != parts[2] {
			return "", "", 0, false
		}
		round = int(n)
	}
	switch parts[1] {
	case cardApprove:
		return parts[0], bot.VerbApprove, round, true
	case cardReject:
		return parts[0], bot.VerbReject, round, true
	}
	return "", "", 0, false
}

func cardButtons(c bot.ApprovalCard) models.ReplyMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
		{Text: "👍 Approve", CallbackData: cardData(c.PostID, cardApprove, c.Round)},
		{Text: "👎 Reject", CallbackData: cardData(c.PostID, cardReject, c.Round)},
	}}}
}

// SendApprovalCard sends card to a Telegram user in their private chat with the bot (whose id
// is the user's), with Approve and Reject buttons; times are in the zone they chose. A person
// who blocked the bot, or never started it, cannot be reached: that is logged, not retried.
func (d *Door) SendApprovalCard(ctx context.Context, to bot.Identity, card bot.ApprovalCard) error {
	id, err := strconv.ParseInt(to.User, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: %q is not a user id", to.User)
	}
	_, err = d.send(ctx, id, 0, card.Render(d.zoneOf(ctx, id)), cardButtons(card))
	if errors.Is(err, tg.ErrorForbidden) || errors.Is(err, tg.ErrorBadRequest) {
		d.log.WarnContext(ctx, "telegram: approval card not deliverable", slog.String("post_id", card.PostID),
			slog.Int64("user_id", id), slog.String("error", d.redact(err.Error())))
		return nil
	}
	if err != nil {
		return fmt.Errorf("telegram: approval card to %d: %s", id, d.redact(err.Error()))
	}
	return nil
}

// sendCards sends each card of an approvals list to chatID, under the list, with its buttons.
func (d *Door) sendCards(ctx context.Context, chatID, userID int64, cards []bot.ApprovalCard) {
	zone := d.zoneOf(ctx, userID)
	for _, c := range cards {
		if _, err := d.send(ctx, chatID, 0, c.Render(zone), cardButtons(c)); err != nil {
			d.log.Warn("telegram: could not send an approval card", slog.String("post_id", c.PostID), slog.String("error", d.redact(err.Error())))
			return
		}
	}
}

// onCardPress acts on a press of Approve or Reject as the person who pressed typing the verb,
// so the dispatcher's rules decide (only who may decide the post's account is obeyed; a
// stranger learns nothing). A decision replaces the card's buttons with the outcome; a post
// decided before loses its buttons; a refused press changes nothing. It returns the text of the
// callback answer.
func (d *Door) onCardPress(ctx context.Context, cq *models.CallbackQuery) string {
	id, verb, round, ok := parseCardData(cq.Data)
	if !ok {
		return "That button is no longer valid."
	}
	var chatID, msgID = cq.From.ID, 0
	var text string
	if m := cq.Message.Message; m != nil {
		chatID, msgID, text = m.Chat.ID, m.ID, m.Text
	}
	r := d.o.Dispatcher.Handle(ctx, bot.Incoming{
		Identity:  identity(&cq.From),
		Zone:      d.zoneOf(ctx, cq.From.ID),
		Text:      verb + " " + bot.DecisionRef(id, round), // the round the card showed, if it carries one
		Origin:    origin(chatID, msgID, cq.From.ID),
		Channel:   strconv.FormatInt(chatID, 10),
		RequestID: "tg-cq-" + cq.ID,
	})
	switch {
	case r.Decided != "" && !r.Refused:
		d.edit(ctx, chatID, msgID, strings.TrimSpace(text+"\n\n"+r.Text), nil)
	case r.Decided != "":
		d.dropButtons(ctx, chatID, msgID)
	}
	d.log.DebugContext(ctx, "telegram: approval card pressed", slog.String("post_id", id), slog.String("verb", verb),
		slog.Int64("user_id", cq.From.ID), slog.Bool("refused", r.Refused))
	return clipAnswer(r.Text)
}

// dropButtons removes the buttons under one of the bot's messages, leaving its text.
func (d *Door) dropButtons(ctx context.Context, chatID int64, messageID int) {
	if messageID == 0 {
		return
	}
	err := d.call(ctx, chatID, func(ctx context.Context) error {
		_, err := d.b.EditMessageReplyMarkup(ctx, &tg.EditMessageReplyMarkupParams{ChatID: chatID, MessageID: messageID,
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}})
		return err
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		d.log.Warn("telegram: could not remove a card's buttons", slog.Int64("chat_id", chatID), slog.String("error", d.redact(err.Error())))
	}
}

// maxAnswer is Telegram's limit on a callback answer's text, in characters.
const maxAnswer = 200

func clipAnswer(s string) string {
	if utf8.RuneCountInString(s) <= maxAnswer {
		return s
	}
	return string([]rune(s)[:maxAnswer-1]) + "…"
}
