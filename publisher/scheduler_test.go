package publisher_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/spindle-threads/spindle/internal/testlog"
	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/leader"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestSchedulerSurvivesPanicsAndRejectsDuplicateNames(t *testing.T) {
	t.Parallel()
	s, err := publisher.NewScheduler(publisher.SchedulerOptions{StopTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	panicked, ran := make(chan struct{}, 10), make(chan struct{}, 10)
	if err := s.Every("boom", time.Hour, func(context.Context) error {
		panicked <- struct{}{}
		panic("boom")
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Every("count", time.Hour, func(context.Context) error {
		runs.Add(1)
		ran <- struct{}{}
		return errors.New("logged")
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Every("count", time.Hour, func(context.Context) error { return nil }); err == nil {
		t.Error("a second job named count was accepted")
	}
	s.Start()
	for _, c := range []chan struct{}{panicked, ran} { // both run at start, not an hour later
		select {
		case <-c:
		case <-time.After(testsignal.Timeout):
			t.Fatal("a job did not run at start")
		}
	}
	// A job runs one at a time, so RunNow is ignored while the first run is still returning
	// (gocron's state, which nothing signals); ask again until it takes. The panicking job
	// did not take the scheduler down with it.
	testsignal.Eventually(t, 0, "a second run of count", func() bool {
		s.RunNow("count")
		return runs.Load() >= 2
	})
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
}

func TestWakePublishesWithoutWaitingForTheInterval(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{tweak: func(o *publisher.Options) { o.PollInterval = time.Hour }})
	a := e.account("woken")
	e.startJobs()
	e.kit.Signals.Drained.Wait(t) // the start-up drain found nothing: the post is Wake's
	img := mediaServer(t)
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "wake up", Media: []storage.Media{{Kind: "image", URL: img.URL + "/img.png"}}})
	e.pub.Wake()
	e.kit.Signals.Stepped.Until(t, "the woken post published", func() bool { return e.get(p.ID).State == storage.StatePosted })
	e.kit.Signals.Delivered.Until(t, "its result delivered", func() bool { return len(e.note.kinds(p.ID)) > 0 })
	if k := e.note.kinds(p.ID); len(k) != 1 || k[0] != publisher.EventPosted {
		t.Errorf("events %v: the result was not delivered promptly", k)
	}
}

// switchElector leads when on is set.
type switchElector struct{ on atomic.Bool }

func (s *switchElector) IsLeader(context.Context) error {
	if s.on.Load() {
		return nil
	}
	return errors.New("not the leader")
}

// TestLeaderJobsRunOnlyOnTheLeader: a replica that does not lead skips its EveryOnLeader jobs
// (asked to run now or at start) but runs its Every jobs; once it leads, they run.
func TestLeaderJobsRunOnlyOnTheLeader(t *testing.T) {
	el := &switchElector{}
	s, err := publisher.NewScheduler(publisher.SchedulerOptions{StopTimeout: time.Second, Elector: el})
	if err != nil {
		t.Fatal(err)
	}
	var everywhere, leaderOnly atomic.Int32
	if err := s.Every("everywhere", time.Hour, func(context.Context) error { everywhere.Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.OnLeader().Every("singleton", time.Hour, func(context.Context) error { leaderOnly.Add(1); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.EveryOnLeader("everywhere", time.Hour, func(context.Context) error { return nil }); err == nil {
		t.Error("a leader job named like an Every job was accepted")
	}
	s.Start()
	defer s.Shutdown()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for everywhere.Load() < 3 && time.Now().Before(deadline) {
		s.RunNow("everywhere")
		s.RunNow("singleton")
		<-tick.C
	}
	if everywhere.Load() < 3 {
		t.Fatalf("the Every job ran %d times", everywhere.Load())
	}
	if n := leaderOnly.Load(); n != 0 {
		t.Fatalf("the leader job ran %d times on a replica that does not lead", n)
	}
	el.on.Store(true)
	for leaderOnly.Load() == 0 && time.Now().Before(deadline) {
		s.RunNow("singleton")
		<-tick.C
	}
	if leaderOnly.Load() == 0 {
		t.Fatal("the leader job did not run once this replica led")
	}
}

// TestLeaderJobEndsWithTheTerm: a singleton job still running when this replica's term runs
// out unrenewed (the database out of reach) has its context cancelled, cause
// leader.ErrNotLeader, before another replica can take the term and start the job again.
// gocron asks IsLeader only before a run, so without the term's bound the run went on.
func TestLeaderJobEndsWithTheTerm(t *testing.T) {
	t.Parallel()
	clock := clockwork.NewFakeClockAt(time.Unix(1_800_000_000, 0))
	const ttl = 30 * time.Second
	el := leader.New(leader.Options{Store: storagetest.Open(t, clock.Now), TTL: ttl, Clock: clock})
	ctx, cancel := context.WithTimeout(context.Background(), testsignal.Timeout)
	defer cancel()
	if !el.Try(ctx) { // won once, never renewed: no Run
		t.Fatal("alone on the database, the replica does not lead")
	}
	var logs testlog.Buffer
	s, err := publisher.NewScheduler(publisher.SchedulerOptions{StopTimeout: time.Second, Elector: el,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	started, ended := make(chan struct{}, 1), make(chan error, 1)
	if err := s.EveryOnLeader("long", time.Hour, func(ctx context.Context) error {
		started <- struct{}{}
		<-ctx.Done()
		ended <- context.Cause(ctx)
		return ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown()
	select {
	case <-started:
	case <-ctx.Done():
		t.Fatal("the singleton job did not start on the leader")
	}
	if err := clock.BlockUntilContext(ctx, 1); err != nil { // the run's watch on the term
		t.Fatal(err)
	}
	clock.Advance(ttl - ttl/5)
	select {
	case cause := <-ended:
		if !errors.Is(cause, leader.ErrNotLeader) {
			t.Fatalf("the run ended with cause %v, want leader.ErrNotLeader", cause)
		}
	case <-ctx.Done():
		t.Fatal("the singleton job still runs after this replica's term ran out")
	}
	if err := s.Shutdown(); err != nil { // the run and gocron's listeners are done
		t.Fatal(err)
	}
	// The operator reads why the run stopped, not a job failure saying "context canceled".
	if l := logs.String(); !strings.Contains(l, "stopped leading") || strings.Contains(l, "background job failed") {
		t.Errorf("log after the term ended under a run:\n%s", l)
	}
}
