package bot

import "time"

// FormatWhen renders t for the echo a person gets after scheduling: the absolute time in loc
// with its zone, and the same instant in UTC so people in other zones can check it, e.g.
// "Tue 1 Dec 2026 09:00 CET (08:00 UTC)". The UTC part names the day when it differs, and is
// left out when loc is UTC. A nil loc means UTC.
func FormatWhen(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	s := l.Format("Mon 2 Jan 2006 15:04 MST")
	if name, off := l.Zone(); name == "UTC" && off == 0 {
		return s
	}
	u := t.UTC()
	if u.YearDay() == l.YearDay() && u.Year() == l.Year() {
		return s + u.Format(" (15:04 UTC)")
	}
	return s + u.Format(" (Mon 2 Jan 15:04 UTC)")
}

// shortWhen is the compact form used inside error messages: "Mon 1 Dec 09:00 CET".
func shortWhen(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("Mon 2 Jan 15:04 MST")
}
