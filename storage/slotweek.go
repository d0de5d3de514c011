package storage

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"
)

// MinutesPerWeek is the number of minutes in a week; a slot is one of them.
const MinutesPerWeek = 7 * 24 * 60

// SlotHorizon bounds how far ahead a post is placed in a slot: as far as a post may be
// scheduled (ingest's one year), plus a day for the zone's offset.
const SlotHorizon = 366 * 24 * time.Hour

// SlotWeek is an account's weekly schedule of posting slots. The minutes are wall-clock times,
// read in Zone: a slot at Monday 09:00 is at 09:00 local time on both sides of a daylight
// saving change, so its distance from the previous slot in hours changes with the zone.
type SlotWeek struct {
	Zone string // IANA name, e.g. Europe/Berlin; "UTC" for UTC
	// Minutes are minutes of the week counted from Sunday 00:00 (time.Weekday's numbering),
	// sorted and unique: Monday 09:00 is 1*1440 + 540.
	Minutes []int
}

// ErrBadSlotWeek is wrapped by Check for a schedule that cannot be stored.
var ErrBadSlotWeek = errors.New("invalid slot schedule")

// Check reports whether w can be stored: a zone the tz database knows, at least one slot, and
// every minute within the week, sorted and unique.
func (w SlotWeek) Check() error {
	if _, err := w.Location(); err != nil {
		return err
	}
	if len(w.Minutes) == 0 {
		return fmt.Errorf("%w: no slots", ErrBadSlotWeek)
	}
	for i, m := range w.Minutes {
		if m < 0 || m >= MinutesPerWeek || (i > 0 && m <= w.Minutes[i-1]) {
			return fmt.Errorf("%w: minute %d out of order or range", ErrBadSlotWeek, m)
		}
	}
	return nil
}

// Location loads the schedule's zone.
func (w SlotWeek) Location() (*time.Location, error) {
	if w.Zone == "" {
		return nil, fmt.Errorf("%w: no time zone", ErrBadSlotWeek)
	}
	loc, err := time.LoadLocation(w.Zone)
	if err != nil {
		return nil, fmt.Errorf("%w: unknown time zone %q", ErrBadSlotWeek, w.Zone)
	}
	return loc, nil
}

// After yields the slot instants strictly after t and before until, in order. Each is the
// slot's wall-clock time on its local date; a time that does not exist that day (skipped by a
// daylight saving change) is moved forward by the gap (New York's 02:30 on the spring change
// is 03:30 EDT), and yielded once even if it then equals another slot. A time that happens
// twice (autumn) is the one time.Date picks.
func (w SlotWeek) After(t, until time.Time) iter.Seq[time.Time] {
	return func(yield func(time.Time) bool) {
		loc, err := w.Location()
		if err != nil || len(w.Minutes) == 0 {
			return
		}
		local := t.In(loc)
		y, mo, d := local.Date()
		last := t
		var day []time.Time
		for i := 0; ; i++ {
			// Noon is never skipped by a DST change, so it names the local day reliably.
			noon := time.Date(y, mo, d+i, 12, 0, 0, 0, loc)
			if noon.Add(-36 * time.Hour).After(until) {
				return
			}
			wd := int(noon.Weekday())
			day = day[:0]
			lo, _ := slices.BinarySearch(w.Minutes, wd*1440)
			for _, m := range w.Minutes[lo:] {
				if m >= (wd+1)*1440 {
					break
				}
				m %= 1440
				day = append(day, wallClock(y, mo, d+i, m/60, m%60, loc))
			}
			// A skipped wall-clock time moves past later slots of its day: sort again.
			slices.SortFunc(day, time.Time.Compare)
			for _, at := range day {
				if !at.After(last) {
					continue
				}
				if !at.Before(until) {
					return
				}
				last = at
				if !yield(at) {
					return
				}
			}
		}
	}
}

// wallClock is time.Date, except that a wall-clock time skipped by a daylight saving change is
// moved forward by the gap, as people (and cron) expect, where time.Date moves it back.
func wallClock(y int, mo time.Month, d, h, m int, loc *time.Location) time.Time {
	at := time.Date(y, mo, d, h, m, 0, 0, loc)
	asked := time.Date(y, mo, d, h, m, 0, 0, time.UTC)
	got := time.Date(at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), 0, 0, time.UTC)
	if gap := asked.Sub(got); gap > 0 {
		return at.Add(gap)
	}
	return at
}
