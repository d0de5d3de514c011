package status_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/status"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

const password = "correct horse battery"

type fixture struct {
	db     *storage.DB
	srv    *httptest.Server
	acct   storage.Account
	queued storage.Post
	failed storage.Post
	feed   storage.Feed
	woken  int
	now    time.Time
}

func newFixture(t *testing.T, opts status.Options) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{now: time.Now()}
	f.db = storagetest.Open(t, nil)
	f.acct = storagetest.Account(t, f.db, "alice")
	var err error
	f.queued, _, err = f.db.Enqueue(ctx, storage.NewPost{AccountID: f.acct.ID, Door: "api", Text: "queued one",
		ScheduledAt: f.now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	toFail, _, err := f.db.Enqueue(ctx, storage.NewPost{AccountID: f.acct.ID, Door: "slack", Text: "will fail"})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := f.db.Lease(ctx, 10, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != toFail.ID {
		t.Fatalf("lease: %v %+v", err, leased)
	}
	if err := f.db.Fail(ctx, storage.LeaseOf(leased[0]), "media URL answered 404"); err != nil {
		t.Fatal(err)
	}
	f.failed = leased[0]
	uses := []storage.QuotaUse{
		{AccountID: f.acct.ID, Kind: storage.QuotaPosts, At: f.now.Add(-2 * time.Hour), PostID: toFail.ID},
		{AccountID: f.acct.ID, Kind: storage.QuotaPosts, At: f.now.Add(-time.Hour), PostID: toFail.ID},
		{AccountID: f.acct.ID, Kind: storage.QuotaPosts, At: f.now.Add(-30 * time.Hour), PostID: toFail.ID}, // out of the window
	}
	if err := f.db.RecordDeletion(ctx, toFail.ID, uses, nil); err != nil {
		t.Fatal(err)
	}
	f.feed, err = f.db.AddFeed(ctx, storage.Feed{URL: "https://example.org/feed.xml", AccountID: f.acct.ID,
		Interval: 15 * time.Minute, Enabled: true, NextPollAt: f.now})
	if err != nil {
		t.Fatal(err)
	}
	opts.Store = f.db
	opts.Wake = func() { f.woken++ }
	f.srv = httptest.NewServer(status.New(opts))
	t.Cleanup(f.srv.Close)
	return f
}

// client returns a client that does not follow redirects, so tests see the flash location.
func client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (f *fixture) do(t *testing.T, method, path, pw string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if pw != "" {
		req.SetBasicAuth("admin", pw)
	}
	resp, err := client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (f *fixture) csrf(t *testing.T) string {
	t.Helper()
	_, body := f.do(t, "GET", "/", password, nil)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token in the page:\n%s", body)
	}
	return m[1]
}

func (f *fixture) state(t *testing.T, id string) storage.State {
	t.Helper()
	p, err := f.db.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p.State
}

func TestAccess(t *testing.T) {
	t.Parallel()
	off := newFixture(t, status.Options{})
	if resp, _ := off.do(t, "GET", "/", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("no password, not sandbox: status %d, want 404", resp.StatusCode)
	}
	open := newFixture(t, status.Options{Open: true})
	if resp, body := open.do(t, "GET", "/", "", nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "@alice") {
		t.Errorf("sandbox without password: status %d, want 200 with the account", resp.StatusCode)
	}
	on := newFixture(t, status.Options{Password: config.NewSecret(password)})
	for _, pw := range []string{"", "wrong", password + "x"} {
		resp, _ := on.do(t, "GET", "/", pw, nil)
		if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("password %q: status %d, want 401 with a Basic challenge", pw, resp.StatusCode)
		}
	}
	resp, body := on.do(t, "GET", "/", password, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("right password: status %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{
		"@alice", "posts: 2 of 250", "replies: 0 of 1000", "deletions: 0 of 100", "next slot frees",
		on.queued.ID, on.failed.ID, "media URL answered 404", "https://example.org/feed.xml",
		"(2 in all)", "<svg",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestPageShowsConfiguredLimits: an operator who lowered SPINDLE_QUOTA_* sees the gauges
// measured against those limits, not Meta's, so a full gauge means the publisher waits.
func TestPageShowsConfiguredLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, status.Options{Password: config.NewSecret(password), Limits: publisher.Limits{Posts: 2, Replies: 40}})
	resp, body := f.do(t, "GET", "/", password, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{"posts: 2 of 2", "replies: 0 of 40", "deletions: 0 of 100"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "of 250") || strings.Contains(body, "of 1000") {
		t.Error("page measures against Meta's limits, not the configured ones")
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	f := newFixture(t, status.Options{Password: config.NewSecret(password)})
	token := f.csrf(t)

	resp, _ := f.do(t, "POST", "/status/posts/"+f.queued.ID+"/cancel", password, url.Values{})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cancel without CSRF token: status %d, want 403", resp.StatusCode)
	}
	resp, _ = f.do(t, "POST", "/status/posts/"+f.queued.ID+"/cancel", password, url.Values{"csrf": {token + "0"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cancel with a wrong CSRF token: status %d, want 403", resp.StatusCode)
	}
	if s := f.state(t, f.queued.ID); s != storage.StateQueued {
		t.Fatalf("after refused cancels the post is %s, want queued", s)
	}

	resp, _ = f.do(t, "POST", "/status/posts/"+f.queued.ID+"/cancel", password, url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?flash=cancelled" {
		t.Errorf("cancel: status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if s := f.state(t, f.queued.ID); s != storage.StateCancelled {
		t.Errorf("after cancel the post is %s, want cancelled", s)
	}
	// The flash shows on the page it redirects to.
	if got := f.flash(t, resp); got != "The post was cancelled." {
		t.Errorf("the page after cancel shows the flash %q", got)
	}

	// A failed post cannot be cancelled: a clear message, no change.
	resp, _ = f.do(t, "POST", "/status/posts/"+f.failed.ID+"/cancel", password, url.Values{"csrf": {token}})
	if got := f.flash(t, resp); !strings.Contains(got, "state does not allow this") {
		t.Errorf("cancel of a failed post: flash %q", got)
	}
	if s := f.state(t, f.failed.ID); s != storage.StateFailed {
		t.Errorf("failed post became %s", s)
	}
	// A post that does not exist.
	resp, _ = f.do(t, "POST", "/status/posts/nosuch/cancel", password, url.Values{"csrf": {token}})
	if got := f.flash(t, resp); !strings.Contains(got, "does not exist") {
		t.Errorf("cancel of a missing post: flash %q", got)
	}
}

func TestRetry(t *testing.T) {
	t.Parallel()
	f := newFixture(t, status.Options{Password: config.NewSecret(password)})
	token := f.csrf(t)
	resp, _ := f.do(t, "POST", "/status/posts/"+f.failed.ID+"/retry", password, url.Values{})
	if resp.StatusCode != http.StatusForbidden || f.state(t, f.failed.ID) != storage.StateFailed {
		t.Fatalf("retry without CSRF: status %d, state %s", resp.StatusCode, f.state(t, f.failed.ID))
	}
	before := time.Now()
	resp, _ = f.do(t, "POST", "/status/posts/"+f.failed.ID+"/retry", password, url.Values{"csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("retry: status %d", resp.StatusCode)
	}
	p, err := f.db.Get(context.Background(), f.failed.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.State != storage.StateQueued || p.NextAttemptAt.Before(before.Add(-time.Second)) || p.NextAttemptAt.After(time.Now()) {
		t.Errorf("after retry: state %s, next attempt %v (want queued, now)", p.State, p.NextAttemptAt)
	}
	if f.woken != 1 {
		t.Errorf("retry woke the publisher %d times, want 1", f.woken)
	}
	// Retrying a queued post says so and changes nothing.
	resp, _ = f.do(t, "POST", "/status/posts/"+f.queued.ID+"/retry", password, url.Values{"csrf": {token}})
	if got := f.flash(t, resp); !strings.Contains(got, "state does not allow this") {
		t.Errorf("retry of a queued post: flash %q", got)
	}
}

// TestRetryOfAPostWhoseMediaIsGone: a Telegram photo post failed, and housekeeping deleted its
// hosted photo once the grace after the failure ran out. Retrying it would queue a post Threads
// cannot fetch the photo of; the page says to post it again, and the post stays failed.
func TestRetryOfAPostWhoseMediaIsGone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, status.Options{Password: config.NewSecret(password)})
	const hosted = "hostedphoto00000000000"
	media := []storage.Media{{Kind: "image", URL: "https://spindle.example/media/" + hosted}}
	d, err := f.db.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: 7, UserID: 7, MessageID: 1, Media: media})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SaveHostedMedia(ctx, storage.HostedMedia{ID: hosted, DraftID: d.ID, FileName: hosted, ContentType: "image/jpeg", Size: 1}); err != nil {
		t.Fatal(err)
	}
	p, _, err := f.db.Enqueue(ctx, storage.NewPost{AccountID: f.acct.ID, Door: "telegram", Text: "photo", Media: media})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.db.SetTelegramDraftPost(ctx, d.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	leased, err := f.db.Lease(ctx, 10, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != p.ID {
		t.Fatalf("lease: %v %+v", err, leased)
	}
	if err := f.db.Fail(ctx, storage.LeaseOf(leased[0]), "token revoked"); err != nil {
		t.Fatal(err)
	}
	// The failure's notice released the photo, its grace ran out, and housekeeping deleted it.
	if err := f.db.ReleasePostMedia(ctx, p.ID, time.Now().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.db.DeleteHostedMedia(ctx, hosted); err != nil {
		t.Fatal(err)
	}
	resp, _ := f.do(t, "POST", "/status/posts/"+p.ID+"/retry", password, url.Values{"csrf": {f.csrf(t)}})
	if got := f.flash(t, resp); !strings.Contains(got, "media was already deleted") || !strings.Contains(got, "post it again") {
		t.Errorf("retry of a post whose media is gone: flash %q", got)
	}
	if got := f.state(t, p.ID); got != storage.StateFailed {
		t.Errorf("after the refused retry the post is %s, want failed", got)
	}
	if f.woken != 0 {
		t.Errorf("a refused retry woke the publisher %d times", f.woken)
	}
}

func TestFeedPauseResume(t *testing.T) {
	t.Parallel()
	f := newFixture(t, status.Options{Password: config.NewSecret(password)})
	token := f.csrf(t)
	path := func(op string) string { return "/status/feeds/" + itoa(f.feed.ID) + "/" + op }
	enabled := func() bool {
		g, err := f.db.Feed(context.Background(), f.feed.ID)
		if err != nil {
			t.Fatal(err)
		}
		return g.Enabled
	}
	if resp, _ := f.do(t, "POST", path("pause"), password, nil); resp.StatusCode != http.StatusForbidden || !enabled() {
		t.Fatalf("pause without CSRF: status %d, enabled %v", resp.StatusCode, enabled())
	}
	f.do(t, "POST", path("pause"), password, url.Values{"csrf": {token}})
	if enabled() {
		t.Fatal("feed still enabled after pause")
	}
	_, body := f.do(t, "GET", "/", password, nil)
	if !strings.Contains(body, "paused from the status page") || !strings.Contains(body, "Resume</button>") {
		t.Error("page does not show the paused feed with a Resume button")
	}
	resp, _ := f.do(t, "POST", path("pause"), password, url.Values{"csrf": {token}})
	if got := f.flash(t, resp); !strings.Contains(got, "already paused") {
		t.Errorf("second pause: flash %q", got)
	}
	f.do(t, "POST", path("resume"), password, url.Values{"csrf": {token}})
	if !enabled() {
		t.Fatal("feed still paused after resume")
	}
	resp, _ = f.do(t, "POST", "/status/feeds/x/resume", password, url.Values{"csrf": {token}})
	if got := f.flash(t, resp); !strings.Contains(got, "not a feed number") {
		t.Errorf("bad feed id: flash %q", got)
	}
}

var flashRE = regexp.MustCompile(`<p class="flash" role="status">([^<]*)</p>`)

// flash follows an action's redirect and returns the flash the page shows, or "".
func (f *fixture) flash(t *testing.T, action *http.Response) string {
	t.Helper()
	_, body := f.do(t, "GET", action.Header.Get("Location"), password, nil)
	if m := flashRE.FindStringSubmatch(body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// An attacker sends the operator a link to their own status page with words of their own in
// it; before the fix the page showed them as Spindle's message.
func TestFlashCarriesNoAttackerText(t *testing.T) {
	t.Parallel()
	f := newFixture(t, status.Options{Password: config.NewSecret(password)})
	for _, q := range []string{"Spindle+was+hacked%3A+call+%2B1-555-0100", "cancelled%3Cb%3Ex", "<script>alert(1)</script>", "retried "} {
		_, body := f.do(t, "GET", "/?flash="+q, password, nil)
		if strings.Contains(body, "class=\"flash\"") || strings.Contains(body, "555-0100") || strings.Contains(body, "alert(1)") {
			t.Errorf("?flash=%s put text on the page", q)
		}
	}
	_, body := f.do(t, "GET", "/?flash=feed-paused", password, nil)
	if !strings.Contains(body, "The feed was paused.") {
		t.Error("a known flash code shows no text")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
