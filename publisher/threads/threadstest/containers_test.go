package threadstest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCreateValidation(t *testing.T) {
	f := newFixture(t, Options{})
	post := f.create(t, "media_type", "TEXT", "text", "root")
	rootID := f.publish(t, post)
	sixLinks := "a https://1.example b https://2.example c https://3.example d https://4.example e https://5.example f https://6.example"
	fiveLinksTwice := "https://1.example https://2.example https://3.example https://4.example https://5.example https://1.example"
	tests := []struct {
		name    string
		params  []string
		message string // substring of the error message; "" means accepted
	}{
		{"plain text", []string{"media_type", "TEXT", "text", "hello"}, ""},
		{"no media_type", []string{"text", "hello"}, "media_type is required"},
		{"lower-case media_type", []string{"media_type", "text", "text", "hello"}, "must be one of"},
		{"text missing", []string{"media_type", "TEXT"}, "text is required"},
		{"500 characters", []string{"media_type", "TEXT", "text", strings.Repeat("a", 500)}, ""},
		{"501 characters", []string{"media_type", "TEXT", "text", strings.Repeat("a", 501)}, "at most 500"},
		{"emoji count their bytes", []string{"media_type", "TEXT", "text", strings.Repeat("a", 497) + "👍"}, "at most 500"},
		{"CJK counts one each", []string{"media_type", "TEXT", "text", strings.Repeat("字", 500)}, ""},
		{"six links", []string{"media_type", "TEXT", "text", sixLinks}, "THREADS_API__LINK_LIMIT_EXCEEDED"},
		{"five unique links", []string{"media_type", "TEXT", "text", fiveLinksTwice}, ""},
		{"five links plus an attachment", []string{"media_type", "TEXT", "text", fiveLinksTwice, "link_attachment", "https://6.example"}, "THREADS_API__LINK_LIMIT_EXCEEDED"},
		{"link attachment on image", []string{"media_type", "IMAGE", "image_url", "https://x.example/a.jpg", "link_attachment", "https://x.example"}, "only supported with media_type TEXT"},
		{"image_url on text", []string{"media_type", "TEXT", "text", "x", "image_url", "https://x.example/a.jpg"}, "image_url is only supported"},
		{"video_url on image", []string{"media_type", "IMAGE", "image_url", "https://x.example/a.jpg", "video_url", "https://x.example/a.mp4"}, "video_url is only supported"},
		{"image without url", []string{"media_type", "IMAGE"}, "image_url is required"},
		{"video without url", []string{"media_type", "VIDEO"}, "video_url is required"},
		{"relative image url", []string{"media_type", "IMAGE", "image_url", "/a.jpg"}, "valid public http(s) URL"},
		{"children on text", []string{"media_type", "TEXT", "text", "x", "children", "1,2"}, "children is only supported"},
		{"carousel without children", []string{"media_type", "CAROUSEL"}, "children is required"},
		{"alt text on text", []string{"media_type", "TEXT", "text", "x", "alt_text", "a"}, "alt_text is only supported"},
		{"auto publish on image", []string{"media_type", "IMAGE", "image_url", "https://x.example/a.jpg", "auto_publish_text", "true"}, "auto_publish_text is only supported"},
		{"carousel item text", []string{"media_type", "TEXT", "text", "x", "is_carousel_item", "true"}, "is_carousel_item is only supported"},
		{"bad boolean", []string{"media_type", "TEXT", "text", "x", "auto_publish_text", "yes"}, "must be a boolean"},
		{"topic tag ok", []string{"media_type", "TEXT", "text", "x", "topic_tag", "Go"}, ""},
		{"topic tag with dot", []string{"media_type", "TEXT", "text", "x", "topic_tag", "go.dev"}, "topic_tag"},
		{"topic tag with ampersand", []string{"media_type", "TEXT", "text", "x", "topic_tag", "a&b"}, "topic_tag"},
		{"topic tag 51 chars", []string{"media_type", "TEXT", "text", "x", "topic_tag", strings.Repeat("t", 51)}, "topic_tag"},
		{"reply control", []string{"media_type", "TEXT", "text", "x", "reply_control", "mentioned_only"}, ""},
		{"bad reply control", []string{"media_type", "TEXT", "text", "x", "reply_control", "nobody"}, "reply_control"},
		{"poll", []string{"media_type", "TEXT", "text", "x", "poll_attachment", `{"option_a":"yes","option_b":"no"}`}, ""},
		{"poll one option", []string{"media_type", "TEXT", "text", "x", "poll_attachment", `{"option_a":"yes"}`}, "2 to 4 options"},
		{"poll long option", []string{"media_type", "TEXT", "text", "x", "poll_attachment", `{"option_a":"yes","option_b":"` + strings.Repeat("n", 26) + `"}`}, "Poll option"},
		{"reply to a post", []string{"media_type", "TEXT", "text", "x", "reply_to_id", rootID}, ""},
		{"reply to nothing", []string{"media_type", "TEXT", "text", "x", "reply_to_id", "18000000000000001"}, "reply_to_id"},
		{"quote a post", []string{"media_type", "TEXT", "text", "x", "quote_post_id", rootID}, ""},
		{"quote nothing", []string{"media_type", "TEXT", "text", "x", "quote_post_id", "1"}, "quote_post_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := f.post(t, "/v1.0/me/threads", vals(tc.params...))
			if tc.message == "" {
				if a.status != 200 {
					t.Fatalf("want accepted, got %d %s", a.status, a.raw)
				}
				return
			}
			e := a.wantGraphError(t, 400, 100, 0)
			if !strings.Contains(e["message"].(string), tc.message) {
				t.Errorf("message %q does not mention %q", e["message"], tc.message)
			}
		})
	}
}

