package ingest

import "strings"

// Paragraphs folds each line of s with fold (which collapses its spaces) and keeps the
// paragraph breaks a reader sees: empty lines at either end are dropped and a run of them
// between paragraphs becomes one. Feeds and webhook templates shape post text with it.
func Paragraphs(s string, fold func(string) string) string {
	var out []string
	blank := false
	for line := range strings.SplitSeq(s, "\n") {
		line = fold(line)
		if line == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
