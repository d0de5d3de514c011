package telegram

import (
	"math"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot"
)

// TestParseCardData: an approval card's callback data reads back as the press it stands for,
// with the round the card showed (0 on a button from before rounds were on buttons, which
// still presses); anything else is not a card press.
func TestParseCardData(t *testing.T) {
	for _, c := range []struct {
		name, data, id, verb string
		round                int
	}{
		{"approve round 2", "v:p7k2m9x:a:2", "p7k2m9x", bot.VerbApprove, 2},
		{"reject round 1", "v:p7k2m9x:r:1", "p7k2m9x", bot.VerbReject, 1},
		{"an old approve, without a round", "v:p7k2m9x:a", "p7k2m9x", bot.VerbApprove, 0},
		{"an old reject, without a round", "v:p7k2m9x:r", "p7k2m9x", bot.VerbReject, 0},
		{"the largest round", "v:p7k2m9x:a:2147483647", "p7k2m9x", bot.VerbApprove, 2147483647},
		{"a draft's data", "d:p7k2m9x:p", "", "", 0},
		{"unknown action", "v:p7k2m9x:x", "", "", 0},
		{"unknown action with a round", "v:p7k2m9x:x:2", "", "", 0},
		{"no action", "v:p7k2m9x", "", "", 0},
		{"empty id", "v::a", "", "", 0},
		{"id too short", "v:p7k:a", "", "", 0},
		{"upper case id", "v:P7K2M9X:a", "", "", 0},
		{"a space in the id", "v:p7k 2m9x:a", "", "", 0},
		{"a verb smuggled in", "v:p7k2m9x reject:a", "", "", 0},
		{"a round that is no number", "v:p7k2m9x:a:b", "", "", 0},
		{"round 0", "v:p7k2m9x:a:0", "", "", 0},
		{"a negative round", "v:p7k2m9x:a:-1", "", "", 0},
		{"a round written twice ways", "v:p7k2m9x:a:02", "", "", 0},
		{"a round over 32 bits", "v:p7k2m9x:a:2147483648", "", "", 0},
		{"empty round", "v:p7k2m9x:a:", "", "", 0},
		{"a fourth part", "v:p7k2m9x:a:2:3", "", "", 0},
		{"over 64 bytes", "v:p7k2m9x:a" + strings.Repeat(" ", 60), "", "", 0},
		{"empty", "", "", "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, verb, round, ok := parseCardData(c.data)
			if id != c.id || verb != c.verb || round != c.round || ok != (c.id != "") {
				t.Errorf("parseCardData(%q) = %q, %q, %d, %v; want %q, %q, %d", c.data, id, verb, round, ok, c.id, c.verb, c.round)
			}
		})
	}
}

// FuzzCardData: whatever callback data arrives (Telegram relays what a client sends, and a
// client can send anything), a press it is read as names a well-formed post id, one of the
// two verbs and a round of 0 or more, fits Telegram's 64 bytes, and writes back to the same
// data.
func FuzzCardData(f *testing.F) {
	for _, s := range []string{"v:p7k2m9x:a", "v:p7k2m9x:r", "v:p7k2m9x:a:3", "v:p7k2m9x:r:12", "d:abc:p", "v::", "v:p7k2m9x:a\x00", "v:ééééééé:a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		id, verb, round, ok := parseCardData(data)
		if !ok {
			if id != "" || verb != "" || round != 0 {
				t.Fatalf("refused %q but returned %q, %q, %d", data, id, verb, round)
			}
			return
		}
		if !bot.IsPostID(id) || (verb != bot.VerbApprove && verb != bot.VerbReject) || round < 0 || len(data) > maxCallbackData {
			t.Fatalf("%q read as %q %q round %d", data, verb, id, round)
		}
		act := cardApprove
		if verb == bot.VerbReject {
			act = cardReject
		}
		if cardData(id, act, round) != data {
			t.Fatalf("%q read as %q %q round %d, which writes %q", data, verb, id, round, cardData(id, act, round))
		}
	})
}

// TestCardButtonsFitTelegram: the longest post id with the largest round still makes callback
// data within 1–64 bytes.
func TestCardButtonsFitTelegram(t *testing.T) {
	id := strings.Repeat("z", 12)
	for _, act := range []string{cardApprove, cardReject} {
		if n := len(cardData(id, act, math.MaxInt32)); n < 1 || n > maxCallbackData {
			t.Errorf("callback data of %s is %d bytes", act, n)
		}
	}
}
