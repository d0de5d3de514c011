package webhook

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

// fakeSources is an in-memory Sources.
type fakeSources struct {
	m   map[string]Source
	err error
}

func (f *fakeSources) Source(_ context.Context, name string) (Source, error) {
	if f.err != nil {
		return Source{}, f.err
	}
	s, ok := f.m[name]
	if !ok {
		return Source{}, fmt.Errorf("fake: %w", ErrSourceNotFound)
	}
	return s, nil
}

// fakeQueue is an in-memory Enqueuer with the queue's idempotency rule: one post per key.
type fakeQueue struct {
	mu        sync.Mutex
	posts     []ingest.Request
	byKey     map[string]string
	calls     int
	preflight func(ingest.Request) error
	fail      error
}

func (q *fakeQueue) Enqueue(_ context.Context, r ingest.Request) (Accepted, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if q.fail != nil {
		return Accepted{}, q.fail
	}
	if q.preflight != nil {
		if err := q.preflight(r); err != nil {
			return Accepted{}, err
		}
	}
	if q.byKey == nil {
		q.byKey = make(map[string]string)
	}
	if id, ok := q.byKey[r.IdempotencyKey]; ok && r.IdempotencyKey != "" {
		return Accepted{ID: id, Status: "posted", Existed: true}, nil
	}
	q.posts = append(q.posts, r)
	id := fmt.Sprintf("p%06d", len(q.posts))
	if r.IdempotencyKey != "" {
		q.byKey[r.IdempotencyKey] = id
	}
	return Accepted{ID: id}, nil
}

func (q *fakeQueue) snapshot() (int, []ingest.Request) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.calls, append([]ingest.Request(nil), q.posts...)
}

var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const (
	ghSecret  = "github-secret-0123456789"
	glToken   = "gitlab-token-0123456789"
	oldSecret = "previous-secret-0123456789"
)

var swSecret = "whsec_" + "c3BpbmRsZS10ZXN0LXNlY3JldC0zMi1ieXRlcyEhISE=" // base64 of 32 bytes

