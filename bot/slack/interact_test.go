package slack

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/storage"
)

// press sends a signed button press (signed at at, with secret) to the interactions server.
func (e *env) press(srv *httptest.Server, body, secret string, at time.Time) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/slack/interactions", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	slacktest.SignRequest(req, secret, body, at)
	resp, err := srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// replaced waits for the n-th message that replaces an original through a response_url.
func (e *env) replaced(n int) slacktest.Message {
	e.t.Helper()
	var got []slacktest.Message
	e.slack.WaitMessages(e.t, fmt.Sprintf("%d messages replacing an original", n), func(all []slacktest.Message) bool {
		got = got[:0]
		for _, m := range all {
			if m.ReplaceOriginal {
				got = append(got, m)
			}
		}
		return len(got) >= n
	})
	return got[n-1]
}

// answeredPrivately waits for the n-th answer to a press that leaves the pressed message as it
// was (an ephemeral response_url post).
func (e *env) answeredPrivately(n int) slacktest.Message {
	e.t.Helper()
	var got []slacktest.Message
	e.slack.WaitMessages(e.t, fmt.Sprintf("%d private answers to presses", n), func(all []slacktest.Message) bool {
		got = got[:0]
		for _, m := range all {
			if m.Via == "response_url" && !m.ReplaceOriginal && m.ResponseType == "ephemeral" {
				got = append(got, m)
			}
		}
		return len(got) >= n
	})
	return got[n-1]
}

// TestCancelButton: a schedule confirmation carries a Cancel button for its post; pressing it
// (a payload signed as Slack signs it) cancels the post and replaces the message with the
// outcome; a second press acts once; a replayed, forged or stale press, and a stranger's, do
// nothing.
func TestCancelButton(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.say("UALICE", "schedule in 2h Launch day")
	ps, err := e.db.List(context.Background(), storage.ListFilter{Limit: 10})
	if err != nil || len(ps) != 1 {
		t.Fatalf("queued posts: %v %d", err, len(ps))
	}
	id := ps[0].ID
	if !strings.Contains(string(a.Blocks), `"action_id":"cancel_post"`) || !strings.Contains(string(a.Blocks), `"value":"`+id+`"`) {
		t.Fatalf("the confirmation has no Cancel button for %s: %s", id, a.Blocks)
	}
	srv := httptest.NewServer(e.door.Interactions())
	t.Cleanup(srv.Close)
	pressBy := func(user string) string {
		return slacktest.ButtonPress{Team: "T1", Channel: "C1", User: user, UserName: strings.ToLower(user),
			ActionID: "cancel_post", Value: id, ResponseURL: e.slack.ResponseURL("press-" + user + itoa(e.seq.Add(1)))}.Form()
	}

	stranger := pressBy("UMALLORY")
	if code := e.press(srv, stranger, testSecret, time.Now()); code != http.StatusOK {
		t.Fatalf("a stranger's press: %d", code)
	}
	if m := e.replaced(1); !strings.Contains(m.Text, "I know no post "+id) {
		t.Fatalf("a stranger's press answered %q, want the same answer as for a post that does not exist", m.Text)
	}
	if p, _ := e.db.Get(context.Background(), id); p.State != storage.StateQueued {
		t.Fatalf("after a stranger's press the post is %s, want queued", p.State)
	}

	first := pressBy("UALICE")
	at := time.Now()
	for name, code := range map[string]int{
		"forged": e.press(srv, first, "not the signing secret", at),
		"stale":  e.press(srv, first, testSecret, at.Add(-10*time.Minute)),
	} {
		if code != http.StatusUnauthorized {
			t.Errorf("%s press answered %d, want 401", name, code)
		}
	}
	if code := e.press(srv, first, testSecret, at); code != http.StatusOK {
		t.Fatalf("alice's press: %d", code)
	}
	if m := e.replaced(2); !strings.Contains(m.Text, "Cancelled "+id) {
		t.Fatalf("the message was replaced with %q, want the cancellation", m.Text)
	}
	if p, _ := e.db.Get(context.Background(), id); p.State != storage.StateCancelled {
		t.Fatalf("after alice's press the post is %s, want cancelled", p.State)
	}
	if code := e.press(srv, first, testSecret, at); code != http.StatusUnauthorized {
		t.Errorf("the same press replayed answered %d, want 401", code)
	}
	if code := e.press(srv, pressBy("UALICE"), testSecret, time.Now()); code != http.StatusOK {
		t.Fatalf("alice's second press: %d", code)
	}
	if m := e.replaced(3); !strings.Contains(m.Text, "is cancelled, so it cannot be cancelled") {
		t.Errorf("the second press answered %q, want that the post is already cancelled", m.Text)
	}
}

// TestConnectLinkIsAButton: the connect answer carries its linking page as a URL button, and
// keeps the link in the text for clients that show no blocks; pressing it (Slack still posts
// the press) is acknowledged and does nothing.
func TestConnectLinkIsAButton(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.say("UALICE", "connect")
	link := "https://spindle.test/api/auth/threads?link=UALICE"
	if !strings.Contains(a.Text, link) || !strings.Contains(string(a.Blocks), `"url":"`+link+`"`) ||
		!strings.Contains(string(a.Blocks), "Connect a Threads account") {
		t.Fatalf("connect answer: text %q, blocks %s; want the link in both, as a button in the blocks", a.Text, a.Blocks)
	}
	srv := httptest.NewServer(e.door.Interactions())
	t.Cleanup(srv.Close)
	body := slacktest.ButtonPress{Team: "T1", Channel: "C1", User: "UALICE", UserName: "alice",
		ActionID: "open_link", ResponseURL: e.slack.ResponseURL("open")}.Form()
	if code := e.press(srv, body, testSecret, time.Now()); code != http.StatusOK {
		t.Fatalf("pressing the link button answered %d, want 200", code)
	}
	if n := e.posts(); n != 0 {
		t.Errorf("pressing the link button queued %d posts", n)
	}
}
