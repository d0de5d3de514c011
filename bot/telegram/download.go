package telegram

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// newMediaID returns 128 random bits, base64url: the only thing guarding a hosted file is
// that nobody can guess its URL.
func newMediaID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var mediaIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// host downloads a Telegram file (into a temporary file of the media directory, then into the
// MediaStore), at most budget bytes (what is left
// of the sender's cap), and keeps it only if its bytes are a type Threads accepts for kind.
// The download URL embeds the bot token, so it is never logged, stored or put in an error.
func (d *Door) host(ctx context.Context, fileID string, kind ingest.MediaKind, used storage.MediaUsage, budget int64) (storage.HostedMedia, error) {
	var f *models.File
	err := d.call(ctx, 0, func(ctx context.Context) (err error) {
		f, err = d.b.GetFile(ctx, &tg.GetFileParams{FileID: fileID})
		return err
	})
	if err != nil {
		return storage.HostedMedia{}, fmt.Errorf("getFile: %s", d.redact(err.Error()))
	}
	if f.FileSize > d.o.MaxFileSize {
		return storage.HostedMedia{}, &refusal{fmt.Sprintf("That file is %d MB, more than the %d MB a bot may download; send a smaller one.", f.FileSize>>20, d.o.MaxFileSize>>20)}
	}
	if f.FileSize > budget {
		return storage.HostedMedia{}, d.overCap(used)
	}
	limit := min(d.o.MaxFileSize, budget)
	resp, err := d.download(ctx, f)
	if err != nil {
		return storage.HostedMedia{}, err
	}
	defer resp.Body.Close()
	if err := os.MkdirAll(d.o.MediaDir, 0o700); err != nil {
		return storage.HostedMedia{}, fmt.Errorf("create the media directory: %w", err)
	}
	tmp, err := os.CreateTemp(d.o.MediaDir, ".part-*")
	if err != nil {
		return storage.HostedMedia{}, fmt.Errorf("store the file: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename this fails harmlessly
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return storage.HostedMedia{}, fmt.Errorf("download interrupted: %s", d.redact(err.Error()))
	case n > d.o.MaxFileSize:
		return storage.HostedMedia{}, &refusal{fmt.Sprintf("That file is larger than the %d MB a bot may download; send a smaller one.", d.o.MaxFileSize>>20)}
	case n > limit:
		return storage.HostedMedia{}, d.overCap(used)
	}
	h := storage.HostedMedia{ID: newMediaID(), Size: n}
	h.FileName = h.ID
	if h.ContentType = mediaType(head(tmp.Name()), kind); h.ContentType == "" {
		return storage.HostedMedia{}, &refusal{"That is not " + kindName(kind) + ", the only kinds Threads takes, so I did not keep it. Send it as a photo or video in one of those formats."}
	}
	if err := d.media.Keep(ctx, h, tmp.Name()); err != nil {
		return storage.HostedMedia{}, err
	}
	return h, nil
}

// download starts the GET of a Telegram file.
func (d *Door) download(ctx context.Context, f *models.File) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.b.FileDownloadLink(f), nil)
	if err != nil {
		return nil, errors.New("the file's address is malformed")
	}
	resp, err := d.dl.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text holds the URL, and so the token
			err = ue.Err
		}
		return nil, fmt.Errorf("download failed: %s", d.redact(err.Error()))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("download answered HTTP %d", resp.StatusCode)
	}
	return resp, nil
}

// head returns a file's first 512 bytes (fewer if it is shorter).
func head(file string) []byte {
	b := make([]byte, 512)
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	n, _ := io.ReadFull(f, b)
	return b[:n]
}

// removeFiles deletes the kept bytes of hs (a message that failed after its downloads).
func (d *Door) removeFiles(hs []storage.HostedMedia) {
	for _, h := range hs {
		if err := d.media.Remove(d.baseCtx, h); err != nil {
			d.log.Warn("telegram: could not delete hosted media", slog.String("media", h.ID), slog.Any("error", err))
		}
	}
}
