package webhookstore_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestDoorRejectionsChangeNothing sends every kind of bad delivery to the door over real HTTP
// and real storage and checks that no commit at all reached the database.
func TestDoorRejectionsChangeNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	gh := s.add(t, webhookstore.Spec{Name: "gh", Scheme: webhook.SchemeGitHub})
	sw := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeStandard})
	s.add(t, webhookstore.Spec{Name: "off", Scheme: webhook.SchemeGitHub})
	if err := s.store.SetEnabled(context.Background(), "off", false); err != nil {
		t.Fatal(err)
	}
	w := storagetest.Watch(t, s.db)
	good := []byte(`{"text":"hello"}`)
	long := []byte(`{"text":"` + strings.Repeat("a", 501) + `"}`)
	big := []byte(`{"text":"` + strings.Repeat("a", webhook.MaxBody) + `"}`)
	now := s.clock.Now()

	tests := []struct {
		name   string
		source string
		h      http.Header
		body   []byte
		code   int
		field  string
	}{
		{"unknown source", "nope", sign(t, webhook.SchemeGitHub, gh, good, now), good, 404, ""},
		{"disabled source", "off", sign(t, webhook.SchemeGitHub, gh, good, now), good, 404, ""},
		{"bad signature", "gh", sign(t, webhook.SchemeGitHub, "not-the-secret", good, now), good, 401, ""},
		{"missing signature", "gh", http.Header{"Content-Type": {"application/json"}}, good, 401, ""},
		{"tampered body", "gh", sign(t, webhook.SchemeGitHub, gh, good, now), []byte(`{"text":"HELLO"}`), 401, ""},
		{"stale standard timestamp", "ci", sign(t, webhook.SchemeStandard, sw, good, now.Add(-6*time.Minute)), good, 401, ""},
		{"standard timestamp from the future", "ci", sign(t, webhook.SchemeStandard, sw, good, now.Add(6*time.Minute)), good, 401, ""},
		{"over 1 MiB", "gh", sign(t, webhook.SchemeGitHub, gh, big, now), big, 413, ""},
		{"wrong content type", "gh", sign(t, webhook.SchemeGitHub, gh, good, now, "Content-Type", "text/plain"), good, 415, ""},
		{"malformed JSON", "gh", sign(t, webhook.SchemeGitHub, gh, []byte(`{"text":`), now), []byte(`{"text":`), 400, ""},
		{"unknown field", "gh", sign(t, webhook.SchemeGitHub, gh, []byte(`{"txt":"x"}`), now), []byte(`{"txt":"x"}`), 400, "txt"},
		{"private callback", "gh", sign(t, webhook.SchemeGitHub, gh, []byte(`{"text":"x","callback_url":"http://127.0.0.1/cb"}`), now),
			[]byte(`{"text":"x","callback_url":"http://127.0.0.1/cb"}`), 400, "callback_url"},
		{"preflight: text over 500", "gh", sign(t, webhook.SchemeGitHub, gh, long, now), long, 400, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, posts := w.Version(t), w.Count(t, "posts")
			code, out := s.post(t, tt.source, tt.h, tt.body)
			if code != tt.code {
				t.Fatalf("status %d %v, want %d", code, out, tt.code)
			}
			if out["error"] == "" || out["field"] != tt.field {
				t.Errorf("answer %v, want an error naming field %q", out, tt.field)
			}
			if after := w.Version(t); after != before {
				t.Errorf("the database changed (data_version %d → %d)", before, after)
			}
			if n := w.Count(t, "posts"); n != posts {
				t.Errorf("posts %d → %d", posts, n)
			}
		})
	}
	if n := w.Count(t, "posts"); n != 0 {
		t.Errorf("%d posts stored after rejections only", n)
	}
	// The same stack accepts a good delivery, so the rejections above were not an accident,
	// and the watcher does see a commit.
	v := w.Version(t)
	if code, out := s.post(t, "gh", sign(t, webhook.SchemeGitHub, gh, good, now), good); code != 202 || out["status"] != "queued" {
		t.Errorf("good delivery: %d %v", code, out)
	}
	if n := w.Count(t, "posts"); n != 1 || w.Version(t) == v {
		t.Errorf("posts = %d after one good delivery; data_version moved: %v", n, w.Version(t) != v)
	}
}

