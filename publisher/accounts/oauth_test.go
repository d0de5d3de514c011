package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

func TestOAuthRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	alice := e.sim.AddUser("alice")
	bob := e.identify("1001")

	status, _, body := e.connect(bob)
	if status != http.StatusOK || !strings.Contains(body, "Connected — you can close this tab") || !strings.Contains(body, "@alice") {
		t.Fatalf("callback: %d %s", status, body)
	}
	as := e.accounts()
	if len(as) != 1 || as[0].Username != "alice" || as[0].ThreadsUserID != alice.ID || as[0].Status != storage.AccountActive {
		t.Fatalf("accounts = %+v", as)
	}
	if want := e.clock.Now().Add(threadstest.LongTokenTTL); !as[0].TokenExpiresAt.Equal(want) {
		t.Errorf("token expires %v, want %v (60 days)", as[0].TokenExpiresAt, want)
	}
	ctx := context.Background()
	tok, uid, err := e.svc.Token(ctx, as[0].ID)
	if err != nil || uid != alice.ID {
		t.Fatalf("Token = %q, %v", uid, err)
	}
	info, ok := e.sim.TokenInfo(tok)
	if !ok || !info.LongLived || info.UserID != alice.ID {
		t.Fatalf("stored token is not alice's long-lived token: %+v %v", info, ok)
	}
	owner, err := e.svc.Owner(ctx, as[0].ID)
	if err != nil || owner.ID != bob.ID {
		t.Fatalf("owner = %+v, %v; want bob", owner, err)
	}
	if err := e.svc.CanManage(ctx, bob, as[0].ID); err != nil {
		t.Errorf("owner cannot manage: %v", err)
	}
	def, err := e.svc.DefaultAccount(ctx, bob)
	if err != nil || def.ID != as[0].ID {
		t.Errorf("default account = %+v, %v", def, err)
	}
	if got := e.told.all(); len(got) != 1 || got[0] != "telegram:1001: Connected as @alice." {
		t.Errorf("told %q", got)
	}
}

func TestOAuthStartJSONMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.sim.AddUser("alice")
	status, _, body := e.get(e.link(e.identify("1")) + "&mode=json")
	var out struct{ URL string }
	if err := json.Unmarshal([]byte(body), &out); status != http.StatusOK || err != nil || !strings.HasPrefix(out.URL, e.sim.AuthorizeURL()+"?") {
		t.Fatalf("mode=json: %d %s", status, body)
	}
	u, _ := url.Parse(out.URL)
	if u.Query().Get("state") == "" || u.Query().Get("redirect_uri") != e.srv.URL+CallbackPath {
		t.Errorf("authorize URL %s lacks state or redirect_uri", out.URL)
	}
}

