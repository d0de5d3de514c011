package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// week builds a schedule from "day hh:mm" pairs with days 0 (Sunday) to 6.
func week(zone string, days []int, clocks ...string) storage.SlotWeek {
	w := storage.SlotWeek{Zone: zone}
	for _, d := range days {
		for _, c := range clocks {
			t, err := time.Parse("15:04", c)
			if err != nil {
				panic(err)
			}
			w.Minutes = append(w.Minutes, d*1440+t.Hour()*60+t.Minute())
		}
	}
	slices.Sort(w.Minutes)
	return w
}

var everyDay = []int{0, 1, 2, 3, 4, 5, 6}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestSlotWeekAfter: slots are wall-clock times in the schedule's zone, across days, zones and
// daylight saving changes.
func TestSlotWeekAfter(t *testing.T) {
	cases := []struct {
		name  string
		week  storage.SlotWeek
		from  string // RFC 3339
		wants []string
	}{
		{"weekdays roll over the weekend", week("UTC", []int{1, 2, 3, 4, 5}, "09:00", "17:00"),
			"2026-12-04T17:30:00Z", []string{"2026-12-07T09:00:00Z", "2026-12-07T17:00:00Z", "2026-12-08T09:00:00Z"}},
		{"a slot at now is not after now", week("UTC", everyDay, "09:00"),
			"2026-12-03T09:00:00Z", []string{"2026-12-04T09:00:00Z"}},
		{"Berlin keeps 09:00 across the end of summer time", week("Europe/Berlin", everyDay, "09:00"),
			"2026-10-24T10:00:00+02:00", []string{"2026-10-25T09:00:00+01:00", "2026-10-26T09:00:00+01:00"}},
		{"Berlin keeps 09:00 across the start of summer time", week("Europe/Berlin", everyDay, "09:00"),
			"2026-03-28T10:00:00+01:00", []string{"2026-03-29T09:00:00+02:00", "2026-03-30T09:00:00+02:00"}},
		{"New York's skipped 02:30 is 03:30, and 03:00 still comes", week("America/New_York", everyDay, "02:30", "03:00"),
			"2026-03-08T00:00:00-05:00", []string{"2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"Kolkata's half-hour offset", week("Asia/Kolkata", []int{1}, "10:00"),
			"2026-12-01T00:00:00Z", []string{"2026-12-07T10:00:00+05:30", "2026-12-14T10:00:00+05:30"}},
		{"a zone ahead of UTC starts on its own date", week("Pacific/Auckland", []int{4}, "08:00"),
			"2026-12-02T20:00:00Z", []string{"2026-12-10T08:00:00+13:00"}}, // it is Thu 09:00 there already
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from, _ := time.Parse(time.RFC3339, c.from)
			var got []time.Time
			for at := range c.week.After(from, from.Add(storage.SlotHorizon)) {
				got = append(got, at)
				if len(got) == len(c.wants) {
					break
				}
			}
			if len(got) != len(c.wants) {
				t.Fatalf("got %d slots %v, want %v", len(got), got, c.wants)
			}
			for i, w := range c.wants {
				want, _ := time.Parse(time.RFC3339, w)
				if !got[i].Equal(want) {
					t.Errorf("slot %d = %s, want %s", i, got[i].Format(time.RFC3339), w)
				}
			}
		})
	}
}

func TestSlotWeekCheck(t *testing.T) {
	bad := []storage.SlotWeek{
		{Zone: "UTC"},
		{Zone: "Mars/Olympus", Minutes: []int{1}},
		{Zone: "", Minutes: []int{1}},
		{Zone: "UTC", Minutes: []int{5, 5}},
		{Zone: "UTC", Minutes: []int{storage.MinutesPerWeek}},
		{Zone: "UTC", Minutes: []int{-1}},
	}
	for _, w := range bad {
		if err := w.Check(); !errors.Is(err, storage.ErrBadSlotWeek) {
			t.Errorf("%+v: %v, want ErrBadSlotWeek", w, err)
		}
	}
	if err := week("Europe/Berlin", everyDay, "09:00").Check(); err != nil {
		t.Error(err)
	}
}