type env struct {
	srv     *httptest.Server
	sources *fakeSources
	queue   *fakeQueue
	logs    *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		sources: &fakeSources{m: map[string]Source{
			"ci":       {Name: "ci", AccountID: 7, Scheme: SchemeStandard, Secrets: []string{swSecret}, Enabled: true},
			"gh":       {Name: "gh", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Enabled: true},
			"rotating": {Name: "rotating", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret, oldSecret}, Enabled: true},
			"releases": {Name: "releases", AccountID: 8, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Preset: "github-release", Enabled: true},
			"filtered": {Name: "filtered", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Events: []string{"deployment"}, Enabled: true},
			"gl-tags":  {Name: "gl-tags", AccountID: 9, Scheme: SchemeGitLab, Secrets: []string{glToken}, Preset: "gitlab-tag", Enabled: true},
			"gl-rel":   {Name: "gl-rel", AccountID: 9, Scheme: SchemeGitLab, Secrets: []string{swSecret}, Preset: "gitlab-release", Enabled: true},
			"blog":     {Name: "blog", AccountID: 3, Scheme: SchemeStandard, Secrets: []string{swSecret}, Preset: "cms-published", Enabled: true},
			"custom": {Name: "custom", AccountID: 3, Scheme: SchemeStandard, Secrets: []string{swSecret}, Enabled: true,
				Template: `{{if eq .kind "deploy"}}Deployed {{.service}} {{.version}}{{end}}`},
			"broken":   {Name: "broken", AccountID: 3, Scheme: SchemeStandard, Secrets: []string{swSecret}, Enabled: true, Template: "{{.x"},
			"off":      {Name: "off", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Enabled: false},
			"nosecret": {Name: "nosecret", AccountID: 7, Scheme: SchemeGitHub, Enabled: true},
		}},
		queue: &fakeQueue{},
		logs:  &bytes.Buffer{},
	}
	h := NewHandler(Options{
		Sources: e.sources, Enqueuer: e.queue,
		StatusURL: func(id string) string { return "http://spindle.test/api/posts/" + id },
		Logger:    slog.New(slog.NewJSONHandler(&lockedWriter{w: e.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:       func() time.Time { return testNow },
	})
	mux := http.NewServeMux()
	mux.Handle("/hooks/{source}", h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// signed builds headers for body as the named provider would send them.
func signed(t testing.TB, scheme Scheme, secret string, body []byte, extra ...string) http.Header {
	t.Helper()
	h, err := Sign(scheme, secret, body, testNow)
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

// request POSTs to /hooks/{source} over loopback HTTP and decodes the JSON answer.
func (e *env) request(t testing.TB, method, source string, h http.Header, body []byte) (int, map[string]string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/hooks/"+source, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v", resp.StatusCode, err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
	return resp.StatusCode, out, resp.Header
}

func TestHandlerGenericBody(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"text":"Release v1.2 is out","scheduled_at":"2026-12-01T09:00:00Z","idempotency_key":"deploy-881",
		"callback_url":"https://ci.example.com/spindle-result","media":[{"kind":"image","url":"https://cdn.example.com/a.png"}]}`)
	code, out, _ := e.request(t, "POST", "ci", signed(t, SchemeStandard, swSecret, body), body)
	if code != http.StatusAccepted || out["id"] != "p000001" || out["status"] != "queued" ||
		out["status_url"] != "http://spindle.test/api/posts/p000001" {
		t.Fatalf("%d %v", code, out)
	}
	_, posts := e.queue.snapshot()
	r := posts[0]
	if r.AccountID != 7 || r.Text != "Release v1.2 is out" || len(r.Media) != 1 || r.Origin.Door != ingest.DoorWebhook ||
		r.IdempotencyKey != "ci:key:deploy-881" || !r.ScheduledAt.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("request = %+v", r)
	}
	var ref Ref
	if err := json.Unmarshal(r.Origin.Ref, &ref); err != nil || ref.Source != "ci" ||
		ref.CallbackURL != "https://ci.example.com/spindle-result" || !strings.HasPrefix(ref.DeliveryID, "msg_") {
		t.Fatalf("ref = %s (%v)", r.Origin.Ref, err)
	}
	if r.RequestID != ref.DeliveryID {
		t.Errorf("RequestID = %q, want the delivery id %q", r.RequestID, ref.DeliveryID)
	}
	// Same idempotency key, new delivery: the same post answers.
	body2 := []byte(`{"text":"Release v1.2 is out (retry)","idempotency_key":"deploy-881"}`)
	code, out, hdr := e.request(t, "POST", "ci", signed(t, SchemeStandard, swSecret, body2), body2)
	if code != http.StatusAccepted || out["id"] != "p000001" || hdr.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("second: %d %v", code, out)
	}
	if _, posts := e.queue.snapshot(); len(posts) != 1 {
		t.Fatalf("%d posts queued, want 1", len(posts))
	}
}

func TestHandlerReplay(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"text":"deploy done"}`)
	h := signed(t, SchemeStandard, swSecret, body)
	var ids []string
	for range 3 {
		code, out, _ := e.request(t, "POST", "ci", h, body)
		if code != http.StatusAccepted {
			t.Fatalf("%d %v", code, out)
		}
		ids = append(ids, out["id"])
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("replays answered %v, want one id", ids)
	}
	_, posts := e.queue.snapshot()
	if len(posts) != 1 || posts[0].IdempotencyKey != "ci:delivery:"+h.Get("webhook-id") {
		t.Fatalf("posts = %+v", posts)
	}
	// The same body under a new webhook-id is a new message, and a new post.
	h2 := signed(t, SchemeStandard, swSecret, body)
	h2.Set("webhook-id", "msg_other")
	key, _ := standardKey(swSecret)
	h2.Set("webhook-signature", "v1,"+b64(standardMAC(key, "msg_other", testNow.Unix(), body)))
	if code, out, _ := e.request(t, "POST", "ci", h2, body); code != http.StatusAccepted || out["id"] == ids[0] {
		t.Fatalf("new delivery: %d %v", code, out)
	}
	// A replay after the window is refused outright.
	old := signed(t, SchemeStandard, swSecret, body)
	ts := testNow.Add(-6 * time.Minute).Unix()
	old.Set("webhook-timestamp", fmt.Sprint(ts))
	old.Set("webhook-signature", "v1,"+b64(standardMAC(key, old.Get("webhook-id"), ts, body)))
	if code, out, _ := e.request(t, "POST", "ci", old, body); code != http.StatusUnauthorized || !strings.Contains(out["error"], "clock") {
		t.Fatalf("stale: %d %v", code, out)
	}
}

func TestHandlerGitHubRelease(t *testing.T) {
	e := newEnv(t)
	body := fixture(t, "github-release-published.json")
	h := signed(t, SchemeGitHub, ghSecret, body, "X-GitHub-Event", "release", "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	code, out, _ := e.request(t, "POST", "releases", h, body)
	if code != http.StatusAccepted || out["id"] == "" {
		t.Fatalf("%d %v", code, out)
	}
	// GitHub redelivers with a new delivery id; the release id keeps it one post.
	h.Set("X-GitHub-Delivery", "0b989ba4-242f-11e5-81e1-c7b6966d2516")
	code, out2, _ := e.request(t, "POST", "releases", h, body)
	if code != http.StatusAccepted || out2["id"] != out["id"] {
		t.Fatalf("redelivery: %d %v, first %v", code, out2, out)
	}
	_, posts := e.queue.snapshot()
	if len(posts) != 1 || posts[0].AccountID != 8 || posts[0].IdempotencyKey != "releases:github-release:17372790" ||
		!strings.HasPrefix(posts[0].Text, "🚀 Codertocat/Hello-World 0.0.1 is out") {
		t.Fatalf("posts = %+v", posts)
	}
	// The same source ignores other actions and answers pings.
	edited := editJSON(t, body, `"action": "published"`, `"action": "edited"`)
	code, out, _ = e.request(t, "POST", "releases", signed(t, SchemeGitHub, ghSecret, edited, "X-GitHub-Event", "release"), edited)
	if code != http.StatusAccepted || out["status"] != "ignored" || !strings.Contains(out["reason"], "edited") {
		t.Fatalf("edited: %d %v", code, out)
	}
	ping := fixture(t, "github-ping.json")
	code, out, _ = e.request(t, "POST", "releases", signed(t, SchemeGitHub, ghSecret, ping, "X-GitHub-Event", "ping"), ping)
	if code != http.StatusOK || out["status"] != "pong" {
		t.Fatalf("ping: %d %v", code, out)
	}
	if _, posts := e.queue.snapshot(); len(posts) != 1 {
		t.Fatalf("%d posts after ignore and ping, want 1", len(posts))
	}
}

func TestHandlerGitLab(t *testing.T) {
	e := newEnv(t)
	tag := fixture(t, "gitlab-tag-push.json")
	h := http.Header{"Content-Type": {"application/json"}, "X-Gitlab-Token": {glToken},
		"X-Gitlab-Event": {"Tag Push Hook"}, "Idempotency-Key": {"e5eaa373-7358-400b-847f-cca1e9869287"}}
	code, out, _ := e.request(t, "POST", "gl-tags", h, tag)
	if code != http.StatusAccepted {
		t.Fatalf("tag: %d %v", code, out)
	}
	h.Set("X-Gitlab-Token", "wrong")
	if code, _, _ := e.request(t, "POST", "gl-tags", h, tag); code != http.StatusUnauthorized {
		t.Fatalf("wrong token: %d", code)
	}
	// A GitLab source with a signing token: Standard Webhooks headers plus GitLab's own.
	rel := fixture(t, "gitlab-release-create.json")
	code, out, _ = e.request(t, "POST", "gl-rel", signed(t, SchemeStandard, swSecret, rel, "X-Gitlab-Event", "Release Hook"), rel)
	if code != http.StatusAccepted {
		t.Fatalf("release: %d %v", code, out)
	}
	_, posts := e.queue.snapshot()
	if len(posts) != 2 || !strings.Contains(posts[0].Text, "v1.0.0 tagged") || posts[1].IdempotencyKey != "gl-rel:gitlab-release:1" {
		t.Fatalf("posts = %+v", posts)
	}
}

func TestHandlerRotationOverlap(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"text":"hello"}`)
	for _, tc := range []struct {
		secret string
		want   int
	}{{ghSecret, 202}, {oldSecret, 202}, {"retired-secret", 401}} {
		code, out, _ := e.request(t, "POST", "rotating", signed(t, SchemeGitHub, tc.secret, body), body)
		if code != tc.want {
			t.Errorf("signed with %s: %d %v, want %d", tc.secret[:7], code, out, tc.want)
		}
	}
}

func TestHandlerTemplateSource(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"type":"deploy.finished","kind":"deploy","service":"api","version":"v42"}`)
	code, out, _ := e.request(t, "POST", "custom", signed(t, SchemeStandard, swSecret, body), body)
	if code != http.StatusAccepted {
		t.Fatalf("%d %v", code, out)
	}
	if _, posts := e.queue.snapshot(); len(posts) != 1 || posts[0].Text != "Deployed api v42" {
		t.Fatalf("posts = %+v", posts)
	}
	other := []byte(`{"kind":"build"}`)
	code, out, _ = e.request(t, "POST", "custom", signed(t, SchemeStandard, swSecret, other), other)
	if code != http.StatusAccepted || out["status"] != "ignored" {
		t.Fatalf("empty render: %d %v", code, out)
	}
}

func TestHandlerRejections(t *testing.T) {
	big := []byte(`{"text":"` + strings.Repeat("a", MaxBody) + `"}`)
	good := []byte(`{"text":"hello"}`)
	tests := []struct {
		name      string
		method    string
		source    string
		h         http.Header
		body      []byte
		chunked   bool
		setup     func(*env)
		code      int
		errSubstr string
		field     string
		status    string // the answer's "status", when it has one
		calls     int    // Enqueue calls expected (a preflight failure reaches Enqueue, which refuses)
	}{
		{name: "GET", method: "GET", source: "gh", h: http.Header{}, code: 405, errSubstr: "POST"},
		{name: "body over 1 MiB", source: "gh", h: signed(t, SchemeGitHub, ghSecret, big), body: big, code: 413, errSubstr: "over 1048576 bytes"},
		{name: "chunked body over 1 MiB", source: "gh", h: signed(t, SchemeGitHub, ghSecret, big), body: big, chunked: true, code: 413},
		{name: "form content type", source: "gh", h: signed(t, SchemeGitHub, ghSecret, good, "Content-Type", "application/x-www-form-urlencoded"),
			body: good, code: 415, errSubstr: "application/json"},
		{name: "no content type", source: "gh", h: signed(t, SchemeGitHub, ghSecret, good, "Content-Type", ""), body: good, code: 415},
		{name: "json with charset", source: "gh", h: signed(t, SchemeGitHub, ghSecret, good, "Content-Type", "application/json; charset=utf-8"),
			body: good, code: 202, status: "queued", calls: 1},
		{name: "unknown source", source: "nope", h: signed(t, SchemeGitHub, ghSecret, good), body: good, code: 404, errSubstr: `"nope"`},
		{name: "disabled source", source: "off", h: signed(t, SchemeGitHub, ghSecret, good), body: good, code: 404},
		{name: "source lookup fails", source: "gh", h: signed(t, SchemeGitHub, ghSecret, good), body: good,
			setup: func(e *env) { e.sources.err = errors.New("database is locked: /var/lib/spindle/db") }, code: 500, errSubstr: "nothing was queued"},
		{name: "missing signature", source: "gh", h: http.Header{"Content-Type": {"application/json"}}, body: good, code: 401, errSubstr: "X-Hub-Signature-256"},
		{name: "bad signature", source: "gh", h: signed(t, SchemeGitHub, "wrong", good), body: good, code: 401, errSubstr: "does not match"},
		{name: "body tampered", source: "gh", h: signed(t, SchemeGitHub, ghSecret, good), body: []byte(`{"text":"hellO"}`), code: 401},
		{name: "wrong scheme", source: "ci", h: signed(t, SchemeGitHub, ghSecret, good), body: good, code: 401, errSubstr: "webhook-signature"},
		{name: "source without secret", source: "nosecret", h: signed(t, SchemeGitHub, ghSecret, good), body: good, code: 401, errSubstr: "operator"},
		{name: "malformed JSON", source: "gh", h: signed(t, SchemeGitHub, ghSecret, []byte(`{"text":`)), body: []byte(`{"text":`),
			code: 400, errSubstr: "not valid JSON"},
		{name: "bad field", source: "gh",
			h:    signed(t, SchemeGitHub, ghSecret, []byte(`{"media":[{"kind":"gif","url":"https://a.example/a.gif"}]}`)),
			body: []byte(`{"media":[{"kind":"gif","url":"https://a.example/a.gif"}]}`), code: 400, field: "media[0].kind"},
		{name: "unknown field", source: "gh", h: signed(t, SchemeGitHub, ghSecret, []byte(`{"txt":"x"}`)), body: []byte(`{"txt":"x"}`),
			code: 400, field: "txt"},
		{name: "delivery id too long", source: "gh",
			h: signed(t, SchemeGitHub, ghSecret, good, "X-GitHub-Delivery", strings.Repeat("d", 300)), body: good, code: 400, field: "delivery id header"},
		{name: "preflight refuses", source: "gh", h: signed(t, SchemeGitHub, ghSecret, good), body: good,
			setup: func(e *env) {
				e.queue.preflight = func(ingest.Request) error {
					return fmt.Errorf("ingest: %w", &FieldError{Field: "text", Reason: "is 612 characters; Threads takes 500"})
				}
			}, code: 400, field: "text", errSubstr: "612 characters", calls: 1},
		{name: "queue down", source: "gh", h: signed(t, SchemeGitHub, ghSecret, good), body: good,
			setup: func(e *env) { e.queue.fail = errors.New("storage: disk I/O error at /var/lib/spindle") }, code: 500, calls: 1},
		{name: "broken template", source: "broken", h: signed(t, SchemeStandard, swSecret, good), body: good, code: 500, errSubstr: "misconfigured"},
		{name: "event not taken", source: "filtered", h: signed(t, SchemeGitHub, ghSecret, good, "X-GitHub-Event", "push"), body: good, code: 202, status: "ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.setup != nil {
				tt.setup(e)
			}
			method := cmp.Or(tt.method, "POST")
			var rd io.Reader = bytes.NewReader(tt.body)
			if tt.chunked {
				rd = io.MultiReader(rd) // hides the length: sent chunked
			}
			req, _ := http.NewRequest(method, e.srv.URL+"/hooks/"+tt.source, rd)
			for k, v := range tt.h {
				req.Header[k] = v
			}
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]string
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d %v, want %d", resp.StatusCode, out, tt.code)
			}
			if tt.errSubstr != "" && !strings.Contains(out["error"], tt.errSubstr) {
				t.Errorf("error %q does not contain %q", out["error"], tt.errSubstr)
			}
			if out["status"] != tt.status {
				t.Errorf("status = %q, want %q", out["status"], tt.status)
			}
			if out["field"] != tt.field {
				t.Errorf("field = %q, want %q", out["field"], tt.field)
			}
			if tt.code >= 500 && (strings.Contains(out["error"], "/var/lib") || strings.Contains(out["error"], "locked")) {
				t.Errorf("internal detail leaked: %q", out["error"])
			}
			calls, posts := e.queue.snapshot()
			if calls != tt.calls {
				t.Errorf("Enqueue called %d times, want %d", calls, tt.calls)
			}
			if tt.code != 202 && len(posts) != 0 {
				t.Errorf("a rejected request queued %d posts", len(posts))
			}
		})
	}
}

