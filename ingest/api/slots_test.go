package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestSlotsOverREST: only the owner sets or clears @brand's slots; a grantee queues into them
// and sees them; a stranger sees nothing; bad specs and zones are 400 and change nothing.
func TestSlotsOverREST(t *testing.T) {
	e := newEnv(t) // Monday 23 Nov 2026 09:00 UTC, 10:00 in Berlin
	ctx := context.Background()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	noSchedule := func(when string) {
		t.Helper()
		if _, err := e.db.SlotScheduleOf(ctx, e.brand.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("%s: @brand has a schedule (%v)", when, err)
		}
	}
	status, body, raw := e.do("grantee", "GET", "/api/threads/slots", nil)
	if status != http.StatusNotFound || !strings.Contains(body["error"].(string), "PUT /api/threads/slots") {
		t.Errorf("GET without slots: %d %s", status, raw)
	}
	status, body, raw = e.do("grantee", "POST", "/api/threads/post/queue", map[string]any{"text": "hello"})
	if status != http.StatusConflict || body["code"] != "no_slots" || !strings.Contains(body["error"].(string), "PUT /api/threads/slots") {
		t.Errorf("queue without slots: %d %s", status, raw)
	}
	put := map[string]any{"slots": "mon-fri 09:00,17:00", "zone": "Europe/Berlin"}
	for _, role := range []string{"grantee", "revoked", "stranger", ""} {
		if status, _, raw := e.do(role, "PUT", "/api/threads/slots", put); status < 400 || status >= 500 {
			t.Errorf("PUT as %q: %d %s", role, status, raw)
		}
		if status, _, raw := e.do(role, "DELETE", "/api/threads/slots", nil); status < 400 || status >= 500 {
			t.Errorf("DELETE as %q: %d %s", role, status, raw)
		}
	}
	noSchedule("PUT by others")
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"slots": "mon-fri 25:00", "zone": "Europe/Berlin"}, "slots"},
		{map[string]any{"slots": "", "zone": "Europe/Berlin"}, "slots"},
		{map[string]any{"slots": "daily 09:00", "zone": "Mars/Olympus"}, "zone"},
	} {
		if status, body, raw := e.do("owner", "PUT", "/api/threads/slots", bad.body); status != http.StatusBadRequest || body["field"] != bad.field {
			t.Errorf("PUT %v: %d %s", bad.body, status, raw)
		}
	}
	noSchedule("bad PUTs")
	status, body, raw = e.do("owner", "PUT", "/api/threads/slots", put)
	if status != http.StatusOK || body["slots"] != "mon-fri 09:00,17:00" || body["zone"] != "Europe/Berlin" {
		t.Fatalf("PUT by owner: %d %s", status, raw)
	}
	status, body, raw = e.do("grantee", "POST", "/api/threads/post/queue", map[string]any{"text": "first"})
	if status != http.StatusCreated {
		t.Fatalf("queue: %d %s", status, raw)
	}
	id := body["id"].(string)
	at, _ := time.Parse(time.RFC3339, body["scheduledAt"].(string))
	if want := time.Date(2026, 11, 23, 17, 0, 0, 0, berlin); !at.Equal(want) {
		t.Errorf("queued at %s, want %s", at, want)
	}
	if status, _, raw := e.do("grantee", "POST", "/api/threads/post/queue", map[string]any{"text": "x", "scheduledAt": "2026-12-01T09:00:00Z"}); status != http.StatusBadRequest {
		t.Errorf("queue with a time: %d %s", status, raw)
	}
	status, body, raw = e.do("grantee", "GET", "/api/threads/slots", nil)
	up, _ := body["upcoming"].([]any)
	if status != http.StatusOK || len(up) == 0 || up[0].(map[string]any)["postId"] != id || up[1].(map[string]any)["postId"] != nil {
		t.Errorf("GET: %d %s", status, raw)
	}
	if status, _, raw := e.do("stranger", "GET", "/api/threads/slots?account=@brand", nil); status != http.StatusNotFound && status != http.StatusForbidden {
		t.Errorf("GET by a stranger: %d %s", status, raw)
	}
	status, body, raw = e.do("owner", "PUT", "/api/threads/slots", map[string]any{"slots": "daily 12:00", "zone": "America/New_York"})
	moved, _ := body["moved"].([]any)
	if status != http.StatusOK || len(moved) != 1 || moved[0].(map[string]any)["id"] != id {
		t.Fatalf("PUT moving: %d %s", status, raw)
	}
	if p, _ := e.db.Get(ctx, id); !p.NextAttemptAt.Equal(time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)) { // 12:00 EST
		t.Errorf("moved to %s", p.NextAttemptAt)
	}
	if status, body, raw := e.do("owner", "PUT", "/api/threads/slots", map[string]any{"slots": "daily 12:00"}); status != http.StatusOK || body["zone"] != "UTC" {
		t.Errorf("PUT without a zone (the handler has none): %d %s", status, raw)
	}
	if status, body, raw := e.do("owner", "DELETE", "/api/threads/slots", nil); status != http.StatusOK || body["cleared"] != true {
		t.Errorf("DELETE: %d %s", status, raw)
	}
	noSchedule("DELETE")
	if status, body, _ := e.do("owner", "POST", "/api/threads/post/queue", map[string]any{"text": "again"}); status != http.StatusConflict || body["code"] != "no_slots" {
		t.Errorf("queue after clear: %d", status)
	}
}
