package threads

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// MaxTextChars is the most characters, as CountChars counts them, that
// Threads accepts in a post's text. Longer text is refused with code 100.
const MaxTextChars = 500

// MaxLinks is the most unique links a post may carry (URLs in its text plus
// its link attachment). Since Dec 22, 2025 Threads refuses more at container
// creation with THREADS_API__LINK_LIMIT_EXCEEDED.
const MaxLinks = 5

// CountChars counts s the way Threads counts text against MaxTextChars.
//
// Meta documents the limit as "500 characters" where "emojis are counted as
// the number of UTF-8 bytes", and links a grapheme splitter; the exact
// algorithm is unpublished. The rule implemented here is:
//
//   - s is split into extended grapheme clusters (Unicode UAX #29);
//   - a cluster that is an emoji counts as its UTF-8 byte length: 👍 is 4,
//     👍🏽 is 8, a two-letter flag is 8, a ZWJ family is the sum of all its
//     bytes (👨‍👩‍👧 is 18), a keycap 1️⃣ is 7;
//   - every other cluster counts 1, so a CJK ideograph is 1 and "e" followed
//     by a combining acute accent is 1.
//
// A cluster is an emoji when it contains an Extended_Pictographic code point,
// a regional indicator, the emoji variation selector U+FE0F or the keycap
// mark U+20E3. This errs towards counting more than Meta might (© counts 2),
// because a post wrongly refused at the door can be shortened by a person,
// while one wrongly accepted fails later at publish time.
func CountChars(s string) int {
	n := 0
	state := -1
	for len(s) > 0 {
		var cluster string
		cluster, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		if isEmojiCluster(cluster) {
			n += len(cluster)
		} else {
			n++
		}
	}
	return n
}

// isEmojiCluster reports whether a grapheme cluster is an emoji for the
// purposes of CountChars.
func isEmojiCluster(cluster string) bool {
	for _, r := range cluster {
		switch {
		case r < 0xA9:
			// Fast path: nothing below © is pictographic.
		case r == 0xFE0F, r == 0x20E3:
			return true
		case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators (flags)
			return true
		case unicode.Is(extendedPictographic, r):
			return true
		}
	}
	return false
}

// Links returns the unique http and https URLs in s, in the order they first
// appear. A URL runs to the next whitespace or angle bracket or quote; trailing
// sentence punctuation and an unbalanced closing bracket are not part of it.
func Links(s string) []string {
	var links []string
	seen := make(map[string]bool)
	for _, sp := range urlSpans(s) {
		u := s[sp[0]:sp[1]]
		if !seen[u] {
			seen[u] = true
			links = append(links, u)
		}
	}
	return links
}

// urlSpans returns the byte ranges [start, end) of the http(s) URLs in s.
func urlSpans(s string) [][2]int {
	var spans [][2]int
	lower := asciiLower(s) // byte offsets must match s
	i := 0
	for i < len(s) {
		j := strings.Index(lower[i:], "http")
		if j < 0 {
			break
		}
		start := i + j
		rest := lower[start:]
		var schemeLen int
		switch {
		case strings.HasPrefix(rest, "https://"):
			schemeLen = len("https://")
		case strings.HasPrefix(rest, "http://"):
			schemeLen = len("http://")
		default:
			i = start + 4
			continue
		}
		// A scheme glued to a preceding ASCII letter or digit ("xhttp://")
		// is not the start of a URL; after other scripts it is.
		if start > 0 {
			if prev := s[start-1]; isASCIIAlnum(prev) {
				i = start + schemeLen
				continue
			}
		}
		end := start + schemeLen
		for end < len(s) {
			r, size := utf8.DecodeRuneInString(s[end:])
			if unicode.IsSpace(r) || strings.ContainsRune("<>\"", r) {
				break
			}
			end += size
		}
		end = trimURLEnd(s, start+schemeLen, end)
		if end > start+schemeLen {
			spans = append(spans, [2]int{start, end})
		}
		i = end
		if i <= start {
			i = start + schemeLen
		}
	}
	return spans
}

// trimURLEnd drops trailing punctuation that ends a sentence rather than a
// URL, and closing brackets that have no opening partner inside the URL.
func trimURLEnd(s string, hostStart, end int) int {
	pairs := map[byte]byte{')': '(', ']': '[', '}': '{'}
	// open-minus-close balance of each bracket kind within s[hostStart:end],
	// kept up to date as the end moves left (linear, not quadratic).
	balance := map[byte]int{}
	for i := hostStart; i < end; i++ {
		switch c := s[i]; c {
		case '(', '[', '{':
			balance[c]++
		case ')', ']', '}':
			balance[pairs[c]]--
		}
	}
	for end > hostStart {
		c := s[end-1]
		switch c {
		case '.', ',', ';', ':', '!', '?', '\'', '*':
			end--
			continue
		case ')', ']', '}':
			if balance[pairs[c]] < 0 {
				balance[pairs[c]]++
				end--
				continue
			}
		}
		break
	}
	return end
}

// asciiLower lowercases only ASCII letters, keeping byte offsets stable.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
