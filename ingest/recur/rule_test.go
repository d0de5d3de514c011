package recur

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, canon, rest string
	}{
		{"monday 09:00 Weekly notes", "week mon 09:00", "Weekly notes"},
		{"day 18:00 Evening", "day 18:00", "Evening"},
		{"DAY at 6pm x", "day 18:00", "x"},
		{"3 days 07:15 x", "3 days 07:15", "x"},
		{"2 weeks monday 09:00 Sprint review", "2 weeks mon 09:00", "Sprint review"},
		{"week fri 17:00 x", "week fri 17:00", "x"},
		{"weekday 08:30 Standup\nline two", "week mon,tue,wed,thu,fri 08:30", "Standup\nline two"},
		{"weekdays 8:30am x", "week mon,tue,wed,thu,fri 08:30", "x"},
		{"thu,mon 9am x", "week mon,thu 09:00", "x"},
		{"mondays noon x", "week mon 12:00", "x"},
		{"sunday midnight x", "week sun 00:00", "x"},
		{"day 09:00 until 2027-03-01 x", "day 09:00 until 2027-03-01", "x"},
		{"day 09:00 times 10 x", "day 09:00 times 10", "x"},
		{"day 09:00 times 3 until 2027-01-01 x", "day 09:00 until 2027-01-01 times 3", "x"},
		{"day 09:00 until 2027-03-01", "day 09:00 until 2027-03-01", ""},
		{"day 12:30pm x", "day 12:30", "x"},
		{"day 12am x", "day 00:00", "x"},
	} {
		r, rest, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if r.String() != tc.canon || rest != tc.rest {
			t.Errorf("Parse(%q) = %q, rest %q; want %q, %q", tc.in, r.String(), rest, tc.canon, tc.rest)
		}
		again, left, err := Parse(r.String())
		if err != nil || left != "" || again.String() != r.String() {
			t.Errorf("canonical %q does not read back: %q %q %v", r.String(), again.String(), left, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "is not a day, week or weekday"},
		{"fortnight 09:00 x", "“fortnight” is not a day"},
		{"monday x", "give the time of day"},
		{"monday 25:00 x", "“25:00” is not one"},
		{"monday 9 x", "“9” is not one"},
		{"monday 13pm x", "is not one"},
		{"0 days 09:00 x", "must count from 1"},
		{"2 weeks 09:00 x", "say which day of the week"},
		{"2 monday 09:00 x", "write “every 2 weeks monday”"},
		{"3 weekdays 09:00 x", "every 3 weekdays"},
		{"400 days 09:00 x", "too far apart"},
		{"53 weeks mon 09:00 x", "too far apart"},
		{"day 09:00 until tomorrow x", "“until” takes a date"},
		{"day 09:00 times 0 x", "“times” takes a number"},
		{"day 09:00 times 1001 x", "from 1 to 1000"},
		{"day 09:00 times 2 times 3 x", "only once"},
		{"day 09:00 until 2027-01-01 until 2027-02-01 x", "only once"},
		{"mon,funday 09:00 x", "is not a day"},
	} {
		_, _, err := Parse(tc.in)
		if err == nil || !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v; want an ErrSyntax containing %q", tc.in, err, tc.want)
		}
	}
}

// FuzzParse: no input panics Parse; a rule it accepts reads back from its canonical form,
// rest is a suffix of the input, and Next finds an occurrence after any instant (or stops
// at Until) in a zone with DST.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"monday 09:00 x", "2 weeks mon,thu 9am x", "weekday 08:30 x", "day 18:00 until 2027-03-01 x", "3 days noon times 4 x", "", "9 9 9"} {
		f.Add(s)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, rest, err := Parse(in)
		if err != nil {
			if !errors.Is(err, ErrSyntax) || err.Error() == "" {
				t.Fatalf("Parse(%q) error %v is not ErrSyntax", in, err)
			}
			return
		}
		if !strings.HasSuffix(in, rest) {
			t.Fatalf("Parse(%q) rest %q is not a suffix", in, rest)
		}
		again, left, err := Parse(r.String())
		if err != nil || left != "" || again.String() != r.String() {
			t.Fatalf("Parse(%q): canonical %q does not read back: %v", in, r.String(), err)
		}
		now := time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC)
		start := DateOf(now, paris)
		at, ok := r.Next(now, paris, start)
		if ok && !at.After(now) {
			t.Fatalf("Parse(%q): Next(%s) = %s, not after", in, now, at)
		}
		if !ok && r.Until.IsZero() {
			t.Fatalf("Parse(%q): no occurrence and no end", in)
		}
		if ok {
			if l := at.In(paris); l.Minute() != r.Minute {
				t.Fatalf("Parse(%q): occurrence %s is not at minute %d", in, l, r.Minute)
			}
		}
	})
}
