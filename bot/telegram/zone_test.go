package telegram_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/publisher"
)

// TestTimezoneReadsTimesInThePersonsZone: a person sets /timezone Asia/Tokyo; then
// "tomorrow 09:00" means 09:00 in Tokyo (00:00 UTC), not in the server's zone, and the answer
// says so. Another person's times stay in the server's zone.
func TestTimezoneReadsTimesInThePersonsZone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/timezone"))
	h.waitSent("the zone not yet set", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "You have not set a time zone") })
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/timezone Asia/Tokyo"))
	h.waitSent("the zone set", func(s telegramtest.Sent) bool {
		return strings.Contains(s.Text, "From now on I read your times in Asia/Tokyo")
	})
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/schedule tomorrow 09:00 Ohayo"))
	h.waitSent("the schedule confirmed in Tokyo time", func(s telegramtest.Sent) bool {
		return strings.Contains(s.Text, "Scheduled") && strings.Contains(s.Text, "09:00 JST")
	})

	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := h.clock.Now().In(tokyo)
	want := time.Date(now.Year(), now.Month(), now.Day()+1, 9, 0, 0, 0, tokyo)
	var found bool
	for _, p := range h.posts() {
		if p.Text == "Ohayo" {
			found = true
			if !p.ScheduledAt.Equal(want) {
				t.Errorf("scheduled at %s, want %s (09:00 in Tokyo)", p.ScheduledAt.UTC(), want.UTC())
			}
		}
	}
	if !found {
		t.Fatalf("the scheduled post was not stored: %+v; sent %+v", h.posts(), h.tg.Sent())
	}
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/timezone Mars/Olympus_Mons"))
	h.waitSent("an unknown zone refused", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "I don't know the time zone") })
}

// TestResultsTellTimesInThePersonsZone: once a person set /timezone Asia/Tokyo, the results
// of their posts (over quota, moved to a new slot) tell times in JST, in their private chat and
// in a group (where the post's reply address names them); a result for a group post stored
// before addresses named their author stays in the server's zone.
func TestResultsTellTimesInThePersonsZone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, polling, options{})
	ctx := context.Background()
	h.deliver(h.tg.Text(telegramtest.Private(alice), alice, "/timezone Asia/Tokyo"))
	h.waitSent("the zone set", func(s telegramtest.Sent) bool { return strings.Contains(s.Text, "From now on") })
	group := telegramtest.Group(-100777, "team")
	h.deliver(h.tg.Text(group, alice, "/schedule@spindle_test_bot tomorrow 09:00 From the group"))
	h.waitSent("the group schedule confirmed", func(s telegramtest.Sent) bool {
		return s.ChatID == group.ID && strings.Contains(s.Text, "Scheduled")
	})
	var stored json.RawMessage
	for _, p := range h.posts() {
		if p.Text == "From the group" {
			stored = p.OriginRef
		}
	}
	var r telegram.Ref
	if err := json.Unmarshal(stored, &r); err != nil || r.UserID != alice.ID {
		t.Fatalf("the group post's reply address %s does not name its author %d (%v)", stored, alice.ID, err)
	}

	until := time.Date(2026, 12, 7, 0, 30, 0, 0, time.UTC) // 09:30 in Tokyo
	cases := []struct {
		name   string
		event  publisher.Event
		chat   int64
		prefix string
	}{
		{"over quota in the private chat", publisher.Event{ID: 101, Kind: publisher.EventDelayed, PostID: "pz1", OriginRef: ref(t, alice.ID, 5), Until: until, At: until.Add(-time.Hour)},
			alice.ID, "⏳ Over quota: will post at 09:30 JST"},
		{"moved to a slot in the group", publisher.Event{ID: 102, Kind: publisher.EventRescheduled, PostID: "pz2", OriginRef: stored, Until: until},
			group.ID, "🗓️ Moved to a new posting slot: will post at Mon 7 Dec 2026 09:30 JST"},
		{"an old group address without its author", publisher.Event{ID: 103, Kind: publisher.EventDelayed, PostID: "pz3", OriginRef: ref(t, group.ID, 6), Until: until, At: until.Add(-time.Hour)},
			group.ID, "⏳ Over quota: will post at 00:30 UTC"},
	}
	for _, c := range cases {
		c.event.Door = "telegram"
		if err := h.door.Notify(ctx, c.event); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		h.waitSent(c.name, func(s telegramtest.Sent) bool {
			return s.ChatID == c.chat && strings.HasPrefix(s.Text, c.prefix) && strings.Contains(s.Text, c.event.PostID)
		})
	}
}
