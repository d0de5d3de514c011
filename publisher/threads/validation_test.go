package threads

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func img(url string) Media { return Media{Kind: KindImage, URL: url} }

func images(n int) []Media {
	m := make([]Media, n)
	for i := range m {
		m[i] = img(fmt.Sprintf("https://cdn.example.com/%d.jpg", i))
	}
	return m
}

func links(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "https://example.com/%d ", i)
	}
	return b.String()
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		post   Post
		fields []string // fields of the expected errors, in order; nil = valid
		says   string   // a phrase the message must contain
	}{
		{"plain text", Post{Text: "hello"}, nil, ""},
		{"500 chars exactly", Post{Text: strings.Repeat("a", 500)}, nil, ""},
		{"125 emoji exactly", Post{Text: strings.Repeat("👍", 125)}, nil, ""},
		{"501 chars", Post{Text: strings.Repeat("a", 501)}, []string{"text"}, "text is 501 characters as Threads counts them"},
		{"126 emoji", Post{Text: strings.Repeat("👍", 126)}, []string{"text"}, "text is 504 characters"},
		{"over limit says what to do", Post{Text: strings.Repeat("b", 612)}, []string{"text"}, "the limit is 500 — shorten it or post it as a thread"},
		{"500 CJK fine", Post{Text: strings.Repeat("語", 500)}, nil, ""},
		{"empty text post", Post{}, []string{"text"}, "needs text"},
		{"blank text post", Post{Text: " \n\t"}, []string{"text"}, "needs text"},
		{"image without text", Post{Media: []Media{img("https://x.io/a.png")}}, nil, ""},
		{"5 links ok", Post{Text: links(5)}, nil, ""},
		{"6 links", Post{Text: links(6)}, []string{"text"}, "6 different links"},
		{"duplicate links count once", Post{Text: links(5) + links(5)}, nil, ""},
		{"attachment equal to a text link counts once", Post{Text: links(5), LinkAttachment: "https://example.com/0"}, nil, ""},
		{"attachment makes six", Post{Text: links(5), LinkAttachment: "https://other.example/x"}, []string{"text"}, "at most 5"},
		{"link attachment ok", Post{Text: "read", LinkAttachment: "https://example.com/a"}, nil, ""},
		{"link attachment not a URL", Post{Text: "read", LinkAttachment: "example.com/a"}, []string{"link_attachment"}, "not an absolute http or https URL"},
		{"link attachment on media", Post{Text: "x", LinkAttachment: "https://a.io", Media: []Media{img("https://x.io/a.png")}}, []string{"link_attachment"}, "only allowed on a text post"},
		{"topic tag ok", Post{Text: "x", TopicTag: "Go Programming"}, nil, ""},
		{"topic tag 50", Post{Text: "x", TopicTag: strings.Repeat("t", 50)}, nil, ""},
		{"topic tag 51", Post{Text: "x", TopicTag: strings.Repeat("t", 51)}, []string{"topic_tag"}, "51 characters"},
		{"topic tag with period", Post{Text: "x", TopicTag: "go.dev"}, []string{"topic_tag"}, "period or an ampersand"},
		{"topic tag with ampersand", Post{Text: "x", TopicTag: "R&D"}, []string{"topic_tag"}, "period or an ampersand"},
		{"topic tag blank", Post{Text: "x", TopicTag: "   "}, []string{"topic_tag"}, "blank"},
		{"reply control ok", Post{Text: "x", ReplyControl: ReplyFollowersOnly}, nil, ""},
		{"reply control unknown", Post{Text: "x", ReplyControl: "friends"}, []string{"reply_control"}, "use one of everyone, accounts_you_follow"},
		{"reply to id ok", Post{Text: "x", ReplyToID: "17889615691921648"}, nil, ""},
		{"reply to permalink", Post{Text: "x", ReplyToID: "https://www.threads.net/@u/post/abc"}, []string{"reply_to_id"}, "not a Threads media id"},
		{"quote username", Post{Text: "x", QuoteID: "zuck"}, []string{"quote_post_id"}, "not a Threads media id"},
		{"carousel 2", Post{Media: images(2)}, nil, ""},
		{"carousel 20", Post{Media: images(20)}, nil, ""},
		{"carousel 21", Post{Media: images(21)}, []string{"media"}, "2 to 20"},
		{"media relative URL", Post{Media: []Media{img("/a.png")}}, []string{"media[0].url"}, "not an absolute http or https URL"},
		{"media ftp URL", Post{Media: []Media{img("ftp://x.io/a.png")}}, []string{"media[0].url"}, "media item 1"},
		{"media kind", Post{Media: []Media{{Kind: "gif", URL: "https://x.io/a.gif"}}}, []string{"media[0].kind"}, `must be "image" or "video"`},
		{"video ok", Post{Media: []Media{{Kind: KindVideo, URL: "https://x.io/a.mp4", AltText: strings.Repeat("a", 1000)}}}, nil, ""},
		{"alt text 1001", Post{Media: []Media{{Kind: KindImage, URL: "https://x.io/a.png", AltText: strings.Repeat("a", 1001)}}}, []string{"media[0].alt_text"}, "1001 characters; the limit is 1000"},
		{
			"several errors joined",
			Post{Text: strings.Repeat("a", 501), TopicTag: "a.b", ReplyControl: "nobody"},
			[]string{"text", "topic_tag", "reply_control"},
			"501 characters",
		},
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

// validationFields lists the Field of every *ValidationError in err.
func validationFields(err error) []string {
	if err == nil {
		return nil
	}
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	var fields []string
	for _, e := range errs {
		var ve *ValidationError
		if errors.As(e, &ve) {
			fields = append(fields, ve.Field)
		} else {
			fields = append(fields, "<not a ValidationError: "+e.Error()+">")
		}
	}
	return fields
}
