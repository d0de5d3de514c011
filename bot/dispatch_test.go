package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// world is a dispatcher over a real SQLite queue with three people: alice owns @acme, bob was
// granted @acme, carol owns @beta and nothing else.
type world struct {
	d        *bot.Dispatcher
	db       *storage.DB
	clock    *storagetest.Clock
	accounts *bottest.Accounts
	deleter  *bottest.Deleter
	insights *fakeInsights
	acme     storage.Account
	beta     storage.Account
}

var (
	alice = bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UALICE", Name: "alice"}
	bob   = bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UBOB", Name: "bob"}
	carol = bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UCAROL", Name: "carol"}
	dave  = bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UDAVE", Name: "dave"}
	erin  = bot.Identity{Door: ingest.DoorTelegram, User: "4242", Name: "erin"} // uses Telegram
)

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{clock: storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)), deleter: &bottest.Deleter{}, insights: &fakeInsights{}}
	w.db = storagetest.Open(t, w.clock.Now)
	w.acme = storagetest.Account(t, w.db, "acme")
	w.beta = storagetest.Account(t, w.db, "beta")
	w.accounts = &bottest.Accounts{DB: w.db}
	for _, l := range []struct {
		who bot.Identity
		acc storage.Account
	}{{alice, w.acme}, {carol, w.beta}} {
		if err := w.accounts.Link(ctx, l.who, l.acc); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.accounts.Grant(ctx, alice, w.acme.ID, bob); err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	svc := ingest.NewService(ingest.Options{Queue: w.db, Now: w.clock.Now})
	w.d = bot.NewDispatcher(bot.DispatcherOptions{
		Ingest: svc, Editor: svc,
		Series:   recur.NewService(recur.Options{Store: w.db, Validator: svc, Now: w.clock.Now}),
		Accounts: w.accounts, Queue: w.db, Routes: w.db, Deleter: w.deleter, Insights: w.insights,
		Quotas: bottest.Quotas{View: bot.QuotaView{Kinds: []bot.QuotaKind{
			{Kind: "posts", Used: 250, Limit: 250, NextFree: w.clock.Now().Add(5*time.Hour + 5*time.Minute)},
			{Kind: "deletes", Used: 0, Limit: 100}}}},
		Feeds: &bottest.Feeds{}, Webhooks: bottest.Webhooks{}, Slots: publisher.Slots{Store: w.db}, LongTexts: w.db,
		Zone: paris, Now: w.clock.Now,
	})
	return w
}

func (w *world) say(who bot.Identity, channel, text string) bot.Reply {
	return w.d.Handle(context.Background(), bot.Incoming{Identity: who, Text: text, Channel: channel, RequestID: "req-1",
		Origin: ingest.Origin{Door: who.Door, Ref: []byte(`{"channel":"` + channel + `"}`)}})
}

// step is one command and what its answer must (and must not) contain.
type step struct {
	name    string
	who     bot.Identity
	channel string
	text    string // %ID% is replaced by the id of the last queued post
	want    []string
	not     []string
	private bool
}

