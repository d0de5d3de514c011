package telegram

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/storage"
)

// AlbumStore keeps the items of albums being collected (storage/albums.go).
type AlbumStore interface {
	AddAlbumItem(ctx context.Context, group string, it storage.AlbumItem) error
	TakeAlbum(ctx context.Context, group string, quiet time.Duration) ([]storage.AlbumItem, time.Duration, error)
	QuietAlbums(ctx context.Context, quiet time.Duration, limit int) ([]string, error)
}

// albums collects the items of Telegram albums. Each item of an album (same media_group_id)
// arrives as an update of its own, with no marker for the last one, so items are gathered until
// none has come for the window, then handed over together.
//
// The items wait in the database, not here: in webhook mode behind a load balancer the items
// of one album reach different replicas, which would each post the items they saw. A replica
// that received an item asks, a window later, whether the album has gone quiet, and asks again
// for as long as it has not; the first to ask once it has takes it whole. An album whose
// collector stopped (shutdown, crash) is taken by the next housekeeping sweep of any replica.
type albums struct {
	ctx    context.Context // the door's: takes outlive the update that started them
	window time.Duration
	store  AlbumStore
	ready  func(msgs []*models.Message)
	log    *slog.Logger

	mu      sync.Mutex
	pending map[string]*pendingAlbum // albums this replica will ask about
	stopped bool
	wg      sync.WaitGroup // one per pending album
}

// pendingAlbum is the timer of an album this replica asks about; more says an item came
// while it was asking, so it asks once more.
type pendingAlbum struct {
	timer *time.Timer
	more  bool
}

func newAlbums(ctx context.Context, window time.Duration, store AlbumStore, ready func([]*models.Message), log *slog.Logger) *albums {
	return &albums{ctx: ctx, window: window, store: store, ready: ready, log: log, pending: map[string]*pendingAlbum{}}
}

// add files m under its media group and arranges to ask about its album a window from now,
// unless this replica asks about it already (it then learns of m's time from the database).
func (a *albums) add(ctx context.Context, m *models.Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	key := m.MediaGroupID
	if err := a.store.AddAlbumItem(ctx, key, storage.AlbumItem{MessageID: int64(m.ID), Message: body}); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return nil // filed: another replica's sweep, or this one's after a restart, takes it
	}
	if p := a.pending[key]; p != nil {
		p.more = true
		return nil
	}
	a.wg.Add(1)
	a.pending[key] = &pendingAlbum{timer: time.AfterFunc(a.window, func() { a.ask(key) })}
	return nil
}

// albumTakeTimeout bounds one question about an album.
const albumTakeTimeout = 10 * time.Second

// ask takes the album if it has gone quiet, and otherwise asks again when it may have.
func (a *albums) ask(key string) {
	a.mu.Lock()
	p := a.pending[key]
	p.more = false
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(a.ctx, albumTakeTimeout)
	items, wait, err := a.store.TakeAlbum(ctx, key, a.window)
	cancel()
	if err != nil {
		a.log.Warn("telegram: could not take an album", slog.String("media_group", key), slog.Any("error", err))
		wait = a.window
	}
	a.hand(items)
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.stopped:
	case wait > 0:
		p.timer.Reset(wait)
		return
	case p.more: // an item came while asking: if it was not taken with the rest, it is an album of its own
		p.timer.Reset(a.window)
		return
	}
	delete(a.pending, key)
	a.wg.Done()
}

// hand decodes taken items and hands them over as one album.
func (a *albums) hand(items []storage.AlbumItem) {
	msgs := make([]*models.Message, 0, len(items))
	for _, it := range items {
		m := new(models.Message)
		if err := json.Unmarshal(it.Message, m); err != nil {
			a.log.Error("telegram: an album item could not be read back", slog.Int64("message_id", it.MessageID), slog.Any("error", err))
			continue
		}
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 {
		a.ready(msgs)
	}
}

// orphanAlbumAfter is how long an album must have been quiet before a sweep takes it: well
// past the window, so that the replica asking about it in time is not raced for nothing.
const orphanAlbumAfter = 30 * time.Second

// sweep takes the albums no replica asked about in time.
func (a *albums) sweep(ctx context.Context) error {
	groups, err := a.store.QuietAlbums(ctx, a.window+orphanAlbumAfter, sweepBatch)
	if err != nil {
		return err
	}
	for _, key := range groups {
		items, _, err := a.store.TakeAlbum(ctx, key, a.window)
		if err != nil {
			return err
		}
		a.hand(items)
	}
	return nil
}

// stop stops asking and waits for questions in progress. The albums being collected stay
// filed for a sweep to take.
func (a *albums) stop() {
	a.mu.Lock()
	a.stopped = true
	for key, p := range a.pending {
		if p.timer.Stop() {
			delete(a.pending, key)
			a.wg.Done()
		}
	}
	a.mu.Unlock()
	a.wg.Wait()
}
