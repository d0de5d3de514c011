package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

const (
	testSecret = "8f742231b10e8888abcd99yyyzzz85a5"
	testToken  = "xoxb-test-token"
)

// clock is a settable clock safe for the handler's goroutines.
// env is a Slack door over real SQLite and a real dispatcher, served on loopback, talking to
// the Slack stand-in. alice owns @acme.
type env struct {
	t     testing.TB
	clock *storagetest.Clock
	db    *storage.DB
	slack *slacktest.Server
	door  *Door
	srv   *httptest.Server
	acme  storage.Account
	seq   atomic.Int64
	accts *bottest.Accounts // alice's links, and the API tokens handed out
	disp  Dispatcher
}

var alice = bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UALICE", Name: "alice"}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, clock: storagetest.NewClock(time.Now().UTC().Truncate(time.Second))}
	e.db = storagetest.Open(t, e.clock.Now)
	e.acme = storagetest.Account(t, e.db, "acme")
	accounts := &bottest.Accounts{DB: e.db}
	e.accts = accounts
	if err := accounts.Link(context.Background(), alice, e.acme); err != nil {
		t.Fatal(err)
	}
	e.slack = slacktest.NewServer(testToken, e.clock.Now)
	t.Cleanup(e.slack.Close)
	d := bot.NewDispatcher(bot.DispatcherOptions{
		Ingest:   ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now}),
		Accounts: accounts, Queue: e.db, Routes: e.db, Deleter: &bottest.Deleter{},
		Quotas: bottest.Quotas{View: bot.QuotaView{Kinds: []bot.QuotaKind{{Kind: "posts", Used: 3, Limit: 250,
			NextFree: e.clock.Now().Add(20 * time.Hour)}}}},
		Feeds: &bottest.Feeds{}, Webhooks: bottest.Webhooks{}, Now: e.clock.Now,
	})
	e.disp = d
	e.door = e.newDoor(d)
	e.srv = httptest.NewServer(e.door)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) newDoor(d Dispatcher) *Door {
	door := New(Options{SigningSecret: testSecret, BotToken: testToken, APIURL: e.slack.APIURL(),
		Dispatcher: d, Store: e.db, Now: e.clock.Now, HTTPClient: &http.Client{Timeout: 5 * time.Second},
		AllowResponseURL: func(u *url.URL) bool { return u.Hostname() == "127.0.0.1" }})
	e.t.Cleanup(door.Close)
	return door
}

// command builds the form of a /threads command by user in channel C1 with a fresh
// response_url.
func (e *env) command(user, text string) string {
	n := e.seq.Add(1)
	return slacktest.Command{Team: "T1", Channel: "C1", User: user, UserName: strings.ToLower(user), Text: text,
		ResponseURL: e.slack.ResponseURL("r" + itoa(n))}.Form()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ack is a decoded acknowledgement.
type ack struct {
	status       int
	Text         string          `json:"text"`
	ResponseType string          `json:"response_type"`
	Blocks       json.RawMessage `json:"blocks"`
}

// post sends body signed at the given time (zero: now, as Slack would) with the secret.
func (e *env) post(body, secret string, at time.Time) ack {
	e.t.Helper()
	if at.IsZero() {
		at = time.Now()
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/slack/commands", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	slacktest.SignRequest(req, secret, body, at)
	return e.do(req)
}

func (e *env) do(req *http.Request) ack {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := ack{status: resp.StatusCode}
	if resp.StatusCode == http.StatusOK && len(raw) > 0 {
		if err := json.Unmarshal(raw, &a); err != nil {
			e.t.Fatalf("ack is not JSON: %v: %s", err, raw)
		}
	}
	return a
}

// say sends a signed command from user and expects a 200 ephemeral ack.
func (e *env) say(user, text string) ack {
	e.t.Helper()
	a := e.post(e.command(user, text), testSecret, time.Time{})
	if a.status != http.StatusOK || a.ResponseType != "ephemeral" || a.Text == "" {
		e.t.Fatalf("%q: status %d, response_type %q, text %q", text, a.status, a.ResponseType, a.Text)
	}
	return a
}

// posts counts the posts in the queue.
func (e *env) posts() int {
	e.t.Helper()
	ps, err := e.db.List(context.Background(), storage.ListFilter{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(ps)
}
