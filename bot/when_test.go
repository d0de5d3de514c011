package bot

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the zones below must not depend on the machine's zoneinfo
)

// testNow is a Monday morning, 09:02 UTC (10:02 in Paris, 04:02 in New York).
var testNow = time.Date(2026, 11, 23, 9, 2, 0, 0, time.UTC)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return l
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %s: %v", s, err)
	}
	return v
}

type whenCase struct {
	name string
	in   string
	loc  string    // zone name; "" means nil (UTC)
	now  time.Time // zero means testNow
	want string    // RFC 3339 instant
	rest string
}

func whenCases() []whenCase {
	return []whenCase{
		{name: "rfc3339 Z", in: "2026-12-01T09:00:00Z hello", want: "2026-12-01T09:00:00Z", rest: "hello"},
		{name: "rfc3339 offset", in: "2026-12-01T09:00:00+01:00 x", loc: "America/New_York", want: "2026-12-01T08:00:00Z", rest: "x"},
		{name: "rfc3339 no seconds", in: "2026-12-01T09:00+01:00 x", want: "2026-12-01T08:00:00Z", rest: "x"},
		{name: "rfc3339 no seconds Z", in: "2026-12-01T09:00Z x", loc: "Europe/Paris", want: "2026-12-01T09:00:00Z", rest: "x"},
		{name: "lone Z is text", in: "2026-12-01 09:00 Z is for zebra", want: "2026-12-01T09:00:00Z", rest: "Z is for zebra"},
		{name: "rfc3339 lower case", in: "2026-12-01t09:00:00z x", want: "2026-12-01T09:00:00Z", rest: "x"},
		{name: "rfc3339 fraction", in: "2026-12-01T09:00:00.5Z", want: "2026-12-01T09:00:00.5Z", rest: ""},
		{name: "date T clock local", in: "2026-12-01T09:00 hi", loc: "Europe/Paris", want: "2026-12-01T08:00:00Z", rest: "hi"},
		{name: "date clock local", in: "2026-12-01 09:00 hi there", loc: "Europe/Paris", want: "2026-12-01T08:00:00Z", rest: "hi there"},
		{name: "date clock seconds", in: "2026-12-01 09:00:30 hi", want: "2026-12-01T09:00:30Z", rest: "hi"},
		{name: "date clock UTC word", in: "2026-12-01 09:00 UTC hi", loc: "Europe/Paris", want: "2026-12-01T09:00:00Z", rest: "hi"},
		{name: "date clock offset word", in: "2026-12-01 09:00 +05:30 hi", want: "2026-12-01T03:30:00Z", rest: "hi"},
		{name: "date clock compact offset", in: "2026-12-01 09:00 -0500 hi", want: "2026-12-01T14:00:00Z", rest: "hi"},
		{name: "date clock iana", in: "2026-12-01 09:00 America/New_York hi", loc: "Europe/Paris", want: "2026-12-01T14:00:00Z", rest: "hi"},
		{name: "date clock not a zone", in: "2026-12-01 09:00 and/or more", want: "2026-12-01T09:00:00Z", rest: "and/or more"},
		{name: "date clock pm", in: "2026-12-01 9:15 pm x", want: "2026-12-01T21:15:00Z", rest: "x"},
		{name: "in 2h", in: "in 2h hi", want: "2026-11-23T11:02:00Z", rest: "hi"},
		{name: "in 45m", in: "in 45m hi", want: "2026-11-23T09:47:00Z", rest: "hi"},
		{name: "in 1d", in: "in 1d hi", want: "2026-11-24T09:02:00Z", rest: "hi"},
		{name: "in 1h30m", in: "in 1h30m hi", want: "2026-11-23T10:32:00Z", rest: "hi"},
		{name: "in 90 minutes", in: "in 90 minutes hi", want: "2026-11-23T10:32:00Z", rest: "hi"},
		{name: "in 2 hours", in: "in 2 hours", want: "2026-11-23T11:02:00Z", rest: ""},
		{name: "in an hour words", in: "in an hour news", want: "2026-11-23T10:02:00Z", rest: "news"},
		{name: "in 1 day 2 hours", in: "in 1 day 2 hours x", want: "2026-11-24T11:02:00Z", rest: "x"},
		{name: "in 1h 30m spaced", in: "in 1h 30m x", want: "2026-11-23T10:32:00Z", rest: "x"},
		{name: "in 2w", in: "in 2w x", want: "2026-12-07T09:02:00Z", rest: "x"},
		{name: "in upper case", in: "IN 2H X", want: "2026-11-23T11:02:00Z", rest: "X"},
		{name: "in 52w within a year", in: "in 52w x", want: "2027-11-22T09:02:00Z", rest: "x"},
		{name: "in 1d keeps the clock across DST", in: "in 1d x", loc: "Europe/Paris",
			now: time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), want: "2026-03-29T08:00:00Z", rest: "x"},
		{name: "in 24h is elapsed time across DST", in: "in 24h x", loc: "Europe/Paris",
			now: time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), want: "2026-03-29T09:00:00Z", rest: "x"},
		{name: "today", in: "today 17:30 hi", loc: "Europe/Paris", want: "2026-11-23T16:30:00Z", rest: "hi"},
		{name: "tomorrow", in: "tomorrow 09:00 hi", loc: "Europe/Paris", want: "2026-11-24T08:00:00Z", rest: "hi"},
		{name: "tomorrow nil loc", in: "Tomorrow 09:00 hi", want: "2026-11-24T09:00:00Z", rest: "hi"},
		{name: "tomorrow 9am", in: "tomorrow 9am x", want: "2026-11-24T09:00:00Z", rest: "x"},
		{name: "tomorrow 9:30 pm", in: "tomorrow 9:30 PM x", want: "2026-11-24T21:30:00Z", rest: "x"},
		{name: "tomorrow 12am", in: "tomorrow 12am x", want: "2026-11-24T00:00:00Z", rest: "x"},
		{name: "tomorrow 12pm", in: "tomorrow 12pm x", want: "2026-11-24T12:00:00Z", rest: "x"},
		{name: "tomorrow a.m.", in: "tomorrow 7 a.m. x", want: "2026-11-24T07:00:00Z", rest: "x"},
		{name: "tomorrow zone", in: "tomorrow 09:00 Europe/Paris x", want: "2026-11-24T08:00:00Z", rest: "x"},
		{name: "clock later today", in: "10:00 x", want: "2026-11-23T10:00:00Z", rest: "x"},
		{name: "clock passed means tomorrow", in: "09:00 x", want: "2026-11-24T09:00:00Z", rest: "x"},
		{name: "clock in zone", in: "9:30 x", loc: "America/New_York", want: "2026-11-23T14:30:00Z", rest: "x"},
		{name: "clock pm attached", in: "5pm x", want: "2026-11-23T17:00:00Z", rest: "x"},
		{name: "weekday today still ahead", in: "monday 10:00 x", want: "2026-11-23T10:00:00Z", rest: "x"},
		{name: "weekday today passed", in: "Monday 09:00 x", want: "2026-11-30T09:00:00Z", rest: "x"},
		{name: "weekday short", in: "fri 17:00 x", want: "2026-11-27T17:00:00Z", rest: "x"},
		{name: "weekday sunday", in: "sunday 8am x", want: "2026-11-29T08:00:00Z", rest: "x"},
		// The phrases people type (issue 19). testNow is Monday 23 Nov 2026, 09:02 UTC.
		{name: "tomorrow at 9am", in: "tomorrow at 9am x", want: "2026-11-24T09:00:00Z", rest: "x"},
		{name: "tomorrow at 9am in Paris", in: "tomorrow at 9am x", loc: "Europe/Paris", want: "2026-11-24T08:00:00Z", rest: "x"},
		{name: "noon today", in: "noon x", loc: "America/New_York", want: "2026-11-23T17:00:00Z", rest: "x"},
		{name: "noon passed means tomorrow", in: "noon x", loc: "Asia/Tokyo", want: "2026-11-24T03:00:00Z", rest: "x"},
		{name: "midnight", in: "midnight x", want: "2026-11-24T00:00:00Z", rest: "x"},
		{name: "at 5pm", in: "at 5pm x", want: "2026-11-23T17:00:00Z", rest: "x"},
		{name: "at noon tomorrow", in: "at noon tomorrow x", want: "2026-11-24T12:00:00Z", rest: "x"},
		{name: "next monday", in: "next monday 10:00 x", want: "2026-11-23T10:00:00Z", rest: "x"},
		{name: "next monday passed", in: "next Monday at 9am x", want: "2026-11-30T09:00:00Z", rest: "x"},
		{name: "next friday in zone", in: "next fri 17:00 x", loc: "Europe/Berlin", want: "2026-11-27T16:00:00Z", rest: "x"},
		{name: "month day", in: "Dec 1 09:00 x", want: "2026-12-01T09:00:00Z", rest: "x"},
		{name: "month day in zone", in: "Dec 1 09:00 x", loc: "Europe/Paris", want: "2026-12-01T08:00:00Z", rest: "x"},
		{name: "full month ordinal", in: "December 1st at 9pm x", want: "2026-12-01T21:00:00Z", rest: "x"},
		{name: "day first", in: "1 Dec 09:00 x", want: "2026-12-01T09:00:00Z", rest: "x"},
		{name: "month day year", in: "Dec 1, 2026 09:00 x", want: "2026-12-01T09:00:00Z", rest: "x"},
		{name: "month day passed is next year", in: "Nov 1 09:00 x", want: "2027-11-01T09:00:00Z", rest: "x"},
		{name: "month day across DST", in: "Mar 29 09:00 x", loc: "Europe/Paris", want: "2027-03-29T07:00:00Z", rest: "x"},
		{name: "clock then tomorrow", in: "9am tomorrow x", want: "2026-11-24T09:00:00Z", rest: "x"},
		{name: "clock then weekday", in: "9:30 friday x", loc: "America/New_York", want: "2026-11-27T14:30:00Z", rest: "x"},
		{name: "rest keeps newlines", in: "in 2h\nline one\n\nline two\n", want: "2026-11-23T11:02:00Z", rest: "line one\n\nline two\n"},
		{name: "leading space", in: "  in 2h   x  y", want: "2026-11-23T11:02:00Z", rest: "x  y"},
		{name: "DST gap Paris moves forward", in: "2026-03-29 02:30 x", loc: "Europe/Paris",
			now: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC), want: "2026-03-29T01:30:00Z", rest: "x"},
		{name: "DST overlap Paris takes the first", in: "2026-10-25 02:30 x", loc: "Europe/Paris",
			now: time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), want: "2026-10-25T00:30:00Z", rest: "x"},
		{name: "DST gap New York", in: "2026-03-08 02:30 x", loc: "America/New_York",
			now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), want: "2026-03-08T07:30:00Z", rest: "x"},
		{name: "DST overlap New York", in: "2026-11-01 01:30 x", loc: "America/New_York",
			now: time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), want: "2026-11-01T05:30:00Z", rest: "x"},
		{name: "DST after overlap unambiguous", in: "2026-10-25 03:30 x", loc: "Europe/Paris",
			now: time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC), want: "2026-10-25T02:30:00Z", rest: "x"},
	}
}

