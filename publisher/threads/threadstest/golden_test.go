package threadstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

var traceRE = regexp.MustCompile(`"fbtrace_id":"[^"]*"`)

// checkGolden compares an answer with a body from the reference, kept in
// testdata/golden. Values that differ run to run (ids, tokens, trace ids)
// are replaced by {placeholders} in the answer first.
func checkGolden(t *testing.T, name string, a answer, placeholders map[string]string) {
	t.Helper()
	want, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	got := traceRE.ReplaceAllString(string(a.raw), `"fbtrace_id":"{trace}"`)
	for value, ph := range placeholders {
		got = strings.ReplaceAll(got, value, ph)
	}
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: answer is not JSON: %s", name, a.raw)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: golden is not JSON: %v", name, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", name, got, want)
	}
}

func TestGoldenBodies(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC))
	f := newFixture(t, Options{Clock: clock, ProcessingDelays: Delays{Video: time.Second}})
	f.clock = clock
	u := f.sim.AddUser("threadsapitestuser")
	f.sim.UpdateUser(User{ID: u.ID, Username: u.Username, Name: "Threads API Test User",
		Biography: "This is my Threads bio.", ProfilePictureURL: "https://scontent.cdninstagram.com/sim/threadsapitestuser.jpg"})
	f.user, f.token = u, f.sim.IssueToken(u.ID, appScopes...)

	checkGolden(t, "profile.json", f.get(t, "/v1.0/me", vals("fields",
		"id,username,name,threads_profile_picture_url,threads_biography,is_verified")), map[string]string{u.ID: "{user}"})

	c := f.create(t, "media_type", "TEXT", "text", "Today Is Monday", "topic_tag", "Mondays")
	m := f.publish(t, c)
	list := f.get(t, "/v1.0/me/threads", vals("fields",
		"id,media_product_type,media_type,permalink,owner,username,text,topic_tag,timestamp,shortcode,is_quote_post"))
	ph := map[string]string{m: "{media}", u.ID: "{user}", shortcode(m): "{shortcode}", encodeCursor(0): "{cursor}"}
	checkGolden(t, "list.json", list, ph)
	checkGolden(t, "nonexisting_field.json", f.get(t, "/v1.0/"+m, vals("fields", "status")), nil)
	checkGolden(t, "unsupported_get.json", f.get(t, "/v1.0/zuck", nil), nil)
	checkGolden(t, "delete.json", do(t, "DELETE", f.sim.URL+"/v1.0/"+m, vals("access_token", f.token)), ph)

	early := f.create(t, "media_type", "TEXT", "text", "x")
	f.sim.SetPublishNotReadyWindow(time.Minute)
	checkGolden(t, "media_not_found.json", f.post(t, "/v1.0/me/threads_publish", vals("creation_id", early)),
		map[string]string{early: "{container}"})

	notFound := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notFound.Close)
	v := f.create(t, "media_type", "VIDEO", "video_url", notFound.URL+"/v.mp4")
	clock.Advance(time.Second)
	checkGolden(t, "container_error.json", f.get(t, "/v1.0/"+v, vals("fields", "id,status,error_message")),
		map[string]string{v: "{container}"})

	checkGolden(t, "versioned_token_path.json", do(t, "GET", f.sim.URL+"/v1.0/access_token", nil), nil)
	code := authorize(t, f, authorizeParams()).Query().Get("code")
	exchangeCode(t, f, code)
	checkGolden(t, "code_reused.json", exchangeCode(t, f, code), nil)

	short := f.sim.IssueShortLivedToken(u.ID)
	ex := do(t, "GET", f.sim.URL+"/access_token", vals("grant_type", "th_exchange_token",
		"client_secret", "sandbox-secret", "access_token", short))
	checkGolden(t, "exchange.json", ex, map[string]string{ex.str(t, "access_token"): "{token}"})
}

func TestGoldenExpiredToken(t *testing.T) {
	f := newFixture(t, Options{}) // clock at 2026-01-05 09:00 UTC
	f.clock.Advance(LongTokenTTL)
	checkGolden(t, "token_expired.json", f.get(t, "/v1.0/me", nil), nil)
}
