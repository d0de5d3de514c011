package threads

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/rivo/uniseg"
)

func TestCountChars(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"ascii", "hello", 5},
		{"ascii with spaces and newline", "a b\nc", 5},
		{"latin accented precomposed", "café", 4},
		{"combining acute is one cluster", "cafe\u0301", 4},
		{"several combining marks", "a\u0300\u0301\u0302", 1},
		{"CJK", "日本語のテキスト", 8},
		{"hangul syllables", "안녕하세요", 5},
		{"hangul jamo cluster", "\u1100\u1161\u11A8", 1},
		{"thumbs up", "👍", 4},
		{"thumbs up with skin tone", "👍🏽", 8},
		{"heart with VS16", "❤️", 6},
		{"heart text presentation", "❤", 3},
		{"ZWJ family", "👨‍👩‍👧", 18},
		{"ZWJ family of four", "👨‍👩‍👧‍👦", 25},
		{"rainbow flag", "🏳️‍🌈", 14},
		{"country flag", "🇯🇵", 8},
		{"two flags", "🇯🇵🇫🇷", 16},
		{"keycap", "1️⃣", 7},
		{"plain digit", "1", 1},
		{"copyright is pictographic", "©", 2},
		{"arrow not pictographic", "→", 1},
		{"text with emoji", "hi 👋!", 8},
		{"CRLF is one cluster", "a\r\nb", 3},
		{"invalid UTF-8 byte", "a\xffb", 3},
		{"500 ascii", strings.Repeat("x", 500), 500},
		{"125 thumbs", strings.Repeat("👍", 125), 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CountChars(tt.in); got != tt.want {
				t.Errorf("CountChars(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestLinks(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"none", "no links here, just example.com", nil},
		{"one", "see https://example.com/a?b=c", []string{"https://example.com/a?b=c"}},
		{"http and https", "http://a.io and https://b.io", []string{"http://a.io", "https://b.io"}},
		{"duplicates kept once in order", "https://b.io https://a.io https://b.io", []string{"https://b.io", "https://a.io"}},
		{"trailing period", "Read https://example.com/post.", []string{"https://example.com/post"}},
		{"trailing comma and question", "https://a.io, or https://b.io?", []string{"https://a.io", "https://b.io"}},
		{"wrapped in parens", "(https://a.io/x)", []string{"https://a.io/x"}},
		{"balanced parens kept", "https://en.wikipedia.org/wiki/Go_(language)", []string{"https://en.wikipedia.org/wiki/Go_(language)"}},
		{"angle brackets", "<https://a.io/x>", []string{"https://a.io/x"}},
		{"upper-case scheme", "HTTPS://A.IO/X", []string{"HTTPS://A.IO/X"}},
		{"glued scheme is not a link", "xhttps://a.io", nil},
		{"bare scheme is not a link", "https:// nothing", nil},
		{"ftp ignored", "ftp://a.io", nil},
		{"after CJK", "見てhttps://a.io", []string{"https://a.io"}},
		{"after emoji", "👉https://a.io", []string{"https://a.io"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Links(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Links(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	para1 := strings.Repeat("word ", 20) // 100 chars
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"blank", "  \n ", 10, nil},
		{"fits", "  hello world  ", 500, []string{"hello world"}},
		{"exactly at limit", strings.Repeat("a", 10), 10, []string{strings.Repeat("a", 10)}},
		{"zero limit means 500", "short", 0, []string{"short"}},
		{
			"paragraphs first",
			"First paragraph here.\n\nSecond one here.",
			25,
			[]string{"First paragraph here.", "Second one here."},
		},
		{
			"paragraphs packed together when they fit",
			"One.\n\nTwo.\n\nThree is longer.",
			16,
			[]string{"One.\n\nTwo.", "Three is longer."},
		},
		{
			"sentences next",
			"This is one. This is two. This is three.",
			26,
			[]string{"This is one. This is two.", "This is three."},
		},
		{
			"words next",
			"alpha beta gamma delta epsilon",
			12,
			[]string{"alpha beta", "gamma delta", "epsilon"},
		},
		{
			"hard cut only a long word",
			"go abcdefghijkl x",
			5,
			[]string{"go", "abcde", "fghij", "kl x"},
		},
		{
			"URL never cut even when sentence punctuation is inside",
			"Look at https://example.com/A.B/c.D now",
			25,
			[]string{"Look at", "https://example.com/A.B/c.D", "now"},
		},
		{
			"emoji counted as bytes when splitting",
			"👍👍 👍👍 👍",
			8,
			[]string{"👍👍", "👍👍", "👍"},
		},
		{
			"hard cut keeps clusters whole",
			"👨‍👩‍👧👨‍👩‍👧",
			20,
			[]string{"👨‍👩‍👧", "👨‍👩‍👧"},
		},
		{
			"CJK without spaces is hard cut",
			"日本語のテキストです",
			4,
			[]string{"日本語の", "テキスト", "です"},
		},
		{
			"long paragraph falls through to words; its tail packs with the next",
			para1 + "\n\nEnd.",
			60,
			[]string{
				strings.TrimSpace(strings.Repeat("word ", 12)),
				strings.Repeat("word ", 8) + "\n\nEnd.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Split(tt.text, tt.limit)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Split(%q, %d) =\n%q\nwant\n%q", tt.text, tt.limit, got, tt.want)
			}
			checkSplit(t, tt.text, tt.limit, got)
		})
	}
}

// checkSplit asserts the invariants every Split result must keep: parts are
// trimmed, non-empty, within the limit (unless a single URL or a single
// grapheme cluster that alone exceeds it), and hold the same non-space content
// in the same order.
func checkSplit(t *testing.T, text string, limit int, parts []string) {
	t.Helper()
	if limit < 1 {
		limit = MaxTextChars
	}
	for i, p := range parts {
		if p == "" || p != strings.TrimSpace(p) {
			t.Errorf("part %d %q is empty or not trimmed", i, p)
		}
		if CountChars(p) > limit && !isSingleURL(p) && !isSingleCluster(p) {
			t.Errorf("part %d %q counts %d > limit %d", i, p, CountChars(p), limit)
		}
	}
	// Strip each part on its own: joining first could glue the halves of an
	// invalid UTF-8 sequence into a valid rune.
	var stripped strings.Builder
	for _, p := range parts {
		stripped.WriteString(stripSpace(p))
	}
	if got, want := stripped.String(), stripSpace(text); got != want {
		t.Errorf("parts do not rejoin to the text:\n got %q\nwant %q", got, want)
	}
}

func isSingleURL(p string) bool {
	spans := urlSpans(p)
	return len(spans) > 0 && len(strings.Fields(p)) == 1
}

func isSingleCluster(p string) bool {
	return uniseg.GraphemeClusterCount(p) == 1
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}
