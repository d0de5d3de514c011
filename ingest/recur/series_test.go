package recur_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

type fixture struct {
	clock *storagetest.Clock
	db    *storage.DB
	svc   *recur.Service
	acct  storage.Account
	paris *time.Location
}

// newFixture starts on Monday 23 March 2026, 10:00 in Paris (CET), the week before the
// clocks go forward.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{clock: storagetest.NewClock(time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC)), paris: paris}
	f.db = storagetest.Open(t, f.clock.Now)
	f.acct = storagetest.Account(t, f.db, "acme")
	f.svc = f.service(f.db)
	return f
}

func (f *fixture) service(db *storage.DB) *recur.Service {
	return recur.NewService(recur.Options{Store: db, Validator: ingest.NewService(ingest.Options{Queue: db, Now: f.clock.Now}), Now: f.clock.Now})
}

func (f *fixture) create(t *testing.T, rule, text string) (storage.Series, storage.Post) {
	t.Helper()
	r, rest, err := recur.Parse(rule)
	if err != nil || rest != "" {
		t.Fatalf("parse %q: %v", rule, err)
	}
	s, p, err := f.svc.Create(context.Background(), recur.NewSeries{AccountID: f.acct.ID, Origin: ingest.Origin{Door: ingest.DoorTelegram},
		Rule: r, Zone: f.paris, Text: text, Thread: true})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return s, p
}

