package api

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestPostShapes: every shape field of a REST body reaches the queue; what breaks Meta's rules
// is refused with the field at fault, storing nothing.
func TestPostShapes(t *testing.T) {
	long := strings.Repeat("Words that go on. ", 70)
	tests := []struct {
		name  string
		body  map[string]any
		want  int
		field string
		check func(t *testing.T, p storage.Post)
	}{
		{"poll and reply control", map[string]any{"text": "Lunch?", "poll": []string{"Soup", "Salad"}, "replyControl": "following"}, 202,
			"", func(t *testing.T, p storage.Post) {
				if !reflect.DeepEqual(p.Shape.Poll, []string{"Soup", "Salad"}) || p.Shape.ReplyControl != "accounts_you_follow" {
					t.Errorf("shape %+v", p.Shape)
				}
			}},
		{"spoiler markup ghost topic location", map[string]any{"text": "It ends: ||she wins||", "ghost": true, "topicTag": "#TV", "locationId": "12345"}, 202,
			"", func(t *testing.T, p storage.Post) {
				if p.Text != "It ends: she wins" || !reflect.DeepEqual(p.Shape.Spoilers, []storage.Spoiler{{Offset: 9, Length: 8}}) ||
					!p.Shape.Ghost || p.TopicTag != "TV" || p.Shape.LocationID != "12345" {
					t.Errorf("post %q %+v topic %q", p.Text, p.Shape, p.TopicTag)
				}
			}},
		{"spoilers by offset", map[string]any{"text": "abc def", "spoilers": []map[string]int{{"offset": 4, "length": 3}}}, 202,
			"", func(t *testing.T, p storage.Post) {
				if !reflect.DeepEqual(p.Shape.Spoilers, []storage.Spoiler{{Offset: 4, Length: 3}}) {
					t.Errorf("shape %+v", p.Shape)
				}
			}},
		{"text attachment", map[string]any{"text": "Notes", "textAttachment": map[string]string{"text": "more", "link": "https://blog.example/a"}}, 202,
			"", func(t *testing.T, p storage.Post) {
				if ta := p.Shape.TextAttachment; ta == nil || ta.Plaintext != "more" || ta.LinkURL != "https://blog.example/a" {
					t.Errorf("shape %+v", p.Shape)
				}
			}},
		{"long", map[string]any{"text": long, "long": true}, 202,
			"", func(t *testing.T, p storage.Post) {
				if p.Shape.TextAttachment == nil || p.Thread || len(p.Text) > 500 {
					t.Errorf("stored %d characters, attachment %+v", len(p.Text), p.Shape.TextAttachment)
				}
			}},
		{"gif", map[string]any{"text": "mood", "gif": map[string]string{"gif_id": "abc", "provider": "TENOR"}}, 202,
			"", func(t *testing.T, p storage.Post) {
				if p.Shape.GIF == nil || p.Shape.GIF.ID != "abc" {
					t.Errorf("shape %+v", p.Shape)
				}
			}},
		{"poll of one", map[string]any{"text": "Q", "poll": []string{"A"}}, 400, "poll", nil},
		{"poll on an image", map[string]any{"text": "Q", "poll": []string{"A", "B"}, "mediaUrl": "https://cdn.example/a.png"}, 400, "poll", nil},
		{"bad reply control", map[string]any{"text": "Q", "replyControl": "friends"}, 400, "reply_control", nil},
		{"media spoiler on text", map[string]any{"text": "Q", "spoilerMedia": true}, 400, "spoiler_media", nil},
		{"ghost reply", map[string]any{"text": "Q", "ghost": true, "replyToId": "18032251077019748"}, 400, "ghost", nil},
		{"long without long says so", map[string]any{"text": long}, 400, "text", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			before, _ := e.db.List(context.Background(), storage.ListFilter{})
			status, m, raw := e.do("owner", "POST", "/api/threads/post", tc.body)
			if status != tc.want {
				t.Fatalf("%d %s, want %d", status, raw, tc.want)
			}
			if tc.want != 202 {
				if m["field"] != tc.field {
					t.Errorf("field %v, want %s (%s)", m["field"], tc.field, raw)
				}
				if after, _ := e.db.List(context.Background(), storage.ListFilter{}); len(after) != len(before) {
					t.Error("a refused post was stored")
				}
				return
			}
			p, err := e.db.Get(context.Background(), m["id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, p)
			if tc.name == "poll and reply control" && (m["replyControl"] != "accounts_you_follow" || m["poll"] == nil) {
				t.Errorf("the answer does not show the shape: %s", raw)
			}
		})
	}
}
