package telegram

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// MediaPath is where hosted media is served: <public URL>/media/<id>.
const MediaPath = "/media/"

// maxAlbum is the most items Threads takes in a carousel.
const maxAlbum = 20

// onMedia takes a photo or video message: an album item waits for the rest of its album.
func (d *Door) onMedia(ctx context.Context, m *models.Message) {
	if m.MediaGroupID != "" {
		d.albums.add(m)
		return
	}
	d.mediaPost(ctx, []*models.Message{m})
}

// albumReady runs when an album's items are all in.
func (d *Door) albumReady(msgs []*models.Message) {
	ctx, cancel := context.WithTimeout(d.baseCtx, 5*time.Minute)
	defer cancel()
	defer d.recovered(&models.Update{})
	d.mediaPost(ctx, msgs)
}

// mediaPost downloads the media of msgs (one message, or an album's), hosts it, and makes a
// draft of it; a caption that is an addressed "/post …" command is queued at once instead.
func (d *Door) mediaPost(ctx context.Context, msgs []*models.Message) {
	first := msgs[0]
	caption := ""
	for _, m := range msgs {
		if m.Caption != "" {
			caption = m.Caption
			break
		}
	}
	if len(msgs) > maxAlbum {
		d.reply(ctx, first, fmt.Sprintf("That album has %d items; a Threads carousel takes at most %d. Send fewer and I will make a draft of them.", len(msgs), maxAlbum), nil)
		return
	}
	account, text, direct := "", caption, false
	if cmd, ok, _, forUs := command(caption, d.me.Username); ok && forUs {
		c, err := bot.Parse(cmd, d.now(), d.zone)
		var ue *bot.UsageError
		switch {
		case errors.As(err, &ue):
			d.reply(ctx, first, ue.Message("/"), nil)
			return
		case err != nil || c.Verb != bot.VerbPost:
			d.reply(ctx, first, "With photos or videos I understand “/post [--account @name] <text>” as the caption, or plain text for a draft.", nil)
			return
		}
		account, text, direct = c.Account, c.Text, true
	}
	var media []storage.Media
	var hosted []storage.HostedMedia
	for _, m := range msgs {
		fileID, kind := mediaFile(m)
		h, err := d.host(ctx, fileID, kind)
		if err != nil {
			d.log.Warn("telegram: could not fetch media from Telegram", slog.String("request_id", requestID(first.Chat.ID, first.ID)), slog.String("err", d.redact(err.Error())))
			d.reply(ctx, first, "I could not fetch that "+string(kind)+" from Telegram ("+err.Error()+"); nothing was posted. Please send it again.", nil)
			d.removeFiles(hosted)
			return
		}
		hosted = append(hosted, h)
		media = append(media, storage.Media{Kind: string(kind), URL: d.o.PublicURL + MediaPath + h.ID})
	}
	state := storage.DraftOpen
	dr, err := d.o.Store.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: first.Chat.ID, UserID: first.From.ID,
		MessageID: int64(first.ID), Text: text, Media: media, State: state})
	if err == nil {
		for _, h := range hosted {
			h.DraftID = dr.ID
			if err = d.o.Store.SaveHostedMedia(ctx, h); err != nil {
				break
			}
		}
	}
	if err != nil {
		d.log.Error("telegram: could not store a media draft", slog.String("request_id", requestID(first.Chat.ID, first.ID)), slog.Any("err", err))
		d.reply(ctx, first, "Sorry, I could not save that because of a problem on Spindle's side; nothing was posted. Please send it again in a minute.", nil)
		return
	}
	if !direct {
		d.reply(ctx, first, preview(text, media), draftButtons(dr.ID))
		return
	}
	if moved, err := d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftOpen, storage.DraftPublished); err != nil || !moved {
		d.reply(ctx, first, "Sorry, that did not work; please send it again.", nil)
		return
	}
	answer, err := d.queue(ctx, dr, account, time.Time{})
	if err != nil {
		_ = d.o.Store.ReleaseDraftMedia(ctx, dr.ID, d.now())
		_, _ = d.o.Store.MoveTelegramDraft(ctx, dr.ID, storage.DraftPublished, storage.DraftDiscarded)
	}
	d.reply(ctx, first, answer, nil)
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

