package threadstest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestListThreadsPaging(t *testing.T) {
	f := newFixture(t, Options{})
	var ids []string
	for i := range 7 {
		ids = append(ids, f.publish(t, f.create(t, "media_type", "TEXT", "text", fmt.Sprint("post ", i))))
		f.clock.Advance(time.Minute)
	}
	root := ids[0]
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "reply", "reply_to_id", root)) // not in /threads
	page := func(a answer) []string {
		t.Helper()
		var out []string
		for _, d := range a.body["data"].([]any) {
			out = append(out, d.(map[string]any)["id"].(string))
		}
		return out
	}
	first := f.get(t, "/v1.0/me/threads", vals("limit", "3", "fields", "id,text,timestamp"))
	if got := page(first); fmt.Sprint(got) != fmt.Sprint([]string{ids[6], ids[5], ids[4]}) {
		t.Fatalf("first page %v, want newest first %v", got, ids[4:])
	}
	paging := first.body["paging"].(map[string]any)
	if _, ok := paging["previous"]; ok {
		t.Errorf("first page has a previous link: %v", paging)
	}
	next, err := url.Parse(paging["next"].(string))
	if err != nil || next.Query().Get("access_token") != f.token || next.Query().Get("limit") != "3" {
		t.Fatalf("next = %v", paging["next"])
	}
	second := send(t, mustRequest(t, next.String()))
	if got := page(second); fmt.Sprint(got) != fmt.Sprint([]string{ids[3], ids[2], ids[1]}) {
		t.Fatalf("second page %v", got)
	}
	third := send(t, mustRequest(t, second.body["paging"].(map[string]any)["next"].(string)))
	if got := page(third); fmt.Sprint(got) != fmt.Sprint([]string{ids[0]}) || third.body["paging"].(map[string]any)["next"] != nil {
		t.Fatalf("last page %v %s", got, third.raw)
	}
	prev := send(t, mustRequest(t, third.body["paging"].(map[string]any)["previous"].(string)))
	if got := page(prev); fmt.Sprint(got) != fmt.Sprint([]string{ids[3], ids[2], ids[1]}) {
		t.Fatalf("previous page %v", got)
	}
	// Replies are listed separately.
	replies := f.get(t, "/v1.0/me/replies", vals("access_token", f.sim.IssueToken(f.user.ID, ScopeBasic, ScopeReadReplies)))
	if len(page(replies)) != 1 {
		t.Errorf("replies: %s", replies.raw)
	}
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestListSinceUntilAndErrors(t *testing.T) {
	f := newFixture(t, Options{})
	start := f.clock.Now()
	old := f.publish(t, f.create(t, "media_type", "TEXT", "text", "old"))
	f.clock.Advance(time.Hour)
	recent := f.publish(t, f.create(t, "media_type", "TEXT", "text", "recent"))
	since := fmt.Sprint(start.Add(30 * time.Minute).Unix())
	a := f.get(t, "/v1.0/me/threads", vals("since", since))
	if d := a.body["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != recent {
		t.Errorf("since: %s", a.raw)
	}
	a = f.get(t, "/v1.0/me/threads", vals("until", since))
	if d := a.body["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != old {
		t.Errorf("until: %s", a.raw)
	}
	a = f.get(t, "/v1.0/me/threads", vals("since", start.Add(2*time.Hour).Format("2006-01-02T15:04:05Z07:00")))
	if string(a.raw) != `{"data":[]}` {
		t.Errorf("empty: %s", a.raw)
	}
	for name, p := range map[string]url.Values{
		"before and after":   vals("before", encodeCursor(1), "after", encodeCursor(0)),
		"bad cursor":         vals("after", "!!"),
		"since too early":    vals("since", "1600000000"),
		"until before since": vals("since", since, "until", fmt.Sprint(start.Unix())),
		"bad limit":          vals("limit", "zero"),
		"bad since":          vals("since", "yesterday-ish"),
	} {
		t.Run(name, func(t *testing.T) {
			f.get(t, "/v1.0/me/threads", p).wantGraphError(t, 400, 100, 0)
		})
	}
	if a := f.get(t, "/v1.0/me/threads", vals("limit", "500")); a.status != 200 {
		t.Errorf("limit over 100 is capped, not refused: %s", a.raw)
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.create(t, "media_type", "TEXT", "text", "to delete")
	m := f.publish(t, c)
	del := func(id string) answer {
		return do(t, http.MethodDelete, f.sim.URL+"/v1.0/"+id, vals("access_token", f.token))
	}
	del(c).wantGraphError(t, 400, 100, 33) // a container id is not a media id
	a := del(m)
	if a.status != 200 || string(a.raw) != `{"success":true,"deleted_id":"`+m+`"}` {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	del(m).wantGraphError(t, 400, 100, 33)
	f.get(t, "/v1.0/"+m, nil).wantGraphError(t, 400, 100, 33)
	if l := f.sim.Ledger(); !l[0].Deleted || !l[0].DeletedAt.Equal(f.clock.Now()) {
		t.Errorf("ledger = %+v, want the post marked deleted", l)
	}
	if a := f.get(t, "/v1.0/me/threads", nil); string(a.raw) != `{"data":[]}` {
		t.Errorf("list after delete: %s", a.raw)
	}
	bob := f.sim.AddUser("bob")
	bobs := &fixture{sim: f.sim, user: bob, token: f.sim.IssueToken(bob.ID, appScopes...)}
	theirs := bobs.publish(t, bobs.create(t, "media_type", "TEXT", "text", "bob's"))
	del(theirs).wantGraphError(t, 400, 100, 33)
	if !strings.Contains(string(del("17000000000000000").raw), "Unsupported delete request") {
		t.Error("unknown id: want an unsupported delete request")
	}
}
