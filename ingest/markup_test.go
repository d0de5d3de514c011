package ingest

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/publisher/threads"
)

func TestSpoilerMarkup(t *testing.T) {
	tests := []struct {
		in, text string
		want     []threads.Spoiler
	}{
		{"no markup", "no markup", nil},
		{"the end: ||he dies||", "the end: he dies", []threads.Spoiler{sp(9, 7)}},
		{"||a|| and ||b||", "a and b", []threads.Spoiler{sp(0, 1), sp(6, 1)}},
		{"日本 ||語です|| ok", "日本 語です ok", []threads.Spoiler{sp(3, 3)}},
		{"a || b", "a || b", nil},
		{"x |||| y", "x |||| y", nil},
		{"||open only", "||open only", nil},
		{"||one|| and || dangling", "one and || dangling", []threads.Spoiler{sp(0, 3)}},
	}
	for _, tt := range tests {
		text, got := SpoilerMarkup(tt.in)
		if text != tt.text || !slices.Equal(got, tt.want) {
			t.Errorf("SpoilerMarkup(%q) = %q %v, want %q %v", tt.in, text, got, tt.text, tt.want)
		}
	}
}

// FuzzSpoilerMarkup: whatever comes in, the spoilers lie inside the text that comes out, in
// order and apart, and taking the markup out never adds characters.
func FuzzSpoilerMarkup(f *testing.F) {
	for _, s := range []string{"||a||", "a || b", "||||", "|||x|||", "日本 ||語|| x", "||\xff||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		text, sp := SpoilerMarkup(in)
		if len(text) > len(in) && utf8.ValidString(in) {
			t.Fatalf("output %q longer than input %q", text, in)
		}
		if len(sp) == 0 && text != in {
			t.Fatalf("no spoilers but the text changed: %q → %q", in, text)
		}
		n, last := utf8.RuneCountInString(text), 0
		for _, s := range sp {
			if s.Length < 1 || s.Offset < last || s.Offset+s.Length > n {
				t.Fatalf("spoiler %+v out of place in %q (from %q)", s, text, in)
			}
			last = s.Offset + s.Length
		}
		if strings.Count(in, "||")-strings.Count(text, "||") < 2*len(sp) && len(sp) > 0 && !strings.Contains(in, "|||") {
			t.Fatalf("%d spoilers but fewer bars removed: %q → %q", len(sp), in, text)
		}
	})
}

func TestReplyControlWords(t *testing.T) {
	for in, want := range map[string]string{"everyone": "everyone", "following": "accounts_you_follow", "Mentioned": "mentioned_only",
		"author": "parent_post_author_only", "followers": "followers_only", "accounts_you_follow": "accounts_you_follow", "": ""} {
		if got, err := ReplyControl(in); err != nil || got != want {
			t.Errorf("ReplyControl(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ReplyControl("friends"); err == nil || !strings.Contains(err.Error(), ReplyWords) {
		t.Errorf("ReplyControl(friends) = %v, want the choices named", err)
	}
}

func sp(offset, length int) threads.Spoiler { return threads.Spoiler{Offset: offset, Length: length} }
