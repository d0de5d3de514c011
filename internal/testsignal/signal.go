package testsignal

import (
	"fmt"
	"sync"
	"time"
)

// Timeout bounds every wait of this package: long enough for a loaded machine running the
// suite under -race, short enough that a stuck test fails well before go test's own timeout.
const Timeout = 30 * time.Second

// TB is the part of testing.TB the waits use; *testing.T and *testing.B implement it.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Signal carries values of T from the code under test to a waiting test. The zero value is
// off: Signal does nothing until Init. It is safe for concurrent use once initialised; Init
// itself must happen before the code under test starts (as setting an option does).
//
// Values queue without bound, so the code under test never blocks on a test that stopped
// listening: a signal is a record of what happened, read in order.
type Signal[T any] struct {
	state *state[T]
}

type state[T any] struct {
	mu    sync.Mutex
	queue []T
	ready chan struct{} // holds one token while queue is not empty
}

// Init switches the signal on. Call it from tests only, before the code under test runs.
func (s *Signal[T]) Init() {
	s.state = &state[T]{ready: make(chan struct{}, 1)}
}

// On reports whether Init was called: code under test may skip work that only feeds a signal.
func (s *Signal[T]) On() bool { return s != nil && s.state != nil }

// Signal records v for a waiting test; without Init it does nothing.
func (s *Signal[T]) Signal(v T) {
	if !s.On() {
		return
	}
	st := s.state
	st.mu.Lock()
	st.queue = append(st.queue, v)
	st.mu.Unlock()
	select {
	case st.ready <- struct{}{}:
	default:
	}
}

// next takes the oldest value, waiting for one until deadline.
func (s *Signal[T]) next(deadline <-chan time.Time) (T, bool) {
	st := s.state
	for {
		st.mu.Lock()
		if len(st.queue) > 0 {
			v := st.queue[0]
			st.queue = st.queue[1:]
			if len(st.queue) > 0 {
				select {
				case st.ready <- struct{}{}:
				default:
				}
			}
			st.mu.Unlock()
			return v, true
		}
		st.mu.Unlock()
		select {
		case <-st.ready:
		case <-deadline:
			var zero T
			return zero, false
		}
	}
}

func (s *Signal[T]) mustBeOn(t TB) {
	t.Helper()
	if !s.On() {
		t.Fatalf("testsignal: waiting on a signal that was never initialised (call Init before the code under test runs)")
	}
}

// Wait returns the next value, failing the test after Timeout.
func (s *Signal[T]) Wait(t TB) T {
	t.Helper()
	s.mustBeOn(t)
	v, ok := s.next(time.After(Timeout))
	if !ok {
		t.Fatalf("testsignal: no signal within %s", Timeout)
	}
	return v
}

// WaitFor returns the first value match accepts, discarding the others, failing the test
// after Timeout with what.
func (s *Signal[T]) WaitFor(t TB, what string, match func(T) bool) T {
	t.Helper()
	s.mustBeOn(t)
	deadline := time.After(Timeout)
	for {
		v, ok := s.next(deadline)
		if !ok {
			t.Fatalf("testsignal: %s: not within %s", what, Timeout)
		}
		if match(v) {
			return v
		}
	}
}

// Until returns once cond holds, checking it now and again after each value (which it
// discards); it fails the test after Timeout with what. cond must become true only after
// something that signals, or Until waits for the timeout.
func (s *Signal[T]) Until(t TB, what string, cond func() bool) {
	t.Helper()
	s.mustBeOn(t)
	deadline := time.After(Timeout)
	for !cond() {
		if _, ok := s.next(deadline); !ok {
			t.Fatalf("testsignal: %s: not within %s", what, Timeout)
		}
	}
}

// Empty fails the test if a value is waiting: nothing happened that should not have.
func (s *Signal[T]) Empty(t TB) {
	t.Helper()
	s.mustBeOn(t)
	st := s.state
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.queue) > 0 {
		t.Fatalf("testsignal: want no signal, got %s", fmt.Sprint(st.queue[0]))
	}
}
