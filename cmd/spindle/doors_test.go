package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
)

// telegramLike stands in for the Telegram door: a notifier that keeps telegram.Health.
type telegramLike struct{ h telegram.Health }

func (telegramLike) Notify(context.Context, publisher.Event) error { return nil }
func (d telegramLike) Health() telegram.Health                     { return d.h }

// TestDoorReportsReadTelegramsOwnHealth: the Telegram door's report (whether updates arrive,
// its last error) reaches /readyz and the status page, not only the doors that embed a
// publisher.HealthBook.
func TestDoorReportsReadTelegramsOwnHealth(t *testing.T) {
	failed := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	a := &app{doors: newDoors(slog.New(slog.DiscardHandler))}
	a.doors.register(ingest.DoorTelegram, doorOffer{results: telegramLike{telegram.Health{Receiving: false,
		DoorHealth: publisher.DoorHealth{LastError: "setWebhook: Telegram answered 502", LastErrorAt: failed}}}})
	rep := a.doorReports()["telegram"]
	if !rep.Enabled || rep.Door == nil || rep.Door.LastError != "setWebhook: Telegram answered 502" || rep.Receiving == nil || *rep.Receiving {
		t.Fatalf("telegram report %+v, want enabled, not receiving, with its last error", rep)
	}
	rows := statusDoors(a.doorReports())
	if len(rows) != 4 || rows[1].Door != "telegram" || rows[1].LastError != "setWebhook: Telegram answered 502" || rows[0].Enabled {
		t.Fatalf("status rows %+v, want slack off and telegram with its error", rows)
	}
}

func TestStatusDoorsPrefersTheNewestNews(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	tests := map[string]struct {
		door, results *DoorHealth
		wantOK        time.Time
		wantErr       string
	}{
		"failed after its last success": {door: &DoorHealth{LastSuccess: t0, LastError: "timeout", LastErrorAt: t0.Add(time.Minute)},
			wantOK: t0, wantErr: "timeout"},
		"worked again since the error": {door: &DoorHealth{LastSuccess: t0.Add(time.Hour), LastError: "timeout", LastErrorAt: t0},
			wantOK: t0.Add(time.Hour)},
		"results newer than the door": {door: &DoorHealth{LastSuccess: t0}, results: &DoorHealth{LastSuccess: t0.Add(time.Hour)},
			wantOK: t0.Add(time.Hour)},
		"only the outbox knows": {results: &DoorHealth{LastError: "panic", LastErrorAt: t0}, wantErr: "panic"},
	}
	for name, tt := range tests {
		rows := statusDoors(map[string]doorReport{"slack": {Enabled: true, Door: tt.door, Results: tt.results}})
		if len(rows) != 1 || !rows[0].LastSuccess.Equal(tt.wantOK) || rows[0].LastError != tt.wantErr {
			t.Errorf("%s: %+v, want last success %v and error %q", name, rows, tt.wantOK, tt.wantErr)
		}
	}
}