func slotPost(t *testing.T, db *storage.DB, acct int64, text string, limit int) storage.Post {
	t.Helper()
	p, _, err := db.Enqueue(context.Background(), storage.NewPost{AccountID: acct, Door: "slack", Text: text,
		OriginRef: []byte(`{"channel":"C1"}`), BySlot: true, SlotDailyPosts: limit})
	if err != nil {
		t.Fatalf("queue %q: %v", text, err)
	}
	return p
}

func TestQueueBySlotFillsDaysInOrder(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)) // Friday
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "x", BySlot: true}); !errors.Is(err, storage.ErrNoSlots) {
		t.Fatalf("queue without slots: %v, want ErrNoSlots", err)
	}
	if _, err := db.SetSlots(ctx, a.ID, week("Europe/Berlin", []int{1, 2, 3, 4, 5}, "09:00", "17:00"), storage.SlotChangeOptions{SetBy: "U1"}); err != nil {
		t.Fatal(err)
	}
	berlin := mustZone(t, "Europe/Berlin")
	wants := []time.Time{
		time.Date(2026, 12, 4, 17, 0, 0, 0, berlin), // Friday 13:00 there: the 17:00 slot is free
		time.Date(2026, 12, 7, 9, 0, 0, 0, berlin),  // full Friday rolls over the weekend
		time.Date(2026, 12, 7, 17, 0, 0, 0, berlin),
		time.Date(2026, 12, 8, 9, 0, 0, 0, berlin),
	}
	var ids []string
	for i, want := range wants {
		p := slotPost(t, db, a.ID, "post", 0)
		if !p.ScheduledAt.Equal(want) || !p.NextAttemptAt.Equal(want) {
			t.Errorf("post %d at %s, want %s", i, p.ScheduledAt.In(berlin), want)
		}
		ids = append(ids, p.ID)
	}
	// Cancelling frees its slot for the next post.
	if _, err := db.Cancel(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if p := slotPost(t, db, a.ID, "again", 0); !p.ScheduledAt.Equal(wants[1]) {
		t.Errorf("after a cancel: %s, want the freed %s", p.ScheduledAt.In(berlin), wants[1])
	}
	up, err := db.UpcomingSlots(ctx, a.ID, 6)
	if err != nil {
		t.Fatal(err)
	}
	if len(up) != 6 || up[0].PostID != ids[0] || up[3].PostID != ids[3] || up[4].PostID != "" || !up[4].At.Equal(time.Date(2026, 12, 8, 17, 0, 0, 0, berlin)) {
		t.Errorf("upcoming: %+v", up)
	}
}