// TestDoorReplay: the same delivery sent again answers the same id and queues nothing new,
// whether it is matched by webhook-id, by the body's idempotency_key or by the preset's key.
func TestDoorReplay(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	sw := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeStandard})
	gh := s.add(t, webhookstore.Spec{Name: "releases", Scheme: webhook.SchemeGitHub, Preset: "github-release"})
	w := storagetest.Watch(t, s.db)
	now := s.clock.Now()

	body := []byte(`{"text":"Deploy 881 done"}`)
	h := sign(t, webhook.SchemeStandard, sw, body, now)
	code, first := s.post(t, "ci", h, body)
	if code != 202 || first["id"] == "" {
		t.Fatalf("first: %d %v", code, first)
	}
	// A retry a minute later carries the same webhook-id with a fresh timestamp and signature.
	s.clock.Advance(time.Minute)
	code, again := s.post(t, "ci", sign(t, webhook.SchemeStandard, sw, body, s.clock.Now()), body)
	if code != 202 || again["id"] != first["id"] {
		t.Errorf("replay by webhook-id: %d %v, want id %s", code, again, first["id"])
	}

	// Two different deliveries (different bodies, so different webhook-ids) with one key.
	kb := []byte(`{"text":"Release v1.2 is out","idempotency_key":"deploy-881"}`)
	kb2 := []byte(`{"idempotency_key":"deploy-881", "text":"Release v1.2 is out"}`)
	_, k1 := s.post(t, "ci", sign(t, webhook.SchemeStandard, sw, kb, s.clock.Now()), kb)
	_, k2 := s.post(t, "ci", sign(t, webhook.SchemeStandard, sw, kb2, s.clock.Now()), kb2)
	if k1["id"] == "" || k1["id"] != k2["id"] || k1["id"] == first["id"] {
		t.Errorf("replay by idempotency_key: %v then %v", k1, k2)
	}

	release := fixture(t, "github-release-published.json")
	_, r1 := s.post(t, "releases", sign(t, webhook.SchemeGitHub, gh, release, now, "X-GitHub-Event", "release", "X-GitHub-Delivery", "d-1"), release)
	_, r2 := s.post(t, "releases", sign(t, webhook.SchemeGitHub, gh, release, now, "X-GitHub-Event", "release", "X-GitHub-Delivery", "d-2"), release)
	if r1["id"] == "" || r1["id"] != r2["id"] {
		t.Errorf("redelivered release: %v then %v", r1, r2)
	}
	if n := w.Count(t, "posts"); n != 3 {
		t.Errorf("%d posts stored, want 3 (one per distinct delivery)", n)
	}
}

