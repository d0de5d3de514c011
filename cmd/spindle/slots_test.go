package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestSlotsCommandAndPostNextSlot: `spindle slots` sets, shows and clears an account's
// posting slots, and `spindle post --next-slot` fills them; without slots both say how to set
// them.
func TestSlotsCommandAndPostNextSlot(t *testing.T) {
	dir := t.TempDir()
	linkAccount(t, dir, "alice")
	env := map[string]string{"SPINDLE_DATA_DIR": dir}

	code, _, errOut := spindle(t, env, "slots", "--account", "alice")
	if code == 0 || !strings.Contains(errOut, "no posting slots") || !strings.Contains(errOut, "spindle slots set") {
		t.Errorf("slots without any: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = spindle(t, env, "post", "hello", "--account", "alice", "--next-slot")
	if code == 0 || !strings.Contains(errOut, "no posting slots") {
		t.Errorf("post --next-slot without slots: exit %d, stderr %q", code, errOut)
	}
	for _, bad := range [][]string{
		{"slots", "set", "mon-fri", "25:00", "--account", "alice"},
		{"slots", "set", "daily", "09:00", "--account", "alice", "--zone", "Mars/Olympus"},
		{"slots", "set", "--account", "alice"},
		{"slots", "--account", "alice", "extra"},
		{"post", "x", "--account", "alice", "--next-slot", "--at", "in 2h"},
	} {
		if code, out, errOut := spindle(t, env, bad...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", bad, code, out, errOut)
		}
	}
	code, out, errOut := spindle(t, env, "slots", "set", "daily", "09:00,21:00", "--account", "alice", "--zone", "Europe/Berlin", "--json")
	var shown struct {
		Slots    string `json:"slots"`
		Zone     string `json:"zone"`
		Upcoming []struct {
			At     time.Time `json:"at"`
			PostID string    `json:"post_id"`
		} `json:"upcoming"`
	}
	if err := json.Unmarshal([]byte(out), &shown); code != 0 || err != nil || shown.Slots != "daily 09:00,21:00" || shown.Zone != "Europe/Berlin" || len(shown.Upcoming) != 14 {
		t.Fatalf("slots set: exit %d, %q (%v), stderr %q", code, out, err, errOut)
	}
	first := shown.Upcoming[0].At
	code, out, errOut = spindle(t, env, "post", "first", "--account", "alice", "--next-slot", "--json")
	var posted struct {
		ID          string    `json:"id"`
		ScheduledAt time.Time `json:"scheduled_at"`
	}
	if err := json.Unmarshal([]byte(out), &posted); code != 0 || err != nil || !posted.ScheduledAt.Equal(first) {
		t.Fatalf("post --next-slot: exit %d, %q (%v), stderr %q; want the slot at %s", code, out, err, errOut, first)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if h := posted.ScheduledAt.In(berlin).Hour(); h != 9 && h != 21 {
		t.Errorf("placed at %s in Berlin", posted.ScheduledAt.In(berlin))
	}
	code, out, _ = spindle(t, env, "slots", "--account", "alice", "--json")
	if err := json.Unmarshal([]byte(out), &shown); code != 0 || err != nil || shown.Upcoming[0].PostID != posted.ID || shown.Upcoming[1].PostID != "" {
		t.Errorf("slots after a post: exit %d, %q", code, out)
	}
	code, out, _ = spindle(t, env, "slots", "--account", "alice")
	if code != 0 || !strings.Contains(out, "@alice: daily 09:00,21:00 (Europe/Berlin)") || !strings.Contains(out, posted.ID) || !strings.Contains(out, "free") {
		t.Errorf("slots: exit %d, %q", code, out)
	}
	if code, out, errOut := spindle(t, env, "slots", "clear", "--account", "alice"); code != 0 || !strings.Contains(out, "cleared") {
		t.Errorf("slots clear: exit %d, %q, %q", code, out, errOut)
	}
	if code, _, _ := spindle(t, env, "slots", "--account", "alice"); code == 0 {
		t.Error("slots after clear still shows a schedule")
	}
}
