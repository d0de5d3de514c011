package webhookstore_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/storage"
)

// TestThreadPartsCapped: one signed delivery of ~900 KB with "thread": true used to become
// about 2,000 replies. It is refused 413, naming the limit, and nothing is queued; a thread
// within the cap is still accepted.
func TestThreadPartsCapped(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	secret := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeGitHub})
	sentence := strings.Repeat("word ", 98) + "end.\n\n" // ~500 characters, one part each
	for _, tt := range []struct {
		name  string
		parts int
		want  int
	}{
		{"hostile", 1800, http.StatusRequestEntityTooLarge},
		{"one over", ingest.MaxThreadParts + 1, http.StatusRequestEntityTooLarge},
		{"at the cap", ingest.MaxThreadParts, http.StatusAccepted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"text": strings.Repeat(sentence, tt.parts), "thread": true,
				"idempotency_key": tt.name})
			before, _ := s.db.List(t.Context(), storage.ListFilter{})
			code, out := s.post(t, "ci", sign(t, webhook.SchemeGitHub, secret, body, s.clock.Now()), body)
			if code != tt.want {
				t.Fatalf("answer %d %v, want %d", code, out, tt.want)
			}
			after, _ := s.db.List(t.Context(), storage.ListFilter{})
			if tt.want != http.StatusAccepted {
				if !strings.Contains(out["error"], "at most 20") || out["field"] != "text" {
					t.Errorf("error %v does not name the limit and the field", out)
				}
				if len(after) != len(before) {
					t.Errorf("a refused thread was queued")
				}
			}
		})
	}
}
