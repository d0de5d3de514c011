package threads_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testlog"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

const redirectURI = "https://spindle.example/api/auth/threads/callback"

// env is one test's simulator, clock, client and captured log.
type env struct {
	sim   *threadstest.Server
	clock *threadstest.ManualClock
	c     *threads.Client
	log   *testlog.Buffer
	user  *threadstest.User
	token string
}

// newEnv starts a simulator on loopback with a manual clock, adds user
// "alice" with a long-lived token (default scopes) and a client pointed at
// the simulator that logs at Debug into a buffer.
func newEnv(t testing.TB, opts threadstest.Options) *env {
	t.Helper()
	clock := threadstest.NewManualClock(time.Time{}) // 2026-01-05 09:00 UTC
	if opts.Clock == nil {
		opts.Clock = clock
	}
	sim := threadstest.NewServer(opts)
	t.Cleanup(sim.Close)
	logBuf := &testlog.Buffer{}
	c := threads.New(threads.Options{
		BaseURL:     sim.URL,
		AuthURL:     sim.AuthorizeURL(),
		AppID:       sim.AppID(),
		AppSecret:   sim.AppSecret(),
		RedirectURI: redirectURI,
		Logger:      slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	u := sim.AddUser("alice")
	e := &env{sim: sim, clock: clock, c: c, log: logBuf, user: u, token: sim.IssueToken(u.ID, threads.DefaultScopes()...)}
	t.Cleanup(func() { e.assertNoSecrets(t, e.log.String(), "the client's log") })
	return e
}

// assertNoSecrets fails if s contains the user's token or the app secret.
func (e *env) assertNoSecrets(t testing.TB, s, where string) {
	t.Helper()
	for _, secret := range []string{e.token, url.QueryEscape(e.token), e.sim.AppSecret()} {
		if secret != "" && strings.Contains(s, secret) {
			t.Errorf("%s contains a secret %q:\n%s", where, secret, s)
		}
	}
}

// wantErr asserts err is a *threads.Error of class want, free of secrets
// (in its text, its %+v form and any wrapped *url.Error), and returns it.
func (e *env) wantErr(t testing.TB, err error, want threads.Class) *threads.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want a %v error", want)
	}
	var te *threads.Error
	if !errors.As(err, &te) {
		t.Fatalf("error %T %v is not a *threads.Error", err, err)
	}
	if te.Class != want {
		t.Fatalf("class = %v, want %v; error: %v", te.Class, want, err)
	}
	if te.Reason == "" {
		t.Errorf("error has no Reason: %v", err)
	}
	e.assertNoSecrets(t, err.Error(), "err.Error()")
	e.assertNoSecrets(t, fmt.Sprintf("%+v %#v", err, te), "formatted error")
	var ue *url.Error
	if errors.As(err, &ue) {
		e.assertNoSecrets(t, ue.URL, "wrapped url.Error URL")
	}
	return te
}

// noRedirect is an HTTP client that returns redirects instead of following
// them, to read the authorize page's Location.
func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// mediaHost serves a PNG at /a.png and /b.png, an MP4 at /v.mp4, HTML at
// /page.html and 404 elsewhere, standing in for the public host Meta
// fetches image_url and video_url from.
func mediaHost(t testing.TB) *httptest.Server {
	t.Helper()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 64)...)
	mp4 := append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), bytes.Repeat([]byte{0}, 64)...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.png", "/b.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(png)
		case "/v.mp4":
			w.Header().Set("Content-Type", "video/mp4")
			_, _ = w.Write(mp4)
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>not an image</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}
