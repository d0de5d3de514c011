package testsignal_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/spindle-threads/spindle/internal/testsignal"
)

// fatalTB records a Fatalf instead of ending the test, to show that a wait fails.
type fatalTB struct{ msg string }

func (*fatalTB) Helper() {}
func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic(f)
}

func failed(f func(tb testsignal.TB)) (msg string) {
	tb := &fatalTB{}
	defer func() {
		if r := recover(); r != nil && r != tb {
			panic(r)
		}
		msg = tb.msg
	}()
	f(tb)
	return ""
}

func TestOffSignalDoesNothing(t *testing.T) {
	var s testsignal.Signal[int]
	s.Signal(1) // production: no Init, no effect, no panic
	if s.On() {
		t.Fatal("a signal never initialised is on")
	}
	if msg := failed(func(tb testsignal.TB) { s.Wait(tb) }); msg == "" {
		t.Fatal("waiting on a signal never initialised did not fail")
	}
}

func TestValuesArriveInOrderFromManyGoroutines(t *testing.T) {
	var s testsignal.Signal[int]
	s.Init()
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() { s.Signal(i) })
	}
	seen := map[int]bool{}
	for range 200 {
		seen[s.Wait(t)] = true
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Fatalf("%d distinct values, want 200", len(seen))
	}
	s.Empty(t)
}

func TestWaitForSkipsOthersAndUntilRechecks(t *testing.T) {
	var s testsignal.Signal[string]
	s.Init()
	var n atomic.Int32
	go func() {
		for _, v := range []string{"a", "b", "c"} {
			n.Add(1)
			s.Signal(v)
		}
	}()
	if got := s.WaitFor(t, "c", func(v string) bool { return v == "c" }); got != "c" {
		t.Fatalf("WaitFor returned %q", got)
	}
	s.Empty(t)
	go func() { n.Add(1); s.Signal("d") }()
	s.Until(t, "four signals", func() bool { return n.Load() == 4 })
}

func TestEmptyFailsWhenSomethingHappened(t *testing.T) {
	var s testsignal.Signal[int]
	s.Init()
	s.Signal(7)
	if msg := failed(func(tb testsignal.TB) { s.Empty(tb) }); msg == "" {
		t.Fatal("Empty passed with a value waiting")
	}
}

func TestEventuallyPassesAndFails(t *testing.T) {
	var n atomic.Int32
	testsignal.Eventually(t, 0, "three looks", func() bool { return n.Add(1) >= 3 })
	msg := failed(func(tb testsignal.TB) {
		testsignal.Eventually(tb, 30_000_000, "never", func() bool { return false }) // 30 ms
	})
	if msg == "" {
		t.Fatal("Eventually passed a condition that never held")
	}
}
