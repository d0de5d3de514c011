package threadstest

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const redirectURI = "https://spindle.example/api/auth/threads/callback"

func authorizeParams(kv ...string) url.Values {
	v := vals("client_id", "sandbox-app", "redirect_uri", redirectURI,
		"scope", "threads_basic,threads_content_publish", "response_type", "code", "state", "st-123")
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	return v
}

// authorize follows the authorize page and returns the redirect location.
func authorize(t *testing.T, f *fixture, params url.Values) *url.URL {
	t.Helper()
	a := do(t, http.MethodGet, f.sim.AuthorizeURL(), params)
	if a.status != http.StatusFound {
		t.Fatalf("authorize: want 302, got %d %s", a.status, a.raw)
	}
	loc, err := url.Parse(a.header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func exchangeCode(t *testing.T, f *fixture, code string) answer {
	t.Helper()
	return do(t, http.MethodPost, f.sim.URL+"/oauth/access_token", vals(
		"client_id", "sandbox-app", "client_secret", "sandbox-secret",
		"grant_type", "authorization_code", "redirect_uri", redirectURI, "code", code))
}

func TestAuthorizeRedirectsWithCodeAndState(t *testing.T) {
	f := newFixture(t, Options{})
	loc := authorize(t, f, authorizeParams())
	if loc.Scheme+"://"+loc.Host+loc.Path != redirectURI {
		t.Errorf("redirected to %s, want %s", loc, redirectURI)
	}
	if loc.Fragment != "_" {
		t.Errorf("fragment = %q, want Meta's \"_\" (#_)", loc.Fragment)
	}
	if loc.Query().Get("state") != "st-123" || loc.Query().Get("code") == "" {
		t.Errorf("query = %v, want code and state", loc.Query())
	}
	// The code is single-use; a trailing #_ is tolerated.
	a := exchangeCode(t, f, loc.Query().Get("code")+"#_")
	if a.status != http.StatusOK {
		t.Fatalf("exchange: %d %s", a.status, a.raw)
	}
	if _, ok := a.body["user_id"].(json.Number); !ok || a.body["user_id"].(json.Number).String() != f.user.ID {
		t.Errorf("user_id = %#v, want the JSON number %s", a.body["user_id"], f.user.ID)
	}
	info, ok := f.sim.TokenInfo(a.str(t, "access_token"))
	if !ok || info.LongLived || info.ExpiresAt.Sub(info.IssuedAt) != time.Hour || len(info.Scopes) != 2 {
		t.Errorf("token info = %+v, want a 1-hour short-lived token with the two requested scopes", info)
	}
	again := exchangeCode(t, f, loc.Query().Get("code"))
	want := `{"error_type":"OAuthException","code":400,"error_message":"Matching code was not found or was already used"}`
	if again.status != http.StatusBadRequest || string(again.raw) != want {
		t.Errorf("reused code: %d %s, want 400 %s", again.status, again.raw, want)
	}
}

func TestCodeExpiresAfterAnHour(t *testing.T) {
	f := newFixture(t, Options{})
	code := authorize(t, f, authorizeParams()).Query().Get("code")
	f.clock.Advance(time.Hour)
	a := exchangeCode(t, f, code)
	if a.status != http.StatusBadRequest || a.body["error_message"] != "Matching code was not found or was already used" {
		t.Errorf("expired code: %d %s", a.status, a.raw)
	}
}

func TestCodeExchangeAcceptsMultipartAndStringUserID(t *testing.T) {
	f := newFixture(t, Options{UserIDAsString: true})
	code := authorize(t, f, authorizeParams()).Query().Get("code")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"client_id": "sandbox-app", "client_secret": "sandbox-secret",
		"grant_type": "authorization_code", "redirect_uri": redirectURI, "code": code} {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, f.sim.URL+"/oauth/access_token", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	a := send(t, req)
	if a.status != http.StatusOK || a.body["user_id"] != f.user.ID {
		t.Errorf("multipart exchange: %d %s, want user_id as the string %s", a.status, a.raw, f.user.ID)
	}
}

func TestCodeExchangeRefusals(t *testing.T) {
	f := newFixture(t, Options{})
	tests := []struct {
		name     string
		override []string
		code     int
	}{
		{"wrong secret", []string{"client_secret", "nope"}, 1},
		{"wrong app", []string{"client_id", "123"}, 101},
		{"different redirect_uri", []string{"redirect_uri", redirectURI + "/"}, 100},
		{"bad grant type", []string{"grant_type", "password"}, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code := authorize(t, f, authorizeParams()).Query().Get("code")
			p := vals("client_id", "sandbox-app", "client_secret", "sandbox-secret",
				"grant_type", "authorization_code", "redirect_uri", redirectURI, "code", code)
			p.Set(tc.override[0], tc.override[1])
			do(t, http.MethodPost, f.sim.URL+"/oauth/access_token", p).wantGraphError(t, 400, tc.code, 0)
			if strings.Contains(string(do(t, http.MethodPost, f.sim.URL+"/oauth/access_token", p).raw), "sandbox-secret") {
				t.Error("the app secret leaked into an error")
			}
		})
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	f := newFixture(t, Options{RedirectURIs: []string{redirectURI}})
	tests := []struct {
		name   string
		params url.Values
		code   float64
	}{
		{"Meta app id instead of Threads app id", authorizeParams("client_id", "999"), 1349026},
		{"unregistered redirect", authorizeParams("redirect_uri", redirectURI+"/"), 1},
		{"no redirect", authorizeParams("redirect_uri", ""), 1},
		{"token response type", authorizeParams("response_type", "token"), 1},
		{"no threads_basic", authorizeParams("scope", "threads_content_publish"), 1},
		{"unknown scope", authorizeParams("scope", "threads_basic,email"), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, http.MethodGet, f.sim.AuthorizeURL(), tc.params)
			got, _ := a.body["error_code"].(json.Number).Float64()
			if a.status != http.StatusBadRequest || got != tc.code || a.body["error_message"] == "" {
				t.Errorf("got %d %s, want browser error %v", a.status, a.raw, tc.code)
			}
		})
	}
}

