package publisher_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestCrashPublishesEachPostExactlyOnce drains hundreds of posts in a child process and kills
// it with SIGKILL at random moments, many times, restarting it each time. The simulator runs
// here in the parent, so its ledger outlives the children: at the end every post must be
// published exactly once and none lost. Meanwhile the children's wall clock (their publisher's
// and their database's) jumps minutes forward and back, Threads loses answers after acting on
// them, and acts on some requests only later, after their caller was killed and restarted.
// SPINDLE_SOAK=1 makes it a soak: 2,000 posts, 40 kills.
func TestCrashPublishesEachPostExactlyOnce(t *testing.T) {
	t.Parallel()
	posts, rounds := 500, 10
	if os.Getenv("SPINDLE_SOAK") != "" {
		posts, rounds = 2000, 40
	}
	dir := t.TempDir()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	sim := threadstest.NewServer(threadstest.Options{Seed: 3})
	t.Cleanup(sim.Close)
	// Lost answers make the children reconcile through container status and recent threads.
	sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Rate: 0.05})
	sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Rate: 0.03})
	// Requests Threads processes after their caller is gone, often after the restart looked.
	sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLateProcess, Rate: 0.03, Delay: 400 * time.Millisecond})
	sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultLateProcess, Rate: 0.03, Delay: 400 * time.Millisecond})
	media := mediaServer(t)
	var accounts []storage.Account
	for i := range 12 {
		u := sim.AddUser(fmt.Sprintf("crash%d", i))
		a, err := db.SaveAccount(context.Background(), storage.Account{ThreadsUserID: u.ID, Username: u.Username,
			TokenSealed: []byte(sim.IssueToken(u.ID, threads.DefaultScopes()...)), TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, a)
	}
	var ids []string
	texts := map[string]string{}
	for i := range posts {
		np := storage.NewPost{AccountID: accounts[i%len(accounts)].ID, Door: "slack", Text: fmt.Sprintf("crash post %d", i)}
		if i%4 == 1 {
			np.Media = []storage.Media{{Kind: "image", URL: media.URL + "/img.png"}}
		}
		p, _, err := db.Enqueue(context.Background(), np)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
		texts[p.ID] = np.Text
	}
	db.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	jumps := 0
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPublisherCrashChild$")
		cmd.Env = append(os.Environ(), "SPINDLE_PUB_CRASH_DIR="+dir, "SPINDLE_PUB_CRASH_SIM="+sim.URL,
			fmt.Sprintf("SPINDLE_PUB_CRASH_SEED=%d", round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		counted := make(chan int)
		go func() { counted <- countJumps(out) }()
		time.Sleep(time.Duration(300+rng.IntN(600)) * time.Millisecond) // a random moment to kill at
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		jumps += <-counted
		t.Logf("round %d: killed after %d published", round, len(sim.Ledger()))
	}

	// Restart one last time, in-process, and finish. Its clock is ahead of every due time and
	// lease the children's jumping clocks set.
	ahead := func() time.Time { return time.Now().Add(10 * time.Minute) }
	db, err = storage.Open(dir, storage.Options{Now: ahead})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	pub := crashPublisher(db, sim.URL, ahead)
	// The restarted publisher drains on the real clock (its posts requeue a few milliseconds
	// on for their status checks): polled, draining at each look.
	testsignal.Eventually(t, 40*time.Second, "every post published after the crashes", func() bool {
		if err := pub.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		done := true
		for _, id := range ids {
			p, err := db.Get(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if p.State != storage.StatePosted {
				done = false
				if p.State == storage.StateFailed {
					t.Fatalf("post %s failed: %s", id, p.LastError)
				}
			}
		}
		return done
	})
	ledger := ledgerByText(sim.Ledger())
	for _, id := range ids {
		if n := ledger[texts[id]]; n != 1 {
			t.Errorf("post %s %q published %d times", id, texts[id], n)
		}
	}
	sim.WaitLate()
	ledger = ledgerByText(sim.Ledger())
	duplicates := 0
	for _, c := range ledger {
		duplicates += max(c-1, 0)
	}
	if len(sim.Ledger()) != posts || duplicates != 0 {
		t.Errorf("ledger has %d posts (%d duplicates), want %d", len(sim.Ledger()), duplicates, posts)
	}
	// An account's posts go one at a time, across kills too: a post requeued while Threads
	// processes its container keeps its account until it is published.
	if o := sim.Overlaps(); len(o) != 0 {
		t.Errorf("%d times two containers of one account were in flight at once, first %+v", len(o), o[0])
	}
	t.Logf("soak figures: %d posts, %d SIGKILLs, %d clock jumps (±5 min), %d API calls, %d duplicates",
		posts, rounds, jumps, sim.CallCount(threadstest.EndpointAll), duplicates)
}

// countJumps counts the lines a crash child prints, one per clock jump, until it dies.
func countJumps(r io.Reader) int {
	n := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if sc.Text() == "jump" {
			n++
		}
	}
	return n
}

func crashPublisher(db *storage.DB, simURL string, now func() time.Time) *publisher.Publisher {
	client := threads.New(threads.Options{BaseURL: simURL, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	o := publisher.Options{Store: db, API: client, Tokens: publishertest.Tokens{DB: db}, Now: now}
	fastOptions(&o)
	o.LeaseTTL = 500 * time.Millisecond
	return publisher.New(o)
}

// TestPublisherCrashChild is the child side of the crash test; it does nothing unless run by it.
// Its wall clock, the publisher's and the database's alike, jumps every 20 ms to between 5 min
// behind and 5 min ahead of real time; it prints "jump" on each.
func TestPublisherCrashChild(t *testing.T) {
	t.Parallel()
	dir := os.Getenv("SPINDLE_PUB_CRASH_DIR")
	if dir == "" {
		return
	}
	var seed uint64
	fmt.Sscan(os.Getenv("SPINDLE_PUB_CRASH_SEED"), &seed)
	clock := &jumpClock{}
	go func() {
		rng := rand.New(rand.NewPCG(seed, 99))
		for tick := time.NewTicker(20 * time.Millisecond); ; <-tick.C {
			clock.set(time.Duration(rng.IntN(11)-5) * time.Minute)
			fmt.Println("jump")
		}
	}()
	db, err := storage.Open(dir, storage.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	// A restarted daemon expires the leases of the one killed (serve does it at start).
	if _, err := db.ReleaseLeases(context.Background()); err != nil {
		t.Fatal(err)
	}
	pub := crashPublisher(db, os.Getenv("SPINDLE_PUB_CRASH_SIM"), clock.Now)
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); { // the parent kills us long before
		if err := pub.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
