package bot

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Durations after "in": "in 2h", "in 1h30m", "in 90 minutes", "in 1 day 2 hours".

// parseIn reads the duration after "in": compact words (2h, 1h30m, 1d) or a number and a unit
// word (90 minutes, an hour), one or more in a row. It returns the tokens used, counting "in".
func parseIn(toks []token, now time.Time, loc *time.Location) (time.Time, int, error) {
	var days int
	var dur time.Duration
	n := 0
	for n < len(toks) {
		d, du, used, ok := durationComponent(toks[n:])
		if !ok {
			break
		}
		days, dur, n = days+d, dur+du, n+used
	}
	if n == 0 {
		return time.Time{}, 0, &timeError{ErrTimeSyntax,
			"after “in” give a duration such as 2h, 45m, 1d, 1h30m or “90 minutes”"}
	}
	at := now
	if days > 0 {
		l := now.In(loc)
		y, mo, d := l.Date()
		at = resolveLocal(y, mo, d+days, l.Hour(), l.Minute(), l.Second(), loc).
			Add(time.Duration(l.Nanosecond()))
	}
	return at.Add(dur), n + 1, nil
}

var compactRE = regexp.MustCompile(`^(?:\d{1,6}[a-z]+)+$`)
var compactPartRE = regexp.MustCompile(`(\d{1,6})([a-z]+)`)

// durationComponent reads one duration from the front of toks: a compact word such as 1h30m
// (one token) or a number and a unit word such as "90 minutes" (two tokens).
func durationComponent(toks []token) (days int, dur time.Duration, used int, ok bool) {
	w := strings.ToLower(toks[0].text)
	if compactRE.MatchString(w) {
		for _, p := range compactPartRE.FindAllStringSubmatch(w, -1) {
			num, _ := strconv.Atoi(p[1])
			d, du, ok := unitAmount(num, p[2])
			if !ok {
				return 0, 0, 0, false
			}
			days, dur = days+d, dur+du
		}
		return days, dur, 1, true
	}
	if len(toks) < 2 {
		return 0, 0, 0, false
	}
	num, err := strconv.Atoi(w)
	if w == "a" || w == "an" {
		num, err = 1, nil
	}
	if err != nil || num < 0 || len(w) > 6 {
		return 0, 0, 0, false
	}
	days, dur, ok = unitAmount(num, strings.ToLower(toks[1].text))
	return days, dur, 2, ok
}

// unitAmount turns num of a unit into calendar days (days, weeks) or elapsed time.
func unitAmount(num int, unit string) (int, time.Duration, bool) {
	switch unit {
	case "m", "min", "mins", "minute", "minutes":
		return 0, time.Duration(num) * time.Minute, true
	case "h", "hr", "hrs", "hour", "hours":
		return 0, time.Duration(num) * time.Hour, true
	case "d", "day", "days":
		return num, 0, true
	case "w", "wk", "wks", "week", "weeks":
		return 7 * num, 0, true
	}
	return 0, 0, false
}
