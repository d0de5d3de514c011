package slack

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testlog"
)

// TestMissingUsersReadScopeIsReportedOnce: an app installed without users:read makes Slack
// answer users.info with missing_scope; every person's times then fall back to
// SPINDLE_TIMEZONE, which the operator is told once, at Info, with the fix.
func TestMissingUsersReadScopeIsReportedOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.slack.SetMissingScopes("users:read")
	var logs testlog.Buffer
	door := New(Options{SigningSecret: testSecret, BotToken: testToken, APIURL: e.slack.APIURL(),
		Dispatcher: e.disp, Store: e.db, Now: e.clock.Now, HTTPClient: &http.Client{Timeout: 5 * time.Second},
		AllowResponseURL: func(u *url.URL) bool { return u.Hostname() == "127.0.0.1" },
		Logger:           slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	t.Cleanup(door.Close)
	srv := httptest.NewServer(door)
	t.Cleanup(srv.Close)
	for _, text := range []string{"schedule in 2h first", "schedule in 3h second"} {
		if a := e.sendAs(srv, e.command("UALICE", text), e.clock.Now(), ""); a.status != http.StatusOK || !strings.Contains(a.Text, "Scheduled") {
			t.Fatalf("%q: %d %q", text, a.status, a.Text)
		}
	}
	if n := strings.Count(logs.String(), "lacks the users:read scope"); n != 1 {
		t.Fatalf("the missing scope was reported %d times, want once:\n%s", n, logs.String())
	}
}
