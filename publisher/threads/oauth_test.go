package threads_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// authorize follows the client's authorize URL through the simulated
// consent page and returns the callback URL it redirects to.
func authorize(t *testing.T, e *env, state string) *url.URL {
	t.Helper()
	resp, err := noRedirect().Get(e.c.AuthorizeURL(state))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize page answered %d, want a 302 redirect", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != redirectURI {
		t.Fatalf("redirected to %q, want the redirect URI %q", got, redirectURI)
	}
	return loc
}

func TestAuthorizeURL(t *testing.T) {
	c := threads.New(threads.Options{AppID: "990602627938098", RedirectURI: "https://x.example/cb/"})
	u, err := url.Parse(c.AuthorizeURL("s1"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != threads.DefaultAuthURL {
		t.Errorf("authorize URL base = %q, want %q", u.Scheme+"://"+u.Host+u.Path, threads.DefaultAuthURL)
	}
	want := map[string]string{"client_id": "990602627938098", "redirect_uri": "https://x.example/cb/",
		"scope": strings.Join(threads.DefaultScopes(), ","), "response_type": "code", "state": "s1"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if strings.Contains(threads.New(threads.Options{}).AuthorizeURL(""), "state=") {
		t.Error("an empty state should not be sent")
	}
}

func TestOAuthFlow(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	loc := authorize(t, e, "state-123")
	if loc.Query().Get("state") != "state-123" {
		t.Errorf("state = %q, want it echoed", loc.Query().Get("state"))
	}
	// Threads appends "#_"; a copy-pasted callback keeps it on the code.
	code := loc.Query().Get("code")
	if code == "" || loc.Fragment != "_" {
		t.Fatalf("callback %q lacks the code or the #_ fragment", loc)
	}

	short, err := e.c.ExchangeCode(ctx, code+"#_")
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	if short.UserID != e.user.ID || short.AccessToken == "" {
		t.Fatalf("ExchangeCode = %+v, want user %s", short, e.user.ID)
	}
	if info, ok := e.sim.TokenInfo(short.AccessToken); !ok || info.LongLived {
		t.Fatalf("code exchange gave %+v, want a short-lived token", info)
	}

	// The code is single-use: the flat OAuth error, class auth.
	_, err = e.c.ExchangeCode(ctx, code)
	te := e.wantErr(t, err, threads.ClassAuth)
	if te.Code != 400 || te.Type != "OAuthException" {
		t.Errorf("reused code: code %d type %q, want the flat 400 OAuthException", te.Code, te.Type)
	}
	if strings.Contains(err.Error(), code) {
		t.Errorf("error shows the authorization code: %v", err)
	}

	long, err := e.c.ExchangeLongLived(ctx, short.AccessToken)
	if err != nil {
		t.Fatalf("ExchangeLongLived: %v", err)
	}
	if long.ExpiresIn != threadstest.LongTokenTTL {
		t.Errorf("long-lived ExpiresIn = %v, want %v", long.ExpiresIn, threadstest.LongTokenTTL)
	}
	p, err := e.c.Me(ctx, long.AccessToken)
	if err != nil || p.ID != e.user.ID || p.Username != "alice" {
		t.Fatalf("Me with the long-lived token = %+v, %v", p, err)
	}

	// Too young to refresh (unconfirmed body; the simulator answers 190).
	_, err = e.c.Refresh(ctx, long.AccessToken)
	e.wantErr(t, err, threads.ClassAuth)

	e.clock.Advance(25 * time.Hour)
	fresh, err := e.c.Refresh(ctx, long.AccessToken)
	if err != nil {
		t.Fatalf("Refresh after 25 h: %v", err)
	}
	if fresh.AccessToken == "" || fresh.ExpiresIn != threadstest.LongTokenTTL {
		t.Errorf("Refresh = %+v", fresh)
	}
	if _, err := e.c.Me(ctx, fresh.AccessToken); err != nil {
		t.Errorf("Me with the refreshed token: %v", err)
	}
}

func TestOAuthUserIDAsString(t *testing.T) {
	e := newEnv(t, threadstest.Options{UserIDAsString: true})
	loc := authorize(t, e, "")
	short, err := e.c.ExchangeCode(context.Background(), loc.Query().Get("code"))
	if err != nil || short.UserID != e.user.ID {
		t.Fatalf("ExchangeCode with a string user_id = %+v, %v; want user %s", short, err, e.user.ID)
	}
}

func TestOAuthErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})

	t.Run("expired code", func(t *testing.T) {
		code := authorize(t, e, "").Query().Get("code")
		e.clock.Advance(threadstest.CodeTTL + time.Minute)
		_, err := e.c.ExchangeCode(ctx, code)
		e.wantErr(t, err, threads.ClassAuth)
	})
	t.Run("wrong app secret", func(t *testing.T) {
		code := authorize(t, e, "").Query().Get("code")
		bad := threads.New(threads.Options{BaseURL: e.sim.URL, AppID: e.sim.AppID(), AppSecret: "wrong-secret-value", RedirectURI: redirectURI})
		_, err := bad.ExchangeCode(ctx, code)
		te := e.wantErr(t, err, threads.ClassAuth)
		if strings.Contains(te.Error(), "wrong-secret-value") {
			t.Errorf("error shows the app secret: %v", te)
		}
	})
	t.Run("expired short-lived token", func(t *testing.T) {
		short := e.sim.IssueShortLivedToken(e.user.ID)
		e.clock.Advance(threadstest.ShortTokenTTL + time.Minute)
		_, err := e.c.ExchangeLongLived(ctx, short)
		te := e.wantErr(t, err, threads.ClassAuth)
		if strings.Contains(te.Error(), short) {
			t.Errorf("error shows the token: %v", te)
		}
	})
	t.Run("expired long-lived token cannot refresh", func(t *testing.T) {
		tok := e.sim.IssueToken(e.user.ID)
		e.clock.Advance(threadstest.LongTokenTTL + time.Hour)
		_, err := e.c.Refresh(ctx, tok)
		te := e.wantErr(t, err, threads.ClassAuth)
		if te.Code != 190 || te.Subcode != 463 {
			t.Errorf("expired refresh = %d/%d, want 190/463", te.Code, te.Subcode)
		}
	})
	t.Run("empty code", func(t *testing.T) {
		_, err := e.c.ExchangeCode(ctx, "#_")
		e.wantErr(t, err, threads.ClassPermanent)
	})
	t.Run("denied consent redirects with access_denied", func(t *testing.T) {
		e.sim.DenyConsent(true)
		defer e.sim.DenyConsent(false)
		loc := authorize(t, e, "st")
		if loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "st" {
			t.Errorf("denied consent redirected to %q", loc)
		}
	})
}
