package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// feedFixture serves a small RSS 2.0 feed over real HTTP.
func feedFixture(t *testing.T, title string, items int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("ETag", `"v1"`)
		if r.Header.Get("If-None-Match") == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>%s</title><link>https://blog.example/</link>`, title)
		for i := items; i >= 1; i-- {
			fmt.Fprintf(w, `<item><title>Post %d</title><link>https://blog.example/%d</link><guid>post-%d</guid>`+
				`<pubDate>%s</pubDate></item>`, i, i, i, time.Date(2026, 1, i, 0, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// linkAccount stores a linked account in the data dir's database, as OAuth would.
func linkAccount(t *testing.T, dir, username string) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveAccount(context.Background(), storage.Account{ThreadsUserID: "1784" + username,
		Username: username, TokenSealed: []byte("sealed"), TokenExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

func TestFeedsCommandAddListPauseResumeRemove(t *testing.T) {
	dir := t.TempDir()
	linkAccount(t, dir, "alice")
	srv := feedFixture(t, "Alice's blog", 5)
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_ALLOW_PRIVATE_URLS": "true"}

	code, out, errOut := spindle(t, env, "feeds", "add", srv.URL+"/feed.xml", "--account", "@alice", "--interval", "15m", "--cap", "4")
	if code != 0 || out != "Feed 1: Watching Alice's blog: 5 existing items skipped\n" {
		t.Fatalf("feeds add: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut = spindle(t, env, "feeds", "add", srv.URL+"/other.xml", "--account", "alice", "--backfill", "2", "--json",
		"--include", "post, news", "--template", `{{.Title}}\n{{.Link}}`)
	var added struct {
		ID      int64    `json:"id"`
		Skipped int      `json:"skipped"`
		Posts   []string `json:"posts"`
		Message string   `json:"message"`
	}
	if err := json.Unmarshal([]byte(out), &added); code != 0 || err != nil || added.ID != 2 || added.Skipped != 3 || len(added.Posts) != 2 {
		t.Fatalf("feeds add --json: exit %d, %q (%v), stderr %q", code, out, err, errOut)
	}

	code, out, _ = spindle(t, env, "feeds", "list", "--json")
	var list []struct {
		ID       int64    `json:"id"`
		Title    string   `json:"title"`
		Account  string   `json:"account"`
		Enabled  bool     `json:"enabled"`
		Interval int64    `json:"interval_seconds"`
		DailyCap int      `json:"daily_cap"`
		Include  []string `json:"include"`
		Template string   `json:"template"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 2 {
		t.Fatalf("feeds list --json: exit %d, %q, %v", code, out, err)
	}
	if f := list[0]; f.Title != "Alice's blog" || f.Account != "alice" || !f.Enabled || f.Interval != 900 || f.DailyCap != 4 {
		t.Fatalf("first feed = %+v", f)
	}
	if f := list[1]; strings.Join(f.Include, "|") != "post|news" || f.Template != "{{.Title}}\n{{.Link}}" {
		t.Fatalf("second feed = %+v", f)
	}

	if code, out, _ = spindle(t, env, "feeds", "pause", "1"); code != 0 || out != "Feed 1 (Alice's blog) paused.\n" {
		t.Fatalf("feeds pause: %d %q", code, out)
	}
	code, out, _ = spindle(t, env, "feeds", "list")
	if code != 0 || !strings.Contains(out, "paused: paused from the command line") || !strings.Contains(out, "@alice") {
		t.Fatalf("feeds list after pause: %d\n%s", code, out)
	}
	if code, out, _ = spindle(t, env, "feeds", "resume", "1", "--json"); code != 0 || !strings.Contains(out, `"enabled": true`) {
		t.Fatalf("feeds resume --json: %d %q", code, out)
	}
	if code, out, _ = spindle(t, env, "feeds", "remove", "1"); code != 0 || !strings.HasPrefix(out, "Feed 1 (Alice's blog) no longer watched") {
		t.Fatalf("feeds remove: %d %q", code, out)
	}
	code, out, _ = spindle(t, env, "feeds", "list", "--json")
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 || list[0].ID != 2 {
		t.Fatalf("feeds list after remove: %d %q", code, out)
	}
	if code, _, errOut = spindle(t, env, "feeds", "remove", "1"); code != 1 || !strings.Contains(errOut, "no such feed") {
		t.Fatalf("removing a removed feed: %d %q", code, errOut)
	}
}

func TestFeedsCommandRefusals(t *testing.T) {
	dir := t.TempDir()
	linkAccount(t, dir, "alice")
	srv := feedFixture(t, "Blog", 2)
	strict := map[string]string{"SPINDLE_DATA_DIR": dir}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no subcommand", []string{"feeds"}, 2, "usage"},
		{"unknown subcommand", []string{"feeds", "frob"}, 2, `unknown feeds command "frob"`},
		{"no account", []string{"feeds", "add", srv.URL}, 2, "--account"},
		{"unknown account", []string{"feeds", "add", srv.URL, "--account", "bob"}, 1, "no linked Threads account @bob"},
		{"private address", []string{"feeds", "add", srv.URL, "--account", "alice"}, 1, "SPINDLE_ALLOW_PRIVATE_URLS"},
		{"interval too short", []string{"feeds", "add", srv.URL, "--account", "alice", "--interval", "10s"}, 1, "below the minimum"},
		{"bad id", []string{"feeds", "pause", "abc"}, 2, "not a feed id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := spindle(t, strict, c.args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, c.code, c.want)
			}
		})
	}
	if code, out, _ := spindle(t, strict, "feeds", "list"); code != 0 || !strings.HasPrefix(out, "No feeds.") {
		t.Fatalf("refused feeds were stored: %d %q", code, out)
	}
}

// TestServePollsFeedsAddedFromTheCLI runs the daemon as a child process: a feed added with
// the CLI is baselined, and once its publisher adds an item the daemon's poll job queues it
// as a feed post.
func TestServePollsFeedsAddedFromTheCLI(t *testing.T) {
	dir := t.TempDir()
	linkAccount(t, dir, "alice")
	var items atomic.Int32
	items.Store(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Live</title>`)
		for i := int(items.Load()); i >= 1; i-- {
			fmt.Fprintf(w, `<item><title>Live %d</title><link>https://live.example/%d</link></item>`, i, i)
		}
		fmt.Fprint(w, `</channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_ALLOW_PRIVATE_URLS": "true", "SPINDLE_FEED_INTERVAL": "1s"}
	if code, out, errOut := spindle(t, env, "feeds", "add", srv.URL, "--account", "alice"); code != 0 ||
		!strings.Contains(out, "Watching Live: 3 existing items skipped") {
		t.Fatalf("feeds add: %d %q %q", code, out, errOut)
	}
	var procEnv []string
	for k, v := range env {
		procEnv = append(procEnv, k+"="+v)
	}
	startSpindle(t, append(procEnv, "SPINDLE_ADDR=127.0.0.1:0"), "serve", "--sandbox")
	items.Store(4)

	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The daemon polls the feed; the test polls its database.
	testsignal.Eventually(t, 20*time.Second, "the new item queued", func() bool {
		ps, err := db.List(context.Background(), storage.ListFilter{Door: "feed"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) > 1 {
			t.Fatalf("feed posts in the queue: %+v; want the new item once", ps)
		}
		return len(ps) == 1 && ps[0].Text == "Live 4\n\nhttps://live.example/4"
	})
}

// TestFeedsListShowsWhatTheFeedAsks: a feed's <ttl> outranks the configured interval; `feeds
// list` used to show only the interval set, so an operator who set 10m saw hourly polls
// unexplained.
func TestFeedsListShowsWhatTheFeedAsks(t *testing.T) {
	dir := t.TempDir()
	linkAccount(t, dir, "alice")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Slow blog</title><link>https://blog.example/</link>`+
			`<ttl>60</ttl><item><title>One</title><link>https://blog.example/1</link><guid>1</guid></item></channel></rss>`)
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_ALLOW_PRIVATE_URLS": "true"}
	if code, out, errOut := spindle(t, env, "feeds", "add", srv.URL+"/feed.xml", "--account", "alice", "--interval", "10m"); code != 0 {
		t.Fatalf("feeds add: %d %q %q", code, out, errOut)
	}
	code, out, _ := spindle(t, env, "feeds", "list")
	if code != 0 || !strings.Contains(out, "10m (the feed asks for 1h)") {
		t.Fatalf("feeds list: %d\n%s", code, out)
	}
	code, out, _ = spindle(t, env, "feeds", "list", "--json")
	var list []struct {
		Interval int64 `json:"interval_seconds"`
		Asked    int64 `json:"asked_interval_seconds"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 || list[0].Interval != 600 || list[0].Asked != 3600 {
		t.Fatalf("feeds list --json: %d %q %v", code, out, err)
	}
}

// TestChatFeedCarriesReasonAndInterval: chat's `feed list` gets the last error and both
// intervals from the feed manager.
func TestChatFeedCarriesReasonAndInterval(t *testing.T) {
	f := feedOf(rss.FeedInfo{ID: 3, URL: "https://blog.example/feed", Enabled: true, Interval: 10 * time.Minute,
		AskedInterval: time.Hour, LastError: "the feed server did not answer in time"})
	if f.ID != "3" || f.Every != "every 10m (the feed asks for 1h)" || f.LastError != "the feed server did not answer in time" {
		t.Fatalf("chat feed = %+v", f)
	}
}

// TestChatFeedAddTimeoutIsTheFeedsNews: a feed whose server times out is refused in chat with
// the reason in plain words; it used to come back as Go's deadline error, which the chat door
// treats as Spindle's own failure.
func TestChatFeedAddTimeoutIsTheFeedsNews(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	db := storagetest.Open(t, nil)
	acct := storagetest.Account(t, db, "alice")
	m := rss.NewManager(rss.ManagerOptions{Store: db, Enqueuer: rss.ServiceEnqueuer{Service: ingest.NewService(ingest.Options{Queue: db})},
		Fetcher: rss.NewFetcher(rss.FetcherOptions{Version: "test", AllowPrivate: true, Timeout: 200 * time.Millisecond})})
	_, err := chatFeeds{m: m}.AddFeed(context.Background(), bot.NewFeed{AccountID: acct.ID, URL: slow.URL + "/feed.xml"})
	want := "I could not read that feed, so it was not added: the feed server did not answer in time. Check the URL, or try again later."
	pe, ok := err.(interface{ UserMessage() string })
	if !ok || pe.UserMessage() != want {
		t.Fatalf("err = %v\nwant the public message %q", err, want)
	}
}
