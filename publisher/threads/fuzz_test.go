package threads

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

var textSeeds = []string{
	"",
	"hello world",
	"cafe\u0301 日本語 👍🏽 👨‍👩‍👧 🇯🇵 1️⃣ ©",
	"First paragraph.\n\nSecond one. With two sentences.",
	"see https://example.com/a.B/c.D?x=(1) and http://b.io.",
	strings.Repeat("word ", 130),
	strings.Repeat("👍", 200),
	"a\xffb\xc3",
	"\u0301\u0301 leading marks",
}

func FuzzCountChars(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := CountChars(s)
		clusters := uniseg.GraphemeClusterCount(s)
		if n < clusters {
			t.Fatalf("CountChars(%q) = %d < %d grapheme clusters", s, n, clusters)
		}
		if n > len(s) {
			t.Fatalf("CountChars(%q) = %d > %d bytes", s, n, len(s))
		}
		if utf8.ValidString(s) && !strings.ContainsAny(s, "\u200d\ufe0f\u20e3") && n > utf8.RuneCountInString(s)*4 {
			t.Fatalf("CountChars(%q) = %d, more than 4 per rune", s, n)
		}
		// Counting is additive over a split at a cluster boundary.
		if clusters >= 2 {
			first, rest, _, _ := uniseg.FirstGraphemeClusterInString(s, -1)
			if CountChars(first)+CountChars(rest) < n && uniseg.GraphemeClusterCount(rest) == clusters-1 {
				t.Fatalf("CountChars not additive on %q: %d + %d < %d", s, CountChars(first), CountChars(rest), n)
			}
		}
	})
}

func FuzzSplit(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s, 20)
		f.Add(s, 500)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit > 1000 || limit < -1 {
			limit %= 1000
		}
		if len(s) > 4096 { // longer inputs only slow the fuzzer's minimizer down
			s = s[:4096]
		}
		parts := Split(s, limit)
		checkSplit(t, s, limit, parts)
		if strings.TrimSpace(s) != "" && len(parts) == 0 {
			t.Fatalf("Split(%q, %d) lost the text", s, limit)
		}
		// Links survive whole: every link of the text is a link of some part.
		var partLinks []string
		for _, p := range parts {
			partLinks = append(partLinks, Links(p)...)
		}
		for _, l := range Links(s) {
			found := false
			for _, pl := range partLinks {
				if pl == l {
					found = true
				}
			}
			if !found {
				t.Fatalf("Split(%q, %d) = %q cut the link %q", s, limit, parts, l)
			}
		}
	})
}

func FuzzLinks(f *testing.F) {
	for _, s := range textSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seen := map[string]bool{}
		for _, l := range Links(s) {
			if seen[l] {
				t.Fatalf("Links(%q) repeats %q", s, l)
			}
			seen[l] = true
			if !strings.Contains(s, l) {
				t.Fatalf("Links(%q) returned %q, not in the text", s, l)
			}
			if !isWebURL(l) && !strings.HasPrefix(strings.ToLower(l), "http") {
				t.Fatalf("Links(%q) returned %q, not a URL", s, l)
			}
		}
	})
}

func FuzzValidate(f *testing.F) {
	f.Add("hello", "", "", "", "", "", "", 0)
	f.Add(strings.Repeat("👍", 126), "https://x.io", "go.dev", "friends", "abc", "12", "https://a.io/b.png", 3)
	f.Add(links(6), "ftp://x", "", "everyone", "", "", "/rel.png", 21)
	f.Fuzz(func(t *testing.T, text, link, tag, control, replyTo, quote, mediaURL string, nMedia int) {
		if nMedia < 0 || nMedia > 25 {
			nMedia %= 26
			if nMedia < 0 {
				nMedia = -nMedia
			}
		}
		p := Post{Text: text, LinkAttachment: link, TopicTag: tag, ReplyControl: control, ReplyToID: replyTo, QuoteID: quote}
		for range nMedia {
			p.Media = append(p.Media, Media{Kind: KindImage, URL: mediaURL, AltText: text})
		}
		err := Validate(p)
		if err == nil {
			// A valid post respects every limit.
			if CountChars(text) > MaxTextChars {
				t.Fatalf("accepted text of %d characters", CountChars(text))
			}
			if nMedia == 0 && strings.TrimSpace(text) == "" {
				t.Fatal("accepted a text post without text")
			}
			if nMedia > MaxCarouselItems {
				t.Fatalf("accepted a carousel of %d", nMedia)
			}
			return
		}
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var ve *ValidationError
			if !errors.As(e, &ve) || ve.Field == "" || ve.Reason == "" {
				t.Fatalf("Validate returned %T %v, want a *ValidationError with Field and Reason", e, e)
			}
		}
	})
}
