package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/storage"
)

// TestSeriesThroughChat creates a weekly series in the sender's zone, sees its first post in
// list and the series in series, is refused for people with no right to the account (nothing
// changes), lets a grantee pause it, resumes and cancels it, and refuses unknown fields.
func TestSeriesThroughChat(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := w.say(alice, "C1", "schedule every monday 09:00 Weekly #{{.N}}\n---\nWeekly again, {{.Date}}")
	for _, want := range []string{"Series s1 for @acme", "every Monday at 09:00 (Europe/Paris)", "rotates through 2 texts", "Mon 30 Nov 2026 09:00 CET"} {
		if !strings.Contains(r.Text, want) || r.Refused {
			t.Fatalf("schedule every: %q\nwant %q", r.Text, want)
		}
	}
	live, _ := w.db.SeriesPosts(ctx, 1)
	if len(live) != 1 {
		t.Fatalf("series posts: %+v", live)
	}
	first := live[0].ID
	if p, err := w.db.Get(ctx, first); err != nil || p.Text != "Weekly #1" {
		t.Fatalf("first post: %+v %v", p, err)
	}
	if r := w.say(alice, "C1", "list"); !strings.Contains(r.Text, first) {
		t.Fatalf("list does not show the occurrence: %q", r.Text)
	}
	if r := w.say(alice, "C1", "series"); !strings.Contains(r.Text, "s1  @acme  every Monday at 09:00 (Europe/Paris)  next Mon 30 Nov 09:00 CET") {
		t.Fatalf("series: %q", r.Text)
	}
	snapshot := func() string {
		s, _ := w.db.GetSeries(ctx, 1)
		p, _ := w.db.Get(ctx, first)
		return string(s.State) + " " + string(p.State)
	}
	before := snapshot()
	for _, who := range []bot.Identity{carol, dave} {
		for _, in := range []string{"series pause s1", "series cancel s1", "cancel s1", "series resume s1"} {
			if r := w.say(who, "C1", in); !r.Refused || !strings.Contains(r.Text, "I know no series s1") {
				t.Fatalf("%s %q: %q", who.Name, in, r.Text)
			}
		}
		if r := w.say(who, "C1", "series"); strings.Contains(r.Text, "s1") {
			t.Fatalf("%s sees alice's series: %q", who.Name, r.Text)
		}
	}
	if after := snapshot(); after != before {
		t.Fatalf("refused commands changed the series: %s → %s", before, after)
	}
	if r := w.say(bob, "C1", "series pause s1"); !strings.Contains(r.Text, "Paused series s1") || !strings.Contains(r.Text, first+" was cancelled") {
		t.Fatalf("grantee pause: %q", r.Text)
	}
	if r := w.say(alice, "C1", "series pause s1"); !r.Refused || !strings.Contains(r.Text, "already paused") {
		t.Fatalf("pause twice: %q", r.Text)
	}
	if r := w.say(alice, "C1", "series resume s1"); !strings.Contains(r.Text, "Resumed series s1") || !strings.Contains(r.Text, "Mon 30 Nov 2026 09:00 CET") {
		t.Fatalf("resume: %q", r.Text)
	}
	if r := w.say(alice, "C1", "cancel s1"); !strings.Contains(r.Text, "Cancelled series s1") {
		t.Fatalf("cancel: %q", r.Text)
	}
	if s, _ := w.db.GetSeries(ctx, 1); s.State != storage.SeriesCancelled {
		t.Fatalf("after cancel: %s", s.State)
	}
	if live, _ := w.db.SeriesPosts(ctx, 1); len(live) != 0 {
		t.Fatalf("a cancelled series left posts waiting: %+v", live)
	}
	if r := w.say(alice, "C1", "schedule every day 09:00 {{.Title}}"); !r.Refused || !strings.Contains(r.Text, "only {{.Date}}, {{.Weekday}} and {{.N}}") {
		t.Fatalf("unknown field: %q", r.Text)
	}
}

// TestListMarksSeriesPosts: list shows which waiting posts are occurrences of a series, so
// cancelling one is not mistaken for stopping the series; a one-off post carries no mark.
func TestListMarksSeriesPosts(t *testing.T) {
	w := newWorld(t)
	if r := w.say(alice, "C1", "schedule every monday 09:00 Weekly update"); r.Refused {
		t.Fatalf("schedule every: %q", r.Text)
	}
	once := w.say(alice, "C1", "schedule tomorrow 10:00 Just once")
	if once.Queued == "" {
		t.Fatalf("schedule: %q", once.Text)
	}
	live, err := w.db.SeriesPosts(context.Background(), 1)
	if err != nil || len(live) != 1 || live[0].SeriesID != 1 {
		t.Fatalf("series posts %+v, %v: want one occurrence of series 1", live, err)
	}
	r := w.say(alice, "C1", "list")
	var sawSeries, sawOnce bool
	for _, line := range strings.Split(r.Text, "\n") {
		switch {
		case strings.HasPrefix(line, live[0].ID):
			sawSeries = true
			if !strings.HasSuffix(line, "Weekly update  (series s1)") {
				t.Errorf("the occurrence's line %q lacks its series", line)
			}
		case strings.HasPrefix(line, once.Queued):
			sawOnce = true
			if strings.Contains(line, "series") {
				t.Errorf("a one-off post is marked as a series: %q", line)
			}
		}
	}
	if !sawSeries || !sawOnce {
		t.Fatalf("list %q lacks a post", r.Text)
	}
	for _, row := range r.Rows {
		if want := map[bool]string{true: "s1", false: ""}[row.ID == live[0].ID]; row.Series != want {
			t.Errorf("row %s has series %q, want %q", row.ID, row.Series, want)
		}
	}
}
