package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testsignal"
)

// providerSources are the sources a new user makes: only a scheme, or a scheme and a template.
var providerSources = map[string]Source{
	"gh-new": {Name: "gh-new", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Enabled: true},
	"gh-tmpl": {Name: "gh-tmpl", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Enabled: true,
		Template: "{{.repository.full_name}} {{.release.tag_name}} released: {{.release.html_url}}"},
	"gh-tmpl-push": {Name: "gh-tmpl-push", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Enabled: true,
		Events: []string{"push"}, Template: "{{.repository.full_name}} {{.release.tag_name}} released"},
	"gl-new": {Name: "gl-new", AccountID: 9, Scheme: SchemeGitLab, Secrets: []string{glToken}, Enabled: true},
	"gl-tmpl": {Name: "gl-tmpl", AccountID: 9, Scheme: SchemeGitLab, Secrets: []string{glToken}, Enabled: true,
		Template: "{{.project.path_with_namespace}} {{.tag}}: {{.description}}"},
}

func newProviderEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	for k, v := range providerSources {
		e.sources.m[k] = v
	}
	return e
}

func gitlabHeaders(event string) http.Header {
	return http.Header{"Content-Type": {"application/json"}, "X-Gitlab-Token": {glToken}, "X-Gitlab-Event": {event}}
}

const releaseText = "🚀 Codertocat/Hello-World 0.0.1 is out\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1"

