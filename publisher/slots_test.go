package publisher_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// TestSlotChangeToldThroughTheDoor: moving posts to new slots reaches each author through
// their door's Notifier, delivered from the outbox like a result, with the new time.
func TestSlotChangeToldThroughTheDoor(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	a := e.account("alice")
	s := publisher.Slots{Store: e.db, DailyPosts: 250}
	every := func(zone, clock string) storage.SlotWeek {
		c, _ := time.Parse("15:04", clock)
		w := storage.SlotWeek{Zone: zone}
		for d := range 7 {
			w.Minutes = append(w.Minutes, d*1440+c.Hour()*60+c.Minute())
		}
		return w
	}
	if _, err := s.Set(ctx, a.ID, every("Asia/Tokyo", "09:00"), "owner"); err != nil {
		t.Fatal(err)
	}
	p1 := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "one", BySlot: true, OriginRef: []byte(`{"channel":"C1"}`)})
	p2 := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "two", BySlot: true, OriginRef: []byte(`{"channel":"C1"}`)})
	ch, err := s.Set(ctx, a.ID, every("America/Denver", "18:30"), "owner")
	if err != nil || len(ch.Moved) != 2 {
		t.Fatalf("set: %+v, %v", ch, err)
	}
	if err := e.pub.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Time{}
	for _, ev := range e.note.all() {
		if ev.Kind == publisher.EventRescheduled {
			got[ev.PostID] = ev.Until
			if string(ev.OriginRef) != `{"channel":"C1"}` || ev.Door != "slack" || ev.Text == "" {
				t.Errorf("event %+v lacks the author's address or text", ev)
			}
		}
	}
	denver, _ := time.LoadLocation("America/Denver")
	for _, m := range ch.Moved {
		if !got[m.Post.ID].Equal(m.To) {
			t.Errorf("%s told %s, moved to %s", m.Post.ID, got[m.Post.ID], m.To)
		}
		if l := m.To.In(denver); l.Hour() != 18 || l.Minute() != 30 {
			t.Errorf("%s moved to %s, not 18:30 in Denver", m.Post.ID, l)
		}
	}
	if len(got) != 2 || !got[p1.ID].Before(got[p2.ID]) {
		t.Errorf("told %v; want both, in their order", got)
	}
	if n := e.note.count(publisher.EventRescheduled); n != 2 {
		t.Errorf("%d notices, want one per moved post", n)
	}
}
