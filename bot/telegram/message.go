package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
)

// Ref is the reply address stored with a post (ingest.Origin.Ref): the chat and the person's
// message that results reply to.
type Ref struct {
	ChatID    int64 `json:"chat_id"`
	MessageID int   `json:"message_id"`
	// UserID is who asked, so results tell times in the zone they chose with /timezone even in
	// a group; refs stored before it was added have none (a private chat's id is the user's).
	UserID int64 `json:"user_id,omitempty"`
}

// reader is the Telegram user a result for this ref is meant for: UserID, else the private
// chat's (positive ids are private chats, groups' are negative), else 0 when unknown.
func (r Ref) reader() int64 {
	if r.UserID != 0 {
		return r.UserID
	}
	if r.ChatID > 0 {
		return r.ChatID
	}
	return 0
}

func origin(chatID int64, messageID int, userID int64) ingest.Origin {
	b, _ := json.Marshal(Ref{ChatID: chatID, MessageID: messageID, UserID: userID})
	return ingest.Origin{Door: ingest.DoorTelegram, Ref: b}
}

func identity(u *models.User) bot.Identity {
	return bot.Identity{Door: ingest.DoorTelegram, User: strconv.FormatInt(u.ID, 10), Name: u.Username}
}

func requestID(chatID int64, messageID int) string {
	return fmt.Sprintf("tg-%d-%d", chatID, messageID)
}

// mayUse applies TELEGRAM_ALLOWED_USERS.
func (d *Door) mayUse(userID int64) bool {
	return len(d.allowed) == 0 || d.allowed[userID]
}

// refuseOnce tells a person not on the allowed list, once per process run (the set of people
// told is kept in memory only: after a restart they may be told once more), that the bot is
// not theirs to use; later messages are ignored.
func (d *Door) refuseOnce(ctx context.Context, m *models.Message) {
	d.mu.Lock()
	told := d.refused[m.From.ID]
	d.refused[m.From.ID] = true
	d.mu.Unlock()
	d.log.Info("telegram: message from a user not in TELEGRAM_ALLOWED_USERS", slog.Int64("user_id", m.From.ID), slog.Bool("already_told", told))
	if told {
		return
	}
	d.reply(ctx, m, fmt.Sprintf("Sorry, this Spindle bot is private and only answers the people its operator allowed. "+
		"If you should have access, ask the operator to add your Telegram user id %d to TELEGRAM_ALLOWED_USERS.", m.From.ID), nil)
}

// onMessage routes a message: commands to the dispatcher, media and plain text to drafts.
func (d *Door) onMessage(ctx context.Context, m *models.Message) {
	if m.From == nil || m.From.IsBot {
		return
	}
	private := m.Chat.Type == models.ChatTypePrivate
	text := m.Text
	if text == "" {
		text = m.Caption
	}
	cmd, isCmd, mention, forUs := command(text, d.me.Username)
	// In groups only commands addressed to this bot ("/post@bot …") are ours.
	if !private && !(isCmd && mention && forUs) {
		return
	}
	if isCmd && !forUs {
		return
	}
	if !d.mayUse(m.From.ID) {
		d.refuseOnce(ctx, m)
		return
	}
	if len(m.Photo) > 0 || m.Video != nil {
		d.onMedia(ctx, m)
		return
	}
	if m.Poll != nil && private {
		d.clearPending(ctx, m.Chat.ID)
		d.onPoll(ctx, m)
		return
	}
	if isCmd {
		d.clearPending(ctx, m.Chat.ID)
		d.runCommand(ctx, m, cmd)
		return
	}
	if text == "" {
		d.reply(ctx, m, "I can post text, photos and videos. Send me one, or /help for the commands.", nil)
		return
	}
	if draftID := d.takePending(ctx, m.Chat.ID); draftID != "" {
		d.scheduleTyped(ctx, m, draftID, text)
		return
	}
	if d.answeredBefore(ctx, m) { // delivered again: one draft per message
		return
	}
	d.newDraft(ctx, m, text, nil, messageShape(text, m.Entities))
}

