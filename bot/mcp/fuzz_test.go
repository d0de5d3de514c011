package mcp_test

import (
	"context"
	"encoding/json"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/mcp"
)

// FuzzScheduleArguments: whatever an agent puts in text and when, the schedule tool either
// refuses with a tool error or hands the dispatcher the text byte for byte, with a future
// time; it never panics and never lets the time swallow or feed the text.
func FuzzScheduleArguments(f *testing.F) {
	for _, s := range [][2]string{
		{"hello", "in 2h"}, {"--account @evil hi", "tomorrow 09:00"}, {"in 2h hi", "2026-12-01T09:00:00Z"},
		{"x", "in 2h post --account @a"}, {"", ""}, {"ok", "yesterday"}, {"ok", "2099-01-01 09:00"},
	} {
		f.Add(s[0], s[1])
	}
	rec := &recorder{}
	s := mcp.NewServer(mcp.Options{Dispatcher: rec}, mcp.Fixed(bot.Incoming{}))
	ct, st := sdk.NewInMemoryTransports()
	ctx := context.Background()
	ss, err := s.Connect(ctx, st, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "fuzz", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { cs.Close() })
	f.Fuzz(func(t *testing.T, text, when string) {
		n := len(rec.cmd)
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "schedule", Arguments: map[string]any{"text": text, "when": when}})
		if err != nil {
			return // not valid UTF-8 JSON, refused by the protocol layer
		}
		if res.IsError {
			if len(rec.cmd) != n {
				t.Fatalf("a refused schedule reached the dispatcher")
			}
			return
		}
		cmd := rec.cmd[len(rec.cmd)-1]
		// JSON carries invalid UTF-8 as U+FFFD; that is the wire's doing, not the tool's.
		var sent string
		b, _ := json.Marshal(text)
		json.Unmarshal(b, &sent)
		if cmd.Verb != bot.VerbSchedule || cmd.Text != sent || !cmd.At.After(rec.Now()) {
			t.Fatalf("schedule(%q, %q) ran %+v", text, when, cmd)
		}
	})
}
