package storage_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestCrashLosesNoAcknowledgedEnqueue runs producers in a child process, reads the id of every
// post whose Enqueue returned, kills the child with SIGKILL mid-stream, and checks that every
// acknowledged post is in the database. It repeats a few times on the same database.
func TestCrashLosesNoAcknowledgedEnqueue(t *testing.T) {
	t.Parallel()
	first := storagetest.Open(t, nil)
	dir, url := filepath.Dir(first.Path()), storagetest.DatabaseURL(first)
	acct := storagetest.Account(t, first, "crash")
	first.Close()

	var acked []string
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
		cmd.Env = append(os.Environ(), "SPINDLE_CRASH_CHILD_DIR="+dir, "SPINDLE_CRASH_CHILD_URL="+url,
			fmt.Sprintf("SPINDLE_CRASH_CHILD_ACCOUNT=%d", acct.ID))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		n := 0
		for sc.Scan() {
			id, ok := strings.CutPrefix(sc.Text(), "acked ")
			if !ok {
				continue
			}
			acked = append(acked, id)
			if n++; n == 300+round*200 { // kill at a different point each round
				break
			}
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if n == 0 {
			t.Fatalf("round %d: the child acknowledged nothing", round)
		}
	}

	db := storagetest.Reopen(t, first, nil)
	for _, id := range acked {
		if _, err := db.Get(context.Background(), id); err != nil {
			t.Errorf("acknowledged post %s lost after SIGKILL: %v", id, err)
		}
	}
	t.Logf("%d acknowledged posts all present after 3 SIGKILLs", len(acked))
}

// TestCrashChild is the child side of the crash test; it does nothing unless run by it.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv("SPINDLE_CRASH_CHILD_DIR")
	if dir == "" {
		return
	}
	var account int64
	fmt.Sscan(os.Getenv("SPINDLE_CRASH_CHILD_ACCOUNT"), &account)
	db, err := storage.Open(dir, storage.Options{DatabaseURL: os.Getenv("SPINDLE_CRASH_CHILD_URL")})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(30 * time.Second) // the parent kills us long before
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				p, _, err := db.Enqueue(context.Background(), storage.NewPost{AccountID: account, Door: "cli", Text: "crash"})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "acked %s\n", p.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
