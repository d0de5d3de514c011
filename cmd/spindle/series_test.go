package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestSeriesCommands: spindle series list, pause (its waiting post is cancelled), pause again
// (refused), resume, cancel, and bad ids refused with exit 2.
func TestSeriesCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	if code, _, errOut := spindle(t, env, "migrate"); code != 0 {
		t.Fatal(errOut)
	}
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.SaveAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "alice", TokenSealed: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := db.CreateSeries(ctx, storage.NewSeries{AccountID: a.ID, Door: "cli", Rule: "week mon 09:00", Zone: "Europe/Paris",
		StartDate: "2026-11-23", Texts: []string{"Weekly"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Materialise(ctx, s, time.Now().Add(24*time.Hour), storage.NewPost{Text: "Weekly"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"list", "--json"}, 0, `"Description": "every Monday at 09:00"`},
		{[]string{"list", "--account", "bob"}, 0, "ID"},
		{[]string{"pause", "s1"}, 0, "series s1 is paused; its waiting post " + p.ID + " was cancelled"},
		{[]string{"pause", "s1"}, 1, "already paused"},
		{[]string{"resume", "s1", "--json"}, 0, `"state": "active"`},
		{[]string{"cancel", "s1"}, 0, "series s1 is cancelled"},
		{[]string{"resume", "s1"}, 1, "cannot change any more"},
		{[]string{"pause", p.ID}, 2, "is not a series id"},
		{[]string{"pause", "s99"}, 1, "not found"},
		{[]string{"stop", "s1"}, 2, "unknown series command"},
	} {
		code, out, errOut := spindle(t, env, append([]string{"series"}, tc.args...)...)
		if code != tc.code || !strings.Contains(out+errOut, tc.out) {
			t.Errorf("spindle series %v: exit %d, %q %q; want %d with %q", tc.args, code, out, errOut, tc.code, tc.out)
		}
	}
}
