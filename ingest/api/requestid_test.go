package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
)

// TestRequestIDIsBoundedWhenStored: a caller's X-Request-Id is stored with the post and
// logged with it. A 3 KB <script> id used to be kept verbatim; now only a sane id (letters,
// digits, -_.:, at most 128 characters) is kept and anything else gets a fresh one.
func TestRequestIDIsBoundedWhenStored(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	script := "<script>" + strings.Repeat("alert(1);", 330) + "</script>"
	for _, tt := range []struct{ sent, name string }{
		{script, "3 KB script"},
		{strings.Repeat("a", ingest.MaxRequestIDLen+1), "129 characters"},
		{"spaces and \"quotes\"", "quotes"},
		{"ci-run-881.attempt_2", "sane"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"text": "hello " + tt.name})
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/threads/post", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
			req.Header["X-Request-Id"] = []string{tt.sent} // raw, as an attacker sends it
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var out struct{ ID string }
			if err := json.Unmarshal(raw, &out); err != nil || out.ID == "" {
				t.Fatalf("%d %s", resp.StatusCode, raw)
			}
			p, err := e.db.Get(t.Context(), out.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !ingest.SaneRequestID(p.RequestID) {
				t.Fatalf("stored request id %q is not sane", p.RequestID)
			}
			if sane := ingest.SaneRequestID(tt.sent); sane != (p.RequestID == tt.sent) {
				t.Errorf("sent %.40q, stored %q", tt.sent, p.RequestID)
			}
		})
	}
}
