package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

const (
	appID         = "e2e-app"
	appSecret     = "e2e-app-secret"
	signingSecret = "e2e-slack-signing-secret"
	botToken      = "xoxb-e2e-bot-token"
	telegramToken = "123456:e2e-telegram-token"
)

// TestWholeSystem runs the real binary against loopback stand-ins and drives every door.
func TestWholeSystem(t *testing.T) {
	start := time.Now()
	bin := buildSpindle(t)
	t.Logf("go build ./cmd/spindle took %v", time.Since(start).Round(time.Millisecond))

	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret})
	t.Cleanup(sim.Close)
	user := sim.AddUser("e2eposter")
	sim.SetConsentUser(user.ID)
	slk := slacktest.NewServer(botToken, nil)
	t.Cleanup(slk.Close)
	tg := telegramtest.NewServer(telegramToken)
	t.Cleanup(tg.Close)
	blog := &feed{}
	blog.add("first")
	blogSrv := newHTTPServer(blog)
	t.Cleanup(blogSrv.Close)
	// A killed daemon can leave a connection these servers count as active; drop them all so
	// Close does not wait on it.
	t.Cleanup(func() { slk.CloseClientConnections(); blogSrv.CloseClientConnections() })

	addr := freeAddr(t)
	public := "http://" + addr
	env := daemonEnv(t, addr, sim,
		"SPINDLE_FEED_INTERVAL=1s",
		"SPINDLE_ALLOW_PRIVATE_URLS=true",
		"SLACK_SIGNING_SECRET="+signingSecret,
		"SLACK_BOT_TOKEN="+botToken,
		"SLACK_API_URL="+slk.APIURL(),
		"TELEGRAM_BOT_TOKEN="+telegramToken,
		"TELEGRAM_API_URL="+tg.URL,
	)
	d := startDaemon(t, bin, env)
	if d.addr != addr {
		t.Fatalf("spindle listens on %s, want %s", d.addr, addr)
	}
	if strings.Contains(d.logs(), appSecret) || strings.Contains(d.logs(), signingSecret) || strings.Contains(d.logs(), botToken) {
		t.Fatal("a secret reached the log")
	}

	var posts []string // every text that must be in the ledger exactly once

	slackSay := func(t *testing.T, text, responseID string) string {
		t.Helper()
		body := slacktest.Command{Team: "T1", Channel: "C1", User: "UALICE", UserName: "alice", Text: text,
			ResponseURL: slk.ResponseURL(responseID)}.Form()
		req, err := http.NewRequest(http.MethodPost, public+"/slack/commands", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		slacktest.SignRequest(req, signingSecret, body, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ans struct {
			Text         string `json:"text"`
			ResponseType string `json:"response_type"`
		}
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &ans) != nil || ans.ResponseType != "ephemeral" {
			t.Fatalf("/threads %s: %d %s", text, resp.StatusCode, raw)
		}
		return ans.Text
	}

	t.Run("connect from Slack through OAuth", func(t *testing.T) {
		ans := slackSay(t, "connect", "connect")
		link := regexp.MustCompile(`https?://\S+`).FindString(ans)
		if !strings.HasPrefix(link, public+"/") {
			t.Fatalf("connect answer has no link to %s: %q", public, ans)
		}
		end, status, page := openConnectLink(t, link)
		if status != http.StatusOK || !strings.HasPrefix(end.String(), public+"/") {
			t.Fatalf("the consent round trip ended at %s with %d: %s", end, status, page)
		}
		var accounts []struct {
			Username, Status, Owner string
			ThreadsUserID           string `json:"threads_user_id"`
		}
		out := mustCLI(t, bin, env, "accounts", "list", "--json")
		if err := json.Unmarshal([]byte(out), &accounts); err != nil {
			t.Fatalf("accounts list --json: %v\n%s", err, out)
		}
		if len(accounts) != 1 || accounts[0].Username != user.Username || accounts[0].ThreadsUserID != user.ID || accounts[0].Status != "active" {
			t.Fatalf("accounts after connecting: %+v", accounts)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("post from Slack", func(t *testing.T) {
		text := "Hello from Slack, through the real binary"
		ans := slackSay(t, "post --account @"+user.Username+" "+text, "post")
		if !strings.Contains(strings.ToLower(ans), "queued") {
			t.Fatalf("post answer: %q", ans)
		}
		posts = append(posts, text)
		eventually(t, 20*time.Second, "the Slack post in the ledger", func() bool { return ledgerCount(sim, text) == 1 })
		p, _ := ledgerPost(sim, text)
		if !strings.HasPrefix(p.Permalink, "https://www.threads.net/@"+user.Username+"/post/") {
			t.Fatalf("the simulator gave the Slack post permalink %q", p.Permalink)
		}
		// SLACK_API_URL names the stand-in, so the daemon trusts response_urls on its host and
		// the result comes back on the command's own response_url, not by chat.postMessage.
		want := "✅ Posted: " + p.Permalink
		eventually(t, 20*time.Second, "✅ Posted with the permalink on the post command's response_url", func() bool {
			for _, m := range slk.Messages() {
				if m.Via == "response_url" && m.Channel == "post" && strings.Contains(m.Text, want) {
					return true
				}
			}
			return false
		}, func() { t.Logf("messages Slack was sent: %+v", slk.Messages()) })
		for _, m := range slk.Messages() {
			if strings.Contains(m.Text, want) && (m.Via != "response_url" || m.Channel != "post") {
				t.Errorf("the result also reached Slack by %s to %s: %q", m.Via, m.Channel, m.Text)
			}
		}
	})

	t.Run("cancel a Slack schedule with its button", func(t *testing.T) {
		text := "Scheduled from Slack, then cancelled by its button"
		ans := slackSay(t, "schedule --account @"+user.Username+" in 1h "+text, "sched")
		id := regexp.MustCompile(`\bp[0-9a-z]{6}\b`).FindString(ans)
		if id == "" {
			t.Fatalf("schedule answer names no post: %q", ans)
		}
		body := slacktest.ButtonPress{Team: "T1", Channel: "C1", User: "UALICE", UserName: "alice",
			ActionID: "cancel_post", Value: id, ResponseURL: slk.ResponseURL("press")}.Form()
		req, err := http.NewRequest(http.MethodPost, public+"/slack/interactions", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		slacktest.SignRequest(req, signingSecret, body, time.Now())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the button press answered %d", resp.StatusCode)
		}
		eventually(t, 20*time.Second, "the confirmation replaced by the cancellation", func() bool {
			for _, m := range slk.Messages() {
				if m.Channel == "press" && m.ReplaceOriginal && strings.Contains(m.Text, "Cancelled "+id) {
					return true
				}
			}
			return false
		}, func() { t.Logf("messages Slack was sent: %+v", slk.Messages()) })
	})

	// The account was linked above through OAuth with the daemon's default scopes (no
	// THREADS_DEFAULT_SCOPES in its environment); the simulator refuses replies and deletes to
	// a token without threads_manage_replies and threads_delete, as Meta does.
	t.Run("chain and delete from Slack with the default scopes", func(t *testing.T) {
		var b strings.Builder
		for i := 1; i <= 38; i++ {
			fmt.Fprintf(&b, "Sentence %d of a long thought. ", i) // distinct, so each part is its own text
		}
		long := strings.TrimSpace(b.String())
		parts := threads.Split(long, threads.MaxTextChars)
		if len(parts) != 3 {
			t.Fatalf("the test text splits into %d parts, want 3", len(parts))
		}
		ans := slackSay(t, "post --account @"+user.Username+" "+long, "chain")
		m := regexp.MustCompile(`Queued (\w+)`).FindStringSubmatch(ans)
		if m == nil || !strings.Contains(ans, "thread of 3 posts") {
			t.Fatalf("chain answer: %q", ans)
		}
		id := m[1]
		posts = append(posts, parts...)
		eventually(t, 20*time.Second, "the three parts in the ledger", func() bool {
			for _, p := range parts {
				if ledgerCount(sim, p) != 1 {
					return false
				}
			}
			return true
		}, func() { t.Logf("ledger %+v", sim.Ledger()) })
		// The last part in the ledger comes a moment before the post is recorded posted.
		// Each look is its own signed request (Slack never sends the same one twice).
		looks := 0
		eventually(t, 10*time.Second, "the chain recorded posted", func() bool {
			looks++
			return strings.Contains(slackSay(t, "status "+id, fmt.Sprintf("status-posted-%d", looks)), "✅ posted")
		})
		if ans := slackSay(t, "delete "+id, "delete"); !strings.Contains(ans, "Deleting "+id) {
			t.Fatalf("delete answer: %q", ans)
		}
		eventually(t, 10*time.Second, "every part deleted on Threads", func() bool {
			for _, p := range parts {
				if lp, _ := ledgerPost(sim, p); !lp.Deleted {
					return false
				}
			}
			return true
		})
		if ans := slackSay(t, "status "+id, "status"); !strings.Contains(ans, "deleted from Threads") {
			t.Errorf("status after delete: %q", ans)
		}
		if ans := slackSay(t, "delete "+id, "delete-again"); !strings.Contains(ans, "already deleted") {
			t.Errorf("second delete: %q", ans)
		}
	})

	t.Run("post and delete over REST with the default scopes", func(t *testing.T) {
		var tok struct{ Token string }
		out := mustCLI(t, bin, env, "tokens", "create", "--account", user.Username, "--json")
		if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Token == "" {
			t.Fatalf("tokens create --json: %v\n%s", err, out)
		}
		text := "Posted and deleted over REST"
		req, _ := http.NewRequest(http.MethodPost, public+"/api/threads/post", strings.NewReader(`{"text":"`+text+`"}`))
		req.Header.Set("Authorization", "Bearer "+tok.Token)
		req.Header.Set("Content-Type", "application/json")
		var created struct{ ID string }
		if code, body := httpJSON(t, req, nil); code != http.StatusAccepted || json.Unmarshal([]byte(body), &created) != nil {
			t.Fatalf("POST /api/threads/post: %d %s", code, body)
		}
		posts = append(posts, text)
		eventually(t, 20*time.Second, "the REST post published", func() bool {
			return apiPostStatus(t, public, tok.Token, created.ID).Status == "posted"
		})
		del := func() (int, string) {
			req, _ := http.NewRequest(http.MethodDelete, public+"/api/threads/post/"+created.ID, nil)
			req.Header.Set("Authorization", "Bearer "+tok.Token)
			return httpJSON(t, req, nil)
		}
		if code, body := del(); code != http.StatusOK {
			t.Fatalf("DELETE: %d %s", code, body)
		}
		if p, _ := ledgerPost(sim, text); !p.Deleted {
			t.Error("the REST post is not deleted on Threads")
		}
		if st := apiPostStatus(t, public, tok.Token, created.ID).Status; st != "deleted" {
			t.Errorf("GET after delete: status %q, want deleted", st)
		}
		if code, body := del(); code != http.StatusGone {
			t.Errorf("DELETE again: %d %s, want 410", code, body)
		}
	})

	t.Run("signed GitHub release webhook", func(t *testing.T) {
		out := mustCLI(t, bin, env, "sources", "add", "rel", "--account", user.Username, "--scheme", "github",
			"--preset", "github-release", "--json")
		var src struct{ URL, Secret string }
		if err := json.Unmarshal([]byte(out), &src); err != nil || src.Secret == "" {
			t.Fatalf("sources add --json: %v\n%s", err, out)
		}
		if !strings.HasPrefix(src.URL, public+"/") {
			t.Fatalf("source URL %q is not under %s", src.URL, public)
		}
		if code, body := sendRelease(t, src.URL, src.Secret); code != http.StatusAccepted {
			t.Fatalf("signed release: %d %s", code, body)
		}
		text := "🚀 Codertocat/Hello-World 0.0.1 is out\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1"
		posts = append(posts, text)
		eventually(t, 20*time.Second, "the release post in the ledger", func() bool { return ledgerCount(sim, text) == 1 })
	})

	t.Run("feed", func(t *testing.T) {
		mustCLI(t, bin, env, "feeds", "add", blogSrv.URL+"/feed.xml", "--account", user.Username)
		// Items present when the feed is added are skipped, by the daemon's poll too; a new
		// one is posted.
		added := blog.requests()
		eventually(t, 20*time.Second, "the daemon polling the feed added", func() bool { return blog.requests() > added })
		blog.add("second")
		eventually(t, 30*time.Second, "the new feed item in the ledger", func() bool {
			for _, p := range sim.Ledger() {
				if strings.Contains(p.Text, "https://blog.example.com/second") {
					return true
				}
			}
			return false
		})
		for _, p := range sim.Ledger() {
			if strings.Contains(p.Text, "https://blog.example.com/first") {
				t.Errorf("an item present when the feed was added was posted: %q", p.Text)
			}
			if strings.Contains(p.Text, "https://blog.example.com/second") {
				posts = append(posts, p.Text)
			}
		}
	})

	// bob uses Spindle from Telegram; the Telegram steps below share him and his chat.
	bob := telegramtest.User(4242, "bob")
	chat := telegramtest.Private(bob)
	tgUser := sim.AddUser("e2etelegram")
	tgLinked := false // set once bob has linked tgUser from Telegram
	tgPosted := func(permalink string) func(telegramtest.Sent) bool {
		return func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, "✅ Posted: "+permalink)
		}
	}

	t.Run("connect and post from Telegram", func(t *testing.T) {
		// A Threads account has one owner, so the Telegram user links an account of their own.
		sim.SetConsentUser(tgUser.ID)
		tg.Push(tg.Text(chat, bob, "/connect"))
		m, ok := tg.WaitSent(20*time.Second, func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, public+"/")
		})
		if !ok {
			t.Fatalf("no connect link reached Telegram; the bot sent %+v", tg.Sent())
		}
		link := regexp.MustCompile(`https?://\S+`).FindString(m.Text)
		if _, status, page := openConnectLink(t, link); status != http.StatusOK {
			t.Fatalf("the Telegram consent round trip ended with %d: %s", status, page)
		}
		text := "Hello from Telegram, through the real binary"
		tg.Push(tg.Text(chat, bob, "/post --account @"+tgUser.Username+" "+text))
		if _, ok := tg.WaitSent(20*time.Second, func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, "✅ Posted: https://www.threads.net/@"+tgUser.Username+"/post/")
		}); !ok {
			t.Fatalf("no ✅ Posted reached Telegram; the bot sent %+v", tg.Sent())
		}
		posts = append(posts, text)
		if c := ledgerCount(sim, text); c != 1 {
			t.Fatalf("the Telegram post is in the ledger %d times", c)
		}
		tgLinked = true
	})

	t.Run("schedule from Telegram", func(t *testing.T) {
		if !tgLinked {
			t.Fatal("bob has no account of his own: the Telegram connect step failed")
		}
		// "in" counts minutes at least, so an RFC 3339 instant keeps the wait to seconds.
		at := time.Now().Add(6 * time.Second).Truncate(time.Second).UTC()
		text := "Scheduled from Telegram, through the real binary"
		tg.Push(tg.Text(chat, bob, "/schedule --account @"+tgUser.Username+" "+at.Format(time.RFC3339)+" "+text))
		// The answer echoes the absolute instant, in SPINDLE_TIMEZONE (UTC here).
		echo := at.Format("Mon 2 Jan 2006 15:04 MST")
		if _, ok := tg.WaitSent(10*time.Second, func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, "🗓️ Scheduled") && strings.Contains(m.Text, echo)
		}); !ok {
			t.Fatalf("no 🗓️ Scheduled … %s reached Telegram; the bot sent %+v", echo, tg.Sent())
		}
		if time.Now().After(at) {
			t.Fatalf("the schedule was answered after its own time %v; the check below would prove nothing", at)
		}
		posts = append(posts, text)
		for time.Now().Before(at.Add(-200 * time.Millisecond)) {
			if c := ledgerCount(sim, text); c != 0 {
				t.Fatalf("the post scheduled for %v was published at %v", at, time.Now())
			}
			time.Sleep(50 * time.Millisecond)
		}
		eventually(t, 15*time.Second, "the scheduled post in the ledger", func() bool { return ledgerCount(sim, text) == 1 })
		p, _ := ledgerPost(sim, text)
		if p.Time.Before(at) {
			t.Errorf("the post scheduled for %v was published at %v", at, p.Time)
		}
		if _, ok := tg.WaitSent(20*time.Second, tgPosted(p.Permalink)); !ok {
			t.Fatalf("no ✅ Posted: %s reached Telegram; the bot sent %+v", p.Permalink, tg.Sent())
		}
	})

	t.Run("grant an account across doors, then revoke", func(t *testing.T) {
		// alice owns @e2eposter from Slack; a bare number names a Telegram user (bob).
		tgID := fmt.Sprint(bob.ID)
		ans := slackSay(t, "grant "+tgID+" --account @"+user.Username, "grant")
		if !strings.Contains(ans, "may now post to @"+user.Username) {
			t.Fatalf("grant answer: %q", ans)
		}
		if _, ok := tg.WaitSent(10*time.Second, func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, "gave you the right to post") && strings.Contains(m.Text, "@"+user.Username)
		}); !ok {
			t.Errorf("bob was not told on Telegram that he may post to @%s; the bot sent %+v", user.Username, tg.Sent())
		}
		text := "Hello from Telegram to a granted account"
		tg.Push(tg.Text(chat, bob, "/post --account @"+user.Username+" "+text))
		posts = append(posts, text)
		eventually(t, 20*time.Second, "the grantee's post in the ledger", func() bool { return ledgerCount(sim, text) == 1 },
			func() { t.Logf("the bot sent %+v", tg.Sent()) })
		p, _ := ledgerPost(sim, text)
		if !strings.HasPrefix(p.Permalink, "https://www.threads.net/@"+user.Username+"/post/") {
			t.Fatalf("the grantee's post went to %q, want @%s", p.Permalink, user.Username)
		}
		if _, ok := tg.WaitSent(20*time.Second, tgPosted(p.Permalink)); !ok {
			t.Fatalf("no ✅ Posted: %s reached Telegram; the bot sent %+v", p.Permalink, tg.Sent())
		}

		// bob, while granted, makes @e2eposter follow a feed of his choosing.
		bobBlog := &feed{}
		bobBlog.add("bob-first")
		bobSrv := newHTTPServer(bobBlog)
		t.Cleanup(func() { bobSrv.CloseClientConnections(); bobSrv.Close() })
		tg.Push(tg.Text(chat, bob, "/feed add --account @"+user.Username+" "+bobSrv.URL+"/bob.xml"))
		if _, ok := tg.WaitSent(20*time.Second, func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, "Following "+bobSrv.URL)
		}); !ok {
			t.Fatalf("bob's feed add was not acknowledged; the bot sent %+v", tg.Sent())
		}
		bobBlog.add("bob-second")
		eventually(t, 30*time.Second, "the granted feed's item in the ledger", func() bool {
			return ledgerHas(sim, "https://blog.example.com/bob-second")
		})

		ans = slackSay(t, "revoke "+tgID+" --account @"+user.Username, "revoke")
		if !strings.Contains(ans, "may no longer post to @"+user.Username) {
			t.Fatalf("revoke answer: %q", ans)
		}
		// The feed bob added stops with his right: the owner sees it paused, and an item
		// that appears after the revoke is not posted while the operator's feed keeps going.
		if ans := slackSay(t, "feed list", "feed"); !strings.Contains(ans, bobSrv.URL+"/bob.xml  (paused)") {
			t.Errorf("after the revoke, feed list answers %q; want bob's feed paused", ans)
		}
		bobBlog.add("bob-third")
		blog.add("after-revoke")
		eventually(t, 30*time.Second, "the operator's feed item after the revoke", func() bool {
			return ledgerHas(sim, "https://blog.example.com/after-revoke")
		})
		if ledgerHas(sim, "https://blog.example.com/bob-third") {
			t.Error("the revoked grantee's feed still posted to the account")
		}
		for _, p := range sim.Ledger() {
			if strings.Contains(p.Text, "https://blog.example.com/bob-second") || strings.Contains(p.Text, "https://blog.example.com/after-revoke") {
				posts = append(posts, p.Text)
			}
		}
		refused := "This must not be posted after the revoke"
		tg.Push(tg.Text(chat, bob, "/post --account @"+user.Username+" "+refused))
		m, ok := tg.WaitSent(10*time.Second, func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, "You cannot use @"+user.Username)
		})
		if !ok {
			t.Fatalf("no refusal reached Telegram after the revoke; the bot sent %+v", tg.Sent())
		}
		for _, bad := range []string{"Queued", "goroutine", "error:", "storage", "sql"} {
			if strings.Contains(m.Text, bad) {
				t.Errorf("the refusal is not a plain message (has %q): %q", bad, m.Text)
			}
		}
		// Nothing waits on the account (the owner sees all of it), and nothing was published.
		// The feed items above reach the ledger a moment before Spindle records them posted,
		// so list is asked until none of them reads publishing (each ask is its own request:
		// Slack's replay guard refuses the same signed body twice).
		asks := 0
		eventually(t, 20*time.Second, "the feed items recorded posted", func() bool {
			asks++
			ans = slackSay(t, "list @"+user.Username, fmt.Sprintf("list-%d", asks))
			return !strings.Contains(ans, "publishing")
		}, func() { t.Logf("list answers %q", ans) })
		if !strings.Contains(ans, "Nothing is waiting") || strings.Contains(ans, refused) {
			t.Errorf("after the refused post, list @%s answers %q", user.Username, ans)
		}
		time.Sleep(1500 * time.Millisecond) // a poll interval and a half: a queued post would be out
		if c := ledgerCount(sim, refused); c != 0 {
			t.Errorf("the post refused after the revoke is in the ledger %d times", c)
		}
	})

	t.Run("SIGKILL mid-drain loses and doubles nothing", func(t *testing.T) {
		// One account's posts go one at a time, each waiting the publisher's first status
		// check of a text container (2 s): 12 posts take some 30 s after the restart.
		const n = 12
		// All fall due at the same moment, after they are queued, so the kill lands while
		// the publisher is working through them. Queuing them runs the CLI n times; on a
		// loaded machine that takes long, so the due time leaves room for twice what one
		// run of the binary costs now.
		probe := time.Now()
		mustCLI(t, bin, env, "version")
		due := time.Now().Add(3*time.Second + 2*n*time.Since(probe)).Truncate(time.Second)
		var texts []string
		for i := range n {
			text := fmt.Sprintf("crash test post %02d", i)
			args := []string{"post", text, "--account", user.Username}
			// On a machine slower than the probe said, the due time may pass while the posts
			// are queued: the rest go out at once, which the kill below still interrupts.
			if time.Until(due) > time.Second {
				args = append(args, "--at", due.UTC().Format(time.RFC3339))
			}
			mustCLI(t, bin, env, args...)
			texts = append(texts, text)
		}
		eventually(t, 60*time.Second, "the drain to start", func() bool {
			for _, tx := range texts {
				if ledgerCount(sim, tx) > 0 {
					return true
				}
			}
			return false
		})
		d.kill(t)
		published := 0
		for _, tx := range texts {
			published += ledgerCount(sim, tx)
		}
		t.Logf("%d of %d posts published before SIGKILL", published, n)
		d = startDaemon(t, bin, env)
		// The restarted daemon releases the killed one's leases at start, so every post must
		// go out, each exactly once.
		eventually(t, 90*time.Second, "all crash posts to be published", func() bool {
			for _, tx := range texts {
				if ledgerCount(sim, tx) == 0 {
					return false
				}
			}
			return true
		})
		for _, tx := range texts {
			if c := ledgerCount(sim, tx); c != 1 {
				t.Errorf("%q was published %d times across the SIGKILL", tx, c)
			}
			posts = append(posts, tx)
		}
		t.Logf("%d of %d posts published before SIGKILL; all %d exactly once after the restart", published, n, n)
	})

	// Let any straggler (a double) land before counting.
	time.Sleep(1500 * time.Millisecond)
	for _, tx := range posts {
		if c := ledgerCount(sim, tx); c != 1 {
			t.Errorf("%q is in the ledger %d times, want exactly once", tx, c)
		}
	}
	if got := len(sim.Ledger()); got != len(posts) {
		t.Errorf("the ledger holds %d posts, want %d", got, len(posts))
	}
}
