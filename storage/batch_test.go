package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// batchDB opens a database with a scratch table for the group committer's tests.
func batchDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.w.Exec(`CREATE TABLE t (v INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return db
}

func insert(v int) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO t (v) VALUES (?)`, v)
		return err
	}
}

func rows(t *testing.T, db *DB) map[int]bool {
	t.Helper()
	rs, err := db.r.Query(`SELECT v FROM t`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	got := map[int]bool{}
	for rs.Next() {
		var v int
		if err := rs.Scan(&v); err != nil {
			t.Fatal(err)
		}
		got[v] = true
	}
	return got
}

// Many callers at once: each is answered once, only its own failure reaches it, and exactly
// the good writes are committed, whichever caller happened to lead their batch.
func TestBatcherIsolatesFailuresAmongConcurrentCallers(t *testing.T) {
	t.Parallel()
	db := batchDB(t)
	ctx := context.Background()
	const callers, each = 32, 50
	var wg sync.WaitGroup
	errs := make([]error, callers*each)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				k := c*each + i
				fn := insert(k)
				switch k % 10 {
				case 3:
					fn = insert(-1) // every caller but the first to commit it hits the primary key
				case 7:
					fn = func(*sql.Tx) error { panic("write panicked") }
				}
				errs[k] = db.batch.do(ctx, fn)
			}
		}()
	}
	wg.Wait()
	got := rows(t, db)
	dupOK := 0
	for k, err := range errs {
		switch k % 10 {
		case 3:
			if err == nil {
				dupOK++
			}
		case 7:
			if err == nil {
				t.Errorf("write %d panicked but was answered nil", k)
			}
		default:
			if err != nil || !got[k] {
				t.Fatalf("write %d: err %v, committed %v", k, err, got[k])
			}
		}
	}
	if dupOK != 1 || !got[-1] {
		t.Errorf("the same key was inserted by %d callers without error; want exactly 1", dupOK)
	}
	if want := callers*each*8/10 + 1; len(got) != want {
		t.Errorf("%d rows committed, want %d", len(got), want)
	}
}

// Close answers every write already queued, then refuses new ones.
func TestBatcherCloseDrainsThenRefuses(t *testing.T) {
	t.Parallel()
	db := batchDB(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make(chan error, 200)
	for i := range 200 {
		wg.Add(1)
		go func() { defer wg.Done(); results <- db.batch.do(ctx, insert(i)) }()
	}
	wg.Wait()
	db.batch.close()
	close(results)
	for err := range results {
		if err != nil {
			t.Fatalf("a write queued before close: %v", err)
		}
	}
	if n := len(rows(t, db)); n != 200 {
		t.Fatalf("%d rows after close, want 200", n)
	}
	if err := db.batch.do(ctx, insert(1000)); !errors.Is(err, errClosed) {
		t.Fatalf("a write after close: %v, want errClosed", err)
	}
}

// A caller whose context already ended is refused before anything runs.
func TestBatcherRefusesEndedContext(t *testing.T) {
	t.Parallel()
	db := batchDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := db.batch.do(ctx, func(*sql.Tx) error { ran = true; return nil })
	if !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("ended context: err %v, ran %v", err, ran)
	}
	if err := db.batch.do(context.Background(), insert(1)); err != nil {
		t.Fatal(fmt.Errorf("the batcher is stuck after a refusal: %w", err))
	}
}

// A caller that gives up while its write still waits in the queue gets its context's error,
// and its write never runs; the writes around it are unaffected.
func TestBatcherCallerGivesUpWhileQueued(t *testing.T) {
	t.Parallel()
	db := batchDB(t)
	release := make(chan struct{})
	var once sync.Once
	letGo := func() { once.Do(func() { close(release) }) }
	first := make(chan error, 1)
	holding := make(chan struct{})
	var held sync.Once
	go func() {
		first <- db.batch.do(context.Background(), func(tx *sql.Tx) error {
			held.Do(func() { close(holding) })
			<-release // hold the writer, as a slow fsync would
			return insert(1)(tx)
		})
	}()
	// Wait until the first write runs, its group closed, so the next one queues behind it.
	// (Its leader is already counted while it still gathers: a write arriving then would
	// join its group, not wait for it.)
	<-holding
	// Only now: a batcher that ignored ctx would otherwise hang on the write below.
	time.AfterFunc(2*time.Second, letGo)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := db.batch.do(ctx, insert(2)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a queued write whose caller gave up: %v, want the deadline", err)
	}
	letGo()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := db.batch.do(context.Background(), insert(3)); err != nil {
		t.Fatal(err)
	}
	if got := rows(t, db); !got[1] || got[2] || !got[3] || len(got) != 2 {
		t.Fatalf("rows %v: want 1 and 3, and never the abandoned 2", got)
	}
}
