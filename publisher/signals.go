package publisher

import "github.com/spindle-threads/spindle/internal/testsignal"

// TestSignals announce what the publisher's goroutines did, so that tests wait for it instead
// of sleeping or polling (River's testsignal). Production leaves Options.Signals nil, and every
// signal is then a nil check; a test sets it to a TestSignals it called Init on.
type TestSignals struct {
	// Stepped carries a post's id each time a worker is done with its lease of it: a step was
	// committed (posted, failed, requeued, parked) or the step failed and the lease will expire.
	Stepped testsignal.Signal[string]
	// Drained fires when a call of Drain returns (the drain job's run, or a test's call).
	Drained testsignal.Signal[struct{}]
	// Delivered carries an outbox event's id each time a delivery of it ends: delivered, put
	// back with backoff, or given up.
	Delivered testsignal.Signal[int64]
}

// Init switches every signal on; call it before passing the signals to New.
func (s *TestSignals) Init() {
	s.Stepped.Init()
	s.Drained.Init()
	s.Delivered.Init()
}
