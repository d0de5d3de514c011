package webhookstore_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestGitHubBodyReplay: someone who captured one signed GitHub delivery sends it again with a
// new X-GitHub-Delivery, or none. GitHub signs only the body, so the signature still verifies;
// the body was already accepted, so the answer is the first post, marked as a replay, and
// nothing new is queued. GitHub's own redelivery (same id) is answered the same way.
func TestGitHubBodyReplay(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	gh := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeGitHub})
	w := storagetest.Watch(t, s.db)
	body := []byte(`{"text":"Deploy 881 done"}`)
	now := s.clock.Now()

	code, first := s.post(t, "ci", sign(t, webhook.SchemeGitHub, gh, body, now, "X-GitHub-Delivery", "d-1"), body)
	if code != 202 || first["id"] == "" || s.last.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first delivery: %d %v", code, first)
	}
	replays := []struct {
		name     string
		delivery string
		after    time.Duration
	}{
		{"new delivery id", "attacker-1", time.Minute},
		{"no delivery id", "", time.Hour},
		{"GitHub's redelivery", "d-1", time.Hour},
		{"six days later", "attacker-2", 6 * 24 * time.Hour},
	}
	for _, r := range replays {
		s.clock.Advance(r.after)
		code, again := s.post(t, "ci", sign(t, webhook.SchemeGitHub, gh, body, now, "X-GitHub-Delivery", r.delivery), body)
		if code != 202 || again["id"] != first["id"] || s.last.Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s: %d %v (Idempotent-Replayed %q), want 202 with id %s, replayed",
				r.name, code, again, s.last.Get("Idempotent-Replayed"), first["id"])
		}
	}
	if n := w.Count(t, "posts"); n != 1 {
		t.Fatalf("%d posts after replays of one delivery, want 1", n)
	}
	// Past the window the body is news again (a week-old capture of "deploy done" says little),
	// and a different body is a different post at any time.
	s.clock.Advance(storage.BodyReplayWindow)
	if code, late := s.post(t, "ci", sign(t, webhook.SchemeGitHub, gh, body, now, "X-GitHub-Delivery", "d-9"), body); code != 202 || late["id"] == first["id"] {
		t.Errorf("after the window: %d %v", code, late)
	}
	other := []byte(`{"text":"Deploy 882 done"}`)
	if code, m := s.post(t, "ci", sign(t, webhook.SchemeGitHub, gh, other, now, "X-GitHub-Delivery", "d-10"), other); code != 202 || m["id"] == first["id"] {
		t.Errorf("another body: %d %v", code, m)
	}
}

// TestGitHubPresetBodyReplay: a replayed release payload under a new delivery id is the same
// post (the preset's key and the body both say so); a GitLab token delivery is remembered the
// same way, since its token is not a signature at all.
func TestGitHubPresetBodyReplay(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	gh := s.add(t, webhookstore.Spec{Name: "rel", Scheme: webhook.SchemeGitHub, Preset: "github-release"})
	gl := s.add(t, webhookstore.Spec{Name: "gl", Scheme: webhook.SchemeGitLab})
	w := storagetest.Watch(t, s.db)
	now := s.clock.Now()
	release := fixture(t, "github-release-published.json")
	_, r1 := s.post(t, "rel", sign(t, webhook.SchemeGitHub, gh, release, now, "X-GitHub-Event", "release", "X-GitHub-Delivery", "d-1"), release)
	_, r2 := s.post(t, "rel", sign(t, webhook.SchemeGitHub, gh, release, now, "X-GitHub-Event", "release", "X-GitHub-Delivery", "d-2"), release)
	if r1["id"] == "" || r1["id"] != r2["id"] || s.last.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed release: %v then %v", r1, r2)
	}
	body := []byte(`{"text":"Pipeline green"}`)
	_, g1 := s.post(t, "gl", sign(t, webhook.SchemeGitLab, gl, body, now, "Idempotency-Key", "k-1"), body)
	_, g2 := s.post(t, "gl", sign(t, webhook.SchemeGitLab, gl, body, now, "Idempotency-Key", "k-2"), body)
	if g1["id"] == "" || g1["id"] != g2["id"] || s.last.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replayed GitLab delivery: %v then %v", g1, g2)
	}
	if n := w.Count(t, "posts"); n != 2 {
		t.Errorf("%d posts, want 2", n)
	}
}