func (f *fixture) live(t *testing.T, id int64) []storage.Post {
	t.Helper()
	ps, err := f.db.SeriesPosts(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// TestSeriesAcrossDSTNeverTwice runs a daily 09:00 series through the spring-forward night
// with two materialisers (two handles on the database, as two replicas or a restarted daemon
// have) racing at every step: each occurrence is queued exactly once, at 09:00 Paris time
// whichever offset is in force, and the texts rotate with their fields filled.
func TestSeriesAcrossDSTNeverTwice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	other := f.service(storagetest.Reopen(t, f.db, f.clock.Now))
	s, first := f.create(t, "day 09:00", "Good morning #{{.N}}\n---\nBonjour, {{.Weekday}} {{.Date}}")
	if want := time.Date(2026, 3, 24, 8, 0, 0, 0, time.UTC); !first.ScheduledAt.Equal(want) || first.Text != "Good morning #1" {
		t.Fatalf("first occurrence %s %q, want %s", first.ScheduledAt, first.Text, want)
	}
	if n, err := f.svc.RunOnce(ctx); n != 0 || err != nil {
		t.Fatalf("a series whose occurrence is pending made another: %d %v", n, err)
	}
	want := []struct {
		utc  string
		text string
	}{
		{"2026-03-25T08:00:00Z", "Bonjour, Wednesday 25 March 2026"},
		{"2026-03-26T08:00:00Z", "Good morning #3"},
		{"2026-03-27T08:00:00Z", "Bonjour, Friday 27 March 2026"},
		{"2026-03-28T08:00:00Z", "Good morning #5"},
		{"2026-03-29T07:00:00Z", "Bonjour, Sunday 29 March 2026"}, // CEST from here: 09:00 is 07:00 UTC
		{"2026-03-30T07:00:00Z", "Good morning #7"},
	}
	for i, w := range want {
		f.clock.Advance(f.live(t, s.ID)[0].ScheduledAt.Add(time.Second).Sub(f.clock.Now())) // the pending one falls due
		var wg sync.WaitGroup
		for _, svc := range []*recur.Service{f.svc, other, f.svc, other} {
			wg.Go(func() {
				if _, err := svc.RunOnce(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ps := f.live(t, s.ID)
		if len(ps) != 2 {
			t.Fatalf("step %d: %d live posts, want the due one and the next", i, len(ps))
		}
		if got := ps[1]; got.ScheduledAt.UTC().Format(time.RFC3339) != w.utc || got.Text != w.text {
			t.Fatalf("step %d: next occurrence %s %q, want %s %q", i, got.ScheduledAt.UTC(), got.Text, w.utc, w.text)
		}
		if _, err := f.db.Cancel(ctx, ps[0].ID); err != nil { // stands in for its publication
			t.Fatal(err)
		}
	}
	// A process that read the series before all that (a restart mid-way) cannot replay it.
	if _, err := f.db.Materialise(ctx, s, time.Date(2026, 3, 24, 8, 0, 0, 0, time.UTC), storage.NewPost{Text: "stale"}); !errors.Is(err, storage.ErrSeriesMoved) {
		t.Fatalf("a stale materialise: %v", err)
	}
}

// TestSeriesPauseResumeCancel: pausing cancels the pending occurrence and queues nothing while
// paused; resuming queues the next one after now (the missed ones are skipped); cancelling
// ends it and its pending post; a finished or cancelled series cannot change.
func TestSeriesPauseResumeCancel(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, first := f.create(t, "week mon,thu 09:00", "Weekly")
	sr, cancelled, err := f.svc.SetState(ctx, s.ID, storage.SeriesPaused)
	if err != nil || len(cancelled) != 1 || cancelled[0] != first.ID || sr.State != storage.SeriesPaused {
		t.Fatalf("pause: %+v %v %v", sr, cancelled, err)
	}
	f.clock.Advance(10 * 24 * time.Hour) // Thu 2 April, 11:00 CEST
	if n, _ := f.svc.RunOnce(ctx); n != 0 || len(f.live(t, s.ID)) != 0 {
		t.Fatalf("a paused series queued %d posts", n)
	}
	if _, _, err := f.svc.SetState(ctx, s.ID, storage.SeriesPaused); err == nil {
		t.Fatal("pausing twice was accepted")
	}
	sr, _, err = f.svc.SetState(ctx, s.ID, storage.SeriesActive)
	ps := f.live(t, s.ID)
	if err != nil || sr.State != storage.SeriesActive || len(ps) != 1 {
		t.Fatalf("resume: %+v %v %v", sr, ps, err)
	}
	if want := time.Date(2026, 4, 6, 7, 0, 0, 0, time.UTC); !ps[0].ScheduledAt.Equal(want) {
		t.Fatalf("after resume the next occurrence is %s, want Monday 6 April 09:00 CEST", ps[0].ScheduledAt.UTC())
	}
	sr, cancelled, err = f.svc.SetState(ctx, s.ID, storage.SeriesCancelled)
	if err != nil || len(cancelled) != 1 || sr.State != storage.SeriesCancelled || len(f.live(t, s.ID)) != 0 {
		t.Fatalf("cancel: %+v %v %v", sr, cancelled, err)
	}
	if list, _ := f.svc.List(ctx, f.acct.ID); len(list) != 0 {
		t.Fatalf("a cancelled series is listed: %+v", list)
	}
	var se *storage.SeriesStateError
	if _, _, err := f.svc.SetState(ctx, s.ID, storage.SeriesActive); !errors.As(err, &se) {
		t.Fatalf("resuming a cancelled series: %v", err)
	}
	f.clock.Advance(30 * 24 * time.Hour)
	if n, _ := f.svc.RunOnce(ctx); n != 0 {
		t.Fatal("a cancelled series queued a post")
	}
}

// TestSeriesEnds: "times 2" stops after two posts, and "until" after its date.
func TestSeriesEnds(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s, _ := f.create(t, "day 09:00 times 2", "Twice")
	for range 3 {
		f.clock.Advance(24 * time.Hour)
		if _, err := f.svc.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.svc.Series(ctx, s.ID)
	all, _ := f.db.List(ctx, storage.ListFilter{AccountID: f.acct.ID})
	if got.State != storage.SeriesFinished || got.Made != 2 || len(all) != 2 {
		t.Fatalf("times 2: %+v, %d posts", got, len(all))
	}
	r, _, _ := recur.Parse("day 09:00 until 2026-03-01")
	if _, _, err := f.svc.Create(ctx, recur.NewSeries{AccountID: f.acct.ID, Origin: ingest.Origin{Door: ingest.DoorTelegram},
		Rule: r, Zone: f.paris, Text: "never"}); err == nil || !strings.Contains(err.Error(), "would never post") {
		t.Fatalf("an end date in the past: %v", err)
	}
}

// TestSeriesCreateRefusesBadTexts: unknown template fields and texts the preflight refuses
// are answered before anything is stored.
func TestSeriesCreateRefusesBadTexts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	r, _, _ := recur.Parse("day 09:00")
	for _, tc := range []struct{ text, want string }{
		{"{{.Title}} today", "only {{.Date}}, {{.Weekday}} and {{.N}}"},
		{"ok\n---\n" + strings.Repeat("https://a.ex/1 https://b.ex/2 https://c.ex/3 https://d.ex/4 https://e.ex/5 https://f.ex/6", 1), "text 2: "},
		{"  \n---\n ", "needs the text"},
	} {
		_, _, err := f.svc.Create(ctx, recur.NewSeries{AccountID: f.acct.ID, Origin: ingest.Origin{Door: ingest.DoorTelegram}, Rule: r, Zone: f.paris, Text: tc.text})
		if err == nil || !strings.Contains(err.Error(), tc.want) || len(ingest.Problems(err)) == 0 {
			t.Errorf("Create(%q) = %v, want an invalid error with %q", tc.text, err, tc.want)
		}
	}
	if list, _ := f.svc.List(ctx, f.acct.ID); len(list) != 0 {
		t.Fatalf("a refused series was stored: %+v", list)
	}
}
