package slack

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/bot/slack/slacktest"
)

// FuzzParseSubmission feeds the view_submission reader arbitrary payloads. It never panics,
// and whatever it accepts names a team, a user, a well-formed draft id and a short time.
func FuzzParseSubmission(f *testing.F) {
	form := slacktest.ViewSubmission{Team: "T1", User: "U1", View: slacktest.View{ID: "V1", CallbackID: callbackSchedule,
		PrivateMetadata: "0123456789abcdef"}, Values: map[string]map[string]string{"when": {"when": "tomorrow 09:00"}}}.Form()
	v, _ := url.ParseQuery(form)
	good := v.Get("payload")
	f.Add(good)
	f.Add(strings.Replace(good, "0123456789abcdef", "../../etc/passwd", 1))
	f.Add(strings.Replace(good, "draft_schedule", "other_modal", 1))
	f.Add(strings.Replace(good, "tomorrow 09:00", strings.Repeat("9", 500), 1))
	f.Add(`{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":{"callback_id":"draft_schedule","private_metadata":"0123456789abcdef","state":null}}`)
	f.Add(`{"type":"view_submission","view":{"state":{"values":{"when":null}}}}`)
	f.Add(`{"type":"block_actions"}`)
	f.Add(`[]`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, payload string) {
		s, err := parseSubmission(payload)
		if err != nil {
			return
		}
		if s.Team == "" || s.User == "" || !isDraftID(s.DraftID) {
			t.Fatalf("accepted %+v", s)
		}
		if utf8.RuneCountInString(s.When) > maxWhenInput || !utf8.ValidString(s.When) || s.When != strings.TrimSpace(s.When) {
			t.Fatalf("accepted a time of %d runes: %q", utf8.RuneCountInString(s.When), s.When)
		}
		var probe map[string]any
		if json.Unmarshal([]byte(payload), &probe) != nil {
			t.Fatalf("accepted a payload that is not a JSON object: %q", payload)
		}
	})
}

// TestParseSubmission: the table of what a view_submission reader accepts and refuses.
func TestParseSubmission(t *testing.T) {
	t.Parallel()
	base := slacktest.ViewSubmission{Team: "T1", User: "U1", View: slacktest.View{ID: "V1", CallbackID: callbackSchedule,
		PrivateMetadata: "0123456789abcdef"}, Values: map[string]map[string]string{"when": {"when": "  in 2h "}}}
	payload := func(s slacktest.ViewSubmission) string {
		v, _ := url.ParseQuery(s.Form())
		return v.Get("payload")
	}
	with := func(f func(*slacktest.ViewSubmission)) string { s := base; f(&s); return payload(s) }
	cases := []struct {
		name, payload string
		want          submission
		err           bool
		notOurs       bool
	}{
		{name: "good", payload: payload(base), want: submission{Team: "T1", User: "U1", DraftID: "0123456789abcdef", When: "in 2h"}},
		{name: "empty time", payload: with(func(s *slacktest.ViewSubmission) { s.Values = nil }),
			want: submission{Team: "T1", User: "U1", DraftID: "0123456789abcdef"}},
		{name: "other modal", payload: with(func(s *slacktest.ViewSubmission) { s.View.CallbackID = "x" }), err: true, notOurs: true},
		{name: "bad draft id", payload: with(func(s *slacktest.ViewSubmission) { s.View.PrivateMetadata = "0123456789ABCDEF" }), err: true, notOurs: true},
		{name: "no user", payload: with(func(s *slacktest.ViewSubmission) { s.User = "" }), err: true},
		{name: "long time", payload: with(func(s *slacktest.ViewSubmission) {
			s.Values = map[string]map[string]string{"when": {"when": strings.Repeat("x", maxWhenInput+1)}}
		}), err: true},
		{name: "not JSON", payload: "{", err: true},
		{name: "block_actions", payload: `{"type":"block_actions","team":{"id":"T1"},"user":{"id":"U1"}}`, err: true},
	}
	for _, c := range cases {
		got, err := parseSubmission(c.payload)
		switch {
		case c.err && err == nil:
			t.Errorf("%s: accepted %+v", c.name, got)
		case !c.err && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case !c.err && got != c.want:
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		case c.notOurs != (err == errNotOurs):
			t.Errorf("%s: error %v, not ours %v", c.name, err, c.notOurs)
		}
	}
}
