package accounts

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An attacker opens their own connect link, keeps the authorize URL (with their signed state)
// and gets a victim to open it. The victim consents with their own Threads account; before
// the fix the callback linked the victim's account to the attacker.
func TestAttackersAuthorizeURLInVictimsBrowserLinksNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	mallory := e.identify("666")
	victimThreads := e.sim.AddUser("victim")

	_, _, page := e.get(e.link(mallory)) // the attacker's own browser, which gets the cookie
	authorize, ok := ContinueURL(page)
	if !ok {
		t.Fatalf("no Continue link on the page: %s", page)
	}
	victim := newBrowser()
	status, cb, body := e.getIn(victim, authorize)
	if status != http.StatusFound || !strings.HasPrefix(cb, e.srv.URL+CallbackPath) {
		t.Fatalf("consent: %d %s", status, body)
	}
	status, _, body = e.getIn(victim, cb)
	if status != http.StatusForbidden || !strings.Contains(body, "started in another browser") {
		t.Errorf("victim's callback: %d %s, want 403 naming another browser", status, body)
	}
	if as := e.accounts(); len(as) != 0 {
		t.Fatalf("the victim's Threads account %s was linked: %+v", victimThreads.ID, as)
	}
	// A victim who had a flow of their own going (a cookie, another binding) is refused too.
	_, _, own := e.getIn(victim, e.link(e.identify("1")))
	if _, ok := ContinueURL(own); !ok {
		t.Fatalf("victim's own link: %s", own)
	}
	if status, _, _ := e.getIn(victim, cb); status != http.StatusForbidden || len(e.accounts()) != 0 {
		t.Errorf("victim with another cookie: %d, accounts %+v", status, e.accounts())
	}
	// Nothing was spent: the state still completes in the browser that opened the link.
	if status, _, body := e.get(cb); status != http.StatusOK {
		t.Errorf("the refused state was consumed: the rightful browser got %d %s", status, body)
	}
}

// Someone handed another person's connect link sees whose it is before anything happens, on
// a page no other site can frame.
func TestConnectLinkShowsWhoIsLinking(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	resp, err := e.browser.Get(e.link(e.identify("42")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
		t.Fatalf("connect link answered %d to %q, want a page before consent", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("the page can be framed: %v", resp.Header)
	}
	_, _, body := e.get(e.link(e.identify("43")))
	if !strings.Contains(body, "You are linking a Threads account for @43 (Telegram)") || !strings.Contains(body, "Continue") {
		t.Errorf("page does not say who is linking: %s", body)
	}
}

func TestBindingCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		public string
		secure bool
	}{{"http://localhost:8080", false}, {"https://spindle.example", true}} {
		e := newEnv(t, envOpts{})
		e.svc.public = tc.public
		rec := httptest.NewRecorder()
		e.svc.Handler().ServeHTTP(rec, httptest.NewRequest("GET", e.link(e.identify("1")), nil))
		cs := rec.Result().Cookies()
		if len(cs) != 1 {
			t.Fatalf("%s: cookies %v", tc.public, cs)
		}
		c := cs[0]
		if c.Name != BindingCookie || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure ||
			c.Path != StartPath || c.MaxAge <= 0 || c.MaxAge > int(DefaultStateTTL.Seconds()) {
			t.Errorf("%s: cookie %+v", tc.public, c)
		}
	}
}