// TestQueueBySlotKeepsWithinDailyQuota: the 251st post in 24 hours goes to a later slot.
func TestQueueBySlotKeepsWithinDailyQuota(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 0, 0, 30, 0, time.UTC)
	db := storagetest.Open(t, storagetest.NewClock(start).Now)
	a := storagetest.Account(t, db, "alice")
	var w storage.SlotWeek
	w.Zone = "UTC"
	for m := 0; m < storage.MinutesPerWeek; m += 5 { // 288 slots a day
		w.Minutes = append(w.Minutes, m)
	}
	if _, err := db.SetSlots(ctx, a.ID, w, storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	var first, last storage.Post
	for i := range storage.DefaultDailyPosts + 1 {
		p := slotPost(t, db, a.ID, "p", 0)
		if i == 0 {
			first = p
		}
		last = p
	}
	if got, want := last.ScheduledAt, first.ScheduledAt.Add(24*time.Hour); got.Before(want) {
		t.Errorf("post 251 at %s, within 24h of the first (%s): over quota", got, first.ScheduledAt)
	}
	if got := last.ScheduledAt.Sub(first.ScheduledAt); got > 24*time.Hour+5*time.Minute {
		t.Errorf("post 251 at +%s; the first slot out of the window is +24h", got)
	}
	// A lower configured quota is kept too.
	b := storagetest.Account(t, db, "bob")
	if _, err := db.SetSlots(ctx, b.ID, w, storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	p1, p2, p3 := slotPost(t, db, b.ID, "1", 2), slotPost(t, db, b.ID, "2", 2), slotPost(t, db, b.ID, "3", 2)
	if p2.ScheduledAt.Sub(p1.ScheduledAt) != 5*time.Minute || p3.ScheduledAt.Sub(p1.ScheduledAt) != 24*time.Hour {
		t.Errorf("limit 2: %s %s %s", p1.ScheduledAt, p2.ScheduledAt, p3.ScheduledAt)
	}
}

func TestSetSlotsMovesPlacedPostsAndTellsAuthors(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)) // Thursday
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	if _, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "09:00", "18:00"), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	p1, p2, p3 := slotPost(t, db, a.ID, "one", 0), slotPost(t, db, a.ID, "two", 0), slotPost(t, db, a.ID, "three", 0)
	exact := enqueue(t, db, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "exact", ScheduledAt: clock.Now().Add(30 * time.Hour)})
	notice := func(p storage.Post, to time.Time) storage.OutboxEvent {
		b, _ := json.Marshal(map[string]any{"post": p.ID, "to": to})
		return storage.OutboxEvent{Key: p.ID + ":moved:" + to.String(), Door: p.Door, Payload: b}
	}
	change, err := db.SetSlots(ctx, a.ID, week("America/New_York", []int{1}, "10:00"), storage.SlotChangeOptions{SetBy: "U1", Notice: notice})
	if err != nil {
		t.Fatal(err)
	}
	ny := mustZone(t, "America/New_York")
	wants := map[string]time.Time{
		p1.ID: time.Date(2026, 12, 7, 10, 0, 0, 0, ny),
		p2.ID: time.Date(2026, 12, 14, 10, 0, 0, 0, ny),
		p3.ID: time.Date(2026, 12, 21, 10, 0, 0, 0, ny),
	}
	if len(change.Moved) != 3 || change.Kept != 0 {
		t.Fatalf("moved %d, kept %d; want 3 and 0", len(change.Moved), change.Kept)
	}
	for i, m := range change.Moved {
		if want := []string{p1.ID, p2.ID, p3.ID}[i]; m.Post.ID != want {
			t.Errorf("move %d is %s, want %s (slot order kept)", i, m.Post.ID, want)
		}
		got, err := db.Get(ctx, m.Post.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.NextAttemptAt.Equal(wants[m.Post.ID]) || !m.To.Equal(wants[m.Post.ID]) || got.State != storage.StateQueued {
			t.Errorf("%s now at %s (%s), want %s", m.Post.ID, got.NextAttemptAt.In(ny), got.State, wants[m.Post.ID])
		}
	}
	if got, _ := db.Get(ctx, exact.ID); !got.NextAttemptAt.Equal(exact.NextAttemptAt) {
		t.Errorf("a post given an exact time moved to %s", got.NextAttemptAt)
	}
	due, err := db.DueOutbox(ctx, clock.Now().Add(time.Second), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 3 || due[0].Door != "slack" {
		t.Errorf("outbox: %d events, want one notice per moved post", len(due))
	}
	// Setting the same schedule again moves nothing and tells nobody.
	again, err := db.SetSlots(ctx, a.ID, week("America/New_York", []int{1}, "10:00"), storage.SlotChangeOptions{Notice: notice})
	if err != nil || len(again.Moved) != 0 {
		t.Errorf("same schedule again: moved %d, err %v", len(again.Moved), err)
	}
	// Clearing keeps the posts' times.
	if had, err := db.ClearSlots(ctx, a.ID); err != nil || !had {
		t.Fatalf("clear: %v %v", had, err)
	}
	if _, err := db.SlotScheduleOf(ctx, a.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("schedule after clear: %v", err)
	}
	if got, _ := db.Get(ctx, p2.ID); !got.NextAttemptAt.Equal(wants[p2.ID]) {
		t.Errorf("clear moved %s", p2.ID)
	}
	if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "slack", Text: "x", BySlot: true}); !errors.Is(err, storage.ErrNoSlots) {
		t.Errorf("queue after clear: %v, want ErrNoSlots", err)
	}
}

