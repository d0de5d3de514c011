package telegram

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Button actions, the last part of a button's callback data "d:<draft id>:<action>".
const (
	actPublish  = "p"
	actSchedule = "s"
	actDiscard  = "x"
	actInHour   = "h1"
	actTomorrow = "t9"
	actBack     = "b"
)

func data(draftID, act string) string { return "d:" + draftID + ":" + act }

func draftButtons(id string) models.ReplyMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
		{Text: "Publish", CallbackData: data(id, actPublish)},
		{Text: "Schedule…", CallbackData: data(id, actSchedule)},
		{Text: "Discard", CallbackData: data(id, actDiscard)},
	}}}
}

func scheduleButtons(id string) models.ReplyMarkup {
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{
		{Text: "In 1 hour", CallbackData: data(id, actInHour)},
		{Text: "Tomorrow 09:00", CallbackData: data(id, actTomorrow)},
		{Text: "« Back", CallbackData: data(id, actBack)},
	}}}
}

// preview describes a draft: the character count as Meta counts it, how a long text would be
// split into a thread (or, attach, cut into a post with the rest attached), the media, and
// what Telegram expressed natively (a poll, spoilers).
func preview(text string, media []storage.Media, shape storage.Shape, attach bool) string {
	var b strings.Builder
	n := threads.CountChars(text)
	parts := threads.Split(text, threads.MaxTextChars)
	switch {
	case text == "":
		b.WriteString("📝 Draft without text")
	case len(parts) > 1 && attach:
		fmt.Fprintf(&b, "📝 Draft: %d characters as Threads counts them, over the %d of one post, so it goes out as one post starting “%s” with the rest (%d characters) attached as text, as the account chose (longtext attach)",
			n, threads.MaxTextChars, firstWords(parts[0]), n-threads.CountChars(parts[0]))
		parts = parts[:1]
	case len(parts) > 1:
		fmt.Fprintf(&b, "📝 Draft: %d characters as Threads counts them, over the %d of one post, so it goes out as a thread of %d posts:",
			n, threads.MaxTextChars, len(parts))
		for i, p := range parts {
			fmt.Fprintf(&b, "\n%d. %d characters, starting “%s”", i+1, threads.CountChars(p), firstWords(p))
		}
	default:
		fmt.Fprintf(&b, "📝 Draft: %d of %d characters as Threads counts them, one post", n, threads.MaxTextChars)
	}
	switch photos, videos := countKinds(media); {
	case len(media) > 1:
		fmt.Fprintf(&b, "\nWith %s as one carousel.", kinds(photos, videos))
	case len(media) == 1:
		fmt.Fprintf(&b, "\nWith %s.", kinds(photos, videos))
	default:
		if len(parts) <= 1 {
			b.WriteString(".")
		}
	}
	if sp := shapePreview(text, media, shape); sp != "" {
		b.WriteString(sp)
	} else if len(parts) > 0 {
		if err := threads.Validate(threads.Post{Text: parts[0]}); err != nil {
			fmt.Fprintf(&b, "\n⚠️ Threads would refuse it: %s", err)
		}
	}
	b.WriteString("\n\nPublish it, schedule it, or discard it?")
	return b.String()
}

func countKinds(media []storage.Media) (photos, videos int) {
	for _, m := range media {
		if m.Kind == string(ingest.MediaVideo) {
			videos++
		} else {
			photos++
		}
	}
	return photos, videos
}

func kinds(photos, videos int) string {
	var out []string
	if photos == 1 {
		out = append(out, "a photo")
	} else if photos > 1 {
		out = append(out, fmt.Sprintf("%d photos", photos))
	}
	if videos == 1 {
		out = append(out, "a video")
	} else if videos > 1 {
		out = append(out, fmt.Sprintf("%d videos", videos))
	}
	return strings.Join(out, " and ")
}

func firstWords(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return s
}

// newDraft stores a draft for m and answers with its preview and buttons.
func (d *Door) newDraft(ctx context.Context, m *models.Message, text string, media []storage.Media, shape storage.Shape) {
	dr, err := d.o.Store.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: m.Chat.ID, UserID: m.From.ID,
		MessageID: int64(m.ID), Text: text, Media: media, Shape: shape})
	if err != nil {
		d.log.Error("telegram: could not store a draft", slog.String("request_id", requestID(m.Chat.ID, m.ID)), slog.Any("error", err))
		d.reply(ctx, m, "Sorry, I could not save that as a draft because of a problem on Spindle's side; nothing was posted. Please send it again in a minute.", nil)
		return
	}
	d.reply(ctx, m, d.preview(ctx, m.From.ID, text, media, shape), draftButtons(dr.ID))
}

