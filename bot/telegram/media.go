package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// maxAlbum is the most items Threads takes in a carousel.
const maxAlbum = 20

// onMedia takes a photo or video message: an album item waits for the rest of its album.
func (d *Door) onMedia(ctx context.Context, m *models.Message) {
	if m.MediaGroupID != "" {
		if err := d.albums.add(ctx, m); err != nil {
			d.log.Error("telegram: could not file an album item", slog.String("request_id", requestID(m.Chat.ID, m.ID)), slog.Any("error", err))
			d.reply(ctx, m, "Sorry, Spindle could not take in this album (its database did not answer); nothing was posted. Please send the album again.", nil)
		}
		return
	}
	d.mediaPost(ctx, []*models.Message{m})
}

// albumReady runs when an album's items are all in: the album joins its chat's queue, so it
// keeps its place among the person's messages and is one unit of media work.
func (d *Door) albumReady(msgs []*models.Message) {
	first := msgs[0]
	ok := d.chats.submit(first.Chat.ID, func() {
		ctx, cancel := context.WithTimeout(d.baseCtx, mediaTimeout)
		defer cancel()
		d.mediaPost(ctx, msgs)
	})
	if !ok {
		d.log.Warn("telegram: an album was dropped at shutdown", slog.String("request_id", requestID(first.Chat.ID, first.ID)))
	}
}

// mediaPost is one unit of media work: a panic inside fails this message or album alone (the
// person is told, its files are removed) and the door goes on.
func (d *Door) mediaPost(ctx context.Context, msgs []*models.Message) {
	var hosted []storage.HostedMedia
	d.unit(ctx, msgs[0], mediaWord(msgs), func() { d.removeFiles(hosted) }, func() {
		d.takeMedia(ctx, msgs, &hosted)
	})
}

func mediaWord(msgs []*models.Message) string {
	switch {
	case len(msgs) > 1:
		return "album"
	case msgs[0].Video != nil:
		return "video"
	}
	return "photo"
}

// caption reads the caption of msgs: a "/post …" addressed to this bot queues the media at
// once (direct) to the account it names, and a "/queue …" puts it in the account's next free
// posting slot (bySlot); anything else is the text of a draft. problem, when set, is the
// answer to give instead.
func (d *Door) caption(msgs []*models.Message) (account, text string, direct, bySlot bool, problem string) {
	caption := ""
	for _, m := range msgs {
		if m.Caption != "" {
			caption = m.Caption
			break
		}
	}
	cmd, ok, _, forUs := command(caption, d.me.Username)
	if !ok || !forUs {
		return "", caption, false, false, ""
	}
	c, err := bot.Parse(cmd, d.now(), d.zone)
	var ue *bot.UsageError
	switch {
	case errors.As(err, &ue):
		return "", "", false, false, ue.Message("/")
	case err != nil || (c.Verb != bot.VerbPost && c.Verb != bot.VerbQueue):
		return "", "", false, false, "With photos or videos I understand “/post [--account @name] <text>” or “/queue [--account @name] <text>” (the next free posting slot) as the caption, or plain text for a draft."
	}
	return c.Account, c.Text, true, c.Verb == bot.VerbQueue, ""
}

// takeMedia makes a draft of msgs' media, or queues it at once for a "/post" caption. Before
// any file is downloaded it checks that the message is new (Telegram may deliver it again),
// that the sender has an account to post to, and that they stay within the per-person cap.
func (d *Door) takeMedia(ctx context.Context, msgs []*models.Message, hosted *[]storage.HostedMedia) {
	first := msgs[0]
	if len(msgs) > maxAlbum {
		d.reply(ctx, first, fmt.Sprintf("That album has %d items; a Threads carousel takes at most %d. Send fewer and I will make a draft of them.", len(msgs), maxAlbum), nil)
		return
	}
	if d.answeredBefore(ctx, first) {
		return
	}
	account, text, direct, bySlot, problem := d.caption(msgs)
	if problem != "" {
		d.reply(ctx, first, problem, nil)
		return
	}
	if _, problem := d.account(ctx, identity(first.From), account, "send it again"); problem != "" {
		d.reply(ctx, first, problem, nil) // nothing downloaded: no account, no storage
		return
	}
	media, err := d.fetchAll(ctx, msgs, hosted)
	if err != nil {
		d.removeFiles(*hosted)
		var r *refusal
		if errors.As(err, &r) {
			d.log.Info("telegram: media refused", slog.String("request_id", requestID(first.Chat.ID, first.ID)), slog.String("why", r.msg))
			d.reply(ctx, first, r.msg, nil)
			return
		}
		d.log.Warn("telegram: could not fetch media from Telegram", slog.String("request_id", requestID(first.Chat.ID, first.ID)), slog.String("error", d.redact(err.Error())))
		d.reply(ctx, first, "I could not fetch that "+mediaWord(msgs)+" from Telegram ("+d.redact(err.Error())+"); nothing was posted. Please send it again.", nil)
		return
	}
	shape := storage.Shape{SpoilerMedia: messageShape("", nil, msgs...).SpoilerMedia}
	if !direct {
		shape = messageShape(text, captionEntities(msgs), msgs...)
	}
	dr, err := d.saveMediaDraft(ctx, first, text, media, shape, *hosted)
	if err != nil {
		d.log.Error("telegram: could not store a media draft", slog.String("request_id", requestID(first.Chat.ID, first.ID)), slog.Any("error", err))
		d.reply(ctx, first, "Sorry, I could not save that because of a problem on Spindle's side; nothing was posted. Please send it again in a minute.", nil)
		return
	}
	if !direct {
		d.reply(ctx, first, d.preview(ctx, first.From.ID, text, media, shape), draftButtons(dr.ID))
		return
	}
	if moved, err := d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftOpen, storage.DraftPublished); err != nil || !moved {
		d.reply(ctx, first, "Sorry, that did not work; please send it again.", nil)
		return
	}
	// Keyed by the person's message, like a text /post: a redelivery is the same post.
	answer, err := d.queue(ctx, dr, account, time.Time{}, bySlot, messageKey(first))
	if err != nil {
		_ = d.o.Store.ReleaseDraftMedia(ctx, dr.ID, d.now())
		_, _ = d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftPublished, storage.DraftDiscarded)
	}
	d.reply(ctx, first, answer, nil)
}

