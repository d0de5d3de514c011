package telegram

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/storage"
)

func TestCommand(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in                 string
		cmd                string
		ok, mention, forUs bool
	}{
		{"/post hello", "post hello", true, false, true},
		{"/post@Spindle_Bot hello world", "post hello world", true, true, true},
		{"/post@spindle_bot\nline two", "post\nline two", true, true, true},
		{"/post@other_bot hi", "post hi", true, true, false},
		{"/list", "list", true, false, true},
		{"/start deep-link", "start deep-link", true, false, true},
		{"/HELP", "HELP", true, false, true},
		{"hello /post", "", false, false, false},
		{"/", "", false, false, false},
		{"/ post", "", false, false, false},
		{"/path/to/file", "", false, false, false},
		{"/пост hi", "", false, false, false},
		{"/" + strings.Repeat("a", 33), "", false, false, false},
		{"/" + strings.Repeat("a", 32), strings.Repeat("a", 32), true, false, true},
		{"", "", false, false, false},
	} {
		cmd, ok, mention, forUs := command(c.in, "spindle_bot")
		if cmd != c.cmd || ok != c.ok || mention != c.mention || forUs != c.forUs {
			t.Errorf("command(%q) = %q %v %v %v, want %q %v %v %v", c.in, cmd, ok, mention, forUs, c.cmd, c.ok, c.mention, c.forUs)
		}
	}
	if _, _, _, forUs := command("/post@x hi", ""); forUs {
		t.Error("a mention matched an unknown bot name")
	}
}

func FuzzCommand(f *testing.F) {
	for _, s := range []string{"/post hi", "/post@bot hi", "/@", "/a@", "/x\u00a0y", "/post@spindle_bot\t\tx", "plain"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cmd, ok, mention, forUs := command(in, "spindle_bot")
		if !ok {
			if cmd != "" || mention || forUs {
				t.Fatalf("not a command but %q %v %v", cmd, mention, forUs)
			}
			return
		}
		if !strings.HasPrefix(in, "/") || cmd == "" || strings.ContainsRune(cmd[:strings.IndexFunc(cmd+" ", isSpace)], '@') {
			t.Fatalf("command(%q) = %q", in, cmd)
		}
		if !mention && !forUs {
			t.Fatalf("an unaddressed command must be ours: %q", in)
		}
		if utf8.ValidString(in) && !strings.HasSuffix(in, cmd[strings.IndexFunc(cmd+" ", isSpace):]) {
			t.Fatalf("the rest of %q was not kept verbatim in %q", in, cmd)
		}
	})
}

func isSpace(r rune) bool { return unicode.IsSpace(r) }

func TestPreview(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 150) // 750 characters
	for _, c := range []struct {
		name, text string
		media      []storage.Media
		want       []string
	}{
		{"short", "hello", nil, []string{"5 of 500 characters", "one post."}},
		{"thread", long, nil, []string{"750 characters", "thread of 2 posts", "\n1. ", "\n2. "}},
		{"photo", "pic", []storage.Media{{Kind: "image"}}, []string{"With a photo."}},
		{"album", "", []storage.Media{{Kind: "image"}, {Kind: "image"}, {Kind: "video"}}, []string{"Draft without text", "2 photos and a video as one carousel"}},
		{"too many links", "https://a.io https://b.io https://c.io https://d.io https://e.io https://f.io", nil, []string{"Threads would refuse it"}},
	} {
		got := preview(c.text, c.media, storage.Shape{}, false)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: preview %q lacks %q", c.name, got, w)
			}
		}
	}
}

func TestMediaFilePicksLargestPhoto(t *testing.T) {
	t.Parallel()
	m := &models.Message{Photo: []models.PhotoSize{{FileID: "s", Width: 90, Height: 90}, {FileID: "l", Width: 1280, Height: 960}, {FileID: "m", Width: 320, Height: 240}}}
	if id, kind := mediaFile(m); id != "l" || kind != "image" {
		t.Fatalf("mediaFile = %s %s", id, kind)
	}
	v := &models.Message{Video: &models.Video{FileID: "v"}}
	if id, kind := mediaFile(v); id != "v" || kind != "video" {
		t.Fatalf("mediaFile(video) = %s %s", id, kind)
	}
}