func TestAuthorizeDenied(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.DenyConsent(true)
	q := authorize(t, f, authorizeParams()).Query()
	if q.Get("error") != "access_denied" || q.Get("error_reason") != "user_denied" ||
		q.Get("error_description") != "The user denied your request" || q.Get("state") != "st-123" || q.Has("code") {
		t.Errorf("denied redirect query = %v", q)
	}
}

func TestConsentUserChoosesWhoseTokenItIs(t *testing.T) {
	f := newFixture(t, Options{})
	bob := f.sim.AddUser("bob")
	f.sim.SetConsentUser(bob.ID)
	code := authorize(t, f, authorizeParams()).Query().Get("code")
	a := exchangeCode(t, f, code)
	if a.body["user_id"].(json.Number).String() != bob.ID {
		t.Errorf("user_id = %v, want bob %s", a.body["user_id"], bob.ID)
	}
}

func TestExchangeAndRefreshRules(t *testing.T) {
	f := newFixture(t, Options{})
	short := f.sim.IssueShortLivedToken(f.user.ID)
	exchange := func(tok, secret string) answer {
		return do(t, http.MethodGet, f.sim.URL+"/access_token", vals(
			"grant_type", "th_exchange_token", "client_secret", secret, "access_token", tok))
	}
	refresh := func(tok string) answer {
		return do(t, http.MethodGet, f.sim.URL+"/refresh_access_token", vals(
			"grant_type", "th_refresh_token", "access_token", tok))
	}
	exchange(short, "wrong").wantGraphError(t, 400, 1, 0)
	a := exchange(short, "sandbox-secret")
	if a.status != 200 || a.body["token_type"] != "bearer" || a.body["expires_in"].(json.Number).String() != "5184000" {
		t.Fatalf("exchange: %d %s, want bearer with expires_in 5184000", a.status, a.raw)
	}
	long := a.str(t, "access_token")
	exchange(long, "sandbox-secret").wantGraphError(t, 400, 100, 0)
	refresh(short).wantGraphError(t, 400, 100, 0)
	// Too young to refresh.
	refresh(long).wantGraphError(t, 400, 190, 0)
	f.clock.Advance(24 * time.Hour)
	// The short-lived token expired long ago and can no longer be exchanged.
	e := exchange(short, "sandbox-secret").wantGraphError(t, 400, 190, 463)
	if !strings.HasPrefix(e["message"].(string), "Error validating access token: Session has expired on ") {
		t.Errorf("expired message = %q", e["message"])
	}
	r := refresh(long)
	if r.status != 200 || r.body["expires_in"].(json.Number).String() != "5184000" {
		t.Fatalf("refresh at 24h: %d %s", r.status, r.raw)
	}
	refreshed := r.str(t, "access_token")
	f.clock.Advance(59*24*time.Hour + time.Minute)
	// The original long-lived token is now past 60 days; the refreshed one is not.
	refresh(long).wantGraphError(t, 400, 190, 463)
	if a := do(t, http.MethodGet, f.sim.URL+"/v1.0/me", vals("access_token", refreshed)); a.status != 200 {
		t.Errorf("refreshed token refused: %d %s", a.status, a.raw)
	}
}

func TestRefreshTooYoungErrorIsConfigurable(t *testing.T) {
	custom := &GraphError{Code: 100, Type: "THApiException", Message: "too young"}
	f := newFixture(t, Options{RefreshTooYoungError: custom})
	a := do(t, http.MethodGet, f.sim.URL+"/refresh_access_token", vals(
		"grant_type", "th_refresh_token", "access_token", f.token))
	if e := a.wantGraphError(t, 400, 100, 0); e["message"] != "too young" {
		t.Errorf("message = %v", e["message"])
	}
}

func TestVersionedTokenPathIsUnsupported(t *testing.T) {
	f := newFixture(t, Options{})
	a := do(t, http.MethodGet, f.sim.URL+"/v1.0/access_token", vals("grant_type", "th_exchange_token"))
	e := a.wantGraphError(t, 400, 100, 0)
	if e["message"] != "Unsupported request - method type: get" || e["type"] != "THApiException" {
		t.Errorf("got %s", a.raw)
	}
}

