package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// buildSpindle compiles the real binary from the module root, one directory up.
func buildSpindle(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "spindle")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/spindle")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/spindle: %v\n%s", err, out)
	}
	return bin
}

// freeAddr picks a loopback port that is free now, so SPINDLE_ADDR and SPINDLE_PUBLIC_URL can
// name the same address before the daemon starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// daemon is a running `spindle serve` child process and what it logged.
type daemon struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  []string
	done chan struct{}
}

// logs returns everything the daemon has logged so far.
func (d *daemon) logs() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return strings.Join(d.log, "\n")
}

// kill ends the daemon with SIGKILL, as a crash or an OOM killer would, and waits for it.
func (d *daemon) kill(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-d.done
}

var listening = regexp.MustCompile(`msg="spindle is listening" addr=(\S+)`)

// startDaemon starts `spindle serve` configured only through env and waits until it logs
// that it listens.
func startDaemon(t *testing.T, bin string, env []string) *daemon {
	t.Helper()
	d := &daemon{cmd: exec.Command(bin, "serve"), done: make(chan struct{})}
	d.cmd.Env = env
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.log = append(d.log, line)
			d.mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addrc <- m[1]:
				default:
				}
			}
		}
		d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		d.cmd.Process.Kill()
		<-d.done
		if t.Failed() {
			t.Logf("spindle log:\n%s", d.logs())
		}
	})
	select {
	case d.addr = <-addrc:
	case <-d.done:
		t.Fatalf("spindle serve exited before listening:\n%s", d.logs())
	case <-time.After(30 * time.Second):
		t.Fatalf("spindle serve did not listen within 30s:\n%s", d.logs())
	}
	return d
}

// cli runs a spindle command with env and returns its exit code and output.
func cli(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("spindle %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// mustCLI runs a spindle command that must succeed and returns its standard output.
func mustCLI(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	code, out, errOut := cli(t, bin, env, args...)
	if code != 0 {
		t.Fatalf("spindle %v: exit %d\n%s%s", args, code, out, errOut)
	}
	return out
}

// ledgerHas reports whether a published post's text contains sub.
func ledgerHas(sim *threadstest.Server, sub string) bool {
	for _, p := range sim.Ledger() {
		if strings.Contains(p.Text, sub) {
			return true
		}
	}
	return false
}

// ledgerCount counts the posts in the simulator's ledger whose text is text.
func ledgerCount(sim *threadstest.Server, text string) int {
	n := 0
	for _, p := range sim.Ledger() {
		if p.Text == text {
			n++
		}
	}
	return n
}

// ledgerPost returns the first post in the simulator's ledger whose text is text.
func ledgerPost(sim *threadstest.Server, text string) (threadstest.Published, bool) {
	for _, p := range sim.Ledger() {
		if p.Text == text {
			return p, true
		}
	}
	return threadstest.Published{}, false
}

// eventually waits for cond, which looks at the daemon (another process, which nothing in
// this one can signal), with testsignal.Eventually. explain, if given, logs what helps
// understand a failure.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool, explain ...func()) {
	t.Helper()
	testsignal.Eventually(explaining{t, explain}, timeout, what, cond)
}

// explaining runs its explain functions before failing.
type explaining struct {
	*testing.T
	explain []func()
}

func (e explaining) Fatalf(format string, args ...any) {
	e.T.Helper()
	for _, f := range e.explain {
		f()
	}
	e.T.Fatalf(format, args...)
}

// newHTTPServer serves h on loopback.
func newHTTPServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }

// daemonEnv is the environment of a daemon listening on addr and publishing to sim, configured
// only through design.md's names; extra adds the doors a test needs.
func daemonEnv(t *testing.T, addr string, sim *threadstest.Server, extra ...string) []string {
	t.Helper()
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"SPINDLE_DATA_DIR=" + t.TempDir(),
		"SPINDLE_ADDR=" + addr,
		"SPINDLE_PUBLIC_URL=http://" + addr,
		"SPINDLE_POLL_INTERVAL=1s",
		"THREADS_APP_ID=" + appID,
		"THREADS_APP_SECRET=" + appSecret,
		"THREADS_API_URL=" + sim.URL,
		"THREADS_AUTH_URL=" + sim.AuthorizeURL(),
	}, extra...)
}

// openConnectLink does what a person does with a connect link: opens it in a browser (one
// that keeps cookies), reads who is being linked and presses Continue, then follows Threads'
// consent back to Spindle's callback. It returns where the browser ended, the status and
// the page.
func openConnectLink(t *testing.T, link string) (*url.URL, int, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 15 * time.Second}
	get := func(u string) (*url.URL, int, string) {
		resp, err := browser.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return resp.Request.URL, resp.StatusCode, string(page)
	}
	_, status, page := get(link)
	next, ok := accounts.ContinueURL(page)
	if status != http.StatusOK || !ok {
		t.Fatalf("the connect link answered %d without a Continue link: %s", status, page)
	}
	return get(next)
}

// apiPostView is the REST API's view of one post.
type apiPostView struct {
	Status, Permalink, Text string
}

// apiPostStatus reads one post through GET /api/posts/{id}.
func apiPostStatus(t *testing.T, public, token, id string) apiPostView {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, public+"/api/posts/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	var p apiPostView
	if code, body := httpJSON(t, req, &p); code != http.StatusOK {
		t.Fatalf("GET /api/posts/%s: %d %s", id, code, body)
	}
	return p
}

// apiPost sends body as JSON to the REST API at public+path with token, and returns the
// status and the answer.
func apiPost(t *testing.T, public, token, path string, body any) (int, string) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, public+path, strings.NewReader(string(raw)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	return httpJSON(t, req, nil)
}

// sendRelease posts GitHub's documented "release published" event (the webhook package's
// fixture) to a source's URL, signed with secret as GitHub signs it, and returns the status
// and the answer.
func sendRelease(t *testing.T, hookURL, secret string) (int, string) {
	t.Helper()
	release, err := os.ReadFile("../ingest/webhook/testdata/github-release-published.json")
	if err != nil {
		t.Fatal(err)
	}
	h, err := webhook.Sign(webhook.SchemeGitHub, secret, release, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, hookURL, bytes.NewReader(release))
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "release")
	return httpJSON(t, req, nil)
}

// httpJSON sends req, decodes a JSON answer into v when v is not nil, and returns the status and body.
func httpJSON(t *testing.T, req *http.Request, v any) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 15 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s %s: %v\n%s", req.Method, req.URL.Path, err, body)
		}
	}
	return resp.StatusCode, string(body)
}
