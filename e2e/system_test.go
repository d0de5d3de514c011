package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/ingest/webhook"
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
	dataDir := t.TempDir()
	public := "http://" + addr
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"SPINDLE_DATA_DIR=" + dataDir,
		"SPINDLE_ADDR=" + addr,
		"SPINDLE_PUBLIC_URL=" + public,
		"SPINDLE_POLL_INTERVAL=1s",
		"SPINDLE_FEED_INTERVAL=1s",
		"SPINDLE_ALLOW_PRIVATE_URLS=true",
		"THREADS_APP_ID=" + appID,
		"THREADS_APP_SECRET=" + appSecret,
		"THREADS_API_URL=" + sim.URL,
		"THREADS_AUTH_URL=" + sim.AuthorizeURL(),
		"SLACK_SIGNING_SECRET=" + signingSecret,
		"SLACK_BOT_TOKEN=" + botToken,
		"SLACK_API_URL=" + slk.APIURL(),
		"TELEGRAM_BOT_TOKEN=" + telegramToken,
		"TELEGRAM_API_URL=" + tg.URL,
	}
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
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar, Timeout: 15 * time.Second}
		resp, err := browser.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.String(), public+"/") {
			t.Fatalf("the consent round trip ended at %s with %d: %s", resp.Request.URL, resp.StatusCode, page)
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
		// The daemon trusts only https://hooks.slack.com response_urls, so with the loopback
		// stand-in the result comes by chat.postMessage in the command's channel.
		eventually(t, 20*time.Second, "✅ Posted with the permalink in the Slack channel", func() bool {
			for _, m := range slk.Messages() {
				if m.Channel == "C1" && strings.Contains(m.Text, "✅ Posted: https://www.threads.net/@"+user.Username+"/post/") {
					return true
				}
			}
			return false
		}, func() { t.Logf("messages Slack was sent: %+v", slk.Messages()) })
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
		release, err := os.ReadFile("../ingest/webhook/testdata/github-release-published.json")
		if err != nil {
			t.Fatal(err)
		}
		h, err := webhook.Sign(webhook.SchemeGitHub, src.Secret, release, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, src.URL, bytes.NewReader(release))
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", "release")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("signed release: %d %s", resp.StatusCode, body)
		}
		text := "🚀 Codertocat/Hello-World 0.0.1 is out\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1"
		posts = append(posts, text)
		eventually(t, 20*time.Second, "the release post in the ledger", func() bool { return ledgerCount(sim, text) == 1 })
	})

	t.Run("feed", func(t *testing.T) {
		mustCLI(t, bin, env, "feeds", "add", blogSrv.URL+"/feed.xml", "--account", user.Username)
		// Items present when the feed is added are skipped; a new one is posted.
		time.Sleep(1500 * time.Millisecond)
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

	t.Run("connect and post from Telegram", func(t *testing.T) {
		// A Threads account has one owner, so the Telegram user links an account of their own.
		tgUser := sim.AddUser("e2etelegram")
		sim.SetConsentUser(tgUser.ID)
		bob := telegramtest.User(4242, "bob")
		chat := telegramtest.Private(bob)
		tg.Push(tg.Text(chat, bob, "/connect"))
		m, ok := tg.WaitSent(20*time.Second, func(m telegramtest.Sent) bool {
			return m.ChatID == chat.ID && strings.Contains(m.Text, public+"/")
		})
		if !ok {
			t.Fatalf("no connect link reached Telegram; the bot sent %+v", tg.Sent())
		}
		link := regexp.MustCompile(`https?://\S+`).FindString(m.Text)
		browser := &http.Client{Timeout: 15 * time.Second}
		resp, err := browser.Get(link)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the Telegram consent round trip ended with %d: %s", resp.StatusCode, page)
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
	})

	t.Run("SIGKILL mid-drain loses and doubles nothing", func(t *testing.T) {
		const n = 50
		// All fall due at the same moment, after they are queued, so the kill lands while
		// the publisher is working through them.
		due := time.Now().Add(4 * time.Second).UTC().Format(time.RFC3339)
		var texts []string
		for i := range n {
			text := fmt.Sprintf("crash test post %02d", i)
			mustCLI(t, bin, env, "post", text, "--account", user.Username, "--at", due)
			texts = append(texts, text)
		}
		eventually(t, 30*time.Second, "the drain to start", func() bool {
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
		eventually(t, 45*time.Second, "all crash posts to be published", func() bool {
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
