//go:build unix

package storage_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

func TestDataDirLockIsExclusiveAndReleased(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := storage.LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = storage.LockDataDir(dir)
	if !errors.Is(err, storage.ErrDataDirLocked) {
		t.Fatalf("second lock: %v, want ErrDataDirLocked", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "already running") || !strings.Contains(msg, filepath.Join(dir, storage.LockFileName)) ||
		!strings.Contains(msg, "pid") {
		t.Errorf("the refusal does not say what and where: %q", msg)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := storage.LockDataDir(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}

// TestDataDirLockDiesWithItsProcess: a holder killed with SIGKILL leaves its lock file behind,
// and the next daemon starts anyway: the OS dropped the flock with the process.
func TestDataDirLockDiesWithItsProcess(t *testing.T) {
	if dir := os.Getenv("SPINDLE_LOCK_CHILD_DIR"); dir != "" {
		if _, err := storage.LockDataDir(dir); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		select {} // hold it until killed
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDataDirLockDiesWithItsProcess$")
	cmd.Env = append(os.Environ(), "SPINDLE_LOCK_CHILD_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf[:6]) != "locked" {
		t.Fatalf("child did not lock: %q %v", buf, err)
	}
	if _, err := storage.LockDataDir(dir); !errors.Is(err, storage.ErrDataDirLocked) {
		t.Fatalf("while the child holds it: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := storage.LockDataDir(dir)
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	l.Release()
}
