package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/ingest/recur"
)

// Sentinels a time error wraps, so a door can tell a syntax problem from a bad instant with
// errors.Is (the message itself is already written for a person).
var (
	ErrTimeSyntax = errors.New("bot: time not understood")
	ErrTimePast   = errors.New("bot: time is in the past")
	ErrTimeTooFar = errors.New("bot: time is too far ahead")
)

// maxYearsAhead bounds how far ahead a post may be scheduled: further is almost always a typo
// (2027 for 2026), and a year keeps a forgotten post from surfacing long after it matters.
const maxYearsAhead = 1

// timeError carries a message for a person and the sentinel it is an instance of.
type timeError struct {
	kind error
	msg  string
}

func (e *timeError) Error() string { return e.msg }
func (e *timeError) Unwrap() error { return e.kind }

const whenExamples = "“in 2h”, “in 1h30m”, “tomorrow 09:00”, “2026-12-01 09:00” or “2026-12-01T09:00:00Z”"

// ParseWhen reads the longest time expression at the start of s and returns the instant it
// names and the text after it (leading white space removed; rest is always a suffix of s).
//
// Accepted forms (keywords are case insensitive):
//
//	2026-12-01T09:00:00Z, 2026-12-01T09:00+01:00      RFC 3339 (seconds optional), an instant
//	2026-12-01T09:00, 2026-12-01 09:00[:ss]            a date and a clock time
//	today 17:30, tomorrow at 9am, next monday noon     a day word and a clock time ("at" optional)
//	9am tomorrow, noon friday                          a clock time, then its day
//	Dec 1 09:00, 1st December 2026 at 9pm              a month name and day (this year, or next
//	                                                   year once past), an optional year
//	09:00, 9:30pm, 9 pm, noon, midnight, at 9am        the next time the clock shows that
//	in 2h, in 45m, in 1d, in 1h30m, in 90 minutes, in 1 day 2 hours, in 2w
//
// A clock time may be followed by a zone: UTC, GMT, an offset (+01:00, -0500) or an IANA
// name (Europe/Paris). Without one, it is read in loc: the chat user's zone where the door
// knows it, else SPINDLE_TIMEZONE (nil means UTC). "in" adds days and weeks on the calendar
// (in 1d is the same clock time tomorrow, even across a DST change) and hours and minutes as
// elapsed time.
//
// Daylight saving time is resolved as RFC 5545 (iCalendar) does, so the answer never depends
// on the Go runtime: a clock time that does not exist because the clocks jump forward is read
// with the offset in force before the jump, which moves it forward by the gap (02:30 on the
// spring-forward night in Europe/Paris is 03:30 CEST); a clock time that happens twice
// because the clocks go back is the first of the two (02:30 CEST, not 02:30 CET). The door
// echoes the result with FormatWhen, so the person sees which instant was chosen.
//
// The instant must be after now and at most a year ahead; otherwise the error wraps
// ErrTimePast or ErrTimeTooFar, and any other failure wraps ErrTimeSyntax. Every message says
// what to type instead.
func ParseWhen(s string, now time.Time, loc *time.Location) (at time.Time, rest string, err error) {
	if loc == nil {
		loc = time.UTC
	}
	toks := tokenize(s, 8)
	if len(toks) == 0 {
		return time.Time{}, s, &timeError{ErrTimeSyntax, "give a time, such as " + whenExamples}
	}
	at, n, err := parseWhenTokens(toks, now, loc)
	if err != nil {
		return time.Time{}, s, err
	}
	rest = strings.TrimLeftFunc(s[toks[n-1].end:], unicode.IsSpace)
	if !at.After(now) {
		return time.Time{}, s, &timeError{ErrTimePast, fmt.Sprintf(
			"that time (%s) is already past; give a future time such as “in 2h” or “tomorrow 09:00”",
			shortWhen(at, loc))}
	}
	if at.After(now.AddDate(maxYearsAhead, 0, 0)) {
		return time.Time{}, s, &timeError{ErrTimeTooFar, fmt.Sprintf(
			"that time (%s) is more than a year ahead; give a time within the next year",
			shortWhen(at, loc))}
	}
	return at, rest, nil
}

// token is one white-space separated word of the input and where it ends (a byte offset).
type token struct {
	text string
	end  int
}

