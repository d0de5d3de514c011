package bench

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"maragu.dev/goqite"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// The workload: each of `workers` goroutines repeatedly sends one message, receives one and
// deletes (completes) it, until b.N cycles are done. Both queues run on SQLite in WAL mode with
// synchronous=FULL on one writer connection, so each commit is durable.

var workerCounts = []int{1, 16}

func runWorkers(b *testing.B, workers int, cycle func() error) {
	var done atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done.Add(1) <= int64(b.N) {
				if err := cycle(); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}

func BenchmarkSpindle(b *testing.B) {
	for _, workers := range workerCounts {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			db := storagetest.Open(b, nil)
			ctx := context.Background()
			var accounts []int64
			for i := 0; i < 64; i++ {
				accounts = append(accounts, storagetest.Account(b, db, fmt.Sprintf("a%d", i)).ID)
			}
			var n atomic.Int64
			runWorkers(b, workers, func() error {
				acct := accounts[int(n.Add(1))%len(accounts)]
				if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acct, Door: "cli", Text: "hello"}); err != nil {
					return err
				}
				ps, err := db.Lease(ctx, 1, 5*time.Second)
				if err != nil {
					return err
				}
				for _, p := range ps {
					if err := db.Complete(ctx, storage.LeaseOf(p), "m", "l"); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

func BenchmarkGoqite(b *testing.B) {
	for _, workers := range workerCounts {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			db := openGoqiteDB(b)
			q := goqite.New(goqite.NewOpts{DB: db, Name: "bench"})
			ctx := context.Background()
			runWorkers(b, workers, func() error {
				if err := q.Send(ctx, goqite.Message{Body: []byte("hello")}); err != nil {
					return err
				}
				m, err := q.Receive(ctx)
				if err != nil {
					return err
				}
				if m != nil {
					return q.Delete(ctx, m.ID)
				}
				return nil
			})
		})
	}
}

// openGoqiteDB opens SQLite the way goqite's README does, with the same durability Spindle
// uses (synchronous=FULL; the driver would otherwise pick NORMAL) and goqite's schema.
func openGoqiteDB(b *testing.B) *sql.DB {
	b.Helper()
	path := filepath.Join(b.TempDir(), "goqite.db")
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_timeout=5000&_fk=true&_synchronous=FULL&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(goqiteSchema); err != nil {
		b.Fatal(err)
	}
	return db
}

// goqiteSchema is goqite v0.4.0's schema_sqlite.sql.
const goqiteSchema = `create table goqite (
  id text primary key default ('m_' || lower(hex(randomblob(16)))),
  created text not null default (strftime('%Y-%m-%dT%H:%M:%fZ')),
  updated text not null default (strftime('%Y-%m-%dT%H:%M:%fZ')),
  queue text not null,
  body blob not null,
  timeout text not null default (strftime('%Y-%m-%dT%H:%M:%fZ')),
  received integer not null default 0,
  priority integer not null default 0
) strict;

create trigger goqite_updated_timestamp after update on goqite begin
  update goqite set updated = strftime('%Y-%m-%dT%H:%M:%fZ') where id = old.id;
end;

create index goqite_queue_priority_created_idx on goqite (queue, priority desc, created);`
