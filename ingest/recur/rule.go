// Package recur is Spindle's recurring posts: the rule people type after "every" (Parse), the
// wall-clock occurrences it names in a zone (Rule.Next), the texts a series rotates through
// (texts.go), and the Service that creates series and materialises each occurrence as an
// ordinary queued post when the previous one falls due (service.go).
package recur

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Unit is what a rule counts in.
type Unit string

// The units of a rule.
const (
	Days  Unit = "day"
	Weeks Unit = "week"
)

// Rule is a recurrence: every Interval days, or every Interval weeks on Weekdays, at Hour:Minute
// wall-clock time, optionally ending after a date (Until, inclusive, a civil date in UTC
// fields) or after Times occurrences.
type Rule struct {
	Interval int
	Unit     Unit
	Weekdays []time.Weekday // Weeks only, sorted, Monday first
	Hour     int
	Minute   int
	Until    time.Time // zero: no end date
	Times    int       // zero: no count
}

// ErrSyntax is what every Parse error wraps; the message says what was wrong for a person.
var ErrSyntax = errors.New("recur: rule not understood")

type syntaxError struct{ msg string }

func (e *syntaxError) Error() string { return e.msg }
func (e *syntaxError) Unwrap() error { return ErrSyntax }

func syntaxf(format string, args ...any) error {
	return &syntaxError{msg: fmt.Sprintf(format, args...)}
}

// maxInterval bounds "every N …": a series that posts once in more than a year is a typo.
const (
	maxIntervalDays  = 366
	maxIntervalWeeks = 52
	maxTimes         = 1000
)

// Parse reads a rule at the start of s (the words after "every") and returns it with the text
// after it (a suffix of s, leading space removed). Forms:
//
//	day 18:00 | 3 days 07:15 | weekday 08:30 | monday 09:00 | mon,thu 9am
//	week friday 17:00 | 2 weeks monday 09:00
//
// then an optional end, "until 2027-03-01" or "times 10" (or both: whichever comes first).
// "at" before the time is allowed. Weekday names may be abbreviated (mon) or plural (mondays).
func Parse(s string) (Rule, string, error) {
	var r Rule
	w, rest := cut(s)
	r.Interval = 1
	if n, err := strconv.Atoi(w); err == nil {
		if n < 1 {
			return Rule{}, s, syntaxf("“every %s” must count from 1", w)
		}
		r.Interval = n
		w, rest = cut(rest)
	}
	lw := strings.ToLower(w)
	switch {
	case lw == "day" || lw == "days":
		r.Unit = Days
	case lw == "week" || lw == "weeks":
		r.Unit = Weeks
		w, rest = cut(rest)
		days, ok := weekdays(w)
		if !ok {
			return Rule{}, s, syntaxf("say which day of the week after “week”, like “every 2 weeks monday 09:00”")
		}
		r.Weekdays = days
	case lw == "weekday" || lw == "weekdays":
		if r.Interval != 1 {
			return Rule{}, s, syntaxf("“every %d weekdays” is not something I can do; use “every weekday” or “every 2 weeks mon,tue,wed,thu,fri”", r.Interval)
		}
		r.Unit, r.Weekdays = Weeks, []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	default:
		days, ok := weekdays(w)
		if !ok {
			return Rule{}, s, syntaxf("“%s” is not a day, week or weekday; try “every monday 09:00”, “every day 18:00” or “every 2 weeks friday 17:00”", clip(w))
		}
		if r.Interval != 1 {
			return Rule{}, s, syntaxf("write “every %d weeks %s”, not “every %d %s”", r.Interval, clip(w), r.Interval, clip(w))
		}
		r.Unit, r.Weekdays = Weeks, days
	}
	if (r.Unit == Days && r.Interval > maxIntervalDays) || (r.Unit == Weeks && r.Interval > maxIntervalWeeks) {
		return Rule{}, s, syntaxf("every %d %ss is too far apart; at most %d days or %d weeks", r.Interval, r.Unit, maxIntervalDays, maxIntervalWeeks)
	}
	w, rest = cut(rest)
	if strings.EqualFold(w, "at") {
		w, rest = cut(rest)
	}
	h, m, ok := clock(w)
	if !ok {
		return Rule{}, s, syntaxf("give the time of day after the days, like 09:00 or 9am; “%s” is not one", clip(w))
	}
	r.Hour, r.Minute = h, m
	return parseEnd(r, rest)
}

