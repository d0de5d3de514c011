// Package testlog collects what a logger wrote, for tests that assert on the log: what an
// operator reads is part of the behaviour (a clear reason, never a secret).
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a log destination safe for the concurrent writes of the goroutines under test;
// give it to slog.NewTextHandler.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
