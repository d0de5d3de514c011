package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// TestSlotsThroughChat runs the posting-slot verbs end to end over a real queue: only the
// owner changes slots (a grantee and strangers are refused and change nothing), queue fills
// slots in the sender's zone, list shows them, and a change of schedule moves the placed posts
// and tells their authors through the outbox.
func TestSlotsThroughChat(t *testing.T) {
	w := newWorld(t) // Monday 23 Nov 2026 10:00 in Paris, the dispatcher's default zone
	ctx := context.Background()
	var ids []string
	steps := []step{
		{"queue without slots tells the owner how", alice, "C1", "queue hello", []string{"@acme has no posting slots yet", "/threads slots set mon-fri 09:00,12:30,17:00"}, nil, true},
		{"queue without slots tells a grantee who", bob, "C1", "queue hello", []string{"its owner sets them"}, nil, true},
		{"show without slots", bob, "C1", "slots", []string{"no posting slots yet"}, nil, false},
		{"a grantee cannot set slots", bob, "C1", "slots set daily 09:00", []string{"Only the owner of @acme"}, []string{"set:"}, true},
		{"a grantee naming the account cannot either", bob, "C1", "slots set --account @acme daily 09:00", []string{"Only the owner of @acme"}, nil, true},
		{"another owner cannot set them", carol, "C1", "slots set --account @acme daily 09:00", []string{"You cannot use @acme"}, nil, true},
		{"a stranger cannot set them", dave, "C1", "slots set --account @acme daily 09:00", []string{"no Threads account"}, nil, true},
		{"a grantee cannot clear them", bob, "C1", "slots clear", []string{"Only the owner of @acme"}, nil, true},
		{"a bad spec changes nothing", alice, "C1", "slots set mon-fri 25:00", []string{"“25:00” is not a time", "Usage:"}, nil, true},
		{"the owner sets them in her zone", alice, "C1", "slots set mon-fri 09:00,17:00",
			[]string{"Posting slots of @acme set: mon-fri 09:00,17:00 (Europe/Paris time)", "Next slots of @acme:", "Mon 23 Nov 17:00 CET  free"}, nil, false},
		{"queue takes the next free slot today", alice, "C1", "queue first", []string{"🗓️ Queued", "in the next free slot: Mon 23 Nov 2026 17:00 CET (16:00 UTC)"}, nil, false},
		{"a grantee queues into the next one", bob, "C1", "queue second", []string{"Tue 24 Nov 2026 09:00 CET"}, nil, false},
		{"list shows taken and free slots", alice, "C1", "list", []string{"2 posts waiting", "Next slots of @acme:", "Mon 23 Nov 17:00 CET  taken by ", "Tue 24 Nov 17:00 CET  free"}, nil, false},
		{"slots shows the schedule", bob, "C1", "slots", []string{"Posting slots of @acme: mon-fri 09:00,17:00 (Europe/Paris time)", "taken by"}, []string{"Change them"}, false},
		{"a new schedule moves the placed posts", alice, "C1", "slots set daily 12:00", []string{"daily 12:00", "Moved 2 posts placed by slot", "their authors are told"}, nil, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := w.say(s.who, s.channel, s.text)
			for _, want := range s.want {
				if !strings.Contains(r.Text, want) {
					t.Errorf("%q: reply lacks %q:\n%s", s.text, want, r.Text)
				}
			}
			for _, not := range s.not {
				if strings.Contains(r.Text, not) {
					t.Errorf("%q: reply has %q:\n%s", s.text, not, r.Text)
				}
			}
			if r.Private != s.private {
				t.Errorf("%q: private = %v, want %v", s.text, r.Private, s.private)
			}
			if r.Queued != "" {
				ids = append(ids, r.Queued)
			}
		})
		if s.name == "a grantee cannot set slots" || s.name == "a stranger cannot set them" || s.name == "a bad spec changes nothing" {
			if _, err := w.db.SlotScheduleOf(ctx, w.acme.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Fatalf("after %q the account has slots (%v)", s.name, err)
			}
		}
	}
	if len(ids) != 2 {
		t.Fatalf("queued %v, want two posts", ids)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	wants := []time.Time{time.Date(2026, 11, 23, 12, 0, 0, 0, paris), time.Date(2026, 11, 24, 12, 0, 0, 0, paris)}
	for i, id := range ids {
		p, err := w.db.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !p.NextAttemptAt.Equal(wants[i]) {
			t.Errorf("%s at %s after the change, want %s", id, p.NextAttemptAt.In(paris), wants[i])
		}
	}
	due, err := w.db.DueOutbox(ctx, w.clock.Now().Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	var told []string
	for _, it := range due {
		var e publisher.Event
		if err := json.Unmarshal(it.Payload, &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind != publisher.EventRescheduled {
			continue
		}
		told = append(told, e.PostID)
		if got := bot.FormatEvent(e, paris); !strings.Contains(got, "Moved to a new posting slot: will post at") || !strings.Contains(got, e.PostID) {
			t.Errorf("notice reads %q", got)
		}
		if string(e.OriginRef) != `{"channel":"C1"}` || it.Door != "slack" {
			t.Errorf("notice goes to %s %s, want the author's channel", it.Door, e.OriginRef)
		}
	}
	if len(told) != 2 {
		t.Errorf("authors told about %v, want both posts", told)
	}
	for _, s := range []step{
		{"the owner clears them", alice, "C1", "slots clear", []string{"Cleared the posting slots of @acme", "keep their times"}, nil, false},
		{"queue after clear", alice, "C1", "queue again", []string{"no posting slots yet"}, nil, true},
	} {
		if r := w.say(s.who, s.channel, s.text); !strings.Contains(r.Text, s.want[0]) || r.Private != s.private {
			t.Errorf("%s: %q", s.name, r.Text)
		}
	}
}
