package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
)

func TestFormatEvent(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		name string
		e    publisher.Event
		zone *time.Location
		want string
	}{
		{"posted", publisher.Event{Kind: publisher.EventPosted, PostID: "p7k2m9", Permalink: "https://www.threads.net/@acme/post/C8x"}, nil,
			"✅ Posted: https://www.threads.net/@acme/post/C8x (post p7k2m9)"},
		{"posted without link", publisher.Event{Kind: publisher.EventPosted}, nil, "✅ Posted to Threads"},
		{"delayed same day UTC", publisher.Event{Kind: publisher.EventDelayed, PostID: "p1x2y3", At: at,
			Until: time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)}, nil, "⏳ Over quota: will post at 14:05 UTC (post p1x2y3)"},
		{"delayed in zone", publisher.Event{Kind: publisher.EventDelayed, At: at, Until: time.Date(2026, 11, 23, 14, 5, 0, 0, time.UTC)}, paris,
			"⏳ Over quota: will post at 15:05 CET"},
		{"delayed days ahead", publisher.Event{Kind: publisher.EventDelayed, At: at, Until: at.Add(50 * time.Hour)}, nil,
			"⏳ Over quota: will post at Wed 25 Nov 11:00 UTC"},
		{"failed", publisher.Event{Kind: publisher.EventFailed, Reason: "the link is not reachable; fix it and post again"}, nil,
			"❌ Failed: the link is not reachable; fix it and post again"},
		{"failed without reason", publisher.Event{Kind: publisher.EventFailed}, nil, "❌ Failed: Threads refused the post; check it with preview and try again."},
		{"reconnect", publisher.Event{Kind: publisher.EventWaitingReconnect}, nil, "🔌 Waiting for reconnect: the account's access expired"},
		{"deleted", publisher.Event{Kind: publisher.EventDeleted, PostID: "p9"}, nil, "🗑️ Deleted from Threads (post p9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bot.FormatEvent(tt.e, tt.zone); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want prefix %q", got, tt.want)
			}
		})
	}
}

// With no dependencies wired, every verb still answers, saying what is missing.
func TestDispatcherNothingWired(t *testing.T) {
	d := bot.NewDispatcher(bot.DispatcherOptions{})
	who := bot.Identity{Door: ingest.DoorTelegram, User: "42"}
	for _, text := range []string{"post hi", "schedule in 2h hi", "list", "status abcdef", "cancel abcdef", "delete abcdef",
		"quota", "connect", "disconnect", "token", "feed list", "feed add https://example.com/f", "webhook add ci",
		"grant 7", "revoke 7", "route @acme"} {
		r := d.Handle(context.Background(), bot.Incoming{Identity: who, Text: text, Channel: "42"})
		if !strings.Contains(r.Text, "not available") && !strings.Contains(r.Text, "Slack channel") {
			t.Errorf("%q: %q", text, r.Text)
		}
	}
	if r := d.Handle(context.Background(), bot.Incoming{Identity: who, Text: "start"}); !strings.Contains(r.Text, "/connect") ||
		!strings.Contains(r.Text, "Telegram user id is 42") {
		t.Errorf("start: %q", r.Text)
	}
	if d.Prefix(ingest.DoorTelegram) != "/" || d.Prefix(ingest.DoorSlack) != "/threads " {
		t.Error("prefixes")
	}
}

// panicky is an Accounts whose every call panics.
type panicky struct{ bot.Accounts }

func (panicky) AccountsFor(context.Context, bot.Identity) ([]bot.Account, error) {
	panic("boom: secret internals")
}

// A panicking dependency becomes an apology with the request id, never the panic.
func TestDispatcherRecovers(t *testing.T) {
	d := bot.NewDispatcher(bot.DispatcherOptions{Accounts: panicky{}, Queue: nil, Ingest: nil})
	r := d.Handle(context.Background(), bot.Incoming{Identity: bot.Identity{Door: ingest.DoorSlack, User: "U1"}, Text: "disconnect", RequestID: "r-77"})
	if strings.Contains(r.Text, "boom") || !strings.Contains(r.Text, "r-77") || !r.Private {
		t.Errorf("reply %+v", r)
	}
}
