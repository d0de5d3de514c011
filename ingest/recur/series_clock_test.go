package recur_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// clockAhead returns db, a handle on first's database whose server clock (clock_timestamp())
// is an hour ahead of this process's on PostgreSQL (none on SQLite, whose clock is the
// process's), and a series service on it judging time as serve does: no clock of its own.
func clockAhead(t *testing.T, first *storage.DB) (*storage.DB, *recur.Service, time.Duration) {
	t.Helper()
	db, ahead := storagetest.ReopenWithServerClock(t, first, time.Hour)
	return db, serviceOn(db), ahead
}

func serviceOn(db *storage.DB) *recur.Service {
	return recur.NewService(recur.Options{Store: db, Validator: ingest.NewService(ingest.Options{Queue: db})})
}

// dailyIn is a daily rule at the UTC minute d from now.
func dailyIn(t *testing.T, d time.Duration) recur.Rule {
	t.Helper()
	at := time.Now().UTC().Add(d)
	r, rest, err := recur.Parse(fmt.Sprintf("day %02d:%02d", at.Hour(), at.Minute()))
	if err != nil || rest != "" {
		t.Fatal(err)
	}
	return r
}

// TestSeriesFollowTheDatabaseClock: a series' next occurrence is the first after the database's
// now, the clock the queue judges due times by. By its own clock, a replica behind the database
// queued today's occurrence that, by the queue's clock, had passed: it went out at once.
func TestSeriesFollowTheDatabaseClock(t *testing.T) {
	ctx := context.Background()
	first := storagetest.Open(t, nil)
	acct := storagetest.Account(t, first, "acme")
	db, svc, ahead := clockAhead(t, first)
	before := time.Now()
	_, p, err := svc.Create(ctx, recur.NewSeries{AccountID: acct.ID, Origin: ingest.Origin{Door: ingest.DoorTelegram},
		Rule: dailyIn(t, 30*time.Minute), Zone: time.UTC, Text: "daily"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.ScheduledAt.After(before.Add(ahead)) {
		t.Errorf("first occurrence at %s; by the database's clock (%s ahead) it has passed", p.ScheduledAt, ahead)
	}
	got, err := db.Lease(ctx, 1, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("leased %s at once: its first occurrence, %s, had passed by the database's clock", got[0].ID, got[0].ScheduledAt)
	}
}

// TestSeriesDueByTheDatabaseClock: the materialiser finds a series due when its pending
// occurrence has fallen due by the database's clock, and queues the next one after that now.
func TestSeriesDueByTheDatabaseClock(t *testing.T) {
	ctx := context.Background()
	first := storagetest.Open(t, nil)
	acct := storagetest.Account(t, first, "acme")
	db, svc, ahead := clockAhead(t, first)
	// Created by a replica whose clock agrees with pg_catalog's: pending in 30 minutes, which
	// by the clock an hour ahead has passed.
	sr, p, err := serviceOn(first).Create(ctx, recur.NewSeries{AccountID: acct.ID, Origin: ingest.Origin{Door: ingest.DoorTelegram},
		Rule: dailyIn(t, 30*time.Minute), Zone: time.UTC, Text: "daily"})
	if err != nil {
		t.Fatal(err)
	}
	n, err := svc.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	if ahead > 0 {
		want = 1
	}
	if n != want {
		t.Fatalf("RunOnce queued %d, want %d: the occurrence at %s is due by the database's clock (%s ahead) only", n, want, p.ScheduledAt, ahead)
	}
	if want == 0 {
		return
	}
	posts, err := db.SeriesPosts(ctx, sr.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 2 || !posts[1].ScheduledAt.Equal(p.ScheduledAt.Add(24*time.Hour)) {
		t.Errorf("series posts %d, want the pending one and the next at %s", len(posts), p.ScheduledAt.Add(24*time.Hour))
	}
}
