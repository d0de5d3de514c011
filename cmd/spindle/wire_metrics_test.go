package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestMetricsNotPublic scrapes /metrics on the real router from outside the allowed
// networks, with and without a forged X-Forwarded-For, and from loopback.
func TestMetricsNotPublic(t *testing.T) {
	db := storagetest.Open(t, nil)
	storagetest.Account(t, db, "bob")
	a := &app{cfg: config.Default(), log: slog.New(slog.DiscardHandler), router: mux.NewRouter(), db: db}
	a.buildMetrics()
	scrape := func(remote, xff string) (int, string) {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		a.router.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	for _, xff := range []string{"", "127.0.0.1"} {
		if code, body := scrape("198.51.100.7:41000", xff); code != http.StatusForbidden || strings.Contains(body, "spindle_") {
			t.Errorf("from the internet (X-Forwarded-For %q): %d %.80s", xff, code, body)
		}
	}
	if code, body := scrape("127.0.0.1:41000", ""); code != http.StatusOK || !strings.Contains(body, "spindle_") {
		t.Errorf("from loopback: %d %.80s", code, body)
	}
}
