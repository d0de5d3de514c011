//go:build browser

// The browser check is built only with -tags browser: it needs Debian's chromium, which a
// fresh machine with just Go and gcc does not have. .ci/run installs chromium and runs it;
// locally: go test -race -tags browser ./e2e -run Browser.

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// chromiumMissing is what a machine without a browser is told. The test fails rather than
// skips there: a green run must mean the page was really checked in a browser.
const chromiumMissing = "headless Chromium not found: install Debian's chromium (apt-get install -y chromium) — .ci/run does this"

// adminPassword protects the status page in TestStatusPageInBrowser.
const adminPassword = "e2e status page password"

// browserStep bounds one browser action, so a hung browser fails the test instead of hanging it.
const browserStep = 15 * time.Second

// TestStatusPageInBrowser loads the operator's status page of the real binary in headless
// Chromium, behind basic auth, checks that it shows the account's quota and the posts the run
// published and queued, and cancels one queued post with a real click on its Cancel button.
// SPINDLE_SCREENSHOT_DIR=$PWD/docs go test -tags browser ./e2e -run Browser refreshes
// docs/status-page.png.
func TestStatusPageInBrowser(t *testing.T) {
	start := time.Now()
	chrome := findChromium(t)
	bin := buildSpindle(t)

	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret})
	t.Cleanup(sim.Close)
	user := sim.AddUser("statuspage")
	sim.SetConsentUser(user.ID)

	addr := freeAddr(t)
	public := "http://" + addr
	env := daemonEnv(t, addr, sim, "SPINDLE_ADMIN_PASSWORD="+adminPassword)
	d := startDaemon(t, bin, env)

	token := connectByAPIToken(t, bin, env, public)

	// Three posts to publish now, and two far ahead that stay queued: one to cancel from the
	// page and one that must be left alone.
	published := []string{"Status page check: first post", "Status page check: second post", "Status page check: third post"}
	var publishedIDs []string
	for _, text := range published {
		publishedIDs = append(publishedIDs, cliPost(t, bin, env, text, user.Username, ""))
	}
	cancelText, keepText := "Status page check: scheduled, to be cancelled", "Status page check: scheduled, stays queued"
	cancelID := cliPost(t, bin, env, cancelText, user.Username, time.Now().Add(30*24*time.Hour).UTC().Format(time.RFC3339))
	keepID := cliPost(t, bin, env, keepText, user.Username, time.Now().Add(31*24*time.Hour).UTC().Format(time.RFC3339))

	permalinks := map[string]string{} // post id → permalink the simulator gave it
	for i, id := range publishedIDs {
		// The ledger is read in memory; the API is asked only once the post is out, since
		// the daemon records the result right after.
		eventually(t, 20*time.Second, "post "+id+" in the simulator's ledger", func() bool { return ledgerCount(sim, published[i]) == 1 })
		eventually(t, 5*time.Second, "post "+id+" recorded as posted", func() bool {
			p := apiPostStatus(t, public, token, id)
			if p.Text != published[i] {
				t.Fatalf("post %s has the text %q, want %q", id, p.Text, published[i])
			}
			permalinks[id] = p.Permalink
			return p.Status == "posted"
		})
		lp, ok := ledgerPost(sim, published[i])
		if !ok || lp.Permalink != permalinks[id] {
			t.Fatalf("post %s: the API says permalink %q, the simulator's ledger has %+v", id, permalinks[id], lp)
		}
	}
	t.Logf("daemon up, account linked and 3 posts published after %v", time.Since(start).Round(time.Millisecond))

	ctx := startBrowser(t, chrome)
	step := func(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, browserStep)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	}

	// Without credentials the browser is refused: headless Chromium answers the basic-auth
	// challenge by giving up with net::ERR_INVALID_AUTH_CREDENTIALS, and shows no page.
	nctx, ncancel := context.WithTimeout(ctx, browserStep)
	resp, err := chromedp.Run(nctx, chromedp.NavigateResponse(public+"/"))
	ncancel()
	var loadErr *chromedp.LoadError
	switch {
	case errors.As(err, &loadErr) && strings.Contains(loadErr.ErrorText, "AUTH"):
	case err == nil && resp.Status == http.StatusUnauthorized:
		if body := browserText(ctx, t); strings.Contains(body, "@"+user.Username) {
			t.Fatalf("the page without a password shows the account: %q", body)
		}
	case err != nil:
		t.Fatalf("browser: load the page without a password: %v, want a refused sign-in", err)
	default:
		t.Fatalf("the page without a password answered %d, want 401", resp.Status)
	}
	if !strings.Contains(d.logs(), "path=/ status=401") {
		t.Fatal("the daemon did not log a 401 for the page loaded without a password")
	}

	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:"+adminPassword))
	step(t, "send the password with every request", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Authorization": basic}})
		return err
	}))
	if resp := browserNavigate(ctx, t, public+"/"); resp.Status != http.StatusOK {
		t.Fatalf("the page with the password answered %d, want 200", resp.Status)
	}
	step(t, "wait for the page", chromedp.WaitVisible(chromedp.CSS("h1")))

	before := readStatusPage(ctx, t)
	wantAccount := fmt.Sprintf("@%s active", user.Username)
	if !strings.Contains(before.Account, wantAccount) {
		t.Errorf("the account card reads %q, want it to show %q", before.Account, wantAccount)
	}
	for _, want := range []string{"posts: 3 of 250 in 24 h", "replies: 0 of 1000 in 24 h", "deletions: 0 of 100 in 24 h", "(3 in all)"} {
		if !strings.Contains(before.Account, want) {
			t.Errorf("the account card lacks %q; it reads %q", want, before.Account)
		}
	}
	for _, id := range publishedIDs {
		r, ok := before.Posts[id]
		switch {
		case !ok:
			t.Errorf("published post %s is not in the page's recent posts", id)
		case r.State != "posted" || r.Door != "cli" || r.Href != permalinks[id] || r.Link != permalinks[id] || r.Buttons != "":
			t.Errorf("published post %s shows as %+v, want posted from cli with link %s and no buttons", id, r, permalinks[id])
		case r.Account != "@"+user.Username || !strings.HasPrefix(r.Text, "Status page check:") || !strings.HasSuffix(r.When, "UTC"):
			t.Errorf("published post %s shows as %+v, want its account, text and time in UTC", id, r)
		}
		if !strings.Contains(before.Body, permalinks[id]) {
			t.Errorf("the permalink %s is not visible on the page", permalinks[id])
		}
	}
	for _, id := range []string{cancelID, keepID} {
		if r := before.Posts[id]; r.State != "scheduled" || r.Buttons != "Cancel" {
			t.Errorf("post %s queued for later shows as %+v, want scheduled with a Cancel button", id, r)
		}
	}
	for _, want := range []string{"Results waiting to be delivered", "reloads every"} {
		if !strings.Contains(before.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if want := "cli posted 3; cli queued 2"; before.Queue != want {
		t.Errorf("the queue table reads %q, want %q", before.Queue, want)
	}
	if len(before.Posts) != 5 {
		t.Errorf("the page lists %d recent posts, want 5: %+v", len(before.Posts), before.Posts)
	}
	if t.Failed() {
		t.FailNow()
	}

	// A real mouse click on the button; the form posts with its CSRF token and the page
	// redirects back to itself with a flash.
	button := chromedp.Search(fmt.Sprintf(`//tr[td[normalize-space()=%q]]//button[normalize-space()="Cancel"]`, cancelID))
	cctx, cancel := context.WithTimeout(ctx, browserStep)
	resp, err = chromedp.RunResponse(cctx, chromedp.Click(button))
	cancel()
	if err != nil {
		t.Fatalf("browser: click Cancel on %s: %v", cancelID, err)
	}
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "flash=") {
		t.Fatalf("after the click the browser is at %s with %d, want the page with a flash", resp.URL, resp.Status)
	}
	step(t, "wait for the flash", chromedp.WaitVisible(chromedp.CSS("p.flash")))
	after := readStatusPage(ctx, t)
	if want := "The post was cancelled."; after.Flash != want {
		t.Errorf("the flash reads %q, want %q", after.Flash, want)
	}
	shot := browserScreenshot(ctx, t)

	checkAfter := func(t *testing.T, pv statusPageView) {
		t.Helper()
		if r := pv.Posts[cancelID]; r.State != "cancelled" || r.Buttons != "" {
			t.Errorf("the cancelled post %s shows as %+v, want cancelled with no button", cancelID, r)
		}
		if r := pv.Posts[keepID]; r.State != "scheduled" || r.Buttons != "Cancel" {
			t.Errorf("the other queued post %s shows as %+v, want still scheduled with its Cancel button", keepID, r)
		}
		for _, id := range publishedIDs {
			if r := pv.Posts[id]; r != before.Posts[id] {
				t.Errorf("published post %s changed on the page: %+v, was %+v", id, r, before.Posts[id])
			}
		}
		if len(pv.Posts) != 5 {
			t.Errorf("the page lists %d recent posts, want 5", len(pv.Posts))
		}
		if want := "cli cancelled 1; cli posted 3; cli queued 1"; pv.Queue != want {
			t.Errorf("the queue table reads %q, want %q", pv.Queue, want)
		}
		if !strings.Contains(pv.Account, "posts: 3 of 250 in 24 h") {
			t.Errorf("the quota changed: the account card reads %q", pv.Account)
		}
	}
	checkAfter(t, after)

	// A reload reads the state afresh from the database, not from the redirect.
	step(t, "reload", chromedp.Navigate(public+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	reloaded := readStatusPage(ctx, t)
	if reloaded.Flash != "" {
		t.Errorf("the plain page still shows the flash %q", reloaded.Flash)
	}
	checkAfter(t, reloaded)

	// The same, outside the browser: the REST API reads the database the daemon writes.
	if p := apiPostStatus(t, public, token, cancelID); p.Status != "cancelled" {
		t.Errorf("the API says the cancelled post %s is %s", cancelID, p.Status)
	}
	if p := apiPostStatus(t, public, token, keepID); p.Status != "queued" {
		t.Errorf("the API says the post %s that was not touched is %s, want queued", keepID, p.Status)
	}
	for _, id := range publishedIDs {
		if p := apiPostStatus(t, public, token, id); p.Status != "posted" || p.Permalink != permalinks[id] {
			t.Errorf("the API says published post %s is %s with %q", id, p.Status, p.Permalink)
		}
	}
	if n := len(sim.Ledger()); n != len(published) {
		t.Errorf("the simulator's ledger holds %d posts, want %d", n, len(published))
	}
	if ledgerCount(sim, cancelText) != 0 || ledgerCount(sim, keepText) != 0 {
		t.Error("a scheduled post reached Threads")
	}

	saveScreenshot(t, shot)
	t.Logf("status page checked in %s in %v", chrome, time.Since(start).Round(time.Millisecond))
}

// findChromium returns the path of a Chromium or Chrome binary on PATH, or fails the test.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal(chromiumMissing)
	return ""
}

// startBrowser starts headless Chromium with its own profile and returns a tab's context. The
// whole browser session is bounded, so a browser that hangs ends with the test.
func startBrowser(t *testing.T, chrome string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // root in CI; Chromium refuses its sandbox there
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 800),
	)
	session, cancelSession := context.WithTimeout(context.Background(), 45*time.Second)
	actx, cancelAlloc := chromedp.NewExecAllocator(session, opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc(); cancelSession() })
	// The first call starts the browser and binds it to ctx, so it runs under ctx's bound only;
	// each later action gets its own shorter one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	return ctx
}

