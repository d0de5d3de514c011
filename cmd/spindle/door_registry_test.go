package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// chatDouble stands in for a chat door: it reports results in lanes of its own, tells people
// and carries feed notices, keeping what it was asked.
type chatDouble struct {
	told, notices []string
	fail          error
}

func (*chatDouble) Notify(context.Context, publisher.Event) error { return nil }
func (*chatDouble) Lane(publisher.Event) string                   { return "ci.example.com" }
func (c *chatDouble) Tell(_ context.Context, user, text string) error {
	c.told = append(c.told, user+" "+text)
	return c.fail
}
func (c *chatDouble) FeedNotice(_ context.Context, door string, _ json.RawMessage, text string) error {
	c.notices = append(c.notices, door+" "+text)
	return nil
}

// TestDoorsRouteEachOfferToItsDoor: what the publisher, the accounts service and the feed
// manager have to say reaches the door it is for, as that door registered it (a door's lanes
// included); a registered door that offers nothing is told nothing; a door that is not
// configured has its results and notices logged and dropped, never an error.
func TestDoorsRouteEachOfferToItsDoor(t *testing.T) {
	var logs strings.Builder
	d := newDoors(slog.New(slog.NewTextHandler(&logs, nil)))
	slack := &chatDouble{}
	d.register(ingest.DoorSlack, doorOffer{results: slack, people: tellPeople(slack), feedNotices: slack})
	d.register(ingest.DoorAPI, doorOffer{})
	ctx := context.Background()

	if l, ok := d.Notifier("slack").(publisher.Laner); !ok || l.Lane(publisher.Event{}) != "ci.example.com" {
		t.Errorf("slack's results notifier %v hides the door's lanes", d.Notifier("slack"))
	}
	if n := d.Notifier("api"); n != nil {
		t.Errorf("api offers no results, got %v", n)
	}
	if err := d.Notifier("telegram").Notify(ctx, publisher.Event{PostID: "p9", Door: "telegram"}); err != nil {
		t.Errorf("result for telegram, not configured: %v", err)
	}
	if !strings.Contains(logs.String(), "result for a door that is not configured") || !strings.Contains(logs.String(), "post_id=p9") {
		t.Errorf("the dropped result was not logged: %s", logs.String())
	}

	if err := d.NotifyIdentity(ctx, accounts.Identity{Door: accounts.DoorSlack, Team: "T", User: "U"}, "hi"); err != nil || len(slack.told) != 1 || slack.told[0] != "U hi" {
		t.Errorf("slack identity: %v, told %q", err, slack.told)
	}
	if err := d.NotifyIdentity(ctx, accounts.Identity{Door: accounts.DoorAPI, User: "ci"}, "hi"); err != nil || len(slack.told) != 1 {
		t.Errorf("api identity: %v, told %q", err, slack.told)
	}
	slack.fail = errors.New("slack is down")
	if err := d.NotifyIdentity(ctx, accounts.Identity{Door: accounts.DoorSlack, User: "U"}, "hi"); !errors.Is(err, slack.fail) {
		t.Errorf("a failing door's error: %v", err)
	}

	if err := d.FeedNotice(ctx, "slack", nil, "feed paused"); err != nil || len(slack.notices) != 1 {
		t.Errorf("slack feed notice: %v, %q", err, slack.notices)
	}
	if err := d.FeedNotice(ctx, "telegram", nil, "feed paused"); err != nil || !strings.Contains(logs.String(), "feed notice for a chat door that is not configured") {
		t.Errorf("feed notice for telegram, not configured: %v\n%s", err, logs.String())
	}
}

// TestDoorsRegisterOnce: a door registered twice is a wiring bug.
func TestDoorsRegisterOnce(t *testing.T) {
	d := newDoors(slog.New(slog.DiscardHandler))
	d.register(ingest.DoorCLI, doorOffer{})
	defer func() {
		if recover() == nil {
			t.Error("a second registration of cli did not panic")
		}
	}()
	d.register(ingest.DoorCLI, doorOffer{})
}

// TestServeRegistersEveryDoor: once built, the daemon's registry knows every door a post can
// come from, each once with what it offers, and the owner's channel for account-level events;
// a door that is not configured is not registered.
func TestServeRegistersEveryDoor(t *testing.T) {
	tg := telegramtest.NewServer("")
	t.Cleanup(tg.Close)
	slack := func(c *config.Config) {
		c.Slack.SigningSecret, c.Slack.BotToken = config.NewSecret("signing"), config.NewSecret("xoxb-test")
	}
	for name, tc := range map[string]struct {
		tweaks []func(*config.Config)
		slack  bool
	}{"telegram only": {}, "telegram and slack": {tweaks: []func(*config.Config){slack}, slack: true}} {
		t.Run(name, func(t *testing.T) {
			a, _ := telegramDaemon(t, tg, tc.tweaks...)
			for door, results := range map[ingest.Door]bool{accountEvents: true, ingest.DoorCLI: false, ingest.DoorAPI: false,
				ingest.DoorWebhook: true, ingest.DoorFeed: true, ingest.DoorTelegram: true} {
				o, ok := a.doors.offers[door]
				if !ok || (o.results != nil) != results {
					t.Errorf("door %q: registered %v, results %v; want registered, results %v", door, ok, o.results, results)
				}
			}
			for _, chat := range []ingest.Door{ingest.DoorTelegram, ingest.DoorSlack} {
				o, ok := a.doors.offers[chat]
				if chat == ingest.DoorSlack && !tc.slack {
					if ok {
						t.Error("slack is not configured, yet registered")
					}
					continue
				}
				if o.results == nil || o.people == nil || o.feedNotices == nil || o.approvalCards == nil {
					t.Errorf("%s offers %+v, want its results, people, feed notices and approval cards", chat, o)
				}
			}
		})
	}
}
