package recur

import (
	"strings"
	"testing"
	"time"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustRule(t *testing.T, s string) Rule {
	t.Helper()
	r, rest, err := Parse(s)
	if err != nil || rest != "" {
		t.Fatalf("Parse(%q): %v %q", s, err, rest)
	}
	return r
}

// TestNextAcrossDST walks each rule through a DST change and checks every occurrence: the wall
// clock stays put (09:00 is 09:00 local before and after), so the UTC instants shift by the
// change. Times the change skips move forward by the gap; repeated ones are the earlier.
func TestNextAcrossDST(t *testing.T) {
	for _, tc := range []struct {
		name, rule, zone, from string
		want                   []string // RFC 3339 UTC
	}{
		{"Paris spring forward, daily 09:00", "day 09:00", "Europe/Paris", "2026-03-27T12:00:00Z",
			[]string{"2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"}},
		{"Paris fall back, weekly monday 09:00", "week mon 09:00", "Europe/Paris", "2026-10-19T12:00:00Z",
			[]string{"2026-10-26T08:00:00Z", "2026-11-02T08:00:00Z"}},
		{"Paris, Sunday before the change", "week sun 09:00", "Europe/Paris", "2026-10-18T12:00:00Z",
			[]string{"2026-10-25T08:00:00Z", "2026-11-01T08:00:00Z"}},
		{"New York spring forward, 02:30 is skipped", "day 02:30", "America/New_York", "2026-03-07T12:00:00Z",
			[]string{"2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"}},
		{"New York fall back, 01:30 happens twice: the earlier", "day 01:30", "America/New_York", "2026-10-31T12:00:00Z",
			[]string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
		{"Sydney (south) fall back in April", "day 09:00", "Australia/Sydney", "2026-04-03T12:00:00Z",
			[]string{"2026-04-03T22:00:00Z", "2026-04-04T23:00:00Z"}},
		{"every weekday skips the weekend", "weekday 08:30", "Europe/Berlin", "2026-03-27T12:00:00Z",
			[]string{"2026-03-30T06:30:00Z", "2026-03-31T06:30:00Z"}},
		{"every 2 weeks counts from the start week", "2 weeks mon 09:00", "Europe/Paris", "2026-03-25T12:00:00Z",
			[]string{"2026-04-06T07:00:00Z", "2026-04-20T07:00:00Z"}},
		{"every 3 days from the start day", "3 days 18:00", "UTC", "2026-03-25T12:00:00Z",
			[]string{"2026-03-25T18:00:00Z", "2026-03-28T18:00:00Z", "2026-03-31T18:00:00Z"}},
		{"until stops inclusive", "day 09:00 until 2026-03-26", "UTC", "2026-03-25T12:00:00Z",
			[]string{"2026-03-26T09:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := mustLoc(t, tc.zone)
			r := mustRule(t, tc.rule)
			from, _ := time.Parse(time.RFC3339, tc.from)
			start := DateOf(from, loc)
			at := from
			for i, w := range tc.want {
				next, ok := r.Next(at, loc, start)
				if !ok || next.UTC().Format(time.RFC3339) != w {
					t.Fatalf("occurrence %d after %s: %s %v, want %s", i+1, at.UTC(), next.UTC(), ok, w)
				}
				if l := next.In(loc); tc.rule != "day 02:30" && (l.Hour() != r.Hour || l.Minute() != r.Minute) {
					t.Fatalf("occurrence %d is %s local, not %02d:%02d", i+1, l, r.Hour, r.Minute)
				}
				at = next
			}
			if !r.Until.IsZero() {
				if next, ok := r.Next(at, loc, start); ok {
					t.Fatalf("an occurrence after until: %s", next)
				}
			}
		})
	}
}

func TestTexts(t *testing.T) {
	got := SplitTexts("one\n---\n two \n  ---  \n\n---\nthree ||spoiler||")
	if len(got) != 3 || got[0] != "one" || got[1] != "two" || got[2] != "three ||spoiler||" {
		t.Fatalf("SplitTexts: %q", got)
	}
	for _, tc := range []struct{ text, bad string }{
		{"{{.Date}} {{.Weekday}} #{{.N}}", ""},
		{"{{if eq .N 1}}first{{else}}{{.Date}}{{end}}", ""},
		{"{{.Title}}", ".Title"},
		{"{{if .N}}{{.Secret}}{{end}}", ".Secret"},
		{"{{range .N}}x{{end}}", "{{range}}"},
		{"{{.Date", "not a valid template"},
		{"{{template \"x\"}}", "{{template}}"},
	} {
		err := CheckText(tc.text)
		if (tc.bad == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.bad)) {
			t.Errorf("CheckText(%q) = %v, want %q", tc.text, err, tc.bad)
		}
	}
	out, err := Render("{{.Weekday}} {{.Date}} #{{.N}}", FieldsAt(time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC), mustLoc(t, "Europe/Paris"), 3))
	if err != nil || out != "Monday 7 December 2026 #3" {
		t.Fatalf("Render: %q %v", out, err)
	}
}
