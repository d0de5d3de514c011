package threadstest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func TestPostQuotaOverMovingWindow(t *testing.T) {
	f := newFixture(t, Options{Quotas: Quotas{Posts: 5}})
	publishAt := func(i int) answer {
		id := f.create(t, "media_type", "TEXT", "text", fmt.Sprint("post ", i))
		return f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id))
	}
	// Three posts now, two more an hour later: the quota is full.
	for i := range 5 {
		if i == 3 {
			f.clock.Advance(time.Hour)
		}
		if a := publishAt(i); a.status != 200 {
			t.Fatalf("post %d: %d %s", i, a.status, a.raw)
		}
	}
	e := publishAt(5).wantGraphError(t, 400, 4, 0)
	if e["is_transient"] != true || e["message"] != "Application request limit reached" {
		t.Errorf("quota error: %v", e)
	}
	// 23h later the first three are still inside the window...
	f.clock.Advance(23*time.Hour - time.Second)
	publishAt(6).wantGraphError(t, 400, 4, 0)
	// ...and a second later they leave it, freeing three slots.
	f.clock.Advance(time.Second)
	if got := f.sim.Usage(f.user.ID, QuotaPosts); got != 2 {
		t.Errorf("usage after the first three left the window = %d, want 2", got)
	}
	for i := range 3 {
		if a := publishAt(7 + i); a.status != 200 {
			t.Fatalf("post after window moved %d: %d %s", i, a.status, a.raw)
		}
	}
	publishAt(10).wantGraphError(t, 400, 4, 0)
	if n := len(f.sim.Ledger()); n != 8 {
		t.Errorf("ledger = %d posts, want 8", n)
	}
}

func TestDefaultQuotaIs250(t *testing.T) {
	f := newFixture(t, Options{})
	f.sim.InjectUsage(f.user.ID, QuotaPosts, 249)
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "the 250th"))
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", f.create(t, "media_type", "TEXT", "text", "251st"))).wantGraphError(t, 400, 4, 0)
	// Auto-published text is held to the same quota.
	f.post(t, "/v1.0/me/threads", vals("media_type", "TEXT", "text", "auto", "auto_publish_text", "true")).wantGraphError(t, 400, 4, 0)
	// Replies have their own quota.
	root := f.sim.Ledger()[0].MediaID
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "a reply", "reply_to_id", root))
	if got := f.sim.Usage(f.user.ID, QuotaReplies); got != 1 {
		t.Errorf("reply usage = %d", got)
	}
	// Injected usage leaves the window like real usage.
	f.clock.Advance(QuotaWindow)
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "next day"))
}

func TestReplyQuotaAndRepliesCountAsPosts(t *testing.T) {
	f := newFixture(t, Options{Quotas: Quotas{Replies: 2, Posts: 3}, RepliesCountAsPosts: true})
	root := f.publish(t, f.create(t, "media_type", "TEXT", "text", "root"))
	for range 2 {
		f.publish(t, f.create(t, "media_type", "TEXT", "text", "r", "reply_to_id", root))
	}
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", f.create(t, "media_type", "TEXT", "text", "r", "reply_to_id", root))).wantGraphError(t, 400, 4, 0)
	// Root + 2 replies used the three posts.
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", f.create(t, "media_type", "TEXT", "text", "p"))).wantGraphError(t, 400, 4, 0)
}

func TestQuotaErrorIsConfigurable(t *testing.T) {
	f := newFixture(t, Options{Quotas: Quotas{Posts: 1}, QuotaError: &GraphError{HTTPStatus: 429, Code: 9, Subcode: 2207042, Message: "over"}})
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "one"))
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", f.create(t, "media_type", "TEXT", "text", "two"))).wantGraphError(t, 429, 9, 2207042)
}

func TestDeleteQuota(t *testing.T) {
	f := newFixture(t, Options{Quotas: Quotas{Deletes: 2}})
	var ids []string
	for i := range 3 {
		ids = append(ids, f.publish(t, f.create(t, "media_type", "TEXT", "text", fmt.Sprint(i))))
	}
	for _, id := range ids[:2] {
		if a := do(t, "DELETE", f.sim.URL+"/v1.0/"+id, vals("access_token", f.token)); a.status != 200 {
			t.Fatalf("delete: %d %s", a.status, a.raw)
		}
	}
	do(t, "DELETE", f.sim.URL+"/v1.0/"+ids[2], vals("access_token", f.token)).wantGraphError(t, 400, 4, 0)
	f.clock.Advance(QuotaWindow)
	if a := do(t, "DELETE", f.sim.URL+"/v1.0/"+ids[2], vals("access_token", f.token)); a.status != 200 {
		t.Fatalf("delete next day: %d %s", a.status, a.raw)
	}
}

func TestPublishingLimit(t *testing.T) {
	f := newFixture(t, Options{})
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "one"))
	f.sim.InjectUsage(f.user.ID, QuotaPosts, 10)
	f.sim.InjectUsage(f.user.ID, QuotaReplies, 3)
	f.sim.InjectUsage(f.user.ID, QuotaDeletes, 7)
	a := f.get(t, "/v1.0/me/threads_publishing_limit", nil)
	if string(a.raw) != `{"data":[{"quota_usage":11}]}` {
		t.Errorf("default fields: %s", a.raw)
	}
	full := f.sim.IssueToken(f.user.ID, ScopeBasic, ScopeContentPublish, ScopeManageReplies, ScopeDelete, ScopeLocationTagging)
	a = f.get(t, "/v1.0/me/threads_publishing_limit", vals("access_token", full, "fields",
		"quota_usage,config,reply_quota_usage,reply_config,delete_quota_usage,delete_config,location_search_quota_usage,location_search_config"))
	var got, want any
	if err := json.Unmarshal(a.raw, &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(`{"data":[{"quota_usage":11,"config":{"quota_total":250,"quota_duration":86400},
		"reply_quota_usage":3,"reply_config":{"quota_total":1000,"quota_duration":86400},
		"delete_quota_usage":7,"delete_config":{"quota_total":100,"quota_duration":86400},
		"location_search_quota_usage":0,"location_search_config":{"quota_total":500,"quota_duration":86400}}]}`), &want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("all fields:\n got %s\nwant %v", a.raw, want)
	}
	f.get(t, "/v1.0/me/threads_publishing_limit", vals("fields", "quota_usage,nope")).wantGraphError(t, 400, 100, 0)
	f.clock.Advance(QuotaWindow)
	if a := f.get(t, "/v1.0/me/threads_publishing_limit", nil); string(a.raw) != `{"data":[{"quota_usage":0}]}` {
		t.Errorf("after the window: %s", a.raw)
	}
}

func TestManualClockSetBackwardsKeepsCounting(t *testing.T) {
	f := newFixture(t, Options{})
	start := f.clock.Now()
	f.clock.Advance(time.Hour)
	f.sim.InjectUsage(f.user.ID, QuotaPosts, 2)
	f.clock.Set(start)
	f.sim.InjectUsage(f.user.ID, QuotaPosts, 1)
	// At start the later entries are in the future: only one counts.
	if got := f.sim.Usage(f.user.ID, QuotaPosts); got != 1 {
		t.Errorf("usage at start = %d, want 1", got)
	}
	f.clock.Set(start.Add(24*time.Hour + 30*time.Minute))
	if got := f.sim.Usage(f.user.ID, QuotaPosts); got != 2 {
		t.Errorf("usage later = %d, want 2", got)
	}
}
