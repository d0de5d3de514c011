package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
)

// Every verb through a signed request: each answers 200, ephemeral, with its own text.
func TestSignedCommandEveryVerb(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.slack.SetZone("UALICE", "Asia/Tokyo")
	id := strings.Fields(e.say("UALICE", "post first post").Text)[2] // "📝 Queued <id> for @acme…"
	cases := []struct{ text, want string }{
		{"", "Commands:"},
		{"help", "/threads post"},
		{"help list", "Usage:"},
		{"start", "/threads connect"},
		{"connect", "https://spindle.test/api/auth/threads?link=UALICE"},
		{"post hello world", "Queued"},
		{"preview hello https://example.com", "1 link"},
		{"schedule tomorrow 09:00 good morning", "09:00 JST"},
		{"list", "waiting"},
		{"status " + id, "@acme"},
		{"cancel " + id, "Cancelled " + id},
		{"delete " + id, "not posted"},
		{"delete https://www.threads.net/@acme/post/C8xYz12AbCd", "not a post Spindle published"},
		{"quota", "posts: 3/250"},
		{"feed add https://example.com/feed.xml", "Working on it"}, // answered later: see below
		{"feed list", "f1"},
		{"feed pause f1", "Paused"},
		{"feed remove f1", "Removed feed f1"},
		{"webhook add ci", "whsec_test_ci"},
		{"grant <@UBOB|bob>", "<@UBOB> may now post to @acme"},
		{"revoke <@UBOB|bob>", "may no longer post"},
		{"route @acme", "now goes to @acme"},
		{"route off", "no longer bound"},
		{"token", "spt_test_UALICE"},
		{"frobnicate", "I don't know the command"},
		{"disconnect", "Disconnected @acme"},
	}
	for _, c := range cases {
		a := e.say("UALICE", c.text)
		if !strings.Contains(a.Text, c.want) {
			t.Errorf("%q: ack lacks %q:\n%s", c.text, c.want, a.Text)
		}
		if slowVerb(c.text) { // its answer replaces the note through the response_url
			if m := e.replaced(1); !strings.Contains(m.Text, "Following") {
				t.Errorf("%q: the later answer is %q, want Following", c.text, m.Text)
			}
		}
	}
}

// Forged, stale, replayed, unsigned and oversized requests are refused and change nothing.
func TestRefusedRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	fresh := func() string { return e.command("UALICE", "post should never be queued") }
	body := fresh()

	if a := e.post(body, "wrong-secret", time.Time{}); a.status != http.StatusUnauthorized {
		t.Errorf("forged signature: status %d, want 401", a.status)
	}
	if a := e.post(fresh(), testSecret, time.Now().Add(-6*time.Minute)); a.status != http.StatusUnauthorized {
		t.Errorf("6-minute-old timestamp: status %d, want 401", a.status)
	}
	if a := e.post(fresh(), testSecret, time.Now().Add(6*time.Minute)); a.status != http.StatusUnauthorized {
		t.Errorf("timestamp 6 minutes ahead: status %d, want 401", a.status)
	}
	// Signed for one body, sent with another.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader(fresh()+"x"))
	slacktest.SignRequest(req, testSecret, body, time.Now())
	if a := e.do(req); a.status != http.StatusUnauthorized {
		t.Errorf("tampered body: status %d, want 401", a.status)
	}
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL, strings.NewReader(fresh()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if a := e.do(req); a.status != http.StatusUnauthorized {
		t.Errorf("unsigned: status %d, want 401", a.status)
	}
	big := e.command("UALICE", "post "+strings.Repeat("x", 70<<10))
	if a := e.post(big, testSecret, time.Time{}); a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized: status %d, want 413", a.status)
	}
	if n := e.posts(); n != 0 {
		t.Fatalf("refused requests queued %d posts", n)
	}

	// A valid request passes once; the same bytes again are a replay.
	replayed := e.command("UALICE", "post exactly once")
	signedAt := time.Now()
	if a := e.post(replayed, testSecret, signedAt); a.status != http.StatusOK {
		t.Fatalf("first delivery: status %d", a.status)
	}
	if a := e.post(replayed, testSecret, signedAt); a.status != http.StatusUnauthorized {
		t.Errorf("replay: status %d, want 401", a.status)
	}
	if n := e.posts(); n != 1 {
		t.Errorf("queue holds %d posts after a replay, want 1", n)
	}

	if a := e.post("ssl_check=1&token=x", testSecret, time.Time{}); a.status != http.StatusOK || a.Text != "" {
		t.Errorf("ssl_check: status %d, text %q", a.status, a.Text)
	}
	req, _ = http.NewRequest(http.MethodGet, e.srv.URL, nil)
	if a := e.do(req); a.status != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", a.status)
	}
}

// The zone comes from users.info once and is cached in storage.
func TestZoneCached(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.slack.SetZone("UALICE", "America/New_York")
	a := e.say("UALICE", "schedule tomorrow 09:00 coffee")
	if !strings.Contains(a.Text, "09:00 EST") {
		t.Fatalf("schedule not read in the user's zone: %s", a.Text)
	}
	e.say("UALICE", "schedule tomorrow 10:00 more coffee")
	e.door.wg.Wait()
	if n := e.slack.Calls("users.info"); n != 1 {
		t.Errorf("users.info called %d times, want 1 (cached)", n)
	}
	zone, _, err := e.db.UserZone(context.Background(), "slack", "T1", "UALICE")
	if err != nil || zone != "America/New_York" {
		t.Errorf("cached zone = %q, %v", zone, err)
	}
}

// list is a compact Block Kit table; quota shows used/limit; text is always there.
func TestBlockKit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.say("UALICE", "schedule in 2h <b>bold & brash</b>")
	a := e.say("UALICE", "list")
	blocks := strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(string(a.Blocks))
	if !strings.Contains(blocks, "scheduled") || !strings.Contains(blocks, "&lt;b&gt;bold &amp; brash&lt;/b&gt;") {
		t.Errorf("list blocks lack the escaped row: %s", blocks)
	}
	q := e.say("UALICE", "quota")
	if !strings.Contains(string(q.Blocks), "3/250") || !strings.Contains(q.Text, "3/250") {
		t.Errorf("quota: text %q blocks %s", q.Text, q.Blocks)
	}
}

// TestBlockKitListRecent: list's blocks carry the finished posts too, under their heading,
// even when nothing waits (a cancelled one says cancelled).
func TestBlockKitListRecent(t *testing.T) {
	e := newEnv(t)
	id := strings.Fields(e.say("UALICE", "schedule in 2h soon gone").Text)[2]
	e.say("UALICE", "cancel "+id)
	a := e.say("UALICE", "list")
	blocks := string(a.Blocks)
	if !strings.Contains(blocks, "Recently finished:") || !strings.Contains(blocks, id) || !strings.Contains(blocks, "_cancelled_") {
		t.Errorf("list blocks lack the finished post: %s (text %q)", blocks, a.Text)
	}
}
