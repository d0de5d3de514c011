package slack

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
)

// caseVariants are the spellings of one signature an attacker can send: slack-go decodes the
// hex before comparing, so each of them verifies.
func caseVariants(sig string) []string {
	hexPart := strings.TrimPrefix(sig, "v0=")
	mixed := []byte(hexPart)
	for i := 0; i < len(mixed); i += 2 {
		mixed[i] = strings.ToUpper(string(mixed[i]))[0]
	}
	return []string{"v0=" + strings.ToUpper(hexPart), "v0=" + string(mixed)}
}

// sendAs posts body signed at at, with X-Slack-Signature replaced by sig when sig is set.
func (e *env) sendAs(srv *httptest.Server, body string, at time.Time, sig string) ack {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	slacktest.SignRequest(req, testSecret, body, at)
	if sig != "" {
		req.Header.Set("X-Slack-Signature", sig)
	}
	return e.do(req)
}

// accepted sends body signed at at, as Slack would, and expects an answer containing want.
func (e *env) accepted(body string, at time.Time, want string) {
	e.t.Helper()
	if a := e.sendAs(e.srv, body, at, ""); a.status != http.StatusOK || !strings.Contains(a.Text, want) {
		e.t.Fatalf("%s: %d %q, want %q", body, a.status, a.Text, want)
	}
}

// TestSignatureCaseReplay: a captured `token` or `post` request replayed with its signature in
// upper or mixed case is refused, hands out no second API token and queues no second post.
func TestSignatureCaseReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Now()
	tokenBody := e.command("UALICE", "token")
	e.accepted(tokenBody, at, "spt_test_UALICE_1")
	postBody := e.command("UALICE", "post replay me once")
	e.accepted(postBody, at, "Queued")
	for name, body := range map[string]string{"token": tokenBody, "post": postBody} {
		for i, v := range caseVariants(slacktest.Sign(testSecret, at.Unix(), body)) {
			if a := e.sendAs(e.srv, body, at, v); a.status != http.StatusUnauthorized || strings.Contains(a.Text, "spt_") {
				t.Errorf("%s replayed with signature variant %d: %d %q, want 401", name, i, a.status, a.Text)
			}
		}
	}
	if n := e.posts(); n != 1 {
		t.Errorf("%d posts queued, want 1", n)
	}
	// The next real request gets the second token ever handed out: the replays got none.
	if a := e.say("UALICE", "token"); !strings.Contains(a.Text, "spt_test_UALICE_2") {
		t.Errorf("next token: %q, want the second token handed out", a.Text)
	}
}

// TestReplayAfterRestart: a door started afresh (a restart, another replica) has an empty
// in-process cache, yet a captured `token` or `post` request replayed to it, in any spelling of
// its signature, is refused: the database remembers the signature. No second token, no second
// post.
func TestReplayAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Now()
	tokenBody := e.command("UALICE", "token")
	e.accepted(tokenBody, at, "spt_test_UALICE_1")
	postBody := e.command("UALICE", "post survive a restart once")
	e.accepted(postBody, at, "Queued")
	for name, body := range map[string]string{"token": tokenBody, "post": postBody} {
		sig := slacktest.Sign(testSecret, at.Unix(), body)
		for i, v := range append(caseVariants(sig), "") {
			srv := httptest.NewServer(e.newDoor(e.disp))
			a := e.sendAs(srv, body, at, v)
			srv.Close()
			if a.status != http.StatusUnauthorized || strings.Contains(a.Text, "spt_") {
				t.Errorf("%s replayed after a restart (variant %d): %d %q, want 401", name, i, a.status, a.Text)
			}
		}
	}
	if n := e.posts(); n != 1 {
		t.Errorf("%d posts queued, want 1", n)
	}
	if a := e.say("UALICE", "token"); !strings.Contains(a.Text, "spt_test_UALICE_2") {
		t.Errorf("next token: %q, want the second token handed out", a.Text)
	}
}