// onCallback handles a button press. The callback query is always answered, so the person's
// client stops its spinner; a press on a draft that already left "open" changes nothing.
func (d *Door) onCallback(ctx context.Context, cq *models.CallbackQuery) {
	answer := ""
	defer func() { d.answer(ctx, cq.ID, answer) }()
	if !d.mayUse(cq.From.ID) {
		answer = "Sorry, this bot is private."
		return
	}
	if strings.HasPrefix(cq.Data, cardPrefix) {
		answer = d.onCardPress(ctx, cq)
		return
	}
	rest, ok := strings.CutPrefix(cq.Data, "d:")
	id, act, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		answer = "That button is no longer valid."
		return
	}
	dr, err := d.o.Store.TelegramDraft(ctx, id)
	if err != nil || dr.UserID != cq.From.ID {
		answer = "That draft is gone, or not yours."
		return
	}
	var chatID, msgID = dr.ChatID, 0
	if cq.Message.Message != nil {
		chatID, msgID = cq.Message.Message.Chat.ID, cq.Message.Message.ID
	}
	if dr.State != storage.DraftOpen {
		answer = "Already " + string(dr.State) + "."
		return
	}
	switch act {
	case actPublish:
		answer = d.publishDraft(ctx, dr, chatID, msgID, time.Time{})
	case actInHour:
		answer = d.publishDraft(ctx, dr, chatID, msgID, d.now().Add(time.Hour))
	case actTomorrow:
		answer = d.publishDraft(ctx, dr, chatID, msgID, tomorrowAt9(d.now(), d.zoneOf(ctx, dr.UserID)))
	case actSchedule:
		d.setPending(ctx, dr.ChatID, dr.ID)
		d.edit(ctx, chatID, msgID, "🗓️ When should it go out? Pick one, or send me a time such as “in 2h”, “tomorrow 18:30” or “2026-12-01 09:00” ("+d.zoneOf(ctx, dr.UserID).String()+").", scheduleButtons(dr.ID))
	case actBack:
		d.clearPending(ctx, dr.ChatID)
		d.edit(ctx, chatID, msgID, d.preview(ctx, dr.UserID, dr.Text, dr.Media, dr.Shape), draftButtons(dr.ID))
	case actDiscard:
		moved, err := d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftOpen, storage.DraftDiscarded)
		if err != nil || !moved {
			answer = "Nothing changed; the draft was already handled."
			return
		}
		d.clearPending(ctx, dr.ChatID)
		if err := d.o.Store.ReleaseDraftMedia(ctx, dr.ID, d.now()); err != nil {
			d.log.Warn("telegram: could not release a discarded draft's media", slog.String("draft", dr.ID), slog.Any("error", err))
		}
		d.edit(ctx, chatID, msgID, "🗑️ Discarded; nothing was posted.", nil)
		answer = "Discarded."
	default:
		answer = "That button is no longer valid."
	}
}

func tomorrowAt9(now time.Time, zone *time.Location) time.Time {
	t := now.In(zone).AddDate(0, 0, 1)
	return time.Date(t.Year(), t.Month(), t.Day(), 9, 0, 0, 0, zone)
}

// publishDraft moves an open draft on (to published, or scheduled when at is set) exactly
// once and queues it. If queueing fails the draft is reopened, so the person can try again.
// It returns the text for the callback answer.
func (d *Door) publishDraft(ctx context.Context, dr storage.TelegramDraft, chatID int64, msgID int, at time.Time) string {
	to := storage.DraftPublished
	if !at.IsZero() {
		to = storage.DraftScheduled
	}
	moved, err := d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftOpen, to)
	if err != nil {
		d.log.Error("telegram: could not move a draft", slog.String("draft", dr.ID), slog.Any("error", err))
		return "Sorry, that did not work; please press again."
	}
	if !moved {
		return "Already handled."
	}
	d.clearPending(ctx, dr.ChatID)
	text, err := d.queue(ctx, dr, "", at, false, "")
	if err != nil {
		if _, rerr := d.o.Store.MoveTelegramDraft(ctx, dr.ID, to, storage.DraftOpen); rerr != nil {
			d.log.Error("telegram: could not reopen a draft", slog.String("draft", dr.ID), slog.Any("error", rerr))
		}
		d.edit(ctx, chatID, msgID, text+"\n\n"+d.preview(ctx, dr.UserID, dr.Text, dr.Media, dr.Shape), draftButtons(dr.ID))
		return "Not queued."
	}
	d.edit(ctx, chatID, msgID, text, nil)
	if at.IsZero() {
		return "Queued."
	}
	return "Scheduled."
}

