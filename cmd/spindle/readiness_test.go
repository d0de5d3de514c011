package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// readyz asks srv for /readyz and decodes the answer.
func readyz(t *testing.T, srv *httptest.Server) (int, readyReport) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep readyReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatalf("/readyz body is not JSON: %v", err)
	}
	return resp.StatusCode, rep
}

// healthyDoor is a door's notifier that keeps its own health.
type healthyDoor struct{ publisher.HealthBook }

func (*healthyDoor) Notify(context.Context, publisher.Event) error { return nil }

// TestReadyzReportsDoorsAsJSON: a ready daemon answers 200 with JSON saying so, and each
// door's health: its own record of its calls and the outbox's of its results.
func TestReadyzReportsDoorsAsJSON(t *testing.T) {
	db := storagetest.Open(t, nil)
	slack := &healthyDoor{}
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	slack.Failed(at, "chat.postMessage: slack: channel_not_found")
	a := &app{log: slog.New(slog.DiscardHandler), router: mux.NewRouter(), db: db, doors: newDoors(slog.New(slog.DiscardHandler))}
	a.doors.register(ingest.DoorSlack, doorOffer{results: slack})
	a.publisher = publisher.New(publisher.Options{Store: db, Notifiers: map[string]publisher.Notifier{"slack": slack}})
	payload, _ := json.Marshal(publisher.Event{Kind: publisher.EventPosted, PostID: "p1", Door: "slack"})
	if err := db.AddOutbox(context.Background(), storage.OutboxEvent{Key: "p1", Door: "slack", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	if err := a.publisher.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.routeHealth()
	srv := httptest.NewServer(a.router)
	defer srv.Close()

	code, rep := readyz(t, srv)
	if code != http.StatusOK || rep.Status != "ready" || !rep.Writable || rep.Schema != storage.LatestVersion() {
		t.Fatalf("/readyz = %d %+v, want 200 ready", code, rep)
	}
	s := rep.Doors["slack"]
	if !s.Enabled || s.Door == nil || s.Door.LastError != "chat.postMessage: slack: channel_not_found" || !s.Door.LastErrorAt.Equal(at) {
		t.Errorf("slack door %+v, want its own last error", s)
	}
	if s.Results == nil || s.Results.LastSuccess.IsZero() {
		t.Errorf("slack results %+v, want the delivery just made", s.Results)
	}
	if tg, ok := rep.Doors["telegram"]; !ok || tg.Enabled {
		t.Errorf("telegram %+v, want reported as not enabled", tg)
	}
	resp, err := http.Head(srv.URL + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD /readyz: %v %v", resp, err)
	}
}

// lockDatabase holds SQLite's write lock from another connection, as a `spindle backup` or a
// stuck process could, until the test ends.
func lockDatabase(t *testing.T, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	raw, err := sql.Open("sqlite3", "file:"+db.Path()+"?_busy_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // before the database closes: release, so the stuck write can finish
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		conn.Close()
		raw.Close()
	})
}

// readOnlyWrites is the database with writes refused as SQLite refuses them on a read-only
// file (root, whom tests may run as, can write a file whatever its mode).
type readOnlyWrites struct{ *storage.DB }

func (readOnlyWrites) Heartbeat(context.Context) error {
	return errors.New("storage: write heartbeat: attempt to write a readonly database")
}

// TestReadyzFailsWhenTheDatabaseCannotBeWritten: a database that can be read but not written
// makes /readyz answer 503 with the reason; reads and pings alone would have said ready.
func TestReadyzFailsWhenTheDatabaseCannotBeWritten(t *testing.T) {
	for _, tc := range []struct {
		name  string
		store func(t *testing.T, db *storage.DB) readyStore
		want  string
	}{
		{"locked by another process", func(t *testing.T, db *storage.DB) readyStore { lockDatabase(t, db); return db },
			"no write finished within"},
		{"read-only", func(t *testing.T, db *storage.DB) readyStore { return readOnlyWrites{db} },
			"attempt to write a readonly database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storagetest.Open(t, nil)
			router := mux.NewRouter()
			router.Handle("/readyz", &readiness{db: tc.store(t, db), timeout: 300 * time.Millisecond})
			srv := httptest.NewServer(router)
			defer srv.Close()
			code, rep := readyz(t, srv)
			if code != http.StatusServiceUnavailable || rep.Status != "not ready" || rep.Writable ||
				!strings.Contains(rep.Reason, "cannot be written") || !strings.Contains(rep.Reason, tc.want) {
				t.Fatalf("/readyz = %d %+v, want 503 saying the database cannot be written (%s)", code, rep, tc.want)
			}
		})
	}
}

// TestReadyzFailsOnAFullDisk reads the data dir's real free space (statfs) and asks for more
// than there is: the daemon must report a full disk, though the heartbeat write, which only
// rewrites pages SQLite already has, still succeeds there.
func TestReadyzFailsOnAFullDisk(t *testing.T) {
	db := storagetest.Open(t, nil)
	dir := filepath.Dir(db.Path())
	free, err := freeBytes(dir)
	if err != nil || free == 0 {
		t.Fatalf("statfs of the data dir: %d bytes free, %v", free, err)
	}
	for _, tc := range []struct {
		minFree  uint64
		wantCode int
	}{
		{minFree: free + 1<<30, wantCode: http.StatusServiceUnavailable}, // more than the disk has: full
		{minFree: 1, wantCode: http.StatusOK},
	} {
		router := mux.NewRouter()
		router.Handle("/readyz", &readiness{db: db, timeout: time.Second, minFree: tc.minFree,
			free: func() (uint64, error) { return freeBytes(dir) }})
		srv := httptest.NewServer(router)
		code, rep := readyz(t, srv)
		srv.Close()
		if code != tc.wantCode {
			t.Fatalf("minFree %d with %d free: /readyz %d %+v, want %d", tc.minFree, free, code, rep, tc.wantCode)
		}
		if code != http.StatusOK && !strings.Contains(rep.Reason, "disk full") {
			t.Errorf("reason %q does not say the disk is full", rep.Reason)
		}
	}
}
