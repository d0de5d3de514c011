package telegram

import (
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// FuzzTextSpoilers: whatever entities Telegram (or someone posing as it) sends, the spoilers
// lie inside the text, and a spoiler over whole characters hides the same characters.
func FuzzTextSpoilers(f *testing.F) {
	f.Add("🎬 Bruce is dead", 3, 5)
	f.Add("abc", 0, 3)
	f.Add("𝔡𝔬𝔤", 1, 2)
	f.Add("x", -1, 4)
	f.Fuzz(func(t *testing.T, text string, off, n int) {
		sp := textSpoilers(text, []models.MessageEntity{{Type: models.MessageEntityTypeSpoiler, Offset: off, Length: n}})
		runes := utf8.RuneCountInString(text)
		for _, s := range sp {
			if s.Offset < 0 || s.Length < 1 || s.Offset+s.Length > runes {
				t.Fatalf("spoiler %+v outside %q", s, text)
			}
		}
		u := utf16.Encode([]rune(text))
		if !utf8.ValidString(text) || off < 0 || n < 1 || off+n > len(u) || len(sp) != 1 {
			return
		}
		// Over whole characters (no surrogate cut), both sides hide the same text.
		if isLow(u, off) || isLow(u, off+n) {
			return
		}
		want := string(utf16.Decode(u[off : off+n]))
		if got := string([]rune(text)[sp[0].Offset : sp[0].Offset+sp[0].Length]); got != want {
			t.Fatalf("%q: Telegram hides %q, Threads would hide %q", text, want, got)
		}
	})
}

func isLow(u []uint16, i int) bool { return i < len(u) && u[i] >= 0xDC00 && u[i] <= 0xDFFF }
