package main

import (
	"bufio"
	"log/slog"
	"net/http/httptest"

	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

// TestMain lets tests run this test binary as the spindle command itself: with
// SPINDLE_TEST_AS_MAIN=1 it is main(), so the process tests below exercise the real signal
// handling and shutdown.
func TestMain(m *testing.M) {
	if os.Getenv("SPINDLE_TEST_AS_MAIN") == "1" {
		os.Args = append([]string{"spindle"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// startSpindle starts `spindle args...` as a child process and returns it with the address it
// listens on, read from its log. Its log lines are sent to logs.
func startSpindle(t *testing.T, env []string, args ...string) (cmd *exec.Cmd, addr string, logs chan string) {
	t.Helper()
	cmd = exec.Command(os.Args[0], args...)
	cmd.Env = append(env, "SPINDLE_TEST_AS_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	logs = make(chan string, 1000)
	addrc := make(chan string, 1)
	exited := make(chan struct{})
	var seen strings.Builder // what the child said, for a failure's message
	var mu sync.Mutex
	listening := regexp.MustCompile(`msg="spindle is listening" addr=(\S+)`)
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			seen.WriteString(line + "\n")
			mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil {
				addrc <- m[1]
			}
			select {
			case logs <- line:
			default:
			}
		}
		close(logs)
	}()
	said := func() string { mu.Lock(); defer mu.Unlock(); return seen.String() }
	select {
	case addr = <-addrc:
	case <-exited:
		t.Fatalf("spindle %v exited before listening:\n%s", args, said())
	case <-time.After(60 * time.Second): // a -race binary on a loaded machine starts slowly
		t.Fatalf("spindle %v did not start listening within 60s:\n%s", args, said())
	}
	return cmd, addr, logs
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeSandboxAnswersHealthAndStopsCleanlyOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cmd, addr, logs := startSpindle(t, []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0"}, "serve", "--sandbox")
	if code, body := get(t, "http://"+addr+"/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	if code, body := get(t, "http://"+addr+"/readyz"); code != 200 {
		t.Fatalf("/readyz: %d %q", code, body)
	}
	var out, errOut strings.Builder
	if code := run(context.Background(), []string{"healthcheck"}, func(k string) string {
		return map[string]string{"SPINDLE_ADDR": addr}[k]
	}, &out, &errOut); code != 0 {
		t.Fatalf("spindle healthcheck: %d %s", code, errOut.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("spindle exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("spindle did not stop within 20s of SIGTERM")
	}
	var all []string
	for l := range logs {
		all = append(all, l)
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"shutting down", "stopped"} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	if info, err := os.Stat(dir + "/secret.key"); err != nil {
		t.Errorf("no generated secret key: %v", err)
	} else if info.Mode().Perm() != 0o600 {
		t.Errorf("secret key mode %v, want 0600", info.Mode().Perm())
	}
}

func TestRequestLogCarriesARequestIDAndNoQuery(t *testing.T) {
	var logs strings.Builder
	a := &app{log: slog.New(slog.NewTextHandler(&logs, nil))}
	var seen string
	h := a.requestLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = ingest.RequestIDFrom(r.Context())
		w.WriteHeader(http.StatusAccepted)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/auth/threads/callback?code=SECRETCODE&state=x", nil))
	if seen == "" || rec.Header().Get("X-Request-ID") != seen {
		t.Fatalf("request id %q in context, %q in the answer", seen, rec.Header().Get("X-Request-ID"))
	}
	line := logs.String()
	if !strings.Contains(line, "request_id="+seen) || !strings.Contains(line, "status=202") || strings.Contains(line, "SECRETCODE") {
		t.Fatalf("log line: %s", line)
	}
	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("X-Request-ID", "ci-build-881")
	h.ServeHTTP(rec, req)
	if seen != "ci-build-881" {
		t.Fatalf("a caller's sane request id was replaced by %q", seen)
	}
	req.Header.Set("X-Request-ID", "bad id with spaces\n")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if seen == "bad id with spaces\n" {
		t.Fatal("an unsafe request id reached the logs")
	}
}

// TestRequestLogBoundsRequestIDs: a 3 KB <script> id and a 129-character one are replaced by
// a fresh id in the context, the answer and the log; a 128-character sane one is kept.
func TestRequestLogBoundsRequestIDs(t *testing.T) {
	var logs strings.Builder
	a := &app{log: slog.New(slog.NewTextHandler(&logs, nil))}
	var seen string
	h := a.requestLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = ingest.RequestIDFrom(r.Context())
	}))
	for _, tt := range []struct {
		id   string
		keep bool
	}{
		{"<script>" + strings.Repeat("alert(1);", 330) + "</script>", false},
		{strings.Repeat("a", ingest.MaxRequestIDLen+1), false},
		{strings.Repeat("b", ingest.MaxRequestIDLen), true},
		{"run:881.attempt-2_x", true},
	} {
		logs.Reset()
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header["X-Request-Id"] = []string{tt.id}
		h.ServeHTTP(rec, req)
		if (seen == tt.id) != tt.keep || !ingest.SaneRequestID(seen) || rec.Header().Get("X-Request-ID") != seen {
			t.Errorf("sent %.30q…: context %q, answer %q, want kept=%v", tt.id, seen, rec.Header().Get("X-Request-ID"), tt.keep)
		}
		if !tt.keep && (strings.Contains(logs.String(), "script") || strings.Contains(logs.String(), tt.id)) {
			t.Errorf("the refused id reached the log: %.200s", logs.String())
		}
	}
}