func TestTokenTransportsAndFailures(t *testing.T) {
	f := newFixture(t, Options{})
	req, _ := http.NewRequest(http.MethodGet, f.sim.URL+"/v1.0/me?fields=id,username", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	if a := send(t, req); a.status != 200 || a.body["username"] != "alice" || a.body["id"] != f.user.ID {
		t.Errorf("bearer header: %d %s", a.status, a.raw)
	}
	// Form body on a POST.
	if a := do(t, http.MethodPost, f.sim.URL+"/v1.0/me/threads", vals("media_type", "TEXT", "text", "hi", "access_token", f.token)); a.status != 200 {
		t.Errorf("form-body token: %d %s", a.status, a.raw)
	}
	// Unversioned Graph paths work too, as Meta's sample app relies on;
	// other versions do not exist.
	if a := f.get(t, "/me", nil); a.status != 200 || a.body["id"] != f.user.ID {
		t.Errorf("unversioned /me: %d %s", a.status, a.raw)
	}
	f.get(t, "/v2.0/me", nil).wantGraphError(t, 400, 100, 0)
	do(t, http.MethodGet, f.sim.URL+"/v1.0/me", nil).wantGraphError(t, 400, 2500, 0)
	do(t, http.MethodGet, f.sim.URL+"/v1.0/me", vals("access_token", "THQVJbogus")).wantGraphError(t, 400, 190, 0)
	f.clock.Advance(LongTokenTTL)
	f.get(t, "/v1.0/me", nil).wantGraphError(t, 400, 190, 463)
}

func TestAuthErrorStatusIsConfigurable(t *testing.T) {
	f := newFixture(t, Options{AuthErrorStatus: http.StatusUnauthorized})
	f.clock.Advance(LongTokenTTL + time.Second)
	f.get(t, "/v1.0/me", nil).wantGraphError(t, 401, 190, 463)
}

func TestRevokedTokens(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.RevokeTokens(f.user.ID)
	f.get(t, "/v1.0/me", nil).wantGraphError(t, 400, 190, 460)
}

func TestScopesEnforced(t *testing.T) {
	f := newFixture(t, Options{})
	basicOnly := f.sim.IssueToken(f.user.ID, ScopeBasic)
	publishOnly := f.sim.IssueToken(f.user.ID, ScopeBasic, ScopeContentPublish)
	tests := []struct {
		name, method, path string
		params             url.Values
	}{
		{"create needs content_publish", "POST", "/v1.0/me/threads", vals("media_type", "TEXT", "text", "x", "access_token", basicOnly)},
		{"publish needs content_publish", "POST", "/v1.0/me/threads_publish", vals("creation_id", "1", "access_token", basicOnly)},
		{"limit needs content_publish", "GET", "/v1.0/me/threads_publishing_limit", vals("access_token", basicOnly)},
		{"delete quota fields need threads_delete", "GET", "/v1.0/me/threads_publishing_limit", vals("fields", "delete_quota_usage", "access_token", publishOnly)},
		{"replies need read_replies", "GET", "/v1.0/me/replies", vals("access_token", publishOnly)},
		{"delete needs threads_delete", "DELETE", "/v1.0/123", vals("access_token", publishOnly)},
		{"reply needs threads_manage_replies", "POST", "/v1.0/me/threads", vals("media_type", "TEXT", "text", "x", "reply_to_id", "123", "access_token", publishOnly)},
		{"default scopes cannot reply", "POST", "/v1.0/me/threads", vals("media_type", "TEXT", "text", "x", "reply_to_id", "123", "access_token", f.sim.IssueToken(f.user.ID))},
		{"default scopes cannot delete", "DELETE", "/v1.0/123", vals("access_token", f.sim.IssueToken(f.user.ID))},
		{"insights need threads_manage_insights", "GET", "/v1.0/123/insights", vals("metric", "views", "access_token", publishOnly)},
		{"profile needs threads_basic", "GET", "/v1.0/me", vals("access_token", f.sim.IssueToken(f.user.ID, ScopeDelete))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := do(t, tc.method, f.sim.URL+tc.path, tc.params).wantGraphError(t, 400, 10, 0)
			if e["message"] != "Application does not have permission for this action" {
				t.Errorf("message = %v", e["message"])
			}
		})
	}
}

func TestOtherUsersAndUsernamesAreNotNodes(t *testing.T) {
	f := newFixture(t, Options{})
	bob := f.sim.AddUser("bob")
	f.get(t, "/v1.0/"+bob.ID, nil).wantGraphError(t, 400, 100, 33)
	f.get(t, "/v1.0/zuck/threads", nil).wantGraphError(t, 400, 100, 33)
	f.post(t, "/v1.0/"+bob.ID+"/threads", vals("media_type", "TEXT", "text", "x")).wantGraphError(t, 400, 100, 33)
	// The user's own numeric id works like me.
	if a := f.get(t, "/v1.0/"+f.user.ID, vals("fields", "id,username,name,threads_biography,threads_profile_picture_url,is_verified")); a.status != 200 || len(a.body) != 6 {
		t.Errorf("own id: %d %s", a.status, a.raw)
	}
}