// newMediaID returns 128 random bits, base64url: the only thing guarding a hosted file is
// that nobody can guess its URL.
func newMediaID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var mediaIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// host downloads a Telegram file into the media directory. The download URL embeds the bot
// token, so it is never logged, stored or put in an error.
func (d *Door) host(ctx context.Context, fileID string, kind ingest.MediaKind) (storage.HostedMedia, error) {
	f, err := d.b.GetFile(ctx, &tg.GetFileParams{FileID: fileID})
	if err != nil {
		return storage.HostedMedia{}, fmt.Errorf("getFile: %s", d.redact(err.Error()))
	}
	if f.FileSize > d.o.MaxFileSize {
		return storage.HostedMedia{}, fmt.Errorf("the file is %d MB, more than the %d MB a bot may download", f.FileSize>>20, d.o.MaxFileSize>>20)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.b.FileDownloadLink(f), nil)
	if err != nil {
		return storage.HostedMedia{}, errors.New("the file's address is malformed")
	}
	resp, err := d.dl.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text holds the URL, and so the token
			err = ue.Err
		}
		return storage.HostedMedia{}, fmt.Errorf("download failed: %s", d.redact(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return storage.HostedMedia{}, fmt.Errorf("download answered HTTP %d", resp.StatusCode)
	}
	if err := os.MkdirAll(d.o.MediaDir, 0o700); err != nil {
		return storage.HostedMedia{}, fmt.Errorf("create the media directory: %w", err)
	}
	h := storage.HostedMedia{ID: newMediaID()}
	h.FileName = h.ID
	tmp, err := os.CreateTemp(d.o.MediaDir, ".part-*")
	if err != nil {
		return storage.HostedMedia{}, fmt.Errorf("store the file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename this fails harmlessly
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, d.o.MaxFileSize+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return storage.HostedMedia{}, fmt.Errorf("download interrupted: %s", d.redact(err.Error()))
	}
	if n > d.o.MaxFileSize {
		return storage.HostedMedia{}, fmt.Errorf("the file is larger than the %d MB a bot may download", d.o.MaxFileSize>>20)
	}
	h.Size = n
	h.ContentType = sniff(tmp.Name(), f.FilePath, kind)
	if err := os.Rename(tmp.Name(), filepath.Join(d.o.MediaDir, h.FileName)); err != nil {
		return storage.HostedMedia{}, fmt.Errorf("store the file: %w", err)
	}
	return h, nil
}

// sniff decides the Content-Type Meta will see: from the bytes, else from Telegram's file
// path, else from the kind.
func sniff(file, telegramPath string, kind ingest.MediaKind) string {
	head := make([]byte, 512)
	if f, err := os.Open(file); err == nil {
		n, _ := io.ReadFull(f, head)
		head = head[:n]
		f.Close()
	}
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	if ct != "application/octet-stream" && ct != "text/plain" {
		return ct
	}
	if byExt := mime.TypeByExtension(strings.ToLower(path.Ext(telegramPath))); byExt != "" {
		return byExt
	}
	if kind == ingest.MediaVideo {
		return "video/mp4"
	}
	return "image/jpeg"
}

func (d *Door) removeFiles(hs []storage.HostedMedia) {
	for _, h := range hs {
		_ = os.Remove(filepath.Join(d.o.MediaDir, h.FileName))
	}
}

// MediaHandler serves hosted media at GET /media/{id} for Meta's crawler. Unknown ids, and
// files past their deletion time, are 404.
func (d *Door) MediaHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		id := path.Base(r.URL.Path)
		if !mediaIDRE.MatchString(id) {
			http.NotFound(w, r)
			return
		}
		h, err := d.o.Store.HostedMediaByID(r.Context(), id)
		if err != nil || (!h.DeleteAfter.IsZero() && !d.now().Before(h.DeleteAfter)) {
			http.NotFound(w, r)
			return
		}
		f, err := os.Open(filepath.Join(d.o.MediaDir, h.FileName))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", h.ContentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, no-store")
		http.ServeContent(w, r, "", h.CreatedAt, f)
	})
}

// Sweep deletes hosted media whose time has come, file first, then its row.
func (d *Door) Sweep(ctx context.Context) (int, error) {
	due, err := d.o.Store.DueHostedMedia(ctx, d.now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range due {
		if err := os.Remove(filepath.Join(d.o.MediaDir, h.FileName)); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.log.Warn("telegram: could not delete hosted media", slog.String("media", h.ID), slog.Any("err", err))
			continue
		}
		if err := d.o.Store.DeleteHostedMedia(ctx, h.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// sweepInterval is how often expired media is deleted.
const sweepInterval = time.Minute

func (d *Door) sweepLoop(ctx context.Context) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.baseCtx.Done():
			return
		case <-t.C:
			if _, err := d.Sweep(ctx); err != nil && ctx.Err() == nil {
				d.log.Warn("telegram: media sweep failed", slog.Any("err", err))
			}
		}
	}
}
