package testsignal

import "time"

// pollEvery is how often Eventually looks again: often enough that a test passes moments
// after its condition does, rarely enough not to load a shared machine.
const pollEvery = 10 * time.Millisecond

// Eventually returns once cond holds, checking it every few milliseconds, and fails the test
// with what after timeout (Timeout when zero). It is for conditions nothing can signal: the
// state of another process, or of a server built by wiring a test cannot reach into. Code
// the test owns announces what it did with a Signal instead.
func Eventually(t TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if timeout <= 0 {
		timeout = Timeout
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, timeout)
		}
		<-tick.C
	}
}
