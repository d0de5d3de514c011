package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// readyTimeout bounds each of readiness's database checks.
const readyTimeout = 2 * time.Second

// DoorHealth is what a door knows of its own health: when it last reached its service and
// when and how it last failed.
type DoorHealth = publisher.DoorHealth

// healthReporter is implemented by doors that know their own health. A door satisfies it by
// embedding a publisher.HealthBook and recording its calls; readiness finds it through the
// door's results notifier in a.doors, so registering a door needs no more.
type healthReporter interface {
	Health() DoorHealth
}

// readyStore is what readiness asks of the database; *storage.DB implements it.
type readyStore interface {
	Ping(ctx context.Context) error
	SchemaVersion(ctx context.Context) (int, error)
	Heartbeat(ctx context.Context) error
}

// readiness answers /readyz: 200 once the database is reachable, at the binary's schema and
// writable (a real write, bounded by timeout), else 503 with the reason. The body is JSON and
// reports each door's health too; a door's trouble (Slack down) does not make the daemon
// unready, since taking it out of rotation would not help and would stop the other doors.
type readiness struct {
	db      readyStore
	timeout time.Duration
	doors   func() map[string]doorReport // nil: none
	writes  writeProbe
	// free reports the free bytes on the data dir's filesystem (nil: not checked), and
	// minFree is the least that counts as ready: a full disk still takes the heartbeat,
	// which rewrites pages SQLite has, while new posts fail.
	free    func() (uint64, error)
	minFree uint64
}

// readyReport is the JSON body of /readyz.
type readyReport struct {
	Status   string                `json:"status"` // "ready" or "not ready"
	Reason   string                `json:"reason,omitempty"`
	Schema   int                   `json:"schema"`
	Writable bool                  `json:"writable"`
	Doors    map[string]doorReport `json:"doors,omitempty"`
}

// doorReport is one door in /readyz.
type doorReport struct {
	Enabled bool `json:"enabled"`
	// Door is the door's own account of its calls to its service, when it keeps one.
	Door *DoorHealth `json:"door,omitempty"`
	// Results is how delivering results to the door went (the outbox's view).
	Results *DoorHealth `json:"results,omitempty"`
	// Receiving says whether updates can reach the door (Telegram: the webhook is set, or
	// long polling runs).
	Receiving *bool `json:"receiving,omitempty"`
}

// telegramHealth is the Telegram door's own report, which also says whether updates arrive.
type telegramHealth interface {
	Health() telegram.Health
}

func (rd *readiness) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep, ok := rd.check(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	if r.Method != http.MethodHead {
		_ = json.NewEncoder(w).Encode(rep)
	}
}

// check runs the database checks in order and reports whether the daemon is ready.
func (rd *readiness) check(ctx context.Context) (readyReport, bool) {
	rep := readyReport{Status: "not ready"}
	if rd.doors != nil {
		rep.Doors = rd.doors()
	}
	ctx, cancel := context.WithTimeout(ctx, rd.timeout)
	defer cancel()
	if err := rd.db.Ping(ctx); err != nil {
		rep.Reason = "database unreachable: " + err.Error()
		return rep, false
	}
	v, err := rd.db.SchemaVersion(ctx)
	rep.Schema = v
	if err != nil || v != storage.LatestVersion() {
		rep.Reason = fmt.Sprintf("database schema %d, want %d: run spindle migrate", v, storage.LatestVersion())
		return rep, false
	}
	if rd.free != nil {
		if n, err := rd.free(); err == nil && n < rd.minFree {
			rep.Reason = fmt.Sprintf("disk full: %.1f MiB free on the data dir's filesystem, at least %.0f MiB is needed "+
				"to accept posts; free some space or grow the volume", float64(n)/(1<<20), float64(rd.minFree)/(1<<20))
			return rep, false
		}
	}
	if err := rd.writes.run(ctx, rd.db, rd.timeout); err != nil {
		rep.Reason = "database cannot be written (disk full, read-only, or locked by another process?): " + err.Error()
		return rep, false
	}
	rep.Status, rep.Writable = "ready", true
	return rep, true
}

// writeProbe runs the heartbeat write at most once at a time: a writer that hangs (a lock held
// elsewhere waits out SQLite's busy timeout) ties up one goroutine, however often /readyz is
// asked meanwhile; the askers wait for that same write, within their own deadline.
type writeProbe struct {
	mu      sync.Mutex
	running *probeRun
}

type probeRun struct {
	done chan struct{}
	err  error
}

func (p *writeProbe) run(ctx context.Context, db readyStore, timeout time.Duration) error {
	p.mu.Lock()
	pr := p.running
	if pr == nil {
		pr = &probeRun{done: make(chan struct{})}
		p.running = pr
		go func() {
			wctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			pr.err = db.Heartbeat(wctx)
			p.mu.Lock()
			p.running = nil
			p.mu.Unlock()
			close(pr.done)
		}()
	}
	p.mu.Unlock()
	select {
	case <-pr.done:
		return pr.err
	case <-ctx.Done():
		return fmt.Errorf("no write finished within %s", timeout)
	}
}

// doorReports is the doors' health as readiness shows it: for each door that can report
// results, whether it is configured (registered its results in a.doors), its own Health when
// its notifier keeps one, and the outbox's record of its results.
func (a *app) doorReports() map[string]doorReport {
	var results map[string]DoorHealth
	if a.publisher != nil {
		results = a.publisher.DeliveryHealth()
	}
	out := map[string]doorReport{}
	for _, door := range []ingest.Door{ingest.DoorSlack, ingest.DoorTelegram, ingest.DoorWebhook, ingest.DoorFeed} {
		var n publisher.Notifier
		if a.doors != nil {
			n = a.doors.results(door)
		}
		rep := doorReport{Enabled: n != nil}
		switch h := n.(type) {
		case healthReporter:
			own := h.Health()
			rep.Door = &own
		case telegramHealth:
			th := h.Health()
			rep.Door, rep.Receiving = &th.DoorHealth, &th.Receiving
		}
		if r, ok := results[string(door)]; ok {
			rep.Results = &r
		}
		out[string(door)] = rep
	}
	return out
}