// TestWebhookKeyConflict: a key (idempotency_key, webhook-id, X-GitHub-Delivery) reused with a
// different post is answered 409 naming the conflict; before, the sender was told 202 with the
// first post's id and its new post was silently dropped.
func TestWebhookKeyConflict(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	sw := s.add(t, webhookstore.Spec{Name: "ci", Scheme: webhook.SchemeStandard})
	gh := s.add(t, webhookstore.Spec{Name: "gh", Scheme: webhook.SchemeGitHub})
	w := storagetest.Watch(t, s.db)
	now := s.clock.Now()
	// A Standard Webhooks delivery signed (as the sender would) with the webhook-id it names.
	stdSigned := func(body, id string) (int, map[string]string) {
		b := []byte(body)
		return s.post(t, "ci", signStandard(t, sw, b, id, now), b)
	}
	code, first := stdSigned(`{"text":"Release v1.2 is out","idempotency_key":"rel-12"}`, "msg_1")
	if code != 202 {
		t.Fatalf("first: %d %v", code, first)
	}
	gha, ghb := []byte(`{"text":"Merged #12"}`), []byte(`{"text":"Merged #13"}`)
	tests := []struct {
		name  string
		setup func() (int, map[string]string) // the first use of the key; nil: the one above
		send  func() (int, map[string]string)
	}{
		{"idempotency_key with another text", nil, func() (int, map[string]string) {
			return stdSigned(`{"text":"Release v1.3 is out","idempotency_key":"rel-12"}`, "msg_2")
		}},
		{"webhook-id with another text",
			func() (int, map[string]string) { return stdSigned(`{"text":"Nightly build ok"}`, "msg_9") },
			func() (int, map[string]string) { return stdSigned(`{"text":"Nightly build FAILED"}`, "msg_9") }},
		{"X-GitHub-Delivery with another body",
			func() (int, map[string]string) {
				return s.post(t, "gh", sign(t, webhook.SchemeGitHub, gh, gha, now, "X-GitHub-Delivery", "d-7"), gha)
			},
			func() (int, map[string]string) {
				return s.post(t, "gh", sign(t, webhook.SchemeGitHub, gh, ghb, now, "X-GitHub-Delivery", "d-7"), ghb)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				if code, m := tt.setup(); code != 202 {
					t.Fatalf("first use of the key: %d %v", code, m)
				}
			}
			before := w.Count(t, "posts")
			code, m := tt.send()
			if code != http.StatusConflict || m["id"] != "" || !strings.Contains(m["error"], "already used") {
				t.Errorf("status %d %v, want 409 naming the conflict", code, m)
			}
			if n := w.Count(t, "posts"); n != before {
				t.Errorf("posts %d → %d on a conflict", before, n)
			}
		})
	}
	// The same request again is still a replay, not a conflict.
	code, again := stdSigned(`{"idempotency_key":"rel-12","text":"Release v1.2 is out"}`, "msg_3")
	if code != 202 || again["id"] != first["id"] || s.last.Get("Idempotent-Replayed") != "true" {
		t.Errorf("true replay by key: %d %v", code, again)
	}
}

// TestWebhookKeysPerSourceAndAccount: two sources of two tenants sending the same
// idempotency_key each get their own post.
func TestWebhookKeysPerSourceAndAccount(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	bob := storagetest.Account(t, s.db, "bob")
	a := s.add(t, webhookstore.Spec{Name: "alice-ci", Scheme: webhook.SchemeGitHub})
	b, err := s.store.Add(context.Background(), webhookstore.Spec{Name: "bob-ci", Scheme: webhook.SchemeGitHub, AccountID: bob.ID})
	if err != nil {
		t.Fatal(err)
	}
	now := s.clock.Now()
	ab, bb := []byte(`{"text":"Alice ships","idempotency_key":"1"}`), []byte(`{"text":"Bob ships","idempotency_key":"1"}`)
	_, pa := s.post(t, "alice-ci", sign(t, webhook.SchemeGitHub, a, ab, now), ab)
	_, pb := s.post(t, "bob-ci", sign(t, webhook.SchemeGitHub, b.Secret, bb, now), bb)
	if pa["id"] == "" || pb["id"] == "" || pa["id"] == pb["id"] {
		t.Fatalf("two tenants, one key: %v and %v", pa, pb)
	}
	p, err := s.db.Get(context.Background(), pb["id"])
	if err != nil || p.Text != "Bob ships" || p.AccountID != bob.ID {
		t.Fatalf("bob's post: %+v %v", p, err)
	}
}

// signStandard signs body as a Standard Webhooks sender does, under a webhook-id of its choice
// (webhook.Sign derives the id from the body).
func signStandard(t *testing.T, secret string, body []byte, id string, now time.Time) http.Header {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "."))
	m.Write(body)
	return http.Header{"Content-Type": {"application/json"}, "Webhook-Id": {id}, "Webhook-Timestamp": {ts},
		"Webhook-Signature": {"v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))}}
}
