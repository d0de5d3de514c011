package webhook

import (
	"errors"
	"strings"
	"testing"
)

// TestInternalErrorNeverLeaks makes the queue fail with an operator's words (a path, a driver
// message): the sender gets 500, code internal and a generic message; the log gets the words.
func TestInternalErrorNeverLeaks(t *testing.T) {
	e := newEnv(t)
	e.queue.fail = errors.New("storage: disk I/O error at /var/lib/spindle/secret.db")
	body := []byte(`{"text":"hello"}`)
	code, out, _ := e.request(t, "POST", "ci", signed(t, SchemeStandard, swSecret, body), body)
	if code != 500 || out["code"] != "internal" || out["error"] == "" {
		t.Errorf("answer %d %v, want 500 with code internal and a message", code, out)
	}
	for k, v := range out {
		for _, leak := range []string{"disk I/O", "/var/lib", "secret.db", "storage:"} {
			if strings.Contains(v, leak) {
				t.Errorf("%s leaks %q: %s", k, leak, v)
			}
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, "secret.db") || !strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("the log lacks the detail at ERROR: %s", logs)
	}
}
