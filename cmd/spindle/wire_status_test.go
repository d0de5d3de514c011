package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestWireStatus checks the status page's routes on the real router: off without a password,
// behind basic auth with one, open in sandbox mode.
func TestWireStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     config.Config
		pw      string
		want    int
		wantTag string
	}{
		{"off", config.Config{}, "", http.StatusNotFound, ""},
		{"wrong password", config.Config{AdminPassword: config.NewSecret("s3cret")}, "nope", http.StatusUnauthorized, ""},
		{"right password", config.Config{AdminPassword: config.NewSecret("s3cret")}, "s3cret", http.StatusOK, "@bob"},
		{"sandbox", config.Config{Sandbox: true}, "", http.StatusOK, "@bob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storagetest.Open(t, nil)
			storagetest.Account(t, db, "bob")
			a := &app{cfg: tc.cfg, log: slog.New(slog.DiscardHandler), router: mux.NewRouter(), db: db}
			a.routeStatus()
			srv := httptest.NewServer(a.router)
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/", nil)
			if tc.pw != "" {
				req.SetBasicAuth("op", tc.pw)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want || !strings.Contains(string(body), tc.wantTag) {
				t.Errorf("GET /: status %d, want %d containing %q", resp.StatusCode, tc.want, tc.wantTag)
			}
			// An action route is behind the same gate; without the CSRF token it is refused.
			req, _ = http.NewRequest("POST", srv.URL+"/status/posts/abc/cancel", nil)
			if tc.pw != "" {
				req.SetBasicAuth("op", tc.pw)
			}
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := tc.want
			if want == http.StatusOK {
				want = http.StatusForbidden
			}
			if resp.StatusCode != want {
				t.Errorf("POST cancel without token: status %d, want %d", resp.StatusCode, want)
			}
		})
	}
}
