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
