// Package slots reads and writes the weekly posting-slot specs people type, in chat
// (`slots set mon-fri 09:00,12:30,17:00`), on the command line and in the REST API, as the
// minutes of the week storage.SlotWeek keeps. The zone is not part of a spec: the schedule is
// read in the zone of the person who sets it.
//
// The grammar: one or more groups separated by ";", each days then times.
//
//	days:  mon … sun (or full names; tue/tues, thu/thur/thurs), ranges such as mon-fri or
//	       fri-mon (wrapping), lists such as mon,wed,fri; daily, every day, weekdays, weekends
//	times: 24-hour 09:00 or 9:00, or 9am, 9:30pm, noon, midnight; separated by commas
//
// Examples: "mon-fri 09:00,12:30,17:00", "mon,wed,fri 10:00", "daily 08:00",
// "weekdays 9am, 5pm; sat 11:00".
package slots

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxPerWeek bounds a schedule: a slot every 15 minutes, every day.
const MaxPerWeek = 7 * 96

// maxSpec bounds the spec's length, so a pasted essay is refused before it is read.
const maxSpec = 2000

// Error is a spec that cannot be read; its message says what is wrong for a person.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func fail(format string, args ...any) error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Parse reads a spec into sorted, unique minutes of the week from Sunday 00:00 (storage's
// SlotWeek.Minutes). Every error is an *Error.
func Parse(spec string) ([]int, error) {
	if len(spec) > maxSpec {
		return nil, fail("that schedule is over %d characters; give days and times such as “mon-fri 09:00,17:00”", maxSpec)
	}
	if !utf8.ValidString(spec) {
		return nil, fail("that schedule is not readable text")
	}
	var out []int
	groups := strings.FieldsFunc(spec, func(r rune) bool { return r == ';' || r == '\n' })
	if len(groups) == 0 {
		return nil, fail("give days and times, such as “mon-fri 09:00,12:30,17:00” or “daily 08:00”")
	}
	for _, g := range groups {
		ms, err := parseGroup(g)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxPerWeek {
		return nil, fail("that is %d slots a week; at most %d (one every 15 minutes) are allowed", len(out), MaxPerWeek)
	}
	return out, nil
}

// parseGroup reads "days times" into minutes of the week.
func parseGroup(g string) ([]int, error) {
	toks := strings.FieldsFunc(strings.ToLower(g), func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' })
	if len(toks) == 0 {
		return nil, fail("an empty part between “;”; give days and times, such as “sat 10:00”")
	}
	var (
		days  [7]bool
		nDays int
		i     int
	)
	for ; i < len(toks); i++ {
		t := toks[i]
		if t == "every" && i+1 < len(toks) && toks[i+1] == "day" {
			t = "daily"
			i++
		}
		ds, ok := parseDays(t)
		if !ok {
			break
		}
		for _, d := range ds {
			days[d] = true
		}
		nDays++
	}
	if nDays == 0 {
		return nil, fail("“%s” is not a day; start with days such as mon-fri, mon,wed,fri, daily, weekdays or weekends", short(toks[0]))
	}
	if i == len(toks) {
		return nil, fail("“%s” has days but no times; add them, such as “%s 09:00,17:00”", short(strings.TrimSpace(g)), short(strings.TrimSpace(g)))
	}
	var clocks []int
	for ; i < len(toks); i++ {
		m, ok := parseClock(toks[i])
		if !ok {
			return nil, fail("“%s” is not a time; write times like 09:00, 17:30 or 9am, after the days", short(toks[i]))
		}
		clocks = append(clocks, m)
	}
	var out []int
	for d, on := range days {
		if !on {
			continue
		}
		for _, c := range clocks {
			out = append(out, d*1440+c)
		}
	}
	return out, nil
}

// dayNames maps every accepted day word to time.Weekday's number (Sunday 0).
var dayNames = map[string]int{
	"sun": 0, "sunday": 0, "mon": 1, "monday": 1, "tue": 2, "tues": 2, "tuesday": 2,
	"wed": 3, "wednesday": 3, "thu": 4, "thur": 4, "thurs": 4, "thursday": 4,
	"fri": 5, "friday": 5, "sat": 6, "saturday": 6,
}

// parseDays reads one day word, range or shorthand.
func parseDays(t string) ([]int, bool) {
	switch t {
	case "daily", "everyday":
		return []int{0, 1, 2, 3, 4, 5, 6}, true
	case "weekdays":
		return []int{1, 2, 3, 4, 5}, true
	case "weekends", "weekend":
		return []int{0, 6}, true
	}
	if d, ok := dayNames[t]; ok {
		return []int{d}, true
	}
	a, b, ok := strings.Cut(t, "-")
	if !ok {
		a, b, ok = strings.Cut(t, "–")
	}
	da, okA := dayNames[a]
	db, okB := dayNames[b]
	if !ok || !okA || !okB {
		return nil, false
	}
	var out []int
	for d := da; ; d = (d + 1) % 7 {
		out = append(out, d)
		if d == db {
			return out, true
		}
	}
}

// parseClock reads 09:00, 9:00, 9am, 9:30pm, noon or midnight as minutes after midnight.
func parseClock(t string) (int, bool) {
	switch t {
	case "noon":
		return 12 * 60, true
	case "midnight":
		return 0, true
	}
	suffix := ""
	for _, s := range []string{"am", "pm", "a.m.", "p.m."} {
		if rest, ok := strings.CutSuffix(t, s); ok {
			t, suffix = rest, s[:1]
			break
		}
	}
	hs, mins, hasMin := strings.Cut(t, ":")
	if !hasMin && suffix == "" {
		return 0, false // a bare number is too easily a typo for a time
	}
	h, err := strconv.Atoi(hs)
	if err != nil || len(hs) == 0 || len(hs) > 2 || hs[0] == '+' || hs[0] == '-' {
		return 0, false
	}
	m := 0
	if hasMin {
		if len(mins) != 2 || mins[0] < '0' || mins[0] > '5' || mins[1] < '0' || mins[1] > '9' {
			return 0, false
		}
		m, _ = strconv.Atoi(mins)
	}
	switch suffix {
	case "":
		if h > 23 {
			return 0, false
		}
	default:
		if h < 1 || h > 12 {
			return 0, false
		}
		h %= 12
		if suffix == "p" {
			h += 12
		}
	}
	return h*60 + m, true
}

func short(s string) string {
	if utf8.RuneCountInString(s) <= 30 {
		return s
	}
	return string([]rune(s)[:29]) + "…"
}

var dayAbbr = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Format writes minutes of the week back as a spec Parse reads to the same minutes: days with
// the same times share a group, consecutive days (Monday first) become ranges, and all seven
// are "daily": "mon-fri 09:00,17:00; sat 10:00".
func Format(minutes []int) string {
	var perDay [7][]int
	for _, m := range minutes {
		if m >= 0 && m < 7*1440 {
			perDay[m/1440] = append(perDay[m/1440], m%1440)
		}
	}
	order := []int{1, 2, 3, 4, 5, 6, 0}
	var groups []string
	done := [7]bool{}
	for i, d := range order {
		if done[d] || len(perDay[d]) == 0 {
			continue
		}
		var same []int
		for _, e := range order[i:] {
			if !done[e] && slices.Equal(perDay[e], perDay[d]) {
				same = append(same, e)
				done[e] = true
			}
		}
		groups = append(groups, formatDays(same, order)+" "+formatClocks(perDay[d]))
	}
	return strings.Join(groups, "; ")
}

// formatDays writes days (in Monday-first order) as ranges and single days.
func formatDays(days, order []int) string {
	if len(days) == 7 {
		return "daily"
	}
	pos := func(d int) int { return slices.Index(order, d) }
	var parts []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && pos(days[j+1]) == pos(days[j])+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, dayAbbr[days[i]]+"-"+dayAbbr[days[j]])
		case j == i+1:
			parts = append(parts, dayAbbr[days[i]], dayAbbr[days[j]])
		default:
			parts = append(parts, dayAbbr[days[i]])
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

func formatClocks(ms []int) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = fmt.Sprintf("%02d:%02d", m/60, m%60)
	}
	return strings.Join(out, ",")
}
