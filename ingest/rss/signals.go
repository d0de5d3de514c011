package rss

import "github.com/spindle-threads/spindle/internal/testsignal"

// TestSignals announce what the poller's goroutines did, so that tests wait for it instead of
// sleeping or polling (see internal/testsignal). Production leaves ManagerOptions.Signals nil.
type TestSignals struct {
	// Polled carries a feed's id each time a poll of it started by StartDue (or PollDue) is
	// over: its outcome stored, or dropped at shutdown.
	Polled testsignal.Signal[int64]
}

// Init switches every signal on; call it before passing the signals to NewManager.
func (s *TestSignals) Init() { s.Polled.Init() }
