package bot

import (
	"regexp"
	"strings"
	"testing"
)

func TestVerbsForTelegramMenu(t *testing.T) {
	name := regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	seen := map[string]bool{}
	for _, v := range Verbs() {
		if !name.MatchString(v.Name) {
			t.Errorf("verb name %q is not a valid Telegram command", v.Name)
		}
		if n := len([]rune(v.Summary)); n == 0 || n > 256 {
			t.Errorf("verb %q summary has %d characters, want 1–256", v.Name, n)
		}
		if v.Door != "" && v.Door != "slack" && v.Door != "telegram" {
			t.Errorf("verb %q has door %q", v.Name, v.Door)
		}
		if seen[v.Name] {
			t.Errorf("verb %q listed twice", v.Name)
		}
		seen[v.Name] = true
	}
	for _, v := range []string{VerbHelp, VerbStart, VerbConnect, VerbDisconnect, VerbPost, VerbPreview,
		VerbSchedule, VerbList, VerbCancel, VerbDelete, VerbQuota, VerbStatus, VerbFeed, VerbWebhook,
		VerbGrant, VerbRevoke, VerbRoute, VerbToken} {
		if !seen[v] {
			t.Errorf("Verbs() lacks %q", v)
		}
	}
}

func TestHelpOverview(t *testing.T) {
	for _, prefix := range []string{"/threads ", "/", ""} {
		overview := Help(prefix, "")
		for _, v := range Verbs() {
			if !strings.Contains(overview, "\n"+prefix+v.Name) {
				t.Errorf("Help(%q, \"\") has no line for %q", prefix, v.Name)
			}
		}
		if got := Help(prefix, "nosuchverb"); got != overview {
			t.Errorf("Help(%q, unknown topic) is not the overview", prefix)
		}
		if n := strings.Count(overview, "\n"); n != len(Verbs())+1 {
			t.Errorf("Help(%q, \"\") has %d lines, want one per verb plus two", prefix, n+1)
		}
	}
	if o := Help("/", ""); !strings.Contains(o, "route") || !strings.Contains(o, "(Slack only)") {
		t.Errorf("overview does not mark route as Slack only:\n%s", o)
	}
}

func TestHelpPerVerb(t *testing.T) {
	overview := Help("/threads ", "")
	for _, v := range Verbs() {
		h := Help("/threads ", v.Name)
		if h == "" || h == overview {
			t.Errorf("Help(%q) is empty or the overview", v.Name)
		}
		if !strings.Contains(h, "/threads "+v.Name) {
			t.Errorf("Help(%q) does not show the verb with its prefix:\n%s", v.Name, h)
		}
		if !strings.Contains(h, "Usage:") || !strings.Contains(h, "Examples:") {
			t.Errorf("Help(%q) lacks usage or examples:\n%s", v.Name, h)
		}
		if upper := Help("/threads ", strings.ToUpper(v.Name)); upper != h {
			t.Errorf("Help(%q) depends on case", v.Name)
		}
	}
	if Help("/", "feed add") != Help("/", "feed") {
		t.Error("Help(feed add) is not the help of feed")
	}
	if Help("/", "/post@SpindleBot") != Help("/", "post") {
		t.Error("Help(/post@SpindleBot) is not the help of post")
	}
}

// TestHelpExamplesParse runs every example the help shows through Parse: an example that
// does not work would teach people the wrong thing.
func TestHelpExamplesParse(t *testing.T) {
	for _, d := range verbDocs() {
		for _, ex := range d.examples {
			cmd, err := Parse(ex, testNow, nil)
			if err != nil {
				t.Errorf("help example %q of %s does not parse: %v", ex, d.Name, err)
				continue
			}
			if cmd.Verb != d.Name {
				t.Errorf("help example %q of %s parses as %q", ex, d.Name, cmd.Verb)
			}
		}
	}
}

func TestClosestVerb(t *testing.T) {
	cases := map[string]string{
		"pst":       "post",
		"pots":      "post",
		"shcedule":  "schedule",
		"delet":     "delete",
		"qouta":     "quota",
		"feeds":     "feed",
		"xyzzy":     "",
		"":          "",
		"publishit": "",
	}
	for in, want := range cases {
		if got := closestVerb(in); got != want {
			t.Errorf("closestVerb(%q) = %q, want %q", in, got, want)
		}
	}
}
