package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// flushes records what a DeliveryLog writes.
type flushes struct {
	mu    sync.Mutex
	got   [][]Delivery
	fail  error
	calls int
}

func (f *flushes) flush(_ context.Context, ds []Delivery) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.fail != nil {
		return f.fail
	}
	f.got = append(f.got, ds)
	return nil
}

func (f *flushes) batches() [][]Delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]Delivery(nil), f.got...)
}

func TestDeliveryLogKeepsTheLatestPerSource(t *testing.T) {
	f := &flushes{}
	l := NewDeliveryLog(f.flush, time.Hour, nil)
	t0 := testNow
	l.Record(Delivery{Source: "ci", At: t0.Add(2 * time.Second), Status: 202})
	l.Record(Delivery{Source: "ci", At: t0, Status: 401, Error: "old"}) // older: ignored
	l.Record(Delivery{Source: "gh", At: t0.Add(time.Second), Status: 401, Error: "signature does not match"})
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := f.batches()
	if len(b) != 1 || len(b[0]) != 2 || b[0][0].Source != "gh" || b[0][1].Source != "ci" || b[0][1].Status != 202 {
		t.Fatalf("flushed %+v", b)
	}
	if err := l.Flush(context.Background()); err != nil || f.calls != 1 {
		t.Errorf("an empty flush wrote (%d calls, %v)", f.calls, err)
	}

	// A failed flush keeps the batch for the next one; a newer record wins over the kept one.
	f.fail = errors.New("database is locked")
	l.Record(Delivery{Source: "ci", At: t0.Add(3 * time.Second), Status: 202})
	l.Record(Delivery{Source: "gh", At: t0.Add(3 * time.Second), Status: 202})
	if err := l.Flush(context.Background()); err == nil {
		t.Fatal("flush error not returned")
	}
	l.Record(Delivery{Source: "ci", At: t0.Add(4 * time.Second), Status: 400})
	f.fail = nil
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	b = f.batches()
	if len(b) != 2 || len(b[1]) != 2 || b[1][0].Source != "gh" || b[1][1].Status != 400 {
		t.Errorf("after a failed flush: %+v", b)
	}
}

func TestDeliveryLogRunFlushesOnStop(t *testing.T) {
	f := &flushes{}
	l := NewDeliveryLog(f.flush, time.Hour, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { l.Run(ctx); close(done) }()
	l.Record(Delivery{Source: "ci", At: testNow, Status: 202})
	cancel()
	<-done
	if b := f.batches(); len(b) != 1 || b[0][0].Source != "ci" {
		t.Errorf("flushed on stop: %+v", b)
	}
}

// TestHandlerRecordsDeliveries: every answer to a known source is recorded, with the public
// reason of a refusal; unknown sources are not (a probe must not create rows).
func TestHandlerRecordsDeliveries(t *testing.T) {
	e := newEnv(t)
	f := &flushes{}
	l := NewDeliveryLog(f.flush, time.Hour, nil)
	h := NewHandler(Options{Sources: e.sources, Enqueuer: e.queue, Deliveries: l, Now: func() time.Time { return testNow }})
	mux := http.NewServeMux()
	mux.Handle("/hooks/{source}", h)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e.srv = srv
	good := []byte(`{"text":"hello"}`)
	e.request(t, "POST", "gh", signed(t, SchemeGitHub, ghSecret, good), good)
	e.request(t, "POST", "ci", signed(t, SchemeGitHub, ghSecret, good), good) // wrong scheme: 401
	e.request(t, "POST", "nope", signed(t, SchemeGitHub, ghSecret, good), good)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := f.batches()
	if len(b) != 1 || len(b[0]) != 2 {
		t.Fatalf("recorded %+v", b)
	}
	got := map[string]Delivery{}
	for _, d := range b[0] {
		got[d.Source] = d
	}
	if got["gh"].Status != 202 || got["gh"].Error != "" || got["ci"].Status != 401 || got["ci"].Error == "" {
		t.Errorf("recorded %+v", got)
	}
}
