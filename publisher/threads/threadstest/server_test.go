package threadstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// TestMountedUnderPrefix is how spindle serve --sandbox uses the simulator:
// mounted with http.StripPrefix inside another server.
func TestMountedUnderPrefix(t *testing.T) {
	sim := NewUnstartedServer(Options{})
	mux := http.NewServeMux()
	mux.Handle("/sandbox/threads/", http.StripPrefix("/sandbox/threads", sim))
	host := httptest.NewServer(mux)
	t.Cleanup(host.Close)
	u := sim.AddUser("sandboxer")
	base := host.URL + "/sandbox/threads"

	a := do(t, http.MethodGet, base+"/oauth/authorize", authorizeParams())
	loc, _ := url.Parse(a.header.Get("Location"))
	if a.status != http.StatusFound || loc.Query().Get("code") == "" {
		t.Fatalf("authorize through the mount: %d %s", a.status, a.raw)
	}
	ex := do(t, http.MethodPost, base+"/oauth/access_token", vals("client_id", "sandbox-app", "client_secret",
		"sandbox-secret", "grant_type", "authorization_code", "redirect_uri", redirectURI, "code", loc.Query().Get("code")))
	token := ex.str(t, "access_token")
	for i := range 3 {
		c := do(t, http.MethodPost, base+"/v1.0/me/threads", vals("media_type", "TEXT", "text", fmt.Sprint(i), "access_token", token)).str(t, "id")
		do(t, http.MethodPost, base+"/v1.0/me/threads_publish", vals("creation_id", c, "access_token", token)).str(t, "id")
	}
	l := do(t, http.MethodGet, base+"/v1.0/me/threads", vals("limit", "2", "access_token", token))
	next := l.body["paging"].(map[string]any)["next"].(string)
	if !strings.HasPrefix(next, base+"/v1.0/me/threads?") {
		t.Errorf("next = %s, want it under the mount %s", next, base)
	}
	if got := send(t, mustRequest(t, next)); len(got.body["data"].([]any)) != 1 {
		t.Errorf("next page: %s", got.raw)
	}
	if l := sim.Ledger(); len(l) != 3 || l[0].UserID != u.ID {
		t.Errorf("ledger %+v", l)
	}
	sim.Close() // no-op on an unstarted server
}

// TestConcurrentPublishing hammers the simulator from many workers; with
// -race it checks the locking, and the ledger must hold every post once.
func TestConcurrentPublishing(t *testing.T) {
	f := newFixture(t, Options{Quotas: Quotas{Posts: 100000}})
	const workers, each = 16, 25
	var wg sync.WaitGroup
	ids := make(chan string, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				c := f.create(t, "media_type", "TEXT", "text", fmt.Sprintf("w%d-%d", w, i))
				f.status(t, c)
				ids <- f.publish(t, c)
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("media id %s returned twice", id)
		}
		seen[id] = true
	}
	l := f.sim.Ledger()
	if len(l) != workers*each || len(seen) != workers*each {
		t.Fatalf("ledger %d, ids %d, want %d", len(l), len(seen), workers*each)
	}
	texts := map[string]int{}
	for _, p := range l {
		texts[p.Text]++
	}
	for text, n := range texts {
		if n != 1 {
			t.Errorf("%q published %d times", text, n)
		}
	}
	if got := f.sim.Usage(f.user.ID, QuotaPosts); got != workers*each {
		t.Errorf("usage %d", got)
	}
}

func TestManualClockAndDefaults(t *testing.T) {
	c := NewManualClock(timeZero)
	start := c.Now()
	if start.IsZero() {
		t.Fatal("zero start")
	}
	c.Advance(90 * minute)
	if got := c.Now().Sub(start); got != 90*minute {
		t.Errorf("advanced %v", got)
	}
	sim := NewServer(Options{})
	t.Cleanup(sim.Close)
	if sim.AppID() != "sandbox-app" || sim.AppSecret() != "sandbox-secret" || !strings.HasPrefix(sim.URL, "http://127.0.0.1:") {
		t.Errorf("defaults: %s %s %s", sim.AppID(), sim.AppSecret(), sim.URL)
	}
}
