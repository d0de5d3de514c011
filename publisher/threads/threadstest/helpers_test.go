package threadstest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type fixture struct {
	sim   *Server
	clock *ManualClock
	user  *User
	token string
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	clock := NewManualClock(time.Time{})
	if opts.Clock == nil {
		opts.Clock = clock
	}
	sim := NewServer(opts)
	t.Cleanup(sim.Close)
	u := sim.AddUser("alice")
	return &fixture{sim: sim, clock: clock, user: u, token: sim.IssueToken(u.ID, appScopes...)}
}

// appScopes are what an app that replies, deletes and reads replies asks for: the fixture's
// token has them, so tests of those endpoints test the endpoint, not the scope check
// (TestScopesEnforced does that).
var appScopes = []string{ScopeBasic, ScopeContentPublish, ScopeManageReplies, ScopeReadReplies, ScopeDelete, ScopeManageInsights}

type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with params in the query (GET, DELETE) or as a form
// body (POST), and decodes a JSON answer.
func do(t *testing.T, method, rawURL string, params url.Values) answer {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(params.Encode())
	} else if len(params) > 0 {
		rawURL += "?" + params.Encode()
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return send(t, req)
}

func send(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&a.body); err != nil {
			t.Fatalf("%s %s: decode %q: %v", req.Method, req.URL.Path, raw, err)
		}
	}
	return a
}

func (f *fixture) get(t *testing.T, path string, params url.Values) answer {
	t.Helper()
	return do(t, http.MethodGet, f.sim.URL+path, f.withToken(params))
}

func (f *fixture) post(t *testing.T, path string, params url.Values) answer {
	t.Helper()
	return do(t, http.MethodPost, f.sim.URL+path, f.withToken(params))
}

func (f *fixture) withToken(params url.Values) url.Values {
	v := url.Values{}
	for k, vs := range params {
		v[k] = vs
	}
	if !v.Has("access_token") {
		v.Set("access_token", f.token)
	}
	return v
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// create makes a container and returns its id, failing the test otherwise.
func (f *fixture) create(t *testing.T, kv ...string) string {
	t.Helper()
	a := f.post(t, "/v1.0/me/threads", vals(kv...))
	if a.status != http.StatusOK {
		t.Fatalf("create %v: %d %s", kv, a.status, a.raw)
	}
	return a.str(t, "id")
}

// publish publishes a container and returns the media id.
func (f *fixture) publish(t *testing.T, containerID string) string {
	t.Helper()
	a := f.post(t, "/v1.0/me/threads_publish", vals("creation_id", containerID))
	if a.status != http.StatusOK {
		t.Fatalf("publish %s: %d %s", containerID, a.status, a.raw)
	}
	return a.str(t, "id")
}

func (f *fixture) status(t *testing.T, containerID string) string {
	t.Helper()
	a := f.get(t, "/v1.0/"+containerID, vals("fields", "id,status,error_message"))
	if a.status != http.StatusOK {
		t.Fatalf("status %s: %d %s", containerID, a.status, a.raw)
	}
	return a.str(t, "status")
}

func (a answer) str(t *testing.T, key string) string {
	t.Helper()
	v, ok := a.body[key].(string)
	if !ok {
		t.Fatalf("answer has no string %q: %d %s", key, a.status, a.raw)
	}
	return v
}

// wantGraphError checks a Graph-envelope error answer.
func (a answer) wantGraphError(t *testing.T, status, code, subcode int) map[string]any {
	t.Helper()
	e, ok := a.body["error"].(map[string]any)
	if !ok {
		t.Fatalf("want Graph error %d/%d, got %d %s", code, subcode, a.status, a.raw)
	}
	gotCode, _ := e["code"].(json.Number).Int64()
	var gotSub int64
	if n, ok := e["error_subcode"].(json.Number); ok {
		gotSub, _ = n.Int64()
	}
	if a.status != status || int(gotCode) != code || int(gotSub) != subcode {
		t.Fatalf("want %d code %d/%d, got %d %s", status, code, subcode, a.status, a.raw)
	}
	if tr, _ := e["fbtrace_id"].(string); tr == "" {
		t.Errorf("error without fbtrace_id: %s", a.raw)
	}
	return e
}
