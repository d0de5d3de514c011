package threadstest

import (
	"fmt"
	"strconv"
	"testing"
)

// TestUserInsights: GET /{user-id}/threads_insights answers views per day (values[] with
// end_time) and the rest as total_value, replies counting those to the user's posts; it is as
// strict as Meta: the scope, the metric names, since/until as Unix times not before the epoch.
func TestUserInsights(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.publish(t, f.create(t, "media_type", "TEXT", "text", "measured"))
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "a reply", "reply_to_id", id))
	now := f.clock.Now().Unix()
	since, until := strconv.FormatInt(now-7*86400, 10), strconv.FormatInt(now, 10)
	a := f.get(t, "/v1.0/me/threads_insights", vals("metric", "views,replies,followers_count", "since", since, "until", until))
	data, _ := a.body["data"].([]any)
	if a.status != 200 || len(data) != 3 {
		t.Fatalf("user insights: %d %s", a.status, a.raw)
	}
	if v := data[0].(map[string]any); v["name"] != "views" || len(v["values"].([]any)) != 7 {
		t.Errorf("views metric %v, want 7 days", v)
	}
	if r := data[1].(map[string]any); r["name"] != "replies" || fmt.Sprint(r["total_value"].(map[string]any)["value"]) != "1" {
		t.Errorf("replies metric %v, want total 1", r)
	}
	bad := []struct {
		name   string
		params []string
		code   int
	}{
		{"unknown metric", []string{"metric", "views,shares"}, 100},
		{"no metric", nil, 100},
		{"demographics without breakdown", []string{"metric", "follower_demographics"}, 100},
		{"since before the epoch", []string{"metric", "views", "since", "1712991599"}, 100},
		{"since not a number", []string{"metric", "views", "since", "yesterday"}, 100},
		{"since after until", []string{"metric", "views", "since", until, "until", since}, 100},
		{"another user", []string{"metric", "views"}, 100},
	}
	for _, tc := range bad {
		path := "/v1.0/" + f.user.ID + "/threads_insights"
		if tc.name == "another user" {
			path = "/v1.0/" + f.sim.AddUser("bob").ID + "/threads_insights"
		}
		if e := f.get(t, path, vals(tc.params...)); e.status != 400 {
			t.Errorf("%s: %d %s, want 400", tc.name, e.status, e.raw)
		}
	}
	noScope := f.sim.IssueToken(f.user.ID, ScopeBasic, ScopeContentPublish)
	f.get(t, "/v1.0/me/threads_insights", vals("metric", "views", "access_token", noScope)).wantGraphError(t, 400, 10, 0)
}
