package threads

import (
	"slices"
	"strings"
	"testing"
)

// TestValidateShapes is the table of Meta's rules for polls, text attachments, spoilers, media
// spoilers, ghost posts, locations and GIFs.
func TestValidateShapes(t *testing.T) {
	ta := func(s string) *TextAttachment { return &TextAttachment{Plaintext: s} }
	photo := []Media{img("https://x.io/a.png")}
	tests := []struct {
		name   string
		post   Post
		fields []string
		says   string
	}{
		{"poll of 2", Post{Text: "Which?", Poll: []string{"A", "B"}}, nil, ""},
		{"poll of 4 at 25 chars", Post{Text: "Which?", Poll: []string{strings.Repeat("a", 25), "B", "C", "D"}}, nil, ""},
		{"poll without text", Post{Poll: []string{"A", "B"}}, nil, ""},
		{"poll of 1", Post{Text: "x", Poll: []string{"A"}}, []string{"poll"}, "2 to 4 options and this one has 1"},
		{"poll of 5", Post{Text: "x", Poll: []string{"A", "B", "C", "D", "E"}}, []string{"poll"}, "has 5"},
		{"poll option 26", Post{Text: "x", Poll: []string{strings.Repeat("a", 26), "B"}}, []string{"poll[0]"}, "1 to 25"},
		{"poll option blank", Post{Text: "x", Poll: []string{"A", " "}}, []string{"poll[1]"}, "poll option 2"},
		{"poll on an image", Post{Text: "x", Poll: []string{"A", "B"}, Media: photo}, []string{"poll"}, "only allowed on a text post"},
		{"poll with text attachment", Post{Text: "x", Poll: []string{"A", "B"}, TextAttachment: ta("long")}, []string{"poll"}, "both a poll and a text attachment"},
		{"text attachment 10000", Post{Text: "x", TextAttachment: ta(strings.Repeat("a", 10000))}, nil, ""},
		{"text attachment alone", Post{TextAttachment: ta("long text")}, nil, ""},
		{"text attachment 10001", Post{Text: "x", TextAttachment: ta(strings.Repeat("a", 10001))}, []string{"text_attachment"}, "10001 characters"},
		{"text attachment blank", Post{Text: "x", TextAttachment: ta("  ")}, []string{"text_attachment"}, "empty"},
		{"text attachment link ok", Post{Text: "x", TextAttachment: &TextAttachment{Plaintext: "y", LinkURL: "https://blog.example/a"}}, nil, ""},
		{"text attachment link bad", Post{Text: "x", TextAttachment: &TextAttachment{Plaintext: "y", LinkURL: "blog/a"}}, []string{"text_attachment.link"}, "not an absolute"},
		{"text attachment with link attachment", Post{Text: "x", LinkAttachment: "https://a.io", TextAttachment: ta("y")}, []string{"text_attachment"}, "cannot also have a link attachment"},
		{"text attachment on media", Post{Text: "x", Media: photo, TextAttachment: ta("y")}, []string{"text_attachment"}, "only allowed on a text post"},
		{"text attachment link is the sixth", Post{Text: links(5), TextAttachment: &TextAttachment{Plaintext: "y", LinkURL: "https://six.example"}}, []string{"text"}, "6 different links"},
		{"spoiler ok", Post{Text: "The end: he dies", Spoilers: []Spoiler{{9, 7}}}, nil, ""},
		{"spoiler counts characters not bytes", Post{Text: "日本語です", Spoilers: []Spoiler{{3, 2}}}, nil, ""},
		{"spoiler past the end", Post{Text: "short", Spoilers: []Spoiler{{3, 3}}}, []string{"spoilers[0]"}, "not inside the text of 5 characters"},
		{"spoiler negative", Post{Text: "short", Spoilers: []Spoiler{{-1, 2}}}, []string{"spoilers[0]"}, "offset -1"},
		{"spoiler empty", Post{Text: "short", Spoilers: []Spoiler{{1, 0}}}, []string{"spoilers[0]"}, "length 0"},
		{"10 spoilers", Post{Text: strings.Repeat("ab", 10), Spoilers: spoilers(10)}, nil, ""},
		{"11 spoilers", Post{Text: strings.Repeat("ab", 11), Spoilers: spoilers(11)}, []string{"spoilers"}, "at most 10"},
		{"media spoiler on image", Post{Media: photo, SpoilerMedia: true}, nil, ""},
		{"media spoiler on carousel", Post{Media: images(3), SpoilerMedia: true}, nil, ""},
		{"media spoiler on text", Post{Text: "x", SpoilerMedia: true}, []string{"spoiler_media"}, "only images, videos and carousels"},
		{"ghost text", Post{Text: "gone tomorrow", Ghost: true, Spoilers: []Spoiler{{0, 4}}}, nil, ""},
		{"ghost image", Post{Media: photo, Ghost: true}, []string{"ghost"}, "only allowed on a text post"},
		{"ghost reply", Post{Text: "x", Ghost: true, ReplyToID: "1789"}, []string{"ghost"}, "cannot be a reply"},
		{"reply control everyone", Post{Text: "x", ReplyControl: ReplyEveryone}, nil, ""},
		{"reply control parent author", Post{Text: "x", ReplyControl: ReplyParentPostAuthorOnly}, nil, ""},
		{"location ok", Post{Text: "x", LocationID: "108212625870265"}, nil, ""},
		{"location not an id", Post{Text: "x", LocationID: "Menlo Park"}, []string{"location_id"}, "not a Threads media id"},
		{"gif ok", Post{Text: "x", GIF: &GIF{ID: "abc", Provider: GIFProviderTenor}}, nil, ""},
		{"gif provider", Post{Text: "x", GIF: &GIF{ID: "abc", Provider: "imgur"}}, []string{"gif"}, "TENOR or GIPHY"},
		{"gif on image", Post{Media: photo, GIF: &GIF{ID: "abc", Provider: GIFProviderGiphy}}, []string{"gif"}, "only allowed on a text post"},
		{"gif with poll", Post{Text: "x", Poll: []string{"A", "B"}, GIF: &GIF{ID: "abc", Provider: GIFProviderGiphy}}, []string{"poll"}, "both a poll and a GIF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.post)
			got := validationFields(err)
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("Validate() fields = %q, want %q (err: %v)", got, tt.fields, err)
			}
			if tt.says != "" && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Validate() = %q, want it to say %q", err.Error(), tt.says)
			}
		})
	}
}

func spoilers(n int) []Spoiler {
	out := make([]Spoiler, n)
	for i := range out {
		out[i] = Spoiler{Offset: 2 * i, Length: 1}
	}
	return out
}
