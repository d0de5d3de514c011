package publisher_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

func TestSchedulerSurvivesPanicsAndRejectsDuplicateNames(t *testing.T) {
	s, err := publisher.NewScheduler(publisher.SchedulerOptions{StopTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var panics, runs atomic.Int32
	if err := s.Every("boom", time.Hour, func(context.Context) error {
		panics.Add(1)
		panic("boom")
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Every("count", time.Hour, func(context.Context) error { runs.Add(1); return errors.New("logged") }); err != nil {
		t.Fatal(err)
	}
	if err := s.Every("count", time.Hour, func(context.Context) error { return nil }); err == nil {
		t.Error("a second job named count was accepted")
	}
	s.Start()
	deadline := time.Now().Add(5 * time.Second)
	for (panics.Load() < 1 || runs.Load() < 1) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond) // both run at start, not an hour later
	}
	// A job runs one at a time, so RunNow is ignored while the first run is still returning;
	// ask again until it takes.
	for runs.Load() < 2 && time.Now().Before(deadline) {
		s.RunNow("count")
		time.Sleep(20 * time.Millisecond)
	}
	if panics.Load() < 1 || runs.Load() < 2 {
		t.Fatalf("panics %d runs %d", panics.Load(), runs.Load())
	}
	if err := s.Shutdown(); err != nil {
		t.Fatal(err)
	}
}

func TestWakePublishesWithoutWaitingForTheInterval(t *testing.T) {
	e := newEnv(t, envOptions{tweak: func(o *publisher.Options) { o.PollInterval = time.Hour }})
	a := e.account("woken")
	s, err := publisher.NewScheduler(publisher.SchedulerOptions{StopTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.pub.Register(s); err != nil {
		t.Fatal(err)
	}
	s.Start()
	defer s.Shutdown()
	time.Sleep(50 * time.Millisecond) // let the start-up runs finish
	img := mediaServer(t)
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "wake up", Media: []storage.Media{{Kind: "image", URL: img.URL + "/img.png"}}})
	e.pub.Wake()
	deadline := time.Now().Add(5 * time.Second)
	for e.get(p.ID).State != storage.StatePosted && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := e.get(p.ID).State; st != storage.StatePosted {
		t.Fatalf("post %s after Wake with an hour-long poll interval", st)
	}
	for len(e.note.kinds(p.ID)) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
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