// runCommand hands a command to the dispatcher and sends its reply.
func (d *Door) runCommand(ctx context.Context, m *models.Message, cmd string) {
	in := bot.Incoming{
		Identity:  identity(m.From),
		Zone:      d.zoneOf(ctx, m.From.ID),
		Text:      cmd,
		Origin:    origin(m.Chat.ID, m.ID, m.From.ID),
		Channel:   strconv.FormatInt(m.Chat.ID, 10),
		RequestID: requestID(m.Chat.ID, m.ID),
		// The same message delivered twice (a webhook retry, a poll after a crash) is one post.
		Key: fmt.Sprintf("%d:%d", m.Chat.ID, m.ID),
	}
	r := d.o.Dispatcher.Handle(ctx, in)
	if r.Private && m.Chat.Type != models.ChatTypePrivate {
		if _, err := d.send(ctx, m.From.ID, 0, r.Text, nil); err == nil {
			d.sendCards(ctx, m.From.ID, m.From.ID, r.Cards)
			d.reply(ctx, m, "I answered you in our private chat.", nil)
			return
		}
		d.reply(ctx, m, fmt.Sprintf("I have a private answer for you, but cannot write to you: open a chat with @%s, press Start, and ask again there.", d.me.Username), nil)
		return
	}
	d.reply(ctx, m, r.Text, nil)
	// The approvals list: each waiting post's card follows, with its own buttons.
	d.sendCards(ctx, m.Chat.ID, m.From.ID, r.Cards)
}

// maxMessage is Telegram's limit on a message's text, in characters.
const maxMessage = 4096

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxMessage {
		return s
	}
	return string([]rune(s)[:maxMessage-1]) + "…"
}

// reply answers m in its chat, as a reply to it.
func (d *Door) reply(ctx context.Context, m *models.Message, text string, kb models.ReplyMarkup) *models.Message {
	sent, err := d.send(ctx, m.Chat.ID, m.ID, text, kb)
	if err != nil {
		d.log.Warn("telegram: could not send a reply", slog.Int64("chat_id", m.Chat.ID), slog.String("error", d.redact(err.Error())))
	}
	return sent
}

// send writes text to a chat, as a reply to replyTo when it is not zero.
func (d *Door) send(ctx context.Context, chatID int64, replyTo int, text string, kb models.ReplyMarkup) (*models.Message, error) {
	p := &tg.SendMessageParams{ChatID: chatID, Text: clip(text), ReplyMarkup: kb,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}}
	if replyTo != 0 {
		p.ReplyParameters = &models.ReplyParameters{MessageID: replyTo, AllowSendingWithoutReply: true}
	}
	var sent *models.Message
	err := d.call(ctx, chatID, func(ctx context.Context) (err error) {
		sent, err = d.b.SendMessage(ctx, p)
		return err
	})
	return sent, err
}

// edit replaces the text (and buttons) of one of the bot's messages.
func (d *Door) edit(ctx context.Context, chatID int64, messageID int, text string, kb models.ReplyMarkup) {
	if messageID == 0 {
		return
	}
	err := d.call(ctx, chatID, func(ctx context.Context) error {
		_, err := d.b.EditMessageText(ctx, &tg.EditMessageTextParams{ChatID: chatID, MessageID: messageID,
			Text: clip(text), ReplyMarkup: kb, LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tg.True()}})
		return err
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		d.log.Warn("telegram: could not edit a message", slog.Int64("chat_id", chatID), slog.String("error", d.redact(err.Error())))
	}
}

func answerParams(id, text string) *tg.AnswerCallbackQueryParams {
	return &tg.AnswerCallbackQueryParams{CallbackQueryID: id, Text: text}
}

// zoneOf is the zone a person chose with /timezone, else SPINDLE_TIMEZONE's.
func (d *Door) zoneOf(ctx context.Context, userID int64) *time.Location {
	name, _, err := d.o.Store.UserZone(ctx, "telegram", "", strconv.FormatInt(userID, 10))
	if err != nil || name == "" {
		return d.zone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return d.zone
	}
	return loc
}