func TestAltTextLimit(t *testing.T) {
	img := serveMedia(t, "image/png", pngBytes(100))
	f := newFixture(t, Options{})
	f.create(t, "media_type", "IMAGE", "image_url", img.URL+"/a.png", "alt_text", strings.Repeat("é", 1000))
	a := f.post(t, "/v1.0/me/threads", vals("media_type", "IMAGE", "image_url", img.URL+"/a.png", "alt_text", strings.Repeat("é", 1001)))
	a.wantGraphError(t, 400, 100, 0)
}

func TestContainerStateMachineWithDelay(t *testing.T) {
	f := newFixture(t, Options{ProcessingDelays: Delays{Text: 10 * time.Second}})
	id := f.create(t, "media_type", "TEXT", "text", "hello")
	if got := f.status(t, id); got != StatusInProgress {
		t.Fatalf("status = %s, want IN_PROGRESS", got)
	}
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id)).wantGraphError(t, 400, 24, 4279009)
	f.clock.Advance(10 * time.Second)
	if got := f.status(t, id); got != StatusFinished {
		t.Fatalf("status = %s, want FINISHED", got)
	}
	mediaID := f.publish(t, id)
	if mediaID == id || len(mediaID) < 17 {
		t.Errorf("media id %q: want a new 17+ digit id distinct from container %q", mediaID, id)
	}
	if got := f.status(t, id); got != StatusPublished {
		t.Errorf("status after publish = %s", got)
	}
	// Publishing twice is refused and publishes nothing.
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id)).wantGraphError(t, 400, 100, 0)
	if n := len(f.sim.Ledger()); n != 1 {
		t.Errorf("ledger has %d entries, want 1", n)
	}
	// status on the media id is not a field.
	a := f.get(t, "/v1.0/"+mediaID, vals("fields", "id,status"))
	if e := a.wantGraphError(t, 400, 100, 0); e["message"] != "Tried accessing nonexisting field (status)" {
		t.Errorf("got %s", a.raw)
	}
}

func TestDoublePublishErrorIsConfigurable(t *testing.T) {
	f := newFixture(t, Options{DoublePublishError: &GraphError{Code: 24, Subcode: 4279009, Message: "gone"}})
	id := f.create(t, "media_type", "TEXT", "text", "x")
	f.publish(t, id)
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id)).wantGraphError(t, 400, 24, 4279009)
}

