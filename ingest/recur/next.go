package recur

import "time"

// Date is a civil date (no zone): year, month and day in UTC fields at midnight.
type Date = time.Time

// DateOf is t's civil date in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) { return time.Parse("2006-01-02", s) }

// searchDays bounds Next's walk: the longest gap a rule allows, plus a week.
const searchDays = maxIntervalWeeks*7 + maxIntervalDays + 7

// Next is the first occurrence strictly after after, in loc, of a rule whose phase starts on
// start (the series' first day: "every 2 weeks" counts weeks from start's week, "every 3 days"
// days from start). Times are wall-clock: 09:00 stays 09:00 local across a DST change. A time
// the change skips is moved forward by the gap and a repeated one is the earlier instant (as
// RFC 5545 does). ok is false once the rule's Until date is past. Times is the caller's to
// count.
func (r Rule) Next(after time.Time, loc *time.Location, start Date) (at time.Time, ok bool) {
	day := DateOf(after, loc)
	if day.Before(start) {
		day = start
	}
	for range searchDays {
		if !r.Until.IsZero() && day.After(r.Until) {
			return time.Time{}, false
		}
		if r.matches(day, start) {
			t := ResolveLocal(day.Year(), day.Month(), day.Day(), r.Hour, r.Minute, 0, loc)
			if t.After(after) {
				return t, true
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, false
}

// matches tells whether the rule falls on day.
func (r Rule) matches(day, start Date) bool {
	if r.Unit == Days {
		return daysBetween(start, day)%r.Interval == 0
	}
	wd := day.Weekday()
	found := false
	for _, d := range r.Weekdays {
		found = found || d == wd
	}
	if !found {
		return false
	}
	weeks := daysBetween(mondayOf(start), mondayOf(day)) / 7
	return weeks%r.Interval == 0
}

func daysBetween(a, b Date) int { return int(b.Sub(a).Hours()+0.5) / 24 }

func mondayOf(d Date) Date { return d.AddDate(0, 0, -mondayFirst(d.Weekday())) }

// ResolveLocal is time.Date with a documented answer for clock times that DST skips or
// repeats (time.Date leaves that choice unspecified): a skipped time uses the offset before
// the gap, a repeated time is the earlier instant. It assumes at most one transition within a
// day of the given time, which holds for every zone in the tz database. The chat's one-off
// times (bot) use it too, so a series and a single post at the same wall-clock time agree.
func ResolveLocal(y int, mo time.Month, d, h, m, sec int, loc *time.Location) time.Time {
	wall := time.Date(y, mo, d, h, m, sec, 0, time.UTC)
	offsetAt := func(t time.Time) int { _, off := t.In(loc).Zone(); return off }
	before := offsetAt(wall.Add(-24 * time.Hour))
	after := offsetAt(wall.Add(24 * time.Hour))
	t1 := wall.Add(-time.Duration(before) * time.Second)
	t2 := wall.Add(-time.Duration(after) * time.Second)
	ok1, ok2 := offsetAt(t1) == before, offsetAt(t2) == after
	switch {
	case ok1 && ok2 && t2.Before(t1):
		return t2.In(loc)
	case ok1 || !ok2:
		return t1.In(loc) // the only reading, the earlier of two, or a gap (offset before it)
	default:
		return t2.In(loc)
	}
}
