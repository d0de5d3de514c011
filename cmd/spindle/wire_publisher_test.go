package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/spindle-threads/spindle/publisher"
)

type lanedNotifier struct{}

func (lanedNotifier) Notify(context.Context, publisher.Event) error { return nil }
func (lanedNotifier) Lane(publisher.Event) string                   { return "ci.example.com" }

// TestLazyNotifierPassesOnLanes: the wiring's late-bound notifier must not hide a door's
// lanes, or every webhook callback would share one lane again.
func TestLazyNotifierPassesOnLanes(t *testing.T) {
	var n publisher.Notifier
	l := lazyNotifier{door: "webhook", get: func() publisher.Notifier { return n }, log: slog.New(slog.DiscardHandler)}
	var _ publisher.Laner = l
	if got := l.Lane(publisher.Event{}); got != "" {
		t.Errorf("lane with no door wired = %q, want the door's own", got)
	}
	if err := l.Notify(context.Background(), publisher.Event{}); err != nil {
		t.Errorf("notify with no door wired: %v", err)
	}
	n = lanedNotifier{}
	if got := l.Lane(publisher.Event{}); got != "ci.example.com" {
		t.Errorf("lane = %q, want the door's", got)
	}
}