// TestDoorRotationOverlap: after a rotation both secrets verify until the grace period ends,
// then only the new one does. The grace period is judged by the store's clock.
func TestDoorRotationOverlap(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	old := s.add(t, webhookstore.Spec{Name: "gh", Scheme: webhook.SchemeGitHub})
	rot, err := s.store.Rotate(context.Background(), "gh", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if rot.Secret == old || rot.Secret == "" {
		t.Fatal("rotation did not produce a new secret")
	}
	deliver := func(secret, text string) int {
		body := []byte(`{"text":"` + text + `"}`)
		code, _ := s.post(t, "gh", sign(t, webhook.SchemeGitHub, secret, body, s.clock.Now()), body)
		return code
	}
	if c := deliver(old, "old secret in grace"); c != 202 {
		t.Errorf("old secret during grace: %d", c)
	}
	if c := deliver(rot.Secret, "new secret"); c != 202 {
		t.Errorf("new secret: %d", c)
	}
	s.clock.Advance(time.Hour + time.Second)
	if c := deliver(old, "old secret after grace"); c != 401 {
		t.Errorf("old secret after grace: %d, want 401", c)
	}
	if c := deliver(rot.Secret, "new secret after grace"); c != 202 {
		t.Errorf("new secret after grace: %d", c)
	}
	src, err := s.store.Source(context.Background(), "gh")
	if err != nil || len(src.Secrets) != 1 || src.Secrets[0] != rot.Secret {
		t.Errorf("after grace the source verifies with %d secrets (err %v), want only the new one", len(src.Secrets), err)
	}
}

// TestSecretsSealedAtRest: the stored row never holds a secret in clear, and a row's sealed
// secret does not open under another source's name.
func TestSecretsSealedAtRest(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	secret := s.add(t, webhookstore.Spec{Name: "gh", Scheme: webhook.SchemeGitHub})
	row, err := s.db.WebhookSourceByName(context.Background(), "gh")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(row.SecretSealed), secret) || len(row.SecretSealed) < len(secret) {
		t.Errorf("secret stored in clear or truncated: %q", row.SecretSealed)
	}
	if _, err := s.keys.Open(row.SecretSealed, "webhook-source\x00other"); err == nil {
		t.Error("a sealed secret opened under another source's name")
	}
	// A source whose secret cannot be opened (the secret key changed) answers 401, not 500.
	other := newStack(t)
	if _, err := other.db.CreateWebhookSource(context.Background(), storage.WebhookSource{Name: "gh", AccountID: other.acct.ID,
		Scheme: "github", SecretSealed: row.SecretSealed, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"text":"hi"}`)
	code, out := other.post(t, "gh", sign(t, webhook.SchemeGitHub, secret, body, other.clock.Now()), body)
	if code != 401 || !strings.Contains(out["error"], "operator") {
		t.Errorf("unopenable secret: %d %v", code, out)
	}
}

func TestSpecCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sp   webhookstore.Spec
		want string // substring of the error; empty: valid
	}{
		{"generic", webhookstore.Spec{Name: "ci", Scheme: "standard"}, ""},
		{"preset and branch", webhookstore.Spec{Name: "pushes", Scheme: "github", Preset: "github-push", Branch: "main"}, ""},
		{"template", webhookstore.Spec{Name: "cms", Scheme: "standard", Template: "{{.title}}"}, ""},
		{"bad name", webhookstore.Spec{Name: "CI/x", Scheme: "github"}, "lower-case"},
		{"bad scheme", webhookstore.Spec{Name: "ci", Scheme: "slack"}, "use github, standard or gitlab"},
		{"bad preset", webhookstore.Spec{Name: "ci", Scheme: "github", Preset: "jira"}, "unknown preset"},
		{"broken template", webhookstore.Spec{Name: "ci", Scheme: "github", Template: "{{.title"}, "template cannot be used"},
		{"recursive template", webhookstore.Spec{Name: "ci", Scheme: "github", Template: `{{define "x"}}{{template "x"}}{{end}}`}, "template"},
		{"branch without push preset", webhookstore.Spec{Name: "ci", Scheme: "github", Branch: "main"}, "github-push"},
		{"empty event", webhookstore.Spec{Name: "ci", Scheme: "github", Events: []string{"release", ""}}, "event name is empty"},
		{"github preset on gitlab scheme", webhookstore.Spec{Name: "ci", Scheme: "gitlab", Preset: "github-release"},
			"preset github-release takes GitHub's payloads, which are signed with the github scheme, not gitlab: use --scheme github"},
		{"github preset on standard scheme", webhookstore.Spec{Name: "ci", Scheme: "standard", Preset: "github-push"}, "use --scheme github"},
		{"gitlab preset on github scheme", webhookstore.Spec{Name: "ci", Scheme: "github", Preset: "gitlab-tag"},
			"preset gitlab-tag takes GitLab's payloads, which are signed with the gitlab scheme, not github: use --scheme gitlab"},
		{"gitlab preset on gitlab scheme", webhookstore.Spec{Name: "ci", Scheme: "gitlab", Preset: "gitlab-release"}, ""},
		{"cms preset on any scheme", webhookstore.Spec{Name: "ci", Scheme: "github", Preset: "cms-published"}, ""},
	}
	for _, tt := range tests {
		err := tt.sp.Check()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
