package telegram

import (
	"sort"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// albums collects the items of Telegram albums. Each item of an album (same media_group_id)
// arrives as an update of its own, with no marker for the last one, so items are gathered until
// none has come for the window, then handed over together. Items wait in memory only: a crash
// within the window loses the album, and the person sends it again.
type albums struct {
	window time.Duration
	ready  func(msgs []*models.Message)

	mu      sync.Mutex
	groups  map[string]*album
	stopped bool
	wg      sync.WaitGroup
}

type album struct {
	msgs  []*models.Message
	timer *time.Timer
}

func newAlbums(window time.Duration, ready func([]*models.Message)) *albums {
	return &albums{window: window, ready: ready, groups: map[string]*album{}}
}

// add files m under its media group and (re)starts the group's quiet-time timer.
func (a *albums) add(m *models.Message) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped {
		return
	}
	key := m.MediaGroupID
	g := a.groups[key]
	if g == nil {
		g = &album{}
		a.groups[key] = g
		a.wg.Add(1)
		g.timer = time.AfterFunc(a.window, func() { a.flush(key) })
	} else {
		g.timer.Reset(a.window)
	}
	g.msgs = append(g.msgs, m)
}

func (a *albums) flush(key string) {
	defer a.wg.Done()
	a.mu.Lock()
	g := a.groups[key]
	delete(a.groups, key)
	a.mu.Unlock()
	if g == nil {
		return
	}
	sort.Slice(g.msgs, func(i, j int) bool { return g.msgs[i].ID < g.msgs[j].ID })
	a.ready(g.msgs)
}

// stop lets albums being collected go and waits for handovers in progress.
func (a *albums) stop() {
	a.mu.Lock()
	a.stopped = true
	for key, g := range a.groups {
		if g.timer.Stop() {
			delete(a.groups, key)
			a.wg.Done()
		}
	}
	a.mu.Unlock()
	a.wg.Wait()
}