// tokenize splits off at most max leading words of s.
func tokenize(s string, max int) []token {
	var toks []token
	i := 0
	for len(toks) < max {
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		if i >= len(s) {
			break
		}
		start := i
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				break
			}
			i += size
		}
		toks = append(toks, token{text: s[start:i], end: i})
	}
	return toks
}

// parseWhenTokens picks the form by the first word and returns the instant and how many
// tokens it used.
func parseWhenTokens(toks []token, now time.Time, loc *time.Location) (time.Time, int, error) {
	first := strings.ToLower(toks[0].text)
	if first == "in" {
		return parseIn(toks[1:], now, loc)
	}
	if first == "at" && len(toks) > 1 { // "at 9am", "at noon"
		at, n, err := parseWhenTokens(toks[1:], now, loc)
		return at, n + 1, err
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, strings.ToUpper(toks[0].text)); err == nil {
			return t, 1, nil
		}
	}
	if y, mo, d, ok := parseDate(toks[0].text); ok {
		if h, mi, sec, ok := parseClock(toks[0].text[len("2006-01-02"):], "T"); ok {
			return atZone(toks, 1, loc, func(l *time.Location) time.Time {
				return resolveLocal(y, mo, d, h, mi, sec, l)
			})
		}
		if len(toks[0].text) != len("2006-01-02") {
			return time.Time{}, 0, syntaxError(toks[0].text)
		}
		h, mi, sec, n, ok := clockTokens(toks[1:])
		if !ok {
			return time.Time{}, 0, &timeError{ErrTimeSyntax, fmt.Sprintf(
				"“%s” needs a clock time after it, such as “%s 09:00”", toks[0].text, toks[0].text)}
		}
		return atZone(toks, 1+n, loc, func(l *time.Location) time.Time {
			return resolveLocal(y, mo, d, h, mi, sec, l)
		})
	}
	if first == "next" && len(toks) > 1 { // "next monday 10:00": the coming Monday
		if day, ok := dayWord(strings.ToLower(toks[1].text)); ok && day >= 10 {
			return dayClock(toks, 2, day, now, loc)
		}
	}
	if day, ok := dayWord(first); ok {
		return dayClock(toks, 1, day, now, loc)
	}
	if y, mo, d, n, ok := monthDate(toks); ok {
		return onMonthDate(toks, y, mo, d, n, now, loc)
	}
	if h, mi, sec, n, ok := clockTokens(toks); ok {
		if n < len(toks) { // "9am tomorrow", "noon friday": the day comes after the clock
			if day, ok := dayWord(strings.ToLower(toks[n].text)); ok {
				return atZone(toks, n+1, loc, func(l *time.Location) time.Time {
					return onDay(day, h, mi, sec, now, l)
				})
			}
		}
		return atZone(toks, n, loc, func(l *time.Location) time.Time {
			return nextClock(h, mi, sec, now, l)
		})
	}
	return time.Time{}, 0, syntaxError(toks[0].text)
}

func syntaxError(word string) error {
	return &timeError{ErrTimeSyntax, fmt.Sprintf("“%s” is not a time I understand; use %s", short(word), whenExamples)}
}

// atZone reads an optional zone word after the n tokens already used and builds the time in
// that zone, or in loc.
func atZone(toks []token, n int, loc *time.Location, build func(*time.Location) time.Time) (time.Time, int, error) {
	if n < len(toks) {
		if z, ok := parseZone(toks[n].text); ok {
			return build(z), n + 1, nil
		}
	}
	return build(loc), n, nil
}

var dateRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})`)

// parseDate reads a YYYY-MM-DD prefix of s, checking the day exists.
func parseDate(s string) (int, time.Month, int, bool) {
	m := dateRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, 0, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != mo || t.Day() != d {
		return 0, 0, 0, false
	}
	return y, time.Month(mo), d, true
}

var clockRE = regexp.MustCompile(`^(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?(am|pm|a\.m\.|p\.m\.)?$`)

// parseClock reads a whole clock word: 9:30, 09:30:15, 9am, 9:30pm. A leading sep ("T" after
// a date) is required when given. A bare number without a colon or am/pm is not a clock.
func parseClock(s, sep string) (h, m, sec int, ok bool) {
	if sep != "" {
		if !strings.HasPrefix(strings.ToUpper(s), sep) {
			return 0, 0, 0, false
		}
		s = s[len(sep):]
	}
	g := clockRE.FindStringSubmatch(strings.ToLower(s))
	if g == nil || (g[2] == "" && g[4] == "") {
		return 0, 0, 0, false
	}
	h, _ = strconv.Atoi(g[1])
	m, _ = strconv.Atoi(g[2])
	sec, _ = strconv.Atoi(g[3])
	if m > 59 || sec > 59 {
		return 0, 0, 0, false
	}
	h, ok = applyMeridiem(h, g[4])
	return h, m, sec, ok
}

// applyMeridiem turns a 12-hour clock into a 24-hour one; without am/pm h must be 0–23.
func applyMeridiem(h int, mer string) (int, bool) {
	switch {
	case mer == "":
		return h, h <= 23
	case h < 1 || h > 12:
		return 0, false
	case mer[0] == 'a':
		return h % 12, true
	default:
		return h%12 + 12, true
	}
}

// clockTokens reads a clock time from the first one or two tokens ("9:30", "9:30 pm", "9 pm").
func clockTokens(toks []token) (h, m, sec, n int, ok bool) {
	if len(toks) == 0 {
		return 0, 0, 0, 0, false
	}
	if h, ok := clockWord(toks[0].text); ok {
		return h, 0, 0, 1, true
	}
	if len(toks) > 1 {
		mer := strings.ToLower(toks[1].text)
		if mer == "am" || mer == "pm" || mer == "a.m." || mer == "p.m." {
			if h, m, sec, ok := parseClock(toks[0].text+mer, ""); ok {
				return h, m, sec, 2, true
			}
		}
	}
	h, m, sec, ok = parseClock(toks[0].text, "")
	return h, m, sec, 1, ok
}

var offsetRE = regexp.MustCompile(`^([+-])(\d{2}):?(\d{2})?$`)
var ianaRE = regexp.MustCompile(`^[A-Za-z_]+(/[A-Za-z0-9_+-]+)+$`)

// parseZone reads a zone word: UTC, GMT, +01:00, -0500, +01, or an IANA name. A lone "Z"
// is not one: it is more likely the first word of the post than a zone.
func parseZone(s string) (*time.Location, bool) {
	switch strings.ToUpper(s) {
	case "UTC", "GMT":
		return time.UTC, true
	}
	if g := offsetRE.FindStringSubmatch(s); g != nil {
		h, _ := strconv.Atoi(g[2])
		m, _ := strconv.Atoi(g[3])
		if h > 14 || m > 59 {
			return nil, false
		}
		off := h*3600 + m*60
		if g[1] == "-" {
			off = -off
		}
		return time.FixedZone(s, off), true
	}
	if ianaRE.MatchString(s) && len(s) <= 64 {
		if l, err := time.LoadLocation(s); err == nil {
			return l, true
		}
	}
	return nil, false
}

// dayWord maps today, tomorrow and weekday names to a day: 0 today, 1 tomorrow, or
// 10+weekday for a named weekday.
func dayWord(w string) (int, bool) {
	switch w {
	case "today":
		return 0, true
	case "tomorrow", "tmrw":
		return 1, true
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if w == name || w == name[:3] {
			return 10 + int(d), true
		}
	}
	return 0, false
}

// onDay builds the clock time on today, tomorrow, or the next named weekday whose clock time
// is still ahead (monday 09:00 said on a Monday at 08:00 is today).
func onDay(day, h, m, sec int, now time.Time, loc *time.Location) time.Time {
	n := now.In(loc)
	y, mo, d := n.Date()
	if day < 10 {
		return resolveLocal(y, mo, d+day, h, m, sec, loc)
	}
	ahead := (day - 10 - int(n.Weekday()) + 7) % 7
	t := resolveLocal(y, mo, d+ahead, h, m, sec, loc)
	if !t.After(now) {
		t = resolveLocal(y, mo, d+ahead+7, h, m, sec, loc)
	}
	return t
}

// nextClock is the first instant after now at which the clock in loc shows h:m:sec.
func nextClock(h, m, sec int, now time.Time, loc *time.Location) time.Time {
	n := now.In(loc)
	y, mo, d := n.Date()
	t := resolveLocal(y, mo, d, h, m, sec, loc)
	if !t.After(now) {
		t = resolveLocal(y, mo, d+1, h, m, sec, loc)
	}
	return t
}

// resolveLocal is recur.ResolveLocal: one answer for clock times DST skips or repeats, shared
// by one-off times and recurring series.
func resolveLocal(y int, mo time.Month, d, h, m, sec int, loc *time.Location) time.Time {
	return recur.ResolveLocal(y, mo, d, h, m, sec, loc)
}
