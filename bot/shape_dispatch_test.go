package bot_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestPostShapesInChat: the shape options of post reach the queue, the answer names them,
// preview shows them, and Meta's rules refuse in plain words, storing nothing.
func TestPostShapesInChat(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	r := w.say(alice, "C1", `post --poll "Soup | Salad" --replies following --topic Lunch Lunch? ||soup wins||`)
	if r.Refused || r.Queued == "" {
		t.Fatalf("post: %+v", r)
	}
	p, err := w.db.Get(ctx, r.Queued)
	if err != nil {
		t.Fatal(err)
	}
	want := storage.Shape{Poll: []string{"Soup", "Salad"}, ReplyControl: "accounts_you_follow", Spoilers: []storage.Spoiler{{Offset: 7, Length: 9}}}
	if p.Text != "Lunch? soup wins" || !reflect.DeepEqual(p.Shape, want) || p.TopicTag != "Lunch" {
		t.Errorf("stored %q %+v topic %q", p.Text, p.Shape, p.TopicTag)
	}
	for _, s := range []string{"a poll: Soup / Salad", "1 spoiler", "replies: following", "topic #Lunch"} {
		if !strings.Contains(r.Text, s) {
			t.Errorf("answer %q lacks %q", r.Text, s)
		}
	}

	pv := w.say(alice, "C1", `preview --poll "A | B" --ghost Which? ||x||`)
	if pv.Preview == nil || !strings.Contains(pv.Text, "a poll: A / B") || !strings.Contains(pv.Text, "ghost") || !strings.Contains(pv.Text, "1 spoiler") {
		t.Errorf("preview: %q", pv.Text)
	}
	bad := w.say(alice, "C1", `preview --ghost `+strings.Repeat("long words ", 60))
	if !strings.Contains(bad.Text, "⚠️ A ghost post cannot be a thread") || strings.Contains(bad.Text, "Looks good") {
		t.Errorf("preview of a long ghost post: %q", bad.Text)
	}

	before, _ := w.db.List(ctx, storage.ListFilter{})
	for _, in := range []string{
		"post --ghost " + strings.Repeat("A long ghost. ", 50),
		`post --poll "A | ` + strings.Repeat("o", 26) + `" Q`,
	} {
		if r := w.say(alice, "C1", in); !r.Refused || r.Queued != "" {
			t.Errorf("%q: %+v, want a refusal", in[:30], r)
		}
	}
	if after, _ := w.db.List(ctx, storage.ListFilter{}); len(after) != len(before) {
		t.Error("a refused post was stored")
	}
}

// TestLongTextChoiceInChat: longtext attach makes a long text one post with an attachment;
// --thread on one post overrides it; only the owner may change it.
func TestLongTextChoiceInChat(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	long := strings.Repeat("This sentence belongs to a long essay. ", 80) // ~3,100 characters
	if r := w.say(bob, "C1", "longtext attach --account @acme"); !r.Refused {
		t.Errorf("a granted user changed the owner's choice: %q", r.Text)
	}
	if r := w.say(alice, "C1", "longtext attach"); r.Refused || !strings.Contains(r.Text, "one post") {
		t.Fatalf("longtext attach: %+v", r)
	}
	if r := w.say(alice, "C1", "longtext"); !strings.Contains(r.Text, "attached") {
		t.Errorf("longtext shows %q", r.Text)
	}
	r := w.say(alice, "C1", "post "+long)
	p, err := w.db.Get(ctx, r.Queued)
	if err != nil {
		t.Fatalf("%+v: %v", r, err)
	}
	if p.Shape.TextAttachment == nil || p.Thread || !strings.Contains(r.Text, "text attachment") {
		t.Errorf("with attach: thread %v attachment %v; answer %q", p.Thread, p.Shape.TextAttachment != nil, r.Text)
	}
	r = w.say(alice, "C1", "post --thread "+long)
	p, err = w.db.Get(ctx, r.Queued)
	if err != nil {
		t.Fatalf("%+v: %v", r, err)
	}
	if p.Shape.TextAttachment != nil || !p.Thread || !strings.Contains(r.Text, "thread of") {
		t.Errorf("--thread: thread %v attachment %v; answer %q", p.Thread, p.Shape.TextAttachment != nil, r.Text)
	}
}