// scheduleTyped reads a time typed after "Schedule…" and schedules the draft.
func (d *Door) scheduleTyped(ctx context.Context, m *models.Message, draftID, text string) {
	at, rest, err := bot.ParseWhen(text, d.now(), d.zoneOf(ctx, m.From.ID))
	if err != nil || strings.TrimSpace(rest) != "" {
		d.setPending(ctx, m.Chat.ID, draftID)
		msg := "I could not read that as a time"
		if err != nil {
			msg += ": " + err.Error()
		}
		d.reply(ctx, m, msg+". Try “in 2h”, “tomorrow 09:00” or “2026-12-01 09:00”, or press « Back.", nil)
		return
	}
	dr, err := d.o.Store.TelegramDraft(ctx, draftID)
	if err != nil || dr.State != storage.DraftOpen {
		d.reply(ctx, m, "That draft was already handled.", nil)
		return
	}
	d.reply(ctx, m, d.publishDraftAnswer(ctx, dr, at), nil)
}

// publishDraftAnswer schedules dr from a typed time; the answer is a message of its own.
func (d *Door) publishDraftAnswer(ctx context.Context, dr storage.TelegramDraft, at time.Time) string {
	moved, err := d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftOpen, storage.DraftScheduled)
	if err != nil || !moved {
		return "That draft was already handled."
	}
	text, err := d.queue(ctx, dr, "", at, false, "")
	if err != nil {
		_, _ = d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftScheduled, storage.DraftOpen)
	}
	return text
}

// queue commits a draft as a post for its author, to account (or their default or only one).
// The idempotency key is key, else the draft id, so a retry after a crash queues it once. The
// text is for the person either way.
func (d *Door) queue(ctx context.Context, dr storage.TelegramDraft, account string, at time.Time, bySlot bool, key string) (string, error) {
	who := bot.Identity{Door: ingest.DoorTelegram, User: fmt.Sprint(dr.UserID)}
	acc, problem := d.account(ctx, who, account, "press Publish again")
	if problem != "" {
		return problem, errors.New(problem)
	}
	req := ingest.Request{Origin: origin(dr.ChatID, int(dr.MessageID), dr.UserID), AccountID: acc.ID, Text: dr.Text,
		Thread: true, ScheduledAt: at, BySlot: bySlot, IdempotencyKey: cmp.Or(key, "draft:"+dr.ID), KeyScope: who.Key(), RequestID: "tg-draft-" + dr.ID,
		Grantee: !acc.Owner, Author: who.Key()}
	for _, m := range dr.Media {
		req.Media = append(req.Media, ingest.Media{Kind: ingest.MediaKind(m.Kind), URL: m.URL, AltText: m.AltText})
	}
	applyDraftShape(&req, dr.Shape)
	attach, err := d.attachLong(ctx, acc.ID, dr.Media)
	if err != nil {
		d.log.Error("telegram: could not read the account's long text choice", slog.String("draft", dr.ID), slog.Int64("account_id", acc.ID), slog.Any("error", err))
		return "Sorry, Spindle could not queue it because of a problem on its side; nothing was posted. Please try again in a minute.", err
	}
	// As the dispatcher does: the account's longtext choice, else a chain.
	req.Long, req.Thread = attach, !attach
	accepted, err := d.o.Ingest.Enqueue(ctx, req)
	if err != nil {
		var inv *ingest.InvalidError
		if errors.As(err, &inv) {
			return "❌ Threads would refuse this post: " + reasons(err), err
		}
		if se, ok := errors.AsType[*ingest.ScopeError](err); ok {
			return fmt.Sprintf("❌ Not queued: %s on @%s needs the Threads permission %s, which this account's token lacks. Link the account again with /connect and allow it; then press Publish again.",
				se.Needs, se.Account, se.Scope), err
		}
		if errors.Is(err, storage.ErrNoSlots) || errors.Is(err, storage.ErrNoFreeSlot) {
			return fmt.Sprintf("@%s has no free posting slot, so nothing was queued; its owner sets slots with /slots set mon-fri 09:00,12:30,17:00. Or send it with /post, or as a draft.", acc.Username), err
		}
		d.log.Error("telegram: could not queue a draft", slog.String("draft", dr.ID), slog.Any("error", err))
		return "Sorry, Spindle could not queue it because of a problem on its side; nothing was posted. Please try again in a minute.", err
	}
	p := accepted.Post
	if err := d.o.Store.SetTelegramDraftPost(ctx, dr.ID, p.ID); err != nil {
		d.log.Warn("telegram: could not link a draft to its post", slog.String("draft", dr.ID), slog.Any("error", err))
	}
	if bySlot {
		return fmt.Sprintf("🗓️ Queued %s for @%s in the next free slot: %s. Cancel with /cancel %s.", p.ID, acc.Username, bot.FormatWhen(p.ScheduledAt, d.zoneOf(ctx, dr.UserID)), p.ID), nil
	}
	if at.IsZero() {
		return fmt.Sprintf("📝 Queued %s for @%s; I will reply to your message when it is posted. Cancel with /cancel %s.", p.ID, acc.Username, p.ID), nil
	}
	return fmt.Sprintf("🗓️ Scheduled %s for @%s at %s. Cancel with /cancel %s.", p.ID, acc.Username, bot.FormatWhen(at, d.zoneOf(ctx, dr.UserID)), p.ID), nil
}