// browserNavigate loads url and returns the document's response.
func browserNavigate(ctx context.Context, t *testing.T, url string) *network.Response {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	resp, err := chromedp.Run(sctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("browser: load %s: %v", url, err)
	}
	return resp
}

// browserText returns the rendered text of the page, as a person sees it.
func browserText(ctx context.Context, t *testing.T) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("browser: read the page: %v", err)
	}
	return s
}

// postRow is one row of the status page's recent posts as the browser renders it, read by
// the columns' headings.
type postRow struct {
	Door, State         string
	When, Account, Text string
	Link, Href          string // the result link's text and target
	Buttons             string // the visible buttons' labels, comma-separated
}

// statusPageView is what the test reads off the rendered page.
type statusPageView struct {
	Body    string // the visible text of the whole page
	Account string // the visible text of the first account card
	Flash   string
	Queue   string             // the queue table's rows, "door state count", joined by "; "
	Posts   map[string]postRow // by post id
}

// readPageJS collects the rendered text of the account card and the rows of the recent
// posts table, found by its heading the way a reader finds it.
const readPageJS = `(() => {
	const h = [...document.querySelectorAll('h2')].find(e => e.innerText.trim() === 'Recent posts');
	const trs = h ? [...h.nextElementSibling.querySelectorAll('tr')] : [];
	const cols = trs.length ? [...trs[0].cells].map(c => c.innerText.trim()) : [];
	const rows = trs.slice(1);
	const q = [...document.querySelectorAll('h2')].find(e => e.innerText.trim() === 'Queue');
	const queue = q ? [...q.nextElementSibling.querySelectorAll('tr')].slice(1).map(r => [...r.cells].map(c => c.innerText.trim()).join(' ')) : [];
	const card = document.querySelector('.card');
	const flash = document.querySelector('p.flash');
	return {
		body: document.body.innerText,
		account: card ? card.innerText : '',
		flash: flash ? flash.innerText.trim() : '',
		queue: queue,
		rows: rows.filter(r => r.cells.length === cols.length).map(r => {
			const cell = name => r.cells[cols.indexOf(name)];
			const a = cell('Result').querySelector('a');
			return {
				id: cell('Post').innerText.trim(), door: cell('Door').innerText.trim(), state: cell('State').innerText.trim(),
				when: cell('When').innerText.trim(), account: cell('Account').innerText.trim(), text: cell('Text').innerText.trim(),
				link: a ? a.innerText.trim() : '', href: a ? a.href : '',
				buttons: [...r.cells[cols.length - 1].querySelectorAll('button')].filter(b => b.offsetParent !== null).map(b => b.innerText.trim()),
			};
		}),
	};
})()`

