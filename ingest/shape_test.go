package ingest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// TestValidateShapesAtTheDoor: Meta's rules for every shape, as any door's request meets them,
// each refusal naming its field in plain words.
func TestValidateShapesAtTheDoor(t *testing.T) {
	s := NewService(Options{Queue: nopQueue{}})
	base := Request{Origin: Origin{Door: DoorAPI}, AccountID: 1}
	img := []Media{{Kind: MediaImage, URL: "https://cdn.example/a.png"}}
	long := strings.Repeat("Words and more words. ", 100) // 2,200 characters
	tests := []struct {
		name   string
		edit   func(r *Request)
		fields []string
		says   string
	}{
		{"poll", func(r *Request) { r.Text, r.Poll = "Q?", []string{"A", "B", "C"} }, nil, ""},
		{"poll of one", func(r *Request) { r.Text, r.Poll = "Q?", []string{"A"} }, []string{"poll"}, "2 to 4 options"},
		{"poll option too long", func(r *Request) { r.Text, r.Poll = "Q?", []string{strings.Repeat("o", 26), "B"} }, []string{"poll[0]"}, "1 to 25"},
		{"poll on media", func(r *Request) { r.Text, r.Poll, r.Media = "Q?", []string{"A", "B"}, img }, []string{"poll"}, "only allowed on a text post"},
		{"long text attaches", func(r *Request) { r.Text, r.Long = long, true }, nil, ""},
		{"long text with poll", func(r *Request) { r.Text, r.Long, r.Poll = long, true, []string{"A", "B"} }, []string{"poll"}, "both a poll and a text attachment"},
		{"long text over 10,500", func(r *Request) { r.Text, r.Long = strings.Repeat("a ", 6000), true }, []string{"text_attachment"}, "at most 10000"},
		{"text attachment and link attachment", func(r *Request) {
			r.Text, r.LinkAttachment, r.TextAttachment = "x", "https://a.example", &threads.TextAttachment{Plaintext: "y"}
		}, []string{"text_attachment"}, "cannot also have a link attachment"},
		{"long moves the link attachment", func(r *Request) { r.Text, r.Long, r.LinkAttachment = long, true, "https://a.example" }, nil, ""},
		{"spoilers", func(r *Request) { r.Text, r.Spoilers = "abc def", []threads.Spoiler{{Offset: 4, Length: 3}} }, nil, ""},
		{"eleven spoilers", func(r *Request) {
			r.Text = strings.Repeat("ab", 11)
			for i := range 11 {
				r.Spoilers = append(r.Spoilers, threads.Spoiler{Offset: 2 * i, Length: 1})
			}
		}, []string{"spoilers"}, "at most 10"},
		{"spoiler outside", func(r *Request) { r.Text, r.Spoilers = "abc", []threads.Spoiler{{Offset: 2, Length: 5}} }, []string{"spoilers[0]"}, "not inside the text"},
		{"chain spoiler in a later part", func(r *Request) {
			r.Text, r.Thread, r.Spoilers = long, true, []threads.Spoiler{{Offset: 2000, Length: 5}}
		}, nil, ""},
		{"chain spoiler outside", func(r *Request) {
			r.Text, r.Thread, r.Spoilers = long, true, []threads.Spoiler{{Offset: 2199, Length: 5}}
		}, []string{"spoilers[0]"}, "not inside"},
		{"media spoiler on image", func(r *Request) { r.Media, r.SpoilerMedia = img, true }, nil, ""},
		{"media spoiler on text", func(r *Request) { r.Text, r.SpoilerMedia = "x", true }, []string{"spoiler_media"}, "only images, videos and carousels"},
		{"ghost", func(r *Request) { r.Text, r.Ghost = "x", true }, nil, ""},
		{"ghost on media", func(r *Request) { r.Media, r.Ghost = img, true }, []string{"ghost"}, "text post"},
		{"ghost reply", func(r *Request) { r.Text, r.Ghost, r.ReplyToID = "x", true, "1789" }, []string{"ghost"}, "cannot be a reply"},
		{"ghost chain", func(r *Request) { r.Text, r.Ghost, r.Thread = long, true, true }, []string{"ghost"}, "cannot be a thread"},
		{"reply control", func(r *Request) { r.Text, r.ReplyControl = "x", threads.ReplyFollowersOnly }, nil, ""},
		{"reply control unknown", func(r *Request) { r.Text, r.ReplyControl = "x", "friends" }, []string{"reply_control"}, "use one of"},
		{"topic tag", func(r *Request) { r.Text, r.TopicTag = "x", "#Go" }, nil, ""},
		{"topic tag with period", func(r *Request) { r.Text, r.TopicTag = "x", "go.dev" }, []string{"topic_tag"}, "period"},
		{"location", func(r *Request) { r.Text, r.LocationID = "x", "1234567" }, nil, ""},
		{"location by name", func(r *Request) { r.Text, r.LocationID = "x", "Paris" }, []string{"location_id"}, "location id"},
		{"gif", func(r *Request) { r.Text, r.GIF = "x", &threads.GIF{ID: "g", Provider: threads.GIFProviderTenor} }, nil, ""},
		{"gif on media", func(r *Request) { r.Media, r.GIF = img, &threads.GIF{ID: "g", Provider: threads.GIFProviderTenor} }, []string{"gif"}, "text post"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.edit(&r)
			err := s.Validate(r)
			var got []string
			for _, p := range Problems(err) {
				got = append(got, p.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields %q, want %q (%v)", got, tt.fields, err)
			}
			if tt.says != "" && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", err, tt.says)
			}
		})
	}
}

// TestDigestCoversShape: the same idempotency key with another poll is another request.
func TestDigestCoversShape(t *testing.T) {
	a := Request{Text: "Q?", Poll: []string{"A", "B"}}
	b := Request{Text: "Q?", Poll: []string{"A", "C"}}
	plain := Request{Text: "Q?"}
	if RequestDigest(a) == RequestDigest(b) || RequestDigest(a) == RequestDigest(plain) {
		t.Error("requests that differ only in their poll share a digest")
	}
	if RequestDigest(a) != RequestDigest(Request{Text: "Q?", Poll: []string{"A", "B"}}) {
		t.Error("the same request has two digests")
	}
}

// nopQueue stores nothing: Validate never reaches it.
type nopQueue struct{}

func (nopQueue) Enqueue(context.Context, storage.NewPost) (storage.Post, bool, error) {
	return storage.Post{}, false, nil
}

// TestLongTextSpoilerInTheAttachment: a spoiler in the part of a long text that goes out
// attached is refused with what to do; one in the post's own text is kept.
func TestLongTextSpoilerInTheAttachment(t *testing.T) {
	s := NewService(Options{Queue: nopQueue{}})
	long := strings.Repeat("Words and more words. ", 100)
	r := Request{Origin: Origin{Door: DoorAPI}, AccountID: 1, Text: long, Long: true,
		Spoilers: []threads.Spoiler{{Offset: 0, Length: 5}, {Offset: 2000, Length: 5}}}
	err := s.Validate(r)
	ps := Problems(err)
	if len(ps) != 1 || ps[0].Field != "spoilers[1]" || !strings.Contains(ps[0].Reason, "send the text as a thread") {
		t.Fatalf("problems %+v (%v)", ps, err)
	}
	r.Spoilers = r.Spoilers[:1]
	if err := s.Validate(r); err != nil {
		t.Errorf("a spoiler in the lead: %v", err)
	}
}