// parseEnd reads the optional "until <date>" and "times N" after the time.
func parseEnd(r Rule, rest string) (Rule, string, error) {
	for {
		w, after := cut(rest)
		switch strings.ToLower(w) {
		case "until":
			if !r.Until.IsZero() {
				return Rule{}, rest, syntaxf("give “until” only once")
			}
			d, r2 := cut(after)
			t, err := time.Parse("2006-01-02", d)
			if err != nil {
				return Rule{}, rest, syntaxf("“until” takes a date like 2027-03-01; “%s” is not one", clip(d))
			}
			r.Until, rest = t, r2
		case "times":
			if r.Times != 0 {
				return Rule{}, rest, syntaxf("give “times” only once")
			}
			d, r2 := cut(after)
			n, err := strconv.Atoi(d)
			if err != nil || n < 1 || n > maxTimes {
				return Rule{}, rest, syntaxf("“times” takes a number of posts from 1 to %d; “%s” is not one", maxTimes, clip(d))
			}
			r.Times, rest = n, r2
		default:
			return r, rest, nil
		}
	}
}

// String is the rule in the canonical form Parse reads back, e.g. "2 weeks mon,thu 09:00 times 10".
func (r Rule) String() string {
	var b strings.Builder
	if r.Interval != 1 {
		fmt.Fprintf(&b, "%d %ss", r.Interval, r.Unit)
	} else {
		b.WriteString(string(r.Unit))
	}
	if r.Unit == Weeks {
		names := make([]string, len(r.Weekdays))
		for i, d := range r.Weekdays {
			names[i] = strings.ToLower(d.String()[:3])
		}
		b.WriteString(" " + strings.Join(names, ","))
	}
	fmt.Fprintf(&b, " %02d:%02d", r.Hour, r.Minute)
	if !r.Until.IsZero() {
		b.WriteString(" until " + r.Until.Format("2006-01-02"))
	}
	if r.Times != 0 {
		fmt.Fprintf(&b, " times %d", r.Times)
	}
	return b.String()
}

// Describe is the rule for people: "every Monday and Thursday at 09:00, 10 times".
func (r Rule) Describe() string {
	var b strings.Builder
	b.WriteString("every ")
	switch {
	case r.Unit == Days && r.Interval == 1:
		b.WriteString("day")
	case r.Unit == Days:
		fmt.Fprintf(&b, "%d days", r.Interval)
	default:
		if r.Interval != 1 {
			fmt.Fprintf(&b, "%d weeks on ", r.Interval)
		}
		names := make([]string, len(r.Weekdays))
		for i, d := range r.Weekdays {
			names[i] = d.String()
		}
		if len(names) > 1 {
			b.WriteString(strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1])
		} else {
			b.WriteString(names[0])
		}
	}
	fmt.Fprintf(&b, " at %02d:%02d", r.Hour, r.Minute)
	if !r.Until.IsZero() {
		b.WriteString(" until " + r.Until.Format("Mon 2 Jan 2006"))
	}
	if r.Times != 0 {
		fmt.Fprintf(&b, ", %d times", r.Times)
	}
	return b.String()
}

// cut splits s at its first run of white space; rest is a suffix of s.
func cut(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeftFunc(s[i:], unicode.IsSpace)
}

// weekdays reads "monday", "mon", "mondays" or a comma list of them.
func weekdays(w string) ([]time.Weekday, bool) {
	if w == "" {
		return nil, false
	}
	var out []time.Weekday
	for part := range strings.SplitSeq(strings.ToLower(w), ",") {
		d, ok := weekday(part)
		if !ok {
			return nil, false
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b time.Weekday) int { return mondayFirst(a) - mondayFirst(b) })
	return out, true
}

func weekday(w string) (time.Weekday, bool) {
	w = strings.TrimSuffix(w, "s")
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if w == name || (len(w) >= 3 && strings.HasPrefix(name, w)) {
			return d, true
		}
	}
	return 0, false
}

// mondayFirst numbers weekdays from Monday (0) to Sunday (6).
func mondayFirst(d time.Weekday) int { return (int(d) + 6) % 7 }

// clock reads 09:00, 9:00, 21:30, 9am, 9:30pm, noon and midnight.
func clock(w string) (h, m int, ok bool) {
	w = strings.ToLower(w)
	switch w {
	case "noon":
		return 12, 0, true
	case "midnight":
		return 0, 0, true
	}
	mer := ""
	for _, suffix := range []string{"am", "pm"} {
		if s, found := strings.CutSuffix(w, suffix); found {
			w, mer = s, suffix
		}
	}
	hs, ms, hasMin := strings.Cut(w, ":")
	if len(hs) < 1 || len(hs) > 2 || (hasMin && len(ms) != 2) || (!hasMin && mer == "") {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(hs)
	if hasMin {
		var err2 error
		if m, err2 = strconv.Atoi(ms); err2 != nil || m < 0 || m > 59 {
			return 0, 0, false
		}
	}
	if err1 != nil || h < 0 || h > 23 || strings.ContainsAny(hs+ms, "+-") {
		return 0, 0, false
	}
	if mer != "" {
		if h < 1 || h > 12 {
			return 0, 0, false
		}
		h %= 12
		if mer == "pm" {
			h += 12
		}
	}
	return h, m, true
}

func clip(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:29]) + "…"
	}
	return s
}
