package telegram_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
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
