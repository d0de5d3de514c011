package slots_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/ingest/slots"
)

// at is a minute of the week: day 0 (Sunday) to 6, then hour and minute.
func at(day, h, m int) int { return day*1440 + h*60 + m }

func TestParse(t *testing.T) {
	cases := []struct {
		spec string
		want []int
		fmt  string
	}{
		{"mon-fri 09:00,12:30,17:00", []int{
			at(1, 9, 0), at(1, 12, 30), at(1, 17, 0), at(2, 9, 0), at(2, 12, 30), at(2, 17, 0),
			at(3, 9, 0), at(3, 12, 30), at(3, 17, 0), at(4, 9, 0), at(4, 12, 30), at(4, 17, 0),
			at(5, 9, 0), at(5, 12, 30), at(5, 17, 0)}, "mon-fri 09:00,12:30,17:00"},
		{"mon,wed,fri 10:00", []int{at(1, 10, 0), at(3, 10, 0), at(5, 10, 0)}, "mon,wed,fri 10:00"},
		{"Mon, Wed, Fri 10:00", []int{at(1, 10, 0), at(3, 10, 0), at(5, 10, 0)}, "mon,wed,fri 10:00"},
		{"daily 08:00", []int{at(0, 8, 0), at(1, 8, 0), at(2, 8, 0), at(3, 8, 0), at(4, 8, 0), at(5, 8, 0), at(6, 8, 0)}, "daily 08:00"},
		{"every day 8am", []int{at(0, 8, 0), at(1, 8, 0), at(2, 8, 0), at(3, 8, 0), at(4, 8, 0), at(5, 8, 0), at(6, 8, 0)}, "daily 08:00"},
		{"weekends noon", []int{at(0, 12, 0), at(6, 12, 0)}, "sat,sun 12:00"},
		{"fri-mon 9:30pm", []int{at(0, 21, 30), at(1, 21, 30), at(5, 21, 30), at(6, 21, 30)}, "mon,fri-sun 21:30"},
		{"weekdays 9am, 5pm; sat 11:00", []int{
			at(1, 9, 0), at(1, 17, 0), at(2, 9, 0), at(2, 17, 0), at(3, 9, 0), at(3, 17, 0),
			at(4, 9, 0), at(4, 17, 0), at(5, 9, 0), at(5, 17, 0), at(6, 11, 0)}, "mon-fri 09:00,17:00; sat 11:00"},
		{"sunday midnight,12am,00:00", []int{at(0, 0, 0)}, "sun 00:00"},
		{"tues thurs 23:59", []int{at(2, 23, 59), at(4, 23, 59)}, "tue,thu 23:59"},
		{"mon 12pm 12:00", []int{at(1, 12, 0)}, "mon 12:00"},
	}
	for _, c := range cases {
		got, err := slots.Parse(c.spec)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.spec, err)
			continue
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Parse(%q) = %v, want %v", c.spec, got, c.want)
		}
		if f := slots.Format(got); f != c.fmt {
			t.Errorf("Format(Parse(%q)) = %q, want %q", c.spec, f, c.fmt)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	cases := []struct{ spec, says string }{
		{"", "give days and times"},
		{"   ;  ", "give days and times"},
		{"09:00", "is not a day"},
		{"mon-fri", "has days but no times"},
		{"mon-fri 25:00", "“25:00” is not a time"},
		{"mon 9", "“9” is not a time"},
		{"mon 9:5", "is not a time"},
		{"mon 9:60", "is not a time"},
		{"mon 13pm", "is not a time"},
		{"mon 0am", "is not a time"},
		{"mon 09:00 tue", "“tue” is not a time"},
		{"funday 09:00", "“funday” is not a day"},
		{"mon-funday 09:00", "is not a day"},
		{"mon -9:00", "is not a time"},
		{strings.Repeat("mon ", 600), "over 2000 characters"},
		{"daily " + strings.Repeat("00:00,", 0) + allQuarterHoursAndOne(), "at most 672"},
	}
	for _, c := range cases {
		_, err := slots.Parse(c.spec)
		var se *slots.Error
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("Parse(%q) = %v, want an *Error saying %q", c.spec, err, c.says)
		}
	}
}

// allQuarterHoursAndOne is 97 times a day: one more than a slot every 15 minutes.
func allQuarterHoursAndOne() string {
	var b []string
	for m := 0; m < 1440; m += 15 {
		b = append(b, clock(m))
	}
	return strings.Join(append(b, "00:01"), ",")
}

func clock(m int) string {
	return string([]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)})
}

// FuzzParse: whatever the input, Parse answers without panicking; what it accepts is sorted,
// unique and within the week, and Format writes it back as a spec that reads the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"mon-fri 09:00,12:30,17:00", "mon,wed,fri 10:00", "daily 08:00", "every day 9am",
		"weekdays 9am, 5pm; sat 11:00", "fri-mon 9:30pm", "sun–tue noon", "mon 12:00 tue", ";;", "mon 9:00\nsat 1pm"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := slots.Parse(spec)
		if err != nil {
			var se *slots.Error
			if !errors.As(err, &se) || se.Msg == "" {
				t.Fatalf("Parse(%q): error %v is not a readable *Error", spec, err)
			}
			return
		}
		if len(got) == 0 || len(got) > slots.MaxPerWeek {
			t.Fatalf("Parse(%q) accepted %d slots", spec, len(got))
		}
		for i, m := range got {
			if m < 0 || m >= 7*1440 || (i > 0 && m <= got[i-1]) {
				t.Fatalf("Parse(%q) = %v: not sorted, unique minutes of the week", spec, got)
			}
		}
		again, err := slots.Parse(slots.Format(got))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("Format(Parse(%q)) = %q reads as %v, %v; want %v", spec, slots.Format(got), again, err, got)
		}
	})
}
