package bot

import (
	"strings"
	"testing"
	"time"
)

// TestDecisionRefusalQuotesWhatWasTyped: a word approve or reject cannot read as a post id,
// with or without ":<round>", is refused naming the whole word as typed, not the part before a
// colon (a permalink is not read as "https").
func TestDecisionRefusalQuotesWhatWasTyped(t *testing.T) {
	for _, in := range []struct{ text, typed string }{
		{"reject https://www.threads.net/@acme/post/C8abc", "https://www.threads.net/@acme/post/C8abc"},
		{"approve :2", ":2"},
		{"approve p7k2m9:x", "p7k2m9:x"},
		{"approve p7k2m9:0", "p7k2m9:0"},
		{"approve p7k2m9:2:3", "p7k2m9:2:3"},
	} {
		_, err := Parse(in.text, time.Now(), time.UTC)
		if err == nil {
			t.Fatalf("%q: accepted", in.text)
		}
		first, _, _ := strings.Cut(err.Error(), "\n")
		if !strings.Contains(first, "“"+in.typed+"”") {
			t.Errorf("%q: refused with %q; it should name what was typed, “%s”", in.text, first, in.typed)
		}
	}
}

// TestDecisionReadsTheRoundAButtonSends: "<id>:<round>" gives the round; a bare id gives none.
func TestDecisionReadsTheRoundAButtonSends(t *testing.T) {
	for text, want := range map[string]int{"approve p7k2m9:2": 2, "reject p7k2m9:12 off brand": 12, "approve p7k2m9": 0} {
		c, err := Parse(text, time.Now(), time.UTC)
		if err != nil || c.PostID != "p7k2m9" || c.Round != want {
			t.Errorf("%q: %+v %v; want p7k2m9 round %d", text, c, err, want)
		}
	}
}