func TestDispatcherScript(t *testing.T) {
	w := newWorld(t)
	var lastID string
	steps := []step{
		{"help overview", alice, "C1", "help", []string{"Commands:", "/threads post", "/threads route"}, nil, true},
		{"help one verb", alice, "C1", "help schedule", []string{"Usage:", "/threads schedule [--account @name] [options] <when> <text>"}, nil, true},
		{"unknown verb gets help, no trace", alice, "C1", "pots hello", []string{"did you mean “post”", "Commands:"}, []string{"goroutine", "panic"}, true},
		{"malformed args get the verb's help", alice, "C1", "cancel", []string{"needs", "Usage:", "/threads cancel <id>"}, nil, true},
		{"start", alice, "C1", "start", []string{"/threads connect"}, nil, true},
		{"connect is private", dave, "C1", "connect", []string{"https://spindle.test/api/auth/threads?link=UDAVE"}, nil, true},
		{"post without account", dave, "C1", "post hello", []string{"no Threads account", "/threads connect"}, nil, true},
		{"post by owner", alice, "C1", "post Hello from the test", []string{"📝 Queued", "@acme", "/threads cancel"}, nil, false},
		{"status of own post", alice, "C1", "status %ID%", []string{"@acme", "queued"}, nil, false},
		{"status hidden from others", carol, "C1", "status %ID%", []string{"I know no post"}, []string{"@acme"}, true},
		{"cancel by stranger refused", carol, "C1", "cancel %ID%", []string{"I know no post"}, nil, true},
		{"cancel by grantee", bob, "C1", "cancel %ID%", []string{"Cancelled", "@acme"}, nil, false},
		{"cancel twice", alice, "C1", "cancel %ID%", []string{"is cancelled, so it cannot be cancelled"}, nil, true},
		{"post to a named account without right", bob, "C1", "post --account @beta hi", []string{"You cannot use @beta"}, nil, true},
		{"schedule echoes absolute time in the zone", alice, "C1", "schedule tomorrow 09:00 Good morning",
			[]string{"🗓️ Scheduled", "Tue 24 Nov 2026 09:00 CET (08:00 UTC)"}, nil, false},
		{"schedule in the past", alice, "C1", "schedule 2020-01-01 09:00 old", []string{"past", "Usage:"}, nil, true},
		{"list shows the scheduled post", alice, "C1", "list", []string{"1 post waiting", "scheduled", "Good morning"}, nil, false},
		{"list of another account refused", alice, "C1", "list @beta", []string{"You cannot use @beta"}, nil, true},
		{"carol's list is empty", carol, "C1", "list", []string{"Nothing is waiting", "@beta"}, []string{"Good morning"}, false},
		{"over-long post is split", alice, "C1", "post " + strings.Repeat("word ", 150), []string{"thread of 2 posts"}, nil, false},
		{"preview counts and splits", alice, "C1", "preview Read https://example.com/a now " + strings.Repeat("x ", 260),
			[]string{"nothing was queued", "1 link: https://example.com/a", "thread of 2 posts"}, nil, true},
		{"delete of unposted", alice, "C1", "delete %ID%", []string{"not posted"}, nil, true},
		{"quota", alice, "C1", "quota", []string{"posts: 250/250", "full; the next slot frees at 15:05 CET", "deletes: 0/100"}, nil, false},
		{"route by someone without right", carol, "C9", "route @acme", []string{"no right"}, nil, true},
		{"route by grantee", bob, "C9", "route @acme", []string{"now goes to @acme"}, nil, false},
		{"carol cannot post through the route", carol, "C9", "post hi", []string{"This channel posts to an account you have no right to"}, nil, true},
		{"carol cannot unbind", carol, "C9", "route off", []string{"no right"}, nil, true},
		{"alice posts through the route", alice, "C9", "post routed", []string{"Queued", "@acme"}, nil, false},
		{"grant needs owner", bob, "C1", "grant <@UDAVE|dave>", []string{"Only the owner of @acme"}, nil, true},
		{"grant by name only", alice, "C1", "grant @dave", []string{"Mention the person"}, nil, true},
		{"grant by owner", alice, "C1", "grant <@UDAVE|dave>", []string{"<@UDAVE> may now post to @acme"}, nil, false},
		{"grantee posts", dave, "C1", "post from dave", []string{"Queued", "@acme"}, nil, false},
		{"revoke", alice, "C1", "revoke <@UDAVE>", []string{"may no longer post to @acme"}, nil, false},
		{"revoked cannot post", dave, "C1", "post again", []string{"no Threads account"}, nil, true},
		{"grant a Telegram id from Slack", alice, "C1", "grant 4242", []string{"Telegram user 4242 may now post to @acme"}, []string{"<@4242>"}, false},
		{"the Telegram grantee posts", erin, "", "post from Telegram", []string{"Queued", "@acme"}, nil, false},
		{"revoke the Telegram id from Slack", alice, "C1", "revoke 4242", []string{"Telegram user 4242 may no longer post to @acme"}, nil, false},
		{"the revoked Telegram user cannot post", erin, "", "post again", []string{"no Threads account"}, nil, true},
		{"revoke the Telegram id twice", alice, "C1", "revoke 4242", []string{"had no right to @acme"}, nil, true},
		{"feed add", alice, "C1", "feed add https://example.com/feed.xml", []string{"Following https://example.com/feed.xml as feed f1 for @acme"}, nil, false},
		{"feed list by stranger", carol, "C1", "feed list", []string{"No feeds on @beta"}, []string{"f1"}, false},
		{"feed pause by stranger", carol, "C1", "feed pause f1", []string{"I know no feed f1"}, nil, true},
		{"feed pause", bob, "C1", "feed pause f1", []string{"Paused feed f1"}, nil, false},
		{"feed list", alice, "C1", "feed list", []string{"f1", "(paused)"}, nil, false},
		{"webhook by grantee refused", bob, "C1", "webhook add ci", []string{"Only the owner"}, nil, true},
		{"webhook by owner is private", alice, "C1", "webhook add ci", []string{"https://spindle.test/hooks/ci", "whsec_test_ci"}, nil, true},
		{"token is private", bob, "C1", "token", []string{"spt_test_UBOB_1"}, nil, true},
		{"disconnect by grantee refused", bob, "C1", "disconnect", []string{"Only the owner"}, nil, true},
		{"disconnect by owner", carol, "C1", "disconnect", []string{"Disconnected @beta"}, nil, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := w.say(s.who, s.channel, strings.ReplaceAll(s.text, "%ID%", lastID))
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
				lastID = r.Queued
			}
		})
	}
}