func TestContainerError(t *testing.T) {
	f := newFixture(t, Options{ProcessingDelays: Delays{Text: time.Second},
		ContainerError: func(_ string, p Post) string {
			if strings.Contains(p.Text, "fail") {
				return "FAILED_PROCESSING_VIDEO"
			}
			return ""
		}})
	id := f.create(t, "media_type", "TEXT", "text", "please fail")
	if got := f.status(t, id); got != StatusInProgress {
		t.Errorf("before the delay: %s", got)
	}
	f.clock.Advance(time.Second)
	a := f.get(t, "/v1.0/"+id, vals("fields", "id,status,error_message"))
	if a.body["status"] != StatusError || a.body["error_message"] != "FAILED_PROCESSING_VIDEO" {
		t.Errorf("got %s, want ERROR with FAILED_PROCESSING_VIDEO", a.raw)
	}
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id)).wantGraphError(t, 400, 24, 4279009)
	ok := f.create(t, "media_type", "TEXT", "text", "fine")
	f.clock.Advance(time.Second)
	if a := f.get(t, "/v1.0/"+ok, vals("fields", "status,error_message")); a.body["status"] != StatusFinished || a.body["error_message"] != nil {
		t.Errorf("got %s, want FINISHED without error_message", a.raw)
	}
	f.sim.SetContainerError(func(string, Post) string { return "UNKNOWN" })
	other := f.create(t, "media_type", "TEXT", "text", "any")
	f.clock.Advance(time.Second)
	if info, _ := f.sim.Container(other); info.Status != StatusError || info.ErrorMessage != "UNKNOWN" {
		t.Errorf("after SetContainerError: %+v", info)
	}
}

func TestContainerExpiresAfter24Hours(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.create(t, "media_type", "TEXT", "text", "late")
	f.clock.Advance(24*time.Hour - time.Second)
	if got := f.status(t, id); got != StatusFinished {
		t.Fatalf("just before 24h: %s", got)
	}
	f.clock.Advance(time.Second)
	if got := f.status(t, id); got != StatusExpired {
		t.Fatalf("at 24h: %s", got)
	}
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id)).wantGraphError(t, 400, 24, 4279009)
}

func TestPublishNotReadyWindow(t *testing.T) {
	f := newFixture(t, Options{PublishNotReadyWindow: 7 * time.Second})
	id := f.create(t, "media_type", "TEXT", "text", "too soon")
	if got := f.status(t, id); got != StatusFinished {
		t.Fatalf("status = %s; the window hides behind FINISHED", got)
	}
	e := f.post(t, "/v1.0/me/threads_publish", vals("creation_id", id)).wantGraphError(t, 400, 24, 4279009)
	if e["is_transient"] != false || e["error_user_title"] != "Media Not Found" || e["type"] != "OAuthException" {
		t.Errorf("too-soon body: %v", e)
	}
	f.clock.Advance(7 * time.Second)
	f.publish(t, id)
	f.sim.SetPublishNotReadyWindow(0)
	f.publish(t, f.create(t, "media_type", "TEXT", "text", "now fine"))
}

func TestAutoPublishText(t *testing.T) {
	f := newFixture(t, Options{PublishNotReadyWindow: time.Minute})
	a := f.post(t, "/v1.0/me/threads", vals("media_type", "TEXT", "text", "auto", "auto_publish_text", "true"))
	mediaID := a.str(t, "id")
	l := f.sim.Ledger()
	if len(l) != 1 || l[0].MediaID != mediaID || !l[0].AutoPublished || l[0].Text != "auto" {
		t.Fatalf("ledger = %+v, want the auto-published post %s", l, mediaID)
	}
	if m := f.get(t, "/v1.0/"+mediaID, vals("fields", "id,media_type,permalink")); m.body["media_type"] != "TEXT_POST" {
		t.Errorf("media: %s", m.raw)
	}
}

