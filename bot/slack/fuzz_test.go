package slack

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// counting is a dispatcher that counts the commands that reached it.
type counting struct{ n atomic.Int64 }

func (c *counting) Handle(_ context.Context, in bot.Incoming) bot.Reply {
	c.n.Add(1)
	return bot.Reply{Text: "ok: " + in.Text}
}

func (c *counting) Run(_ context.Context, _ bot.Incoming, cmd bot.Command) bot.Reply {
	c.n.Add(1)
	return bot.Reply{Text: "ok: " + cmd.Verb}
}

// FuzzSlashRequest feeds the request path arbitrary form bodies, timestamps and signature
// headers. Whatever arrives, the handler answers one of its statuses without panicking, and
// only a request signed with the secret within 5 minutes reaches the dispatcher.
func FuzzSlashRequest(f *testing.F) {
	valid := slacktest.Command{Team: "T1", Channel: "C1", User: "U1", Text: "post hi", ResponseURL: "https://hooks.slack.com/commands/1/2"}.Form()
	f.Add(valid, int64(0), "")
	f.Add(valid, int64(-301), "")
	f.Add(valid, int64(0), "v0=00")
	f.Add(valid, int64(0), slacktest.Sign("other", time.Now().Unix(), valid))
	f.Add("ssl_check=1&token=x", int64(0), "")
	f.Add("team_id=T1&user_id=U1&text=%ZZ", int64(0), "")
	f.Add("text="+strings.Repeat("a", 70000), int64(0), "")
	f.Add("", int64(1e12), "v0=")
	db := storagetest.Open(f, nil)
	disp := &counting{}
	door := New(Options{SigningSecret: testSecret, BotToken: testToken, APIURL: "http://127.0.0.1:1/", Dispatcher: disp, Store: db,
		HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
	f.Cleanup(door.Close)
	var seq atomic.Int64
	f.Fuzz(func(t *testing.T, body string, skew int64, sig string) {
		// A unique field keeps identical inputs from being refused as replays.
		body += "&fuzz_seq=" + strconv.FormatInt(seq.Add(1), 10)
		at := time.Now().Add(time.Duration(skew%1e9) * time.Second)
		req := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
		slacktest.SignRequest(req, testSecret, body, at)
		signed := sig == ""
		if !signed {
			req.Header.Set("X-Slack-Signature", sig)
		}
		before := disp.n.Load()
		w := httptest.NewRecorder()
		door.ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d", w.Code)
		}
		reached := disp.n.Load() > before
		fresh := skew%1e9 > -299 && skew%1e9 < 299
		if reached && (!signed && sig != slacktest.Sign(testSecret, at.Unix(), body) || !fresh) {
			t.Fatalf("a request without a valid signature reached the dispatcher (sig %q, skew %d)", sig, skew)
		}
		if reached && w.Code != http.StatusOK {
			t.Fatalf("dispatched but answered %d", w.Code)
		}
	})
}
