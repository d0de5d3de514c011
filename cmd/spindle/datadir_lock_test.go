package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSecondServeOnOneDataDirIsRefused: a second daemon on a data dir another one serves is
// refused at start, before it touches the database (its start-up ReleaseLeases would expire
// the first one's live leases). Once the first dies, SIGKILL included, a new one starts.
func TestSecondServeOnOneDataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	env := []string{"SPINDLE_DATA_DIR=" + dir, "SPINDLE_ADDR=127.0.0.1:0"}
	first, _, _ := startSpindle(t, env, "serve", "--sandbox")

	second := exec.Command(os.Args[0], "serve", "--sandbox")
	second.Env = append(env, "SPINDLE_TEST_AS_MAIN=1")
	var stderr bytes.Buffer
	second.Stderr = &stderr
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { second.Process.Kill() })
	exited := make(chan error, 1)
	go func() { exited <- second.Wait() }()
	select {
	case err := <-exited:
		if err == nil {
			t.Fatalf("the second serve exited 0:\n%s", stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the second serve on the same data dir is still running:\n%s", stderr.String())
	}
	msg := stderr.String()
	for _, want := range []string{"another spindle serve is already running on this data dir", "SPINDLE_DATA_DIR"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal lacks %q:\n%s", want, msg)
		}
	}

	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	startSpindle(t, env, "serve", "--sandbox") // fails the test unless it listens
}