func TestUnknownAndForeignIDs(t *testing.T) {
	f := newFixture(t, Options{})
	f.get(t, "/v1.0/17999999999999999", nil).wantGraphError(t, 400, 100, 33)
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", "17999999999999999")).wantGraphError(t, 400, 24, 4279009)
	f.post(t, "/v1.0/me/threads_publish", nil).wantGraphError(t, 400, 100, 0)
	bob := f.sim.AddUser("bob")
	bobs := &fixture{sim: f.sim, clock: f.clock, user: bob, token: f.sim.IssueToken(bob.ID, appScopes...)}
	c := bobs.create(t, "media_type", "TEXT", "text", "bob's")
	f.get(t, "/v1.0/"+c, vals("fields", "status")).wantGraphError(t, 400, 100, 33)
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", c)).wantGraphError(t, 400, 24, 4279009)
	// Replying to someone else's thread needs keyword search or mentions.
	bobPost := bobs.publish(t, c)
	f.post(t, "/v1.0/me/threads", vals("media_type", "TEXT", "text", "hi bob", "reply_to_id", bobPost)).wantGraphError(t, 400, 10, 0)
	mentions := f.sim.IssueToken(f.user.ID, ScopeBasic, ScopeContentPublish, ScopeManageReplies, ScopeManageMentions)
	if a := f.post(t, "/v1.0/me/threads", vals("media_type", "TEXT", "text", "hi bob", "reply_to_id", bobPost, "access_token", mentions)); a.status != 200 {
		t.Errorf("reply with threads_manage_mentions: %d %s", a.status, a.raw)
	}
}

func TestCarouselRules(t *testing.T) {
	img := serveMedia(t, "image/jpeg", jpegBytes(200))
	vid := serveMedia(t, "video/mp4", mp4Bytes(300))
	f := newFixture(t, Options{ProcessingDelays: Delays{Video: 30 * time.Second}})
	item := func(kind string) string {
		if kind == "VIDEO" {
			return f.create(t, "media_type", "VIDEO", "video_url", vid.URL+"/v.mp4", "is_carousel_item", "true")
		}
		return f.create(t, "media_type", "IMAGE", "image_url", img.URL+"/i.jpg", "is_carousel_item", "true", "alt_text", "a cat")
	}
	a, b, v := item("IMAGE"), item("IMAGE"), item("VIDEO")
	notItem := f.create(t, "media_type", "IMAGE", "image_url", img.URL+"/i.jpg")
	carousel := func(children ...string) answer {
		return f.post(t, "/v1.0/me/threads", vals("media_type", "CAROUSEL", "children", strings.Join(children, ","), "text", "album"))
	}
	var twentyOne []string
	for range 21 {
		twentyOne = append(twentyOne, a)
	}
	for name, tc := range map[string]struct {
		children []string
		message  string
	}{
		"one child":              {[]string{a}, "between 2 and 20"},
		"same child twice":       {[]string{a, a}, "twice"},
		"twenty-one children":    {twentyOne, "between 2 and 20"},
		"not an item":            {[]string{a, notItem}, "is_carousel_item"},
		"unknown child":          {[]string{a, "17000000000000001"}, "not a media container"},
		"video still processing": {[]string{a, v}, "not ready"},
	} {
		t.Run(name, func(t *testing.T) {
			e := carousel(tc.children...).wantGraphError(t, 400, 100, 0)
			if !strings.Contains(e["message"].(string), tc.message) {
				t.Errorf("message %q, want %q", e["message"], tc.message)
			}
		})
	}
	f.clock.Advance(30 * time.Second)
	c := carousel(a, " "+b, v).str(t, "id")
	carousel(a, b).wantGraphError(t, 400, 100, 0) // items are used up
	f.post(t, "/v1.0/me/threads_publish", vals("creation_id", a)).wantGraphError(t, 400, 100, 0)
	mediaID := f.publish(t, c)
	l := f.sim.Ledger()
	if len(l) != 1 || l[0].MediaType != "CAROUSEL" || len(l[0].Media) != 3 ||
		l[0].Media[0] != (MediaItem{"IMAGE", img.URL + "/i.jpg", "a cat"}) || l[0].Media[2].Kind != "VIDEO" {
		t.Fatalf("ledger = %+v", l)
	}
	m := f.get(t, "/v1.0/"+mediaID, vals("fields", "media_type,children{id,media_type}"))
	kids, _ := m.body["children"].(map[string]any)["data"].([]any)
	if m.body["media_type"] != "CAROUSEL_ALBUM" || len(kids) != 3 || kids[2].(map[string]any)["media_type"] != "VIDEO" {
		t.Errorf("carousel media: %s", m.raw)
	}
	if f.sim.Usage(f.user.ID, QuotaPosts) != 1 {
		t.Errorf("a carousel counts as one post, usage = %d", f.sim.Usage(f.user.ID, QuotaPosts))
	}
}