// failures: every way the callback can refuse, each with its own message, and nothing stored.
func TestOAuthFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		opts       envOpts
		run        func(e *env) (int, string, string)
		wantStatus int
		wantText   string
	}{
		{
			name: "denied",
			run: func(e *env) (int, string, string) {
				e.sim.DenyConsent(true)
				return e.connect(e.identify("1"))
			},
			wantStatus: http.StatusBadRequest, wantText: "You cancelled connecting Threads",
		},
		{
			name: "expired state",
			run: func(e *env) (int, string, string) {
				cb := e.authorize(e.link(e.identify("1")))
				e.clock.Advance(16 * time.Minute)
				return e.get(cb)
			},
			wantStatus: http.StatusBadRequest, wantText: "Invalid or expired OAuth state: this sign-in took longer than 15 minutes",
		},
		{
			name: "replayed state",
			run: func(e *env) (int, string, string) {
				cb := e.authorize(e.link(e.identify("1")))
				if status, _, body := e.get(cb); status != http.StatusOK {
					e.t.Fatalf("first use: %d %s", status, body)
				}
				e.svc.DisconnectAccount(context.Background(), e.accounts()[0].ID, "test")
				return e.get(cb)
			},
			wantStatus: http.StatusBadRequest, wantText: "already completed or attempted",
		},
		{
			name: "tampered state",
			run: func(e *env) (int, string, string) {
				cb, _ := url.Parse(e.authorize(e.link(e.identify("1"))))
				q := cb.Query()
				st := []byte(q.Get("state"))
				st[10] ^= 1 // still base64url, different bytes
				if st[10] == '-' || st[10] == '_' {
					st[10] = 'A'
				}
				q.Set("state", string(st))
				cb.RawQuery = q.Encode()
				return e.get(cb.String())
			},
			wantStatus: http.StatusBadRequest, wantText: "the address was altered",
		},
		{
			name: "missing state",
			run: func(e *env) (int, string, string) {
				return e.get(e.srv.URL + CallbackPath + "?code=AQxyz")
			},
			wantStatus: http.StatusBadRequest, wantText: "Invalid or expired OAuth state",
		},
		{
			name: "reused code",
			run: func(e *env) (int, string, string) {
				id := e.identify("1")
				first, _ := url.Parse(e.authorize(e.link(id)))
				if status, _, body := e.get(first.String()); status != http.StatusOK {
					e.t.Fatalf("first use: %d %s", status, body)
				}
				e.svc.DisconnectAccount(context.Background(), e.accounts()[0].ID, "test")
				second, _ := url.Parse(e.authorize(e.link(id)))
				q := second.Query()
				q.Set("code", first.Query().Get("code")) // a fresh state with the spent code
				second.RawQuery = q.Encode()
				return e.get(second.String())
			},
			wantStatus: http.StatusBadGateway, wantText: "Threads token exchange failed",
		},
		{
			name:       "wrong app secret",
			opts:       envOpts{appSecret: "not-the-secret"},
			run:        func(e *env) (int, string, string) { return e.connect(e.identify("1")) },
			wantStatus: http.StatusBadGateway, wantText: "check that THREADS_APP_ID and THREADS_APP_SECRET",
		},
		{
			name: "missing permission",
			run: func(e *env) (int, string, string) {
				e.sim.Fault(threadstest.EndpointProfile, threadstest.Fault{Kind: threadstest.FaultError, Count: 1,
					Error: &threadstest.GraphError{Code: 10, Message: "Application does not have permission for this action"}})
				return e.connect(e.identify("1"))
			},
			wantStatus: http.StatusBadGateway, wantText: "Unable to get Threads user ID: the sign-in did not grant the threads_basic permission",
		},
		{
			name: "already connected to another user",
			run: func(e *env) (int, string, string) {
				if status, _, body := e.connect(e.identify("1")); status != http.StatusOK {
					e.t.Fatalf("first owner: %d %s", status, body)
				}
				return e.connect(e.identify("2"))
			},
			wantStatus: http.StatusConflict, wantText: "This Threads account is already connected to another user",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts)
			e.sim.AddUser("alice")
			status, _, body := tt.run(e)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantText) {
				t.Fatalf("callback: %d %s\nwant %d containing %q", status, body, tt.wantStatus, tt.wantText)
			}
			for _, a := range e.accounts() {
				// Only the runs that connected on purpose first have an account, and then
				// under its first owner, still the same.
				if owner, err := e.svc.Owner(context.Background(), a.ID); err != nil || owner.User != "1" {
					t.Errorf("account %s owned by %+v (%v) after a failed link", a.Username, owner, err)
				}
			}
			if tt.name != "replayed state" && tt.name != "reused code" && tt.name != "already connected to another user" {
				if as := e.accounts(); len(as) != 0 {
					t.Errorf("accounts stored after a failure: %+v", as)
				}
			}
			for _, m := range e.told.all() {
				if !strings.Contains(m, "Connected as") && !strings.Contains(m, "disconnected") {
					t.Errorf("unexpected message %q", m)
				}
			}
		})
	}
}