// TestSetSlotsKeepsWhatDoesNotFit: a schedule too sparse for the waiting posts keeps the rest
// at their times instead of refusing the change.
func TestSetSlotsKeepsWhatDoesNotFit(t *testing.T) {
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	if _, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "09:00"), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	var last storage.Post
	for range 60 {
		last = slotPost(t, db, a.ID, "p", 0)
	}
	// One slot a week holds 52 or 53 of them within the horizon; the rest keep their times.
	change, err := db.SetSlots(ctx, a.ID, week("UTC", []int{3}, "09:00"), storage.SlotChangeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(change.Moved)+change.Kept != 60 || change.Kept < 7 || change.Kept > 8 {
		t.Errorf("weekly: moved %d kept %d", len(change.Moved), change.Kept)
	}
	if got, _ := db.Get(ctx, last.ID); !got.NextAttemptAt.Equal(last.NextAttemptAt) {
		t.Errorf("the last post, which fits nowhere, moved from %s to %s", last.NextAttemptAt, got.NextAttemptAt)
	}
	if _, err := db.SetSlots(ctx, a.ID, storage.SlotWeek{Zone: "UTC"}, storage.SlotChangeOptions{}); !errors.Is(err, storage.ErrBadSlotWeek) {
		t.Errorf("empty week: %v", err)
	}
}

// TestQueueBySlotAcrossDST: placement by slot keeps 09:00 at 09:00 local time on both sides of
// a daylight saving change, in zones ahead of and behind UTC.
func TestQueueBySlotAcrossDST(t *testing.T) {
	cases := []struct {
		zone  string
		start time.Time // two days before the change, after that day's 09:00
	}{
		{"Europe/Berlin", time.Date(2026, 10, 23, 12, 0, 0, 0, time.UTC)},    // ends 25 Oct
		{"Europe/Berlin", time.Date(2026, 3, 27, 12, 0, 0, 0, time.UTC)},     // starts 29 Mar
		{"America/New_York", time.Date(2026, 10, 30, 16, 0, 0, 0, time.UTC)}, // ends 1 Nov
		{"America/New_York", time.Date(2026, 3, 6, 16, 0, 0, 0, time.UTC)},   // starts 8 Mar
		{"Australia/Sydney", time.Date(2026, 10, 1, 23, 0, 0, 0, time.UTC)},  // starts 4 Oct
	}
	for _, c := range cases {
		t.Run(c.zone+" "+c.start.Format("Jan"), func(t *testing.T) {
			db := storagetest.Open(t, storagetest.NewClock(c.start).Now)
			a := storagetest.Account(t, db, "alice")
			if _, err := db.SetSlots(context.Background(), a.ID, week(c.zone, everyDay, "09:00"), storage.SlotChangeOptions{}); err != nil {
				t.Fatal(err)
			}
			loc := mustZone(t, c.zone)
			var offsets []int
			for i := range 4 {
				p := slotPost(t, db, a.ID, "p", 0)
				local := p.ScheduledAt.In(loc)
				if local.Hour() != 9 || local.Minute() != 0 {
					t.Errorf("post %d at %s local, want 09:00", i, local)
				}
				_, off := local.Zone()
				offsets = append(offsets, off)
			}
			if offsets[0] == offsets[3] {
				t.Errorf("offsets %v: the four days do not cross a change; fix the case", offsets)
			}
		})
	}
}

// TestQueueBySlotConcurrently: posts queued at once never share a slot, on either engine.
func TestQueueBySlotConcurrently(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)).Now)
	a := storagetest.Account(t, db, "alice")
	if _, err := db.SetSlots(ctx, a.ID, week("UTC", everyDay, "09:00", "13:00", "18:00"), storage.SlotChangeOptions{}); err != nil {
		t.Fatal(err)
	}
	const n = 24
	got := make(chan time.Time, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: "p", BySlot: true})
			errs <- err
			got <- p.ScheduledAt
		}()
	}
	seen := map[time.Time]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		at := <-got
		if seen[at] {
			t.Errorf("two posts in the slot at %s", at)
		}
		seen[at] = true
	}
	if last := time.Date(2026, 12, 11, 9, 0, 0, 0, time.UTC); !seen[last] || len(seen) != n {
		t.Errorf("%d slots taken, want the %d first ones up to %s", len(seen), n, last)
	}
}
