package accounts

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStartDatabaseFailureIsTheServers opens a real connect link while Spindle's database is
// down: the failure is Spindle's, so the answer is a 500 with a generic message and the
// database's own words stay in the log. (It used to be answered 400, as if the link were bad.)
func TestStartDatabaseFailureIsTheServers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	id := e.identify("1")
	link := e.link(id)
	tok, err := e.svc.CreateAPIToken(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, url, auth string }{
		{"connect link, page", link, ""},
		{"connect link, json", link + "&mode=json", ""},
		{"api token, json", e.srv.URL + StartPath + "?mode=json", "Bearer " + tok},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tt.url, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			status, body := do(t, e, req)
			if status != http.StatusInternalServerError {
				t.Errorf("status %d, want 500: %s", status, body)
			}
			for _, leak := range []string{"sql", "closed", "accounts:"} {
				if strings.Contains(body, leak) {
					t.Errorf("body leaks %q: %s", leak, body)
				}
			}
			if strings.Contains(tt.url, "mode=json") {
				var out struct{ Error, Code string }
				if err := json.Unmarshal([]byte(body), &out); err != nil || out.Code != "internal" || out.Error == "" {
					t.Errorf("json body %s (%v), want code internal and a message", body, err)
				}
			}
		})
	}
}

// TestRequireTokenDatabaseFailure sends a well-formed token while the database is down: 500,
// code internal, nothing of the database's error in the body.
func TestRequireTokenDatabaseFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	tok, err := e.svc.CreateAPIToken(context.Background(), e.identify("1"))
	if err != nil {
		t.Fatal(err)
	}
	e.db.Close()
	srv := e.svc.RequireToken(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("reached the handler") }))
	req, _ := http.NewRequest("GET", "/api/threads/connection", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	var out struct{ Error, Code string }
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	if w.Code != http.StatusInternalServerError || out.Code != "internal" || strings.Contains(w.Body.String(), "sql") {
		t.Errorf("answer %d %s, want 500 internal without the database's words", w.Code, w.Body)
	}
}

func do(t *testing.T, e *env, req *http.Request) (int, string) {
	t.Helper()
	resp, err := e.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
