package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The phrases people type that are not numbers: "noon", "tomorrow at 9am", "next monday
// 10:00", "Dec 1 09:00", "9am tomorrow". ParseWhen's forms read them through these helpers.

// clockWord reads a named clock time.
func clockWord(w string) (h int, ok bool) {
	switch strings.ToLower(w) {
	case "noon", "midday":
		return 12, true
	case "midnight":
		return 0, true
	}
	return 0, false
}

// skipAt steps over an "at" before a clock time ("tomorrow at 9am").
func skipAt(toks []token, i int) int {
	if i < len(toks) && strings.EqualFold(toks[i].text, "at") {
		return i + 1
	}
	return i
}

// dayClock reads the clock time (after an optional "at") that must follow a day word at
// toks[i-1], and builds it on that day.
func dayClock(toks []token, i, day int, now time.Time, loc *time.Location) (time.Time, int, error) {
	j := skipAt(toks, i)
	h, mi, sec, n, ok := clockTokens(toks[j:])
	if !ok {
		word := strings.ToLower(toks[i-1].text)
		return time.Time{}, 0, &timeError{ErrTimeSyntax, fmt.Sprintf(
			"“%s” needs a clock time after it, such as “%s 09:00” or “%s at 9am”", toks[i-1].text, word, word)}
	}
	return atZone(toks, j+n, loc, func(l *time.Location) time.Time {
		return onDay(day, h, mi, sec, now, l)
	})
}

// monthNames maps English month names and their three-letter forms (and "sept") to months.
var monthNames = func() map[string]time.Month {
	m := map[string]time.Month{"sept": time.September}
	for mo := time.January; mo <= time.December; mo++ {
		name := strings.ToLower(mo.String())
		m[name], m[name[:3]] = mo, mo
	}
	return m
}()

// dayOfMonth reads "1", "1st", "22nd", "3rd", "4th" (a trailing comma allowed).
func dayOfMonth(w string) (int, bool) {
	w = strings.TrimSuffix(strings.ToLower(w), ",")
	for _, suffix := range []string{"st", "nd", "rd", "th"} {
		w = strings.TrimSuffix(w, suffix)
	}
	d, err := strconv.Atoi(w)
	return d, err == nil && d >= 1 && d <= 31 && len(w) <= 2
}

// monthDate reads "Dec 1", "December 1st", "1 Dec", each optionally followed by a year
// ("Dec 1, 2026"). year is 0 when none was given. used counts the tokens read.
func monthDate(toks []token) (year int, mo time.Month, day, used int, ok bool) {
	if len(toks) < 2 {
		return 0, 0, 0, 0, false
	}
	first, second := strings.ToLower(toks[0].text), strings.ToLower(toks[1].text)
	if m, isMonth := monthNames[strings.TrimSuffix(first, ".")]; isMonth {
		if d, isDay := dayOfMonth(second); isDay {
			mo, day, used = m, d, 2
		}
	} else if d, isDay := dayOfMonth(first); isDay {
		if m, isMonth := monthNames[strings.TrimSuffix(strings.TrimSuffix(second, ","), ".")]; isMonth {
			mo, day, used = m, d, 2
		}
	}
	if used == 0 {
		return 0, 0, 0, 0, false
	}
	if used < len(toks) {
		if y, err := strconv.Atoi(strings.TrimSuffix(toks[used].text, ",")); err == nil && y >= 2000 && y <= 2999 {
			year, used = y, used+1
		}
	}
	return year, mo, day, used, true
}

// onMonthDate builds "Dec 1 09:00": the given year, or this year's date when it is still
// ahead, else next year's. A day the month does not have ("Feb 30") is refused.
func onMonthDate(toks []token, year int, mo time.Month, day, used int, now time.Time, loc *time.Location) (time.Time, int, error) {
	j := skipAt(toks, used)
	h, mi, sec, n, ok := clockTokens(toks[j:])
	if !ok {
		return time.Time{}, 0, &timeError{ErrTimeSyntax, fmt.Sprintf(
			"“%s %s” needs a clock time after it, such as “%s %s 09:00”", toks[0].text, toks[1].text, toks[0].text, toks[1].text)}
	}
	y := year
	if y == 0 {
		y = now.In(loc).Year()
	}
	if time.Date(y, mo, day, 0, 0, 0, 0, time.UTC).Day() != day {
		return time.Time{}, 0, &timeError{ErrTimeSyntax, fmt.Sprintf("%s has no day %d", mo, day)}
	}
	return atZone(toks, j+n, loc, func(l *time.Location) time.Time {
		t := resolveLocal(y, mo, day, h, mi, sec, l)
		if year == 0 && !t.After(now) {
			t = resolveLocal(y+1, mo, day, h, mi, sec, l)
		}
		return t
	})
}
