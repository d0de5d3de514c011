package telegram

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// MediaPath is where hosted media is served: <public URL>/media/<id>.
const MediaPath = "/media/"

// relayCSP keeps a hosted file from acting as a page of Spindle's origin even if a browser
// were talked into rendering it: sandbox gives it an opaque origin (no cookies, no scripts, no
// reaching the status page), and nothing may load or frame it.
const relayCSP = "sandbox; default-src 'none'; frame-ancestors 'none'"

// MediaHandler serves hosted media at GET /media/{id} for Meta's crawler. Unknown ids, files
// past their deletion time, and rows whose stored type is not a JPEG, PNG, MP4 or MOV (written
// before types were checked) are 404. The stored, validated type is sent with nosniff, a
// sandboxing Content-Security-Policy and a Content-Disposition naming the file by that type.
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
		if !servable(h.ContentType) {
			d.log.Warn("telegram: hosted media of a type the relay does not serve refused", slog.String("media", h.ID), slog.String("content_type", h.ContentType))
			http.NotFound(w, r)
			return
		}
		f, err := d.media.Open(r.Context(), h)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, storage.ErrNotFound) {
				d.log.Warn("telegram: could not read hosted media", slog.String("media", h.ID), slog.Any("error", err))
			}
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		hd := w.Header()
		hd.Set("Content-Type", h.ContentType)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Content-Security-Policy", relayCSP)
		hd.Set("Content-Disposition", `inline; filename="`+h.ID+extensions[h.ContentType]+`"`)
		hd.Set("Cache-Control", "private, no-store")
		http.ServeContent(w, r, "", h.CreatedAt, f)
	})
}

// sweepBatch is how many rows one housekeeping step touches, so a sweep never holds the
// single writer for long; what is left waits for the next sweep.
const sweepBatch = 100

// Sweep is the media housekeeping: it closes drafts left open past DraftTTL and releases
// their media at once, releases the media of posts that ended without a result notice
// reaching the door (a cancel), then deletes up to a batch of files whose time has come, file
// first, then its row. It also takes the albums whose collecting replica stopped (albums.sweep).
// It returns how many files it deleted.
func (d *Door) Sweep(ctx context.Context) (int, error) {
	now := d.now()
	if n, err := d.o.Store.ExpireTelegramDrafts(ctx, now.Add(-d.o.DraftTTL), now, sweepBatch); err != nil {
		return 0, err
	} else if n > 0 {
		d.log.Info("telegram: closed drafts nobody published in time", slog.Int("drafts", n), slog.Duration("ttl", d.o.DraftTTL))
	}
	if _, err := d.o.Store.ReleaseEndedPostMedia(ctx, now.Add(d.o.MediaGrace), sweepBatch); err != nil {
		return 0, err
	}
	due, err := d.o.Store.DueHostedMedia(ctx, now, sweepBatch)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range due {
		if err := d.media.Remove(ctx, h); err != nil {
			d.log.Warn("telegram: could not delete hosted media", slog.String("media", h.ID), slog.Any("error", err))
			continue
		}
		if err := d.o.Store.DeleteHostedMedia(ctx, h.ID); err != nil {
			return n, err
		}
		n++
	}
	if err := d.albums.sweep(ctx); err != nil {
		return n, err
	}
	orphans, err := d.sweepOrphans(ctx, now)
	return n + orphans, err
}

// orphanAge is how old kept bytes must be before they count as orphaned: a download is kept
// and its row saved within seconds, so hour-old bytes without a row (or an hour-old ".part-"
// file) were left by a crash and would otherwise stay for good.
const orphanAge = time.Hour

// sweepOrphans deletes up to a batch of kept files no row accounts for, and, when the bytes
// are kept elsewhere than the media directory (the database), the downloads a crash left
// half-written there.
func (d *Door) sweepOrphans(ctx context.Context, now time.Time) (int, error) {
	before := now.Add(-orphanAge)
	n, err := d.media.SweepOrphans(ctx, before, sweepBatch)
	if err != nil {
		return n, err
	}
	if _, inDir := d.media.(DirMedia); !inDir {
		parts, err := DirMedia{Dir: d.o.MediaDir}.SweepOrphans(ctx, before, sweepBatch)
		n += parts
		if err != nil {
			return n, err
		}
	}
	if n > 0 {
		d.log.Info("telegram: deleted hosted media no row accounts for", slog.Int("files", n))
	}
	return n, nil
}

// sweepInterval is how often housekeeping runs.
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
				d.log.Warn("telegram: media sweep failed", slog.Any("error", err))
			}
		}
	}
}
