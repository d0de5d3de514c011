package webhook

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
)

// nopQueue accepts everything at once, so the benchmark measures the door, not storage.
type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, ingest.Request) (Accepted, error) {
	return Accepted{ID: "p2345678"}, nil
}

// BenchmarkHandler measures one delivery through the handler — read, verify, parse or
// template, build the request — with the queue stubbed out. Run with -cpu 1,2,4,8 for the sweep.
func BenchmarkHandler(b *testing.B) {
	generic := []byte(`{"text":"Release v1.2 is out","idempotency_key":"deploy-881","callback_url":"https://ci.example.com/cb"}`)
	release := fixture(b, "github-release-published.json")
	cases := []struct {
		name, source string
		body         []byte
		h            http.Header
	}{
		{"standard-generic", "ci", generic, signed(b, SchemeStandard, swSecret, generic)},
		{"github-generic", "gh", generic, signed(b, SchemeGitHub, ghSecret, generic)},
		{"github-release-preset", "releases", release, signed(b, SchemeGitHub, ghSecret, release, "X-GitHub-Event", "release")},
		{"standard-custom-template", "custom", []byte(`{"kind":"deploy","service":"api","version":"v42"}`),
			signed(b, SchemeStandard, swSecret, []byte(`{"kind":"deploy","service":"api","version":"v42"}`))},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			srcs := newBenchSources(b)
			h := NewHandler(Options{Sources: srcs, Enqueuer: nopQueue{}, Now: func() time.Time { return testNow },
				SourceName: func(*http.Request) string { return c.source }})
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("POST", "/hooks/"+c.source, bytes.NewReader(c.body))
					req.Header = c.h.Clone()
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusAccepted {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
		})
	}
}

func newBenchSources(b *testing.B) *fakeSources {
	b.Helper()
	return &fakeSources{m: map[string]Source{
		"ci":       {Name: "ci", AccountID: 7, Scheme: SchemeStandard, Secrets: []string{swSecret}, Enabled: true},
		"gh":       {Name: "gh", AccountID: 7, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Enabled: true},
		"releases": {Name: "releases", AccountID: 8, Scheme: SchemeGitHub, Secrets: []string{ghSecret}, Preset: "github-release", Enabled: true},
		"custom": {Name: "custom", AccountID: 3, Scheme: SchemeStandard, Secrets: []string{swSecret}, Enabled: true,
			Template: `{{if eq .kind "deploy"}}Deployed {{.service}} {{.version}}{{end}}`},
	}}
}

// BenchmarkVerify isolates the signature check of a 1 KiB body.
func BenchmarkVerify(b *testing.B) {
	body := bytes.Repeat([]byte("x"), 1024)
	for _, c := range []struct {
		scheme Scheme
		secret string
	}{{SchemeGitHub, ghSecret}, {SchemeStandard, swSecret}, {SchemeGitLab, glToken}} {
		h := signed(b, c.scheme, c.secret, body)
		secrets := []string{NewSecret(c.scheme), c.secret} // the match is the second secret: rotation
		b.Run(string(c.scheme), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := Verify(c.scheme, secrets, h, body, testNow); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
