package bot

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FuzzParse checks that no input panics Parse, that every failure is a usage error with a
// message, and that what Parse extracts really comes from the input.
func FuzzParse(f *testing.F) {
	for _, c := range parseCases() {
		f.Add(c.in)
	}
	for _, c := range badCases() {
		f.Add(c.in)
	}
	paris := mustLoc(f, "Europe/Paris")
	f.Fuzz(func(t *testing.T, in string) {
		cmd, err := Parse(in, testNow, paris)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Problem == "" {
				t.Fatalf("Parse(%q) error %v is not a *UsageError with a problem", in, err)
			}
			if cmd != (Command{}) {
				t.Fatalf("Parse(%q) returned %+v with an error", in, cmd)
			}
			return
		}
		checkCommand(t, in, cmd)
	})
}

// seriesIDRE is a series id as Parse returns it.
var seriesIDRE = regexp.MustCompile(`^s[1-9][0-9]*$`)

func checkCommand(t *testing.T, in string, cmd Command) {
	t.Helper()
	if lookupVerb(cmd.Verb) == nil {
		t.Fatalf("Parse(%q) verb %q is not a known verb", in, cmd.Verb)
	}
	for field, v := range map[string]string{"Text": cmd.Text, "When": cmd.When, "Template": cmd.Template, "Permalink": cmd.Permalink} {
		if !strings.Contains(in, v) {
			t.Fatalf("Parse(%q) %s %q is not part of the input", in, field, v)
		}
		if v != strings.TrimSpace(v) {
			t.Fatalf("Parse(%q) %s %q has surrounding space", in, field, v)
		}
	}
	switch cmd.Verb {
	case VerbPost, VerbPreview, VerbSchedule:
		if cmd.Text == "" {
			t.Fatalf("Parse(%q) %s without text", in, cmd.Verb)
		}
		again, err := Parse(cmd.Verb+" -- "+cmd.Text, testNow, nil)
		if cmd.Verb != VerbSchedule && (err != nil || again.Text != cmd.Text) {
			t.Fatalf("Parse(%q): text %q does not survive a round trip: %+v, %v", in, cmd.Text, again, err)
		}
	case VerbCancel, VerbStatus, VerbEdit:
		if !postIDRE.MatchString(cmd.PostID) && (cmd.Verb != VerbCancel || !seriesIDRE.MatchString(cmd.ID)) {
			t.Fatalf("Parse(%q) post id %q", in, cmd.PostID)
		}
	case VerbDelete:
		if (cmd.PostID == "") == (cmd.Shortcode == "") {
			t.Fatalf("Parse(%q) delete needs exactly one of post id and shortcode: %+v", in, cmd)
		}
	}
	if (cmd.Verb == VerbSchedule && cmd.Every == "") || (cmd.Verb == VerbEdit && !cmd.At.IsZero()) {
		if !cmd.At.After(testNow) || cmd.At.After(testNow.AddDate(1, 0, 0)) {
			t.Fatalf("Parse(%q) schedule at %s is not within a year after now", in, cmd.At)
		}
	} else if !cmd.At.IsZero() {
		t.Fatalf("Parse(%q) %s has a time", in, cmd.Verb)
	}
	if cmd.Account != "" && !accountRE.MatchString(cmd.Account) {
		t.Fatalf("Parse(%q) account %q", in, cmd.Account)
	}
	if cmd.Backfill < 0 || cmd.Backfill > maxBackfill {
		t.Fatalf("Parse(%q) backfill %d", in, cmd.Backfill)
	}
}

// FuzzParseWhen checks the time parser's contract on any input and any "now" within a few
// years (so DST transitions in Paris are crossed): rest is a suffix of the input, the time is
// within (now, now+1y], the consumed prefix alone reads the same, and errors are classified.
func FuzzParseWhen(f *testing.F) {
	for _, c := range whenCases() {
		f.Add(c.in, int64(0))
		if !c.now.IsZero() {
			f.Add(c.in, int64(c.now.Sub(testNow)/time.Minute))
		}
	}
	for _, in := range []string{"", "soon", "in", "in 0m", "today 08:00", "2027-12-01 09:00", "2026-02-30 09:00", "tomorrow", "13pm"} {
		f.Add(in, int64(0))
	}
	paris := mustLoc(f, "Europe/Paris")
	f.Fuzz(func(t *testing.T, in string, minutes int64) {
		now := testNow.Add(time.Duration(minutes%(3*366*24*60)) * time.Minute)
		at, rest, err := ParseWhen(in, now, paris)
		if err != nil {
			if rest != in {
				t.Fatalf("ParseWhen(%q) rest on error = %q", in, rest)
			}
			if !errors.Is(err, ErrTimeSyntax) && !errors.Is(err, ErrTimePast) && !errors.Is(err, ErrTimeTooFar) {
				t.Fatalf("ParseWhen(%q) error %v wraps no sentinel", in, err)
			}
			return
		}
		if !strings.HasSuffix(in, rest) {
			t.Fatalf("ParseWhen(%q) rest %q is not a suffix", in, rest)
		}
		if strings.TrimSpace(rest) != "" && strings.TrimLeft(rest, " \t\r\n") != rest {
			t.Fatalf("ParseWhen(%q) rest %q starts with space", in, rest)
		}
		if !at.After(now) || at.After(now.AddDate(1, 0, 0)) {
			t.Fatalf("ParseWhen(%q) at %s is not within a year after %s", in, at, now)
		}
		prefix := in[:len(in)-len(rest)]
		at2, rest2, err := ParseWhen(prefix, now, paris)
		if err != nil || !at2.Equal(at) || rest2 != "" {
			t.Fatalf("ParseWhen(%q) = %s, but its prefix %q gives %s, %q, %v", in, at, prefix, at2, rest2, err)
		}
	})
}