func TestParseWhen(t *testing.T) {
	for _, tc := range whenCases() {
		t.Run(tc.name, func(t *testing.T) {
			var loc *time.Location
			if tc.loc != "" {
				loc = mustLoc(t, tc.loc)
			}
			now := tc.now
			if now.IsZero() {
				now = testNow
			}
			at, rest, err := ParseWhen(tc.in, now, loc)
			if err != nil {
				t.Fatalf("ParseWhen(%q): %v", tc.in, err)
			}
			if want := mustTime(t, tc.want); !at.Equal(want) {
				t.Errorf("ParseWhen(%q) at = %s, want %s", tc.in, at.UTC().Format(time.RFC3339Nano), tc.want)
			}
			if rest != tc.rest {
				t.Errorf("ParseWhen(%q) rest = %q, want %q", tc.in, rest, tc.rest)
			}
		})
	}
}

func TestParseWhenErrors(t *testing.T) {
	cases := []struct {
		name, in string
		kind     error
		mention  string // a piece the message must contain
	}{
		{"empty", "", ErrTimeSyntax, "give a time"},
		{"blank", "   ", ErrTimeSyntax, "give a time"},
		{"word", "soon hello", ErrTimeSyntax, "“soon” is not a time"},
		{"in alone", "in", ErrTimeSyntax, "after “in”"},
		{"in word", "in soon", ErrTimeSyntax, "after “in”"},
		{"in bad unit", "in 2x hi", ErrTimeSyntax, "after “in”"},
		{"in glued", "in 2hours!", ErrTimeSyntax, "after “in”"},
		{"in seconds", "in 30s", ErrTimeSyntax, "after “in”"},
		{"in unit with colon", "in an hour: news", ErrTimeSyntax, "after “in”"},
		{"in zero", "in 0m", ErrTimePast, "already past"},
		{"past today", "today 08:00 hi", ErrTimePast, "that time (Mon 23 Nov 08:00 UTC) is already past"},
		{"past absolute", "2026-11-01T09:00:00Z hi", ErrTimePast, "in 2h"},
		{"now is past", "2026-11-23T09:02:00Z hi", ErrTimePast, "already past"},
		{"too far", "2027-12-01 09:00 hi", ErrTimeTooFar, "more than a year"},
		{"too far in", "in 53w hi", ErrTimeTooFar, "more than a year"},
		{"too far huge", "in 999999d", ErrTimeTooFar, "more than a year"},
		{"bad date", "2026-02-30 09:00", ErrTimeSyntax, "not a time"},
		{"date alone", "2026-12-01 hello", ErrTimeSyntax, "needs a clock time"},
		{"date bad T", "2026-12-01T25:00", ErrTimeSyntax, "not a time"},
		{"date junk", "2026-12-01x 09:00", ErrTimeSyntax, "not a time"},
		{"hour 25", "25:00 hi", ErrTimeSyntax, "not a time"},
		{"minute 60", "10:60 hi", ErrTimeSyntax, "not a time"},
		{"13pm", "13pm hi", ErrTimeSyntax, "not a time"},
		{"bare number", "9 hi", ErrTimeSyntax, "not a time"},
		{"tomorrow alone", "tomorrow", ErrTimeSyntax, "needs a clock time"},
		{"tomorrow word", "tomorrow morning", ErrTimeSyntax, "tomorrow 09:00"},
		{"weekday alone", "friday hi", ErrTimeSyntax, "needs a clock time"},
		{"next monday alone", "next monday hi", ErrTimeSyntax, "needs a clock time"},
		{"tomorrow at nothing", "tomorrow at the office", ErrTimeSyntax, "tomorrow at 9am"},
		{"month day alone", "Dec 1 hello", ErrTimeSyntax, "needs a clock time"},
		{"no such day", "Feb 30 09:00", ErrTimeSyntax, "February has no day 30"},
		{"month too far", "Dec 1, 2027 09:00 hi", ErrTimeTooFar, "more than a year"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at, rest, err := ParseWhen(tc.in, testNow, nil)
			if err == nil {
				t.Fatalf("ParseWhen(%q) = %s, %q; want an error", tc.in, at, rest)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("ParseWhen(%q) error %v is not %v", tc.in, err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("ParseWhen(%q) error %q does not mention %q", tc.in, err, tc.mention)
			}
			if rest != tc.in {
				t.Errorf("ParseWhen(%q) rest on error = %q, want the input", tc.in, rest)
			}
		})
	}
}