// readStatusPage reads the status page off the browser's DOM.
func readStatusPage(ctx context.Context, t *testing.T) statusPageView {
	t.Helper()
	type row struct {
		ID      string   `json:"id"`
		Door    string   `json:"door"`
		State   string   `json:"state"`
		When    string   `json:"when"`
		Account string   `json:"account"`
		Text    string   `json:"text"`
		Link    string   `json:"link"`
		Href    string   `json:"href"`
		Buttons []string `json:"buttons"`
	}
	type raw struct {
		Body    string   `json:"body"`
		Account string   `json:"account"`
		Flash   string   `json:"flash"`
		Queue   []string `json:"queue"`
		Rows    []row    `json:"rows"`
	}
	sctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	r, err := chromedp.Run(sctx, chromedp.Evaluate[raw](readPageJS))
	if err != nil {
		t.Fatalf("browser: read the status page: %v", err)
	}
	pv := statusPageView{Body: r.Body, Account: r.Account, Flash: r.Flash, Queue: strings.Join(r.Queue, "; "), Posts: map[string]postRow{}}
	for _, x := range r.Rows {
		pv.Posts[x.ID] = postRow{Door: x.Door, State: x.State, When: x.When, Account: x.Account, Text: x.Text,
			Link: x.Link, Href: x.Href, Buttons: strings.Join(x.Buttons, ",")}
	}
	return pv
}