// account picks the account a draft goes to; the problem, when there is none, ends with
// "then <again>".
func (d *Door) account(ctx context.Context, who bot.Identity, name, again string) (bot.Account, string) {
	accs, err := d.o.Accounts.AccountsFor(ctx, who)
	if err != nil {
		d.log.Error("telegram: could not list accounts", slog.String("user", who.User), slog.Any("error", err))
		return bot.Account{}, "Sorry, Spindle could not look up your accounts; nothing was posted. Please try again in a minute."
	}
	if len(accs) == 0 {
		return bot.Account{}, "You have no Threads account here yet. Link one with /connect, or ask an account's owner to /grant you; then " + again + "."
	}
	var names []string
	for _, a := range accs {
		names = append(names, "@"+a.Username)
		if name != "" && strings.EqualFold(a.Username, name) {
			return a, ""
		}
	}
	if name != "" {
		return bot.Account{}, fmt.Sprintf("You cannot post to @%s; your accounts: %s.", name, strings.Join(names, ", "))
	}
	if len(accs) == 1 {
		return accs[0], ""
	}
	for _, a := range accs {
		if a.Default {
			return a, ""
		}
	}
	return bot.Account{}, fmt.Sprintf("You can post to several accounts (%s) and have no default; send it as “/post --account @name …” instead.", strings.Join(names, ", "))
}

// reasons joins the reasons of the *ingest.InvalidErrors in err.
func reasons(err error) string {
	var out []string
	for _, inv := range ingest.Problems(err) {
		out = append(out, strings.TrimSuffix(inv.Reason, "."))
	}
	return strings.Join(out, "; ") + "."
}

func (d *Door) answer(ctx context.Context, id, text string) {
	err := d.call(ctx, 0, func(ctx context.Context) error {
		_, err := d.b.AnswerCallbackQuery(ctx, answerParams(id, text))
		return err
	})
	if err != nil {
		d.log.Warn("telegram: could not answer a button press", slog.String("error", d.redact(err.Error())))
	}
}

// setPending records that draftID waits for a typed time in chatID. It is kept in the
// database, since the text with the time may reach another replica than the press did.
func (d *Door) setPending(ctx context.Context, chatID int64, draftID string) {
	if err := d.o.Store.AskTelegramTime(ctx, chatID, draftID, d.now()); err != nil {
		d.log.Warn("telegram: could not record the draft waiting for a typed time", slog.String("draft", draftID), slog.Any("error", err))
	}
}

func (d *Door) clearPending(ctx context.Context, chatID int64) { d.takePending(ctx, chatID) }

// takePending returns and forgets the draft waiting for a typed time in chatID, if it was
// asked about within the draft lifetime (DraftTTL); "" when none, and when the database
// cannot say (the text then becomes a draft of its own, as the person sees).
func (d *Door) takePending(ctx context.Context, chatID int64) string {
	id, err := d.o.Store.TakeTelegramAsk(ctx, chatID, d.now().Add(-d.o.DraftTTL))
	if err != nil {
		d.log.Warn("telegram: could not read the draft waiting for a typed time", slog.Any("error", err))
	}
	return id
}