// messageKey is the idempotency key of a post made from a person's message; bot.Dispatcher
// makes the same from Incoming.Key for a text /post.
func messageKey(m *models.Message) string {
	return fmt.Sprintf("%s:%d:%d", bot.VerbPost, m.Chat.ID, m.ID)
}

// answeredBefore reports whether m already made a draft (Telegram delivered it again, after a
// restart or a lost answer) and, if so, answers as the first time did without downloading
// anything again.
func (d *Door) answeredBefore(ctx context.Context, m *models.Message) bool {
	dr, err := d.o.Store.TelegramDraftByMessage(ctx, m.Chat.ID, int64(m.ID))
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			d.log.Warn("telegram: could not look for an earlier draft", slog.String("request_id", requestID(m.Chat.ID, m.ID)), slog.Any("error", err))
		}
		return false
	}
	d.log.Info("telegram: message delivered again; answered from its draft", slog.String("request_id", requestID(m.Chat.ID, m.ID)), slog.String("draft", dr.ID))
	switch {
	case dr.State == storage.DraftOpen:
		d.reply(ctx, m, d.preview(ctx, dr.UserID, dr.Text, dr.Media, dr.Shape), draftButtons(dr.ID))
	case dr.PostID != "":
		d.reply(ctx, m, fmt.Sprintf("I already took this message: it is post %s. See /status %s.", dr.PostID, dr.PostID), nil)
	default:
		d.reply(ctx, m, "I already handled this message ("+string(dr.State)+").", nil)
	}
	return true
}

// fetchAll downloads the media of msgs within the sender's cap, appending each hosted file to
// hosted as it lands (so a failure or panic can remove them).
func (d *Door) fetchAll(ctx context.Context, msgs []*models.Message, hosted *[]storage.HostedMedia) ([]storage.Media, error) {
	first := msgs[0]
	used, err := d.o.Store.TelegramMediaUsage(ctx, first.From.ID)
	if err != nil {
		return nil, fmt.Errorf("read your media usage: %w", err)
	}
	if used.Files+len(msgs) > d.o.MaxUserFiles {
		return nil, d.overCap(used)
	}
	var media []storage.Media
	for _, m := range msgs {
		fileID, kind := mediaFile(m)
		h, err := d.host(ctx, fileID, kind, used, d.o.MaxUserBytes-used.Bytes)
		if err != nil {
			return nil, err
		}
		used.Files, used.Bytes = used.Files+1, used.Bytes+h.Size
		*hosted = append(*hosted, h)
		media = append(media, storage.Media{Kind: string(kind), URL: d.o.PublicURL + MediaPath + h.ID})
	}
	return media, nil
}

// refusal is media Spindle will not take (its type, its size, the sender's cap); msg says why
// and what to do, for the person.
type refusal struct{ msg string }

func (r *refusal) Error() string { return r.msg }

func (d *Door) overCap(used storage.MediaUsage) error {
	return &refusal{fmt.Sprintf("You already keep %d files (%s) here in drafts and posts not yet published; one person may keep at most %d files and %s. "+
		"Publish or discard some drafts (open drafts are deleted after %s), then send it again.",
		used.Files, size(used.Bytes), d.o.MaxUserFiles, size(d.o.MaxUserBytes), durationWords(d.o.DraftTTL))}
}

// size says n bytes in the unit a person reads best.
func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

func durationWords(t time.Duration) string {
	if t%time.Hour == 0 {
		return fmt.Sprintf("%d hours", t/time.Hour)
	}
	return t.String()
}

// saveMediaDraft stores the draft of a media message and the rows of its hosted files.
func (d *Door) saveMediaDraft(ctx context.Context, first *models.Message, text string, media []storage.Media, shape storage.Shape, hosted []storage.HostedMedia) (storage.TelegramDraft, error) {
	dr, err := d.o.Store.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: first.Chat.ID, UserID: first.From.ID,
		MessageID: int64(first.ID), Text: text, Media: media, State: storage.DraftOpen, Shape: shape})
	if err != nil {
		return dr, err
	}
	for _, h := range hosted {
		h.DraftID = dr.ID
		if err := d.o.Store.SaveHostedMedia(ctx, h); err != nil {
			return dr, err
		}
	}
	return dr, nil
}

// mediaFile is the file of a photo (its largest size) or video message.
func mediaFile(m *models.Message) (string, ingest.MediaKind) {
	if m.Video != nil {
		return m.Video.FileID, ingest.MediaVideo
	}
	best := m.Photo[0]
	for _, p := range m.Photo[1:] {
		if p.Width*p.Height > best.Width*best.Height {
			best = p
		}
	}
	return best.FileID, ingest.MediaImage
}

// kindName is how a refusal names what Threads takes for kind.
func kindName(kind ingest.MediaKind) string {
	if kind == ingest.MediaVideo {
		return "an MP4 or MOV video"
	}
	return "a JPEG or PNG photo"
}

// captionEntities are the entities of the caption caption() read (the first item's that has
// one), so their offsets fit that text.
func captionEntities(msgs []*models.Message) []models.MessageEntity {
	for _, m := range msgs {
		if m.Caption != "" {
			return m.CaptionEntities
		}
	}
	return nil
}