// browserScreenshot takes a PNG of the whole page.
func browserScreenshot(ctx context.Context, t *testing.T) []byte {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browser: screenshot: %v", err)
	}
	return png
}

// saveScreenshot keeps the screenshot in the test's temporary directory, and also as
// status-page.png in SPINDLE_SCREENSHOT_DIR when that is set and the test passed so far, so a
// failed run never replaces docs/status-page.png.
func saveScreenshot(t *testing.T, png []byte) {
	t.Helper()
	dirs := []string{t.TempDir()}
	switch d := os.Getenv("SPINDLE_SCREENSHOT_DIR"); {
	case d != "" && t.Failed():
		t.Logf("SPINDLE_SCREENSHOT_DIR: %s/status-page.png left as it was, since the test failed", d)
	case d != "":
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, "status-page.png")
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatalf("save the screenshot: %v", err)
		}
		t.Logf("screenshot of the status page: %s (%d bytes)", p, len(png))
	}
}

// connectByAPIToken links the simulator's consent user the way a script does: an API token
// for an identity, GET /api/auth/threads with it, then the browser's OAuth round trip. It
// returns the token, which then reads the account's posts through the REST API.
func connectByAPIToken(t *testing.T, bin string, env []string, public string) string {
	t.Helper()
	var tok struct{ Token string }
	out := mustCLI(t, bin, env, "tokens", "create", "--identity", "api:operator", "--json")
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Token == "" {
		t.Fatalf("tokens create --json: %v\n%s", err, out)
	}
	req, _ := http.NewRequest(http.MethodGet, public+"/api/auth/threads?mode=json", nil)
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	var start struct{ URL string }
	if code, body := httpJSON(t, req, &start); code != http.StatusOK || start.URL == "" {
		t.Fatalf("GET /api/auth/threads: %d %s", code, body)
	}
	// start.URL is a connect link: the browser that opens it is the one bound to the sign-in.
	if _, code, body := openConnectLink(t, start.URL); code != http.StatusOK {
		t.Fatalf("the consent round trip ended with %d: %s", code, body)
	}
	return tok.Token
}

// cliPost queues text on account through `spindle post`, at when if it is not empty, and
// returns the post's id.
func cliPost(t *testing.T, bin string, env []string, text, account, when string) string {
	t.Helper()
	args := []string{"post", text, "--account", account, "--json"}
	if when != "" {
		args = append(args, "--at", when)
	}
	var p struct{ ID, Status string }
	out := mustCLI(t, bin, env, args...)
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.ID == "" || p.Status != "queued" {
		t.Fatalf("spindle post --json: %v\n%s", err, out)
	}
	return p.ID
}
