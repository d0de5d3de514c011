package telegram

import (
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot"
)

// TestParseCardData: an approval card's callback data reads back as the press it stands for;
// anything else is not a card press.
func TestParseCardData(t *testing.T) {
	for _, c := range []struct {
		name, data, id, verb string
	}{
		{"approve", "v:p7k2m9x:a", "p7k2m9x", bot.VerbApprove},
		{"reject", "v:p7k2m9x:r", "p7k2m9x", bot.VerbReject},
		{"a draft's data", "d:p7k2m9x:p", "", ""},
		{"unknown action", "v:p7k2m9x:x", "", ""},
		{"no action", "v:p7k2m9x", "", ""},
		{"empty id", "v::a", "", ""},
		{"id too short", "v:p7k:a", "", ""},
		{"upper case id", "v:P7K2M9X:a", "", ""},
		{"a space in the id", "v:p7k 2m9x:a", "", ""},
		{"a verb smuggled in", "v:p7k2m9x reject:a", "", ""},
		{"trailing part", "v:p7k2m9x:a:b", "", ""},
		{"over 64 bytes", "v:p7k2m9x:a" + strings.Repeat(" ", 60), "", ""},
		{"empty", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, verb, ok := parseCardData(c.data)
			if id != c.id || verb != c.verb || ok != (c.id != "") {
				t.Errorf("parseCardData(%q) = %q, %q, %v; want %q, %q", c.data, id, verb, ok, c.id, c.verb)
			}
		})
	}
}

// FuzzCardData: whatever callback data arrives (Telegram relays what a client sends, and a
// client can send anything), a press it is read as names a well-formed post id and one of
// the two verbs, fits Telegram's 64 bytes, and writes back to the same data.
func FuzzCardData(f *testing.F) {
	for _, s := range []string{"v:p7k2m9x:a", "v:p7k2m9x:r", "d:abc:p", "v::", "v:p7k2m9x:a\x00", "v:ééééééé:a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		id, verb, ok := parseCardData(data)
		if !ok {
			if id != "" || verb != "" {
				t.Fatalf("refused %q but returned %q, %q", data, id, verb)
			}
			return
		}
		if !bot.IsPostID(id) || (verb != bot.VerbApprove && verb != bot.VerbReject) || len(data) > maxCallbackData {
			t.Fatalf("%q read as %q %q", data, verb, id)
		}
		act := cardApprove
		if verb == bot.VerbReject {
			act = cardReject
		}
		if cardData(id, act) != data {
			t.Fatalf("%q read as %q %q, which writes %q", data, verb, id, cardData(id, act))
		}
	})
}

// TestCardButtonsFitTelegram: the longest post id still makes callback data within 1–64 bytes.
func TestCardButtonsFitTelegram(t *testing.T) {
	id := strings.Repeat("z", 12)
	for _, act := range []string{cardApprove, cardReject} {
		if n := len(cardData(id, act)); n < 1 || n > maxCallbackData {
			t.Errorf("callback data of %s is %d bytes", act, n)
		}
	}
}