func TestMediaObjectFields(t *testing.T) {
	f := newFixture(t, Options{})
	root := f.publish(t, f.create(t, "media_type", "TEXT", "text", "root https://go.dev", "topic_tag", "Go"))
	reply := f.publish(t, f.create(t, "media_type", "TEXT", "text", "a reply", "reply_to_id", root))
	quote := f.publish(t, f.create(t, "media_type", "TEXT", "text", "a quote", "quote_post_id", root))
	a := f.get(t, "/v1.0/"+root, vals("fields", "id,media_product_type,media_type,permalink,owner,username,text,timestamp,shortcode,is_quote_post,topic_tag,has_replies"))
	want := map[string]any{
		"id": root, "media_product_type": "THREADS", "media_type": "TEXT_POST", "username": "alice",
		"text": "root https://go.dev", "timestamp": f.clock.Now().UTC().Format(TimestampLayout),
		"is_quote_post": false, "topic_tag": "Go", "has_replies": true,
	}
	for k, v := range want {
		if a.body[k] != v {
			t.Errorf("%s = %v, want %v", k, a.body[k], v)
		}
	}
	if !strings.HasSuffix(a.body["timestamp"].(string), "+0000") {
		t.Errorf("timestamp %v lacks +0000", a.body["timestamp"])
	}
	sc := a.str(t, "shortcode")
	if a.body["permalink"] != "https://www.threads.net/@alice/post/"+sc {
		t.Errorf("permalink = %v", a.body["permalink"])
	}
	if owner, _ := a.body["owner"].(map[string]any); owner["id"] != f.user.ID {
		t.Errorf("owner = %v", a.body["owner"])
	}
	r := f.get(t, "/v1.0/"+reply, vals("fields", "is_reply,replied_to,root_post"))
	if r.body["is_reply"] != true || r.body["root_post"].(map[string]any)["id"] != root {
		t.Errorf("reply: %s", r.raw)
	}
	q := f.get(t, "/v1.0/"+quote, vals("fields", "is_quote_post,quoted_post"))
	if q.body["is_quote_post"] != true || q.body["quoted_post"].(map[string]any)["id"] != root {
		t.Errorf("quote: %s", q.raw)
	}
	f.get(t, "/v1.0/"+root, vals("fields", "id,bogus")).wantGraphError(t, 400, 100, 0)
	if d := f.get(t, "/v1.0/"+root, nil); len(d.body) != 1 || d.body["id"] != root {
		t.Errorf("default fields: %s", d.raw)
	}
}

func TestIDsAreNumeric(t *testing.T) {
	f := newFixture(t, Options{})
	seen := map[string]bool{}
	for i := range 50 {
		c := f.create(t, "media_type", "TEXT", "text", fmt.Sprint(i))
		m := f.publish(t, c)
		for _, id := range []string{c, m, f.user.ID} {
			if len(id) < 17 || len(id) > 18 || strings.Trim(id, "0123456789") != "" {
				t.Fatalf("id %q is not a 17-18 digit numeric string", id)
			}
		}
		if seen[c] || seen[m] {
			t.Fatalf("duplicate id %s/%s", c, m)
		}
		seen[c], seen[m] = true, true
	}
	_ = http.StatusOK
}
