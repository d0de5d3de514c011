package rss

import (
	"fmt"
	"regexp"
	"strings"
)

// maxPatternBytes bounds one filter term; Go's regexp runs in linear time, so the bound is
// about compile cost and memory, not catastrophic backtracking.
const maxPatternBytes = 1000

// Filter decides which new items are posted, by keywords or regular expressions matched
// against an item's title and summary. The zero value and a nil *Filter pass everything.
type Filter struct {
	include []matcher
	exclude []matcher
}

type matcher struct {
	keyword string         // lowercased; used when re is nil
	re      *regexp.Regexp // for /pattern/ or /pattern/i terms
}

// CompileFilter compiles include and exclude terms. A term written /pattern/ (or
// /pattern/i for case-insensitive) is a Go regular expression; any other term is a keyword
// matched case-insensitively anywhere in the text. Blank terms are ignored.
func CompileFilter(include, exclude []string) (*Filter, error) {
	var f Filter
	var err error
	if f.include, err = compileTerms(include); err != nil {
		return nil, fmt.Errorf("include filter: %w", err)
	}
	if f.exclude, err = compileTerms(exclude); err != nil {
		return nil, fmt.Errorf("exclude filter: %w", err)
	}
	return &f, nil
}

func compileTerms(terms []string) ([]matcher, error) {
	var ms []matcher
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if len(t) > maxPatternBytes {
			return nil, fmt.Errorf("term %.40q… is over %d bytes", t, maxPatternBytes)
		}
		pattern, flags, isRegexp := regexpTerm(t)
		if !isRegexp {
			ms = append(ms, matcher{keyword: strings.ToLower(t)})
			continue
		}
		re, err := regexp.Compile(flags + pattern)
		if err != nil {
			return nil, fmt.Errorf("term %q is not a valid regular expression: %w", t, err)
		}
		ms = append(ms, matcher{re: re})
	}
	return ms, nil
}

// regexpTerm recognises /pattern/ and /pattern/i.
func regexpTerm(t string) (pattern, flags string, ok bool) {
	if len(t) < 3 || t[0] != '/' {
		return "", "", false
	}
	switch {
	case strings.HasSuffix(t, "/i") && len(t) > 3:
		return t[1 : len(t)-2], "(?i)", true
	case strings.HasSuffix(t, "/"):
		return t[1 : len(t)-1], "", true
	}
	return "", "", false
}

// Match reports whether an item passes: it matches some include term (or there are none)
// and no exclude term.
func (f *Filter) Match(it Item) bool {
	if f == nil || (len(f.include) == 0 && len(f.exclude) == 0) {
		return true
	}
	for _, m := range f.exclude {
		if m.match(it) {
			return false
		}
	}
	if len(f.include) == 0 {
		return true
	}
	for _, m := range f.include {
		if m.match(it) {
			return true
		}
	}
	return false
}

// match tries the title and the summary separately, so ^ and $ anchor to either.
func (m matcher) match(it Item) bool {
	for _, text := range []string{it.Title, it.Summary} {
		if m.re != nil && m.re.MatchString(text) {
			return true
		}
		if m.re == nil && strings.Contains(strings.ToLower(text), m.keyword) {
			return true
		}
	}
	return false
}
