package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
)

// presetSeeds are the providers' documented payloads with the event header each arrives with.
var presetSeeds = []struct{ file, event string }{
	{"github-release-published.json", "release"},
	{"github-push-branch.json", "push"},
	{"github-push-tag-deleted.json", "push"},
	{"github-ping.json", "ping"},
	{"gitlab-tag-push.json", "Tag Push Hook"},
	{"gitlab-release-create.json", "Release Hook"},
	{"cms-published.json", ""},
}

// FuzzPresetDecision feeds provider payloads (GitHub, GitLab, CMS, and whatever a sender makes
// of them) to every preset and to a generic source, through the handler's build step that
// decides post, ignore or pong. A payload must never crash it or make it answer 500 (a built-in
// preset is never misconfigured), a decision must not depend on the payload's spelling (the
// key is what recognises a redelivery), and a post must carry a key its source owns and that
// the queue accepts.
func FuzzPresetDecision(f *testing.F) {
	names := PresetNames()
	for _, s := range presetSeeds {
		b, err := os.ReadFile(filepath.Join("testdata", s.file))
		if err != nil {
			f.Fatal(err)
		}
		for i := range len(names) + 1 { // the last index is a source without preset
			f.Add(uint8(i), s.event, "", b)
		}
	}
	f.Add(uint8(1), "push", "release/v2", []byte(`{"ref":"refs/heads/release/v2","after":"9f","repository":{"id":1e3,"default_branch":"main"},"head_commit":{"id":"9f","message":"x\ny"}}`))
	f.Add(uint8(0), "release", "", []byte(`{"action":"published","release":{"id":null,"tag_name":7,"name":["x"]},"repository":{}}`))
	f.Add(uint8(3), "Tag Push Hook", "", []byte(`{"object_kind":"tag_push","ref":"refs/tags/`+strings.Repeat("v", 250)+`","after":"1","project_id":5}`))
	f.Add(uint8(5), "", "", []byte(`{"event":"published","title":"<b>T</b>","url":"https://blog.example/p","id":1.50}`))
	f.Add(uint8(6), "", "", []byte(`{"text":"Deploy done","idempotency_key":"deploy-881"}`))

	h := NewHandler(Options{Sources: &fakeSources{}, Enqueuer: &fakeQueue{}})
	f.Fuzz(func(t *testing.T, which uint8, event, branch string, body []byte) {
		src := Source{Name: "src", AccountID: 1, Scheme: SchemeGitHub, Branch: branch, Enabled: true}
		if i := int(which) % (len(names) + 1); i < len(names) {
			src.Preset = names[i]
			checkDecision(t, h.presets[src.Preset], event, branch, body)
		}
		hdr := http.Header{}
		if strings.HasPrefix(src.Preset, "gitlab") {
			hdr.Set(headerGitLabEvent, event)
		} else {
			hdr.Set(headerGitHubEvent, event)
		}
		req, dec, err := h.build(context.Background(), src, hdr, body, Verified{DeliveryID: "d-1"})
		if err != nil {
			if p := classify(err); p.Status != http.StatusBadRequest {
				t.Fatalf("a payload made build fail with %d: %v", p.Status, err)
			}
			return
		}
		switch dec.Action {
		case ActionPong, ActionIgnore:
			if dec.Action == ActionIgnore && dec.Reason == "" {
				t.Fatal("ignored without a reason")
			}
			return
		}
		if !strings.HasPrefix(req.IdempotencyKey, "src:") || req.KeyScope != keyScope("src") {
			t.Fatalf("key %q in scope %q is not the source's", req.IdempotencyKey, req.KeyScope)
		}
		if len(req.IdempotencyKey) > ingest.MaxIdempotencyKey {
			t.Fatalf("key of %d bytes: the queue refuses keys over %d", len(req.IdempotencyKey), ingest.MaxIdempotencyKey)
		}
		if fromDelivery := strings.HasPrefix(req.IdempotencyKey, "src:delivery:"); fromDelivery != (len(req.BodyDigest) == 64) {
			t.Fatalf("keyed by the unsigned delivery id %v, body digest %q: one needs the other", fromDelivery, req.BodyDigest)
		}
		if req.Text == "" && len(req.Media) == 0 {
			t.Fatalf("post without content: %+v", req)
		}
	})
}

// checkDecision: a preset's verdict is one of post or ignore, an ignore says why and carries
// no key, and the same payload re-encoded gets the same verdict and key.
func checkDecision(t *testing.T, p *Preset, event, branch string, body []byte) {
	t.Helper()
	payload, err := DecodePayload(body)
	if err != nil {
		if _, ok := errors.AsType[*FieldError](err); !ok {
			t.Fatalf("DecodePayload error %T is not a *FieldError: %v", err, err)
		}
		return
	}
	d := p.Decide(Event{Name: event, Payload: payload, Branch: branch})
	switch {
	case d.Action == ActionIgnore && (d.Reason == "" || d.Key != ""):
		t.Fatalf("%s: ignore %+v", p.Name, d)
	case d.Action == ActionPost && d.Key != "" && !strings.HasPrefix(d.Key, p.Name+":"):
		t.Fatalf("%s: key %q outside the preset's namespace", p.Name, d.Key)
	case d.Action != ActionPost && d.Action != ActionIgnore:
		t.Fatalf("%s: action %v", p.Name, d.Action)
	}
	again, err := json.Marshal(payload)
	if err != nil {
		t.Fatalf("re-encode: %v", err)
	}
	payload2, err := DecodePayload(again)
	if err != nil {
		t.Fatalf("re-encoded payload refused: %v", err)
	}
	if d2 := p.Decide(Event{Name: event, Payload: payload2, Branch: branch}); d2 != d {
		t.Fatalf("%s: %+v, and %+v for the same payload re-encoded", p.Name, d, d2)
	}
}

// FuzzEnvelope: the Standard Webhooks envelope reader takes any body without panicking, and
// what it unwraps is always a JSON object named by a non-empty type.
func FuzzEnvelope(f *testing.F) {
	for _, s := range []string{`{"type":"a","data":{"text":"x"}}`, `{"type":"a","timestamp":"t","data":{}}`,
		`{"type":"","data":{}}`, `{"type":1,"data":{}}`, `{"type":"a","data":null}`, `{"type":"a","data":[1]}`,
		`{"type":"a","data":{},"x":1}`, `[]`, `null`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, data, ok := envelope(body)
		if !ok {
			return
		}
		var obj map[string]any
		if ev == "" || json.Unmarshal(data, &obj) != nil || obj == nil {
			t.Fatalf("envelope(%q) = %q, %q", body, ev, data)
		}
	})
}

// FuzzFormPayload: a GitHub form body yields its payload field or the 415 error, never a
// panic nor an empty payload.
func FuzzFormPayload(f *testing.F) {
	for _, s := range []string{"payload=%7B%7D", "payload=", "a=b&payload=x", "%zz", "payload=%7B&payload=2", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := formPayload(body)
		if (err == nil) == (len(p) == 0) {
			t.Fatalf("formPayload(%q) = %q, %v", body, p, err)
		}
	})
}