func TestHandlerNeverLogsSecrets(t *testing.T) {
	e := newEnv(t)
	body := []byte(`{"text":"hello"}`)
	gh := signed(t, SchemeGitHub, ghSecret, body)
	sw := signed(t, SchemeStandard, swSecret, body)
	e.request(t, "POST", "gh", gh, body)
	e.request(t, "POST", "gh", signed(t, SchemeGitHub, "wrong", body), body)
	e.request(t, "POST", "ci", sw, []byte(`{"text":"tampered"}`))
	e.request(t, "POST", "gl-tags", http.Header{"Content-Type": {"application/json"}, "X-Gitlab-Token": {glToken + "x"}}, body)
	e.request(t, "POST", "nosecret", gh, body)
	logs := e.logs.String()
	if !strings.Contains(logs, "webhook rejected") {
		t.Fatalf("no rejection logged: %s", logs)
	}
	for _, secret := range []string{ghSecret, swSecret, strings.TrimPrefix(swSecret, "whsec_"), glToken,
		gh.Get("X-Hub-Signature-256")[7:], sw.Get("webhook-signature")[3:]} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log holds a secret or signature %q…:\n%s", secret[:6], logs)
		}
	}
}

func TestNewHandlerPanicsWithoutDependencies(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	NewHandler(Options{})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