func TestFormatWhen(t *testing.T) {
	cases := []struct {
		at, loc, want string
	}{
		{"2026-12-01T08:00:00Z", "Europe/Paris", "Tue 1 Dec 2026 09:00 CET (08:00 UTC)"},
		{"2026-12-01T08:00:00Z", "UTC", "Tue 1 Dec 2026 08:00 UTC"},
		{"2026-12-01T08:00:00Z", "", "Tue 1 Dec 2026 08:00 UTC"},
		{"2026-11-30T23:30:00Z", "Europe/Paris", "Tue 1 Dec 2026 00:30 CET (Mon 30 Nov 23:30 UTC)"},
		{"2026-12-01T14:00:00Z", "America/New_York", "Tue 1 Dec 2026 09:00 EST (14:00 UTC)"},
		{"2026-07-01T07:00:00Z", "Europe/Paris", "Wed 1 Jul 2026 09:00 CEST (07:00 UTC)"},
	}
	for _, tc := range cases {
		var loc *time.Location
		if tc.loc != "" {
			loc = mustLoc(t, tc.loc)
		}
		if got := FormatWhen(mustTime(t, tc.at), loc); got != tc.want {
			t.Errorf("FormatWhen(%s, %q) = %q, want %q", tc.at, tc.loc, got, tc.want)
		}
	}
}

// TestResolveLocalAgreesWithTimeDate checks that outside DST transitions resolveLocal is
// exactly time.Date, over every hour of a year in zones with and without DST.
func TestResolveLocalAgreesWithTimeDate(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"} {
		loc := mustLoc(t, name)
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
		for h := 0; h < 366*24; h++ {
			want := start.Add(time.Duration(h) * time.Hour).Truncate(time.Minute)
			y, mo, d := want.Date()
			got := resolveLocal(y, mo, d, want.Hour(), want.Minute(), want.Second(), loc)
			if got.Equal(want) {
				continue
			}
			// The only allowed difference: want is the second of two readings of a repeated
			// clock time, and resolveLocal chose the first, less than an hour earlier.
			const wall = "2006-01-02 15:04:05"
			first := want.Sub(got) > 0 && want.Sub(got) <= time.Hour
			if !first || got.In(loc).Format(wall) != want.Format(wall) {
				t.Fatalf("%s: resolveLocal(%s) = %s, want %s", name, want.Format("2006-01-02 15:04"), got, want)
			}
		}
	}
}
