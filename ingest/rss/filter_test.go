package rss

import (
	"strings"
	"testing"
)

func TestFilterMatch(t *testing.T) {
	t.Parallel()
	item := Item{Title: "Go 1.26 released", Summary: "Faster builds, new iterator helpers."}
	tests := []struct {
		name             string
		include, exclude []string
		want             bool
	}{
		{"no terms", nil, nil, true},
		{"blank terms ignored", []string{" ", ""}, []string{""}, true},
		{"keyword case-insensitive", []string{"GO 1.26"}, nil, true},
		{"keyword in summary", []string{"iterator"}, nil, true},
		{"keyword missing", []string{"rust"}, nil, false},
		{"any include term", []string{"rust", "builds"}, nil, true},
		{"exclude keyword", nil, []string{"Released"}, false},
		{"exclude beats include", []string{"go"}, []string{"faster"}, false},
		{"regexp", []string{`/^Go \d+\.\d+/`}, nil, true},
		{"regexp is case-sensitive", []string{`/^go/`}, nil, false},
		{"regexp with i flag", []string{`/^go/i`}, nil, true},
		{"regexp anchors per field", []string{`/helpers\.$/`}, nil, true},
		{"regexp exclude", nil, []string{`/\bbuilds?\b/`}, false},
		{"slashes in a keyword", []string{"a/b"}, nil, false},
	}
	for _, tt := range tests {
		f, err := CompileFilter(tt.include, tt.exclude)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := f.Match(item); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(item) {
		t.Error("a nil filter refused an item")
	}
}

func TestCompileFilterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		include, exclude []string
		say              string
	}{
		{[]string{"/a(b/"}, nil, "include filter: term \"/a(b/\" is not a valid regular expression"},
		{nil, []string{"/[z-a]/i"}, "exclude filter"},
		{[]string{strings.Repeat("x", 1001)}, nil, "over 1000 bytes"},
	}
	for _, tt := range tests {
		_, err := CompileFilter(tt.include, tt.exclude)
		if err == nil || !strings.Contains(err.Error(), tt.say) {
			t.Errorf("CompileFilter(%q, %q) = %v, want an error saying %q", tt.include, tt.exclude, err, tt.say)
		}
	}
}