// TestProviderEvents sends the payloads GitHub and GitLab really send (testdata/README.md) to
// sources made with only a scheme, or a scheme and a template, and checks the exact answers and
// the exact texts posted. Each case runs on a fresh queue, except where a sequence is the point.
func TestProviderEvents(t *testing.T) {
	ignoredPush := `this source posts GitHub releases; "push" events are ignored (to post them, create the source with --preset or --template and --events push)`
	tests := []struct {
		name, source, event, fixture string
		code                         int
		answer                       map[string]string // exact answer, "id"/"status_url" checked for presence only
		text                         string            // the text queued, "" for none
	}{
		{name: "ping to a scheme-only source", source: "gh-new", event: "ping", fixture: "github-ping.json", code: 200,
			answer: map[string]string{"status": "pong", "message": "Spindle received the ping: source gh-new is set up and posts published releases"}},
		{name: "ping to a template source", source: "gh-tmpl", event: "ping", fixture: "github-ping.json", code: 200,
			answer: map[string]string{"status": "pong", "message": "Spindle received the ping: source gh-tmpl is set up and posts release events through its template"}},
		{name: "published release posted", source: "gh-new", event: "release", fixture: "github-release-published.json", code: 202,
			answer: map[string]string{"status": "queued", "id": "", "status_url": ""}, text: releaseText},
		{name: "created release waits for published", source: "gh-new", event: "release", fixture: "github-release-created.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `release action "created" is not "published"`}},
		{name: "push ignored with the fix", source: "gh-new", event: "push", fixture: "github-push-branch.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": ignoredPush}},
		{name: "star ignored", source: "gh-new", event: "star", fixture: "github-star-created.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": strings.ReplaceAll(ignoredPush, "push", "star")}},
		{name: "issues ignored", source: "gh-new", event: "issues", fixture: "github-issues-opened.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": strings.ReplaceAll(ignoredPush, "push", "issues")}},
		{name: "template takes release by default", source: "gh-tmpl", event: "release", fixture: "github-release-published.json", code: 202,
			answer: map[string]string{"status": "queued", "id": "", "status_url": ""},
			text:   "Codertocat/Hello-World 0.0.1 released: https://github.com/Codertocat/Hello-World/releases/tag/0.0.1"},
		{name: "template ignores push", source: "gh-tmpl", event: "push", fixture: "github-push-branch.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `event "push" is not one this source takes (it takes release; change it with --events)`}},
		{name: "template ignores star", source: "gh-tmpl", event: "star", fixture: "github-star-created.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `event "star" is not one this source takes (it takes release; change it with --events)`}},
		{name: "template ignores issues", source: "gh-tmpl", event: "issues", fixture: "github-issues-opened.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `event "issues" is not one this source takes (it takes release; change it with --events)`}},
		{name: "template ignores an edit", source: "gh-tmpl", event: "release", fixture: "github-release-edited.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `release action "edited" is not one that announces a release (created, published, released)`}},
		{name: "template ignores a deletion", source: "gh-tmpl", event: "release", fixture: "github-release-deleted.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `release action "deleted" is not one that announces a release (created, published, released)`}},
		{name: "template ignores a draft", source: "gh-tmpl", event: "release", fixture: "github-release-created-draft.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": "release 0.0.1 is a draft"}},
		{name: "template field missing from the payload", source: "gh-tmpl-push", event: "push", fixture: "github-push-branch.json", code: 400,
			answer: map[string]string{"code": "invalid", "field": "template", "error": `template: "push" event: the payload has no .release.tag_name, which the source's template uses; ` +
				`nothing was posted (the operator can read an optional field with index, e.g. {{with index . "name"}})`}},
		{name: "gitlab release posted", source: "gl-new", event: "Release Hook", fixture: "gitlab-release-create.json", code: 202,
			answer: map[string]string{"status": "queued", "id": "", "status_url": ""},
			text:   "🚀 gitlab-org/release-webhook-example v1.1 is out\n\nhttps://example.com/gitlab-org/release-webhook-example/-/releases/v1.1"},
		{name: "gitlab tag push ignored", source: "gl-new", event: "Tag Push Hook", fixture: "gitlab-tag-push.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `this source posts GitLab releases; "Tag Push Hook" events are ignored ` +
				`(to post them, create the source with --preset or --template and --events Tag Push Hook)`}},
		{name: "gitlab template takes its release", source: "gl-tmpl", event: "Release Hook", fixture: "gitlab-release-create.json", code: 202,
			answer: map[string]string{"status": "queued", "id": "", "status_url": ""},
			text:   "gitlab-org/release-webhook-example v1.1: v1.1 has been released"},
		{name: "gitlab template ignores a tag push", source: "gl-tmpl", event: "Tag Push Hook", fixture: "gitlab-tag-push.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `event "Tag Push Hook" is not one this source takes (it takes Release Hook; change it with --events)`}},
		{name: "gitlab template ignores a release update", source: "gl-tmpl", event: "Release Hook", fixture: "gitlab-release-update.json", code: 202,
			answer: map[string]string{"status": "ignored", "reason": `release action "update" is not "create"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newProviderEnv(t)
			body := fixture(t, tt.fixture)
			h := signed(t, SchemeGitHub, ghSecret, body, "X-GitHub-Event", tt.event, "X-GitHub-Delivery", "d-"+tt.fixture)
			if providerSources[tt.source].Scheme == SchemeGitLab {
				h = gitlabHeaders(tt.event)
			}
			code, out, _ := e.request(t, "POST", tt.source, h, body)
			if code != tt.code {
				t.Fatalf("answer %d %v, want %d", code, out, tt.code)
			}
			for k, want := range tt.answer {
				if got, ok := out[k]; !ok || want != "" && got != want {
					t.Errorf("%s = %q\n want %q", k, got, want)
				}
			}
			if len(out) != len(tt.answer) {
				t.Errorf("answer %v has other fields than %v", out, tt.answer)
			}
			_, posts := e.queue.snapshot()
			switch {
			case tt.text == "" && len(posts) != 0:
				t.Fatalf("queued %q, want nothing", posts[0].Text)
			case tt.text != "" && (len(posts) != 1 || posts[0].Text != tt.text):
				t.Fatalf("queued %+v, want the text %q", posts, tt.text)
			}
		})
	}
}

// TestTemplateReleasePostsOnce: GitHub sends one release as created, published and released,
// each a new delivery id; a template source used to post it three times.
func TestTemplateReleasePostsOnce(t *testing.T) {
	e := newProviderEnv(t)
	var ids []string
	for i, f := range []string{"github-release-created.json", "github-release-published.json", "github-release-released.json"} {
		body := fixture(t, f)
		h := signed(t, SchemeGitHub, ghSecret, body, "X-GitHub-Event", "release", "X-GitHub-Delivery", "delivery-"+string(rune('a'+i)))
		code, out, _ := e.request(t, "POST", "gh-tmpl", h, body)
		if code != http.StatusAccepted || out["id"] == "" {
			t.Fatalf("%s: %d %v", f, code, out)
		}
		ids = append(ids, out["id"])
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("answers %v, want one post", ids)
	}
	if _, posts := e.queue.snapshot(); len(posts) != 1 || posts[0].IdempotencyKey != "gh-tmpl:github-release:17372790" {
		t.Fatalf("posts = %+v", posts)
	}
}

// TestProviderBodySize: a real push of many commits passes 1 MiB; GitHub allows 25 MB. A
// generic body keeps the small cap.
func TestProviderBodySize(t *testing.T) {
	e := newProviderEnv(t)
	var push map[string]any
	if err := json.Unmarshal(fixture(t, "github-push-branch.json"), &push); err != nil {
		t.Fatal(err)
	}
	commit := push["head_commit"]
	var commits []any
	for range 2500 { // about 1.2 MB
		commits = append(commits, commit)
	}
	push["commits"] = commits
	big, _ := json.Marshal(push)
	if len(big) < 1200_000 {
		t.Fatalf("push is only %d bytes", len(big))
	}
	code, out, _ := e.request(t, "POST", "gh-new", signed(t, SchemeGitHub, ghSecret, big, "X-GitHub-Event", "push"), big)
	if code != http.StatusAccepted || out["status"] != "ignored" {
		t.Fatalf("1.2 MB push: %d %v", code, out)
	}
	generic := []byte(`{"text":"` + strings.Repeat("a", MaxBody) + `"}`)
	code, out, _ = e.request(t, "POST", "gh-new", signed(t, SchemeGitHub, ghSecret, generic), generic)
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("generic body over 1 MiB: %d %v", code, out)
	}
	code, _, _ = e.request(t, "POST", "ci", signed(t, SchemeStandard, swSecret, big, "X-GitHub-Event", "push"), big)
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("big body to a Standard Webhooks source: %d", code)
	}
}

// TestUnknownFieldIsDeterministic: a GitHub payload sent to a generic source used to name a
// different unknown field on each delivery (map order).
func TestUnknownFieldIsDeterministic(t *testing.T) {
	e := newProviderEnv(t)
	body := fixture(t, "github-push-branch.json")
	want := map[string]string{"field": "after", "error": "after: unknown fields after, base_ref, before, commits, compare, created, deleted, " +
		"forced, head_commit, pusher, ref, repository, sender; the generic body takes text, media, scheduled_at, reply_to_id, quote_id, " +
		"link_attachment, topic_tag, thread, idempotency_key, callback_url, poll, text_attachment, spoilers, spoiler_media, reply_control, ghost, location_id, gif, long. If this is a provider's own payload, the source needs a mapping: " +
		"recreate it with --preset (" + strings.Join(PresetNames(), ", ") + ") or --template FILE"}
	for range 20 {
		code, out, _ := e.request(t, "POST", "ci", signed(t, SchemeStandard, swSecret, body), body)
		if code != http.StatusBadRequest || out["field"] != want["field"] || out["error"] != want["error"] {
			t.Fatalf("answer %d\n%q\nwant\n%q", code, out["error"], want["error"])
		}
	}
}

// TestStandardEnvelope: a Standard Webhooks sender wraps the generic body in {"type","data"}.
func TestStandardEnvelope(t *testing.T) {
	tests := []struct {
		name, body string
		code       int
		text       string
		field      string
	}{
		{"envelope", `{"type":"release.published","timestamp":"2026-11-23T09:00:00Z","data":{"text":"v1.2 is out"}}`, 202, "v1.2 is out", ""},
		{"envelope without timestamp", `{"type":"deploy","data":{"text":"deployed"}}`, 202, "deployed", ""},
		{"data not a generic body", `{"type":"deploy","data":{"service":"api"}}`, 400, "", "service"},
		{"generic body still works", `{"text":"plain"}`, 202, "plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newProviderEnv(t)
			body := []byte(tt.body)
			code, out, _ := e.request(t, "POST", "ci", signed(t, SchemeStandard, swSecret, body), body)
			if code != tt.code || out["field"] != tt.field {
				t.Fatalf("%d %v", code, out)
			}
			if _, posts := e.queue.snapshot(); tt.text != "" && (len(posts) != 1 || posts[0].Text != tt.text) {
				t.Fatalf("posts = %+v", posts)
			}
		})
	}
}

type memRecorder struct {
	mu sync.Mutex
	d  []Delivery
}

func (m *memRecorder) Record(d Delivery) { m.mu.Lock(); m.d = append(m.d, d); m.mu.Unlock() }

// TestRefusalsRecorded: a 415 (GitHub's default content type is form-encoded) used to be
// answered before the source was known, so `sources show` said "never" while GitHub showed red.
func TestRefusalsRecorded(t *testing.T) {
	rec := &memRecorder{}
	src := &fakeSources{m: providerSources}
	h := NewHandler(Options{Sources: src, Enqueuer: &fakeQueue{}, Deliveries: rec})
	mux := http.NewServeMux()
	mux.Handle("/hooks/{source}", h)
	body := fixture(t, "github-ping.json")
	for _, name := range []string{"gh-new", "nope"} {
		req, _ := http.NewRequest("POST", "/hooks/"+name, bytes.NewReader(body))
		for k, v := range signed(t, SchemeGitHub, ghSecret, body, "X-GitHub-Event", "ping", "Content-Type", "application/x-www-form-urlencoded") {
			req.Header[k] = v
		}
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, req)
		if w.Code != http.StatusUnsupportedMediaType {
			t.Fatalf("%s: %d", name, w.Code)
		}
	}
	if len(rec.d) != 1 || rec.d[0].Source != "gh-new" || rec.d[0].Status != 415 || !strings.Contains(rec.d[0].Error, "application/json") {
		t.Fatalf("recorded %+v, want one 415 for gh-new", rec.d)
	}
}

// TestGitHubFormContentType: GitHub's webhook form defaults to
// application/x-www-form-urlencoded; the first ping of a user who keeps the default is
// answered, and a release so sent is posted. A form without payload is still a 415.
func TestGitHubFormContentType(t *testing.T) {
	e := newProviderEnv(t)
	for _, tt := range []struct {
		event, fixture string
		code           int
		status         string
	}{
		{"ping", "github-ping.json", 200, "pong"},
		{"release", "github-release-published.json", 202, "queued"},
	} {
		form := []byte("payload=" + url.QueryEscape(string(fixture(t, tt.fixture))))
		h := signed(t, SchemeGitHub, ghSecret, form, "X-GitHub-Event", tt.event, "Content-Type", "application/x-www-form-urlencoded")
		code, out, _ := e.request(t, "POST", "gh-new", h, form)
		if code != tt.code || out["status"] != tt.status {
			t.Fatalf("%s as a form: %d %v", tt.event, code, out)
		}
	}
	if _, posts := e.queue.snapshot(); len(posts) != 1 || posts[0].Text != releaseText {
		t.Fatalf("posts = %+v", posts)
	}
	// Tampered form: the signature covers the form as sent.
	form := []byte("payload=" + url.QueryEscape(`{"zen":"x"}`))
	h := signed(t, SchemeGitHub, ghSecret, form, "X-GitHub-Event", "ping", "Content-Type", "application/x-www-form-urlencoded")
	if code, _, _ := e.request(t, "POST", "gh-new", h, append(form, '1')); code != http.StatusUnauthorized {
		t.Fatalf("tampered form: %d", code)
	}
	bare := []byte("text=hello")
	h = signed(t, SchemeGitHub, ghSecret, bare, "X-GitHub-Event", "push", "Content-Type", "application/x-www-form-urlencoded")
	if code, out, _ := e.request(t, "POST", "gh-new", h, bare); code != http.StatusUnsupportedMediaType || !strings.Contains(out["error"], "application/json") {
		t.Fatalf("form without payload: %d %v", code, out)
	}
}

// TestMediaUnknownFieldIsDeterministic: two unknown fields in a media item name the same one
// on every delivery.
func TestMediaUnknownFieldIsDeterministic(t *testing.T) {
	body := []byte(`{"media":[{"kind":"image","url":"https://a.example/a.png","width":1,"alt":"x","height":2}]}`)
	for range 20 {
		_, err := ParseBody(body)
		if fe, ok := errors.AsType[*FieldError](err); !ok || fe.Field != "media[0].alt" {
			t.Fatalf("err = %v, want media[0].alt named", err)
		}
	}
}

// TestTemplateSourceTakesOwnJSONWithoutHeader: the release-only default is for GitHub's own
// deliveries; a CI script signing its own JSON for a GitHub-scheme template source still posts.
func TestTemplateSourceTakesOwnJSONWithoutHeader(t *testing.T) {
	e := newProviderEnv(t)
	e.sources.m["gh-ci"] = Source{Name: "gh-ci", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Enabled: true,
		Template: "Deployed {{.service}} {{.version}}"}
	body := []byte(`{"service":"api","version":"v42"}`)
	code, out, _ := e.request(t, "POST", "gh-ci", signed(t, SchemeGitHub, ghSecret, body), body)
	if _, posts := e.queue.snapshot(); code != http.StatusAccepted || len(posts) != 1 || posts[0].Text != "Deployed api v42" {
		t.Fatalf("%d %v, posts %+v", code, out, posts)
	}
}

// TestLargeBodiesTakeTurns: bodies over 1 MiB are read a few at a time, so the 25 MB allowance
// cannot be multiplied by many unsigned requests at once.
func TestLargeBodiesTakeTurns(t *testing.T) {
	src := &fakeSources{m: providerSources}
	h := NewHandler(Options{Sources: src, Enqueuer: &fakeQueue{}, LargeBodies: 1})
	mux := http.NewServeMux()
	mux.Handle("/hooks/{source}", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	big := append([]byte(`{"zen":"`), bytes.Repeat([]byte("a"), 2<<20)...)
	big = append(big, `"}`...)
	send := func(ctx context.Context, rd io.Reader, n int64) (int, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/hooks/gh-new", rd)
		req.ContentLength = n
		for k, v := range signed(t, SchemeGitHub, ghSecret, big, "X-GitHub-Event", "ping") {
			req.Header[k] = v
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	// The first large body arrives slowly and holds the only slot.
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(errors.New("test over")) }) // before srv.Close: a failed test must not hang
	first := make(chan int, 1)
	go func() {
		code, _ := send(context.Background(), pr, int64(len(big)))
		first <- code
	}()
	resume := make(chan struct{})
	go func() { // a failed write fails the first request, which is checked
		pw.Write(big[:1<<20])
		<-resume
		pw.Write(big[1<<20:])
		pw.Close()
	}()
	testsignal.Eventually(t, 5*time.Second, "the first large body taking its slot", func() bool { return len(h.large) > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := send(ctx, bytes.NewReader(big), int64(len(big))); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second large body was not made to wait: %v", err)
	}
	// A small body does not wait.
	small := fixture(t, "github-ping.json")
	req, _ := http.NewRequest("POST", srv.URL+"/hooks/gh-new", bytes.NewReader(small))
	for k, v := range signed(t, SchemeGitHub, ghSecret, small, "X-GitHub-Event", "ping") {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("small ping while a large body is read: %v", err)
	}
	resp.Body.Close()
	close(resume)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("the first large ping: %d", code)
	}
	if code, err := send(context.Background(), bytes.NewReader(big), int64(len(big))); err != nil || code != http.StatusOK {
		t.Fatalf("a large body after the slot freed: %d %v", code, err)
	}
}