func TestAlreadyConnectedKeepsFirstOwnersToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.sim.AddUser("alice")
	first := e.identify("1")
	e.connect(first)
	before := e.accounts()[0]
	if status, _, _ := e.connect(e.identify("2")); status != http.StatusConflict {
		t.Fatalf("second owner got %d", status)
	}
	after := e.accounts()[0]
	if string(after.TokenSealed) != string(before.TokenSealed) || after.Status != storage.AccountActive {
		t.Error("a refused link replaced the owner's token or status")
	}
	// Once the owner disconnects, someone else may take the account over.
	if _, err := e.svc.Disconnect(context.Background(), first, before.ID); err != nil {
		t.Fatal(err)
	}
	if status, _, body := e.connect(e.identify("2")); status != http.StatusOK {
		t.Fatalf("take over a disconnected account: %d %s", status, body)
	}
	if o, _ := e.svc.Owner(context.Background(), before.ID); o.User != "2" {
		t.Errorf("owner after takeover = %+v", o)
	}
}

func TestConnectLinkSingleUseAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.sim.AddUser("alice")
	id := e.identify("1")
	link := e.link(id)
	e.authorize(link)
	if status, _, body := e.get(link); status != http.StatusBadRequest || !strings.Contains(body, "already used") {
		t.Errorf("second use: %d %s", status, body)
	}
	old := e.link(id)
	e.clock.Advance(15*time.Minute + time.Second)
	if status, _, body := e.get(old); status != http.StatusBadRequest || !strings.Contains(body, "expired") {
		t.Errorf("expired link: %d %s", status, body)
	}
	if status, _, body := e.get(e.srv.URL + StartPath + "?link=abc"); status != http.StatusBadRequest || !strings.Contains(body, "not valid") {
		t.Errorf("malformed link: %d %s", status, body)
	}
	if status, _, body := e.get(e.srv.URL + StartPath); status != http.StatusUnauthorized || !strings.Contains(body, "send connect") {
		t.Errorf("no link: %d %s", status, body)
	}
}

func TestRedirectURIs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{success: "https://app.example/done?threads=connected", failure: "https://app.example/settings?threads=error"})
	e.sim.AddUser("alice")
	status, loc, _ := e.connect(e.identify("1"))
	if status != http.StatusFound || loc != "https://app.example/done?threads=connected&username=alice" {
		t.Errorf("success: %d %q", status, loc)
	}
	e.sim.DenyConsent(true)
	status, loc, _ = e.connect(e.identify("2"))
	u, _ := url.Parse(loc)
	if status != http.StatusFound || u.Host != "app.example" || u.Query().Get("reason") != ReasonDenied || u.Query().Get("threads") != "error" {
		t.Errorf("failure: %d %q", status, loc)
	}
}

func TestStartWithAPIToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	e.sim.AddUser("alice")
	id := e.identify("1")
	tok, err := e.svc.CreateAPIToken(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+StartPath+"?mode=json", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := e.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ URL string }
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || out.URL == "" {
		t.Fatalf("start with token: %d %+v", resp.StatusCode, out)
	}
	if !strings.HasPrefix(out.URL, e.srv.URL+StartPath+"?link=") {
		t.Fatalf("start with token answered %q, want a connect link for the browser to open", out.URL)
	}
	if status, _, body := e.get(e.authorize(out.URL)); status != http.StatusOK {
		t.Fatalf("callback: %d %s", status, body)
	}
	if _, err := e.svc.DefaultAccount(context.Background(), id); err != nil {
		t.Errorf("token's identity got no account: %v", err)
	}
	req.Header.Set("Authorization", "Bearer spd_nope")
	resp, _ = e.browser.Do(req)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("bad token: %d", resp.StatusCode)
	}
	if !errors.Is(func() error { _, err := e.svc.Authenticate(context.Background(), "Bearer spd_nope"); return err }(), ErrTokenInvalid) {
		t.Error("bad token does not wrap ErrTokenInvalid")
	}
}
