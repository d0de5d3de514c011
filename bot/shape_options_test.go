package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// shapeParseCases are the shape options of post, preview and schedule, and longtext.
func shapeParseCases() []parseCase {
	return []parseCase{
		{name: "queue takes post's options", in: `queue --poll "Yes | No" --replies mentioned Coffee?`,
			want: Command{Verb: VerbQueue, Text: "Coffee?", Shape: PostShape{Poll: "Yes | No", Replies: threads.ReplyMentionedOnly}}},
		{name: "post poll", in: `post --poll "Tabs | Spaces | Both" Which one?`,
			want: Command{Verb: VerbPost, Text: "Which one?", Shape: PostShape{Poll: "Tabs | Spaces | Both"}}},
		{name: "post poll curly quotes", in: "post --poll “Yes|No” Coffee?",
			want: Command{Verb: VerbPost, Text: "Coffee?", Shape: PostShape{Poll: "Yes | No"}}},
		{name: "post poll one word", in: "post --poll=Yes|No Coffee?",
			want: Command{Verb: VerbPost, Text: "Coffee?", Shape: PostShape{Poll: "Yes | No"}}},
		{name: "post poll equals quoted", in: `post --poll="A b | C d" Pick`,
			want: Command{Verb: VerbPost, Text: "Pick", Shape: PostShape{Poll: "A b | C d"}}},
		{name: "post every option", in: "post --account @acme --long --replies following --ghost --topic #Launch It ||ships|| today",
			want: Command{Verb: VerbPost, Account: "acme", Text: "It ||ships|| today",
				Shape: PostShape{Long: true, Replies: threads.ReplyAccountsYouFollow, Ghost: true, Topic: "Launch"}}},
		{name: "post thread", in: "post --thread --replies author hi",
			want: Command{Verb: VerbPost, Text: "hi", Shape: PostShape{Thread: true, Replies: threads.ReplyParentPostAuthorOnly}}},
		{name: "post options end at dashes", in: "post --ghost -- --poll is text",
			want: Command{Verb: VerbPost, Text: "--poll is text", Shape: PostShape{Ghost: true}}},
		{name: "post option later is text", in: "post hi --ghost",
			want: Command{Verb: VerbPost, Text: "hi --ghost"}},
		{name: "preview shape", in: `preview --poll "A | B" Q`,
			want: Command{Verb: VerbPreview, Text: "Q", Shape: PostShape{Poll: "A | B"}}},
		{name: "schedule options before and after the time", in: `schedule --ghost in 2h --poll "A|B" --replies mentioned Q`,
			want: Command{Verb: VerbSchedule, When: "in 2h", Text: "Q", Shape: PostShape{Ghost: true, Poll: "A | B", Replies: threads.ReplyMentionedOnly}},
			at:   "2026-11-23T11:02:00Z"},
		{name: "longtext show", in: "longtext", want: Command{Verb: VerbLongText}},
		{name: "longtext attach", in: "longtext attach --account @acme", want: Command{Verb: VerbLongText, Sub: "attach", Account: "acme"}},
		{name: "longtext thread", in: "/longtext THREAD", want: Command{Verb: VerbLongText, Sub: "thread"}},
	}
}

func shapeBadCases() []badCase {
	return []badCase{
		{"poll one option", "post --poll Yes Coffee?", VerbPost, "2 to 4 options"},
		{"poll unclosed quote", `post --poll "A | B Coffee?`, VerbPost, "never closed"},
		{"poll twice", `post --poll "A|B" --poll "C|D" x`, VerbPost, "only once"},
		{"poll no value", "post --poll", VerbPost, "needs a value"},
		{"replies unknown", "post --replies friends hi", VerbPost, "everyone|following|mentioned|author|followers"},
		{"long and thread", "post --long --thread hi", VerbPost, "not both"},
		{"ghost with value", "post --ghost=yes hi", VerbPost, "takes no value"},
		{"topic empty", "post --topic # hi", VerbPost, "needs a topic"},
		{"schedule poll after the time bad", "schedule in 2h --poll x Q", VerbSchedule, "2 to 4 options"},
		{"longtext unknown", "longtext sometimes", VerbLongText, "attach"},
		{"longtext two words", "longtext attach thread", VerbLongText, "one word"},
	}
}

// FuzzPostOptions: whatever follows a text verb, the option reader never panics, answers a
// usage error or a rest that is a suffix of its input, and keeps only valid shapes.
func FuzzPostOptions(f *testing.F) {
	for _, c := range shapeParseCases() {
		f.Add(strings.TrimPrefix(c.in, "post "))
	}
	for _, s := range []string{`--poll "`, "--poll “a|b”", `--poll=" | "`, "--replies", "--topic '#x' y", "--long --long", "--poll «A|B» x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var cmd Command
		rest, err := postOptions(VerbPost, &cmd, in)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Problem == "" {
				t.Fatalf("postOptions(%q) error %v is not a usage error", in, err)
			}
			return
		}
		if !strings.HasSuffix(in, rest) {
			t.Fatalf("postOptions(%q) rest %q is not a suffix of the input", in, rest)
		}
		s := cmd.Shape
		if s.Poll != "" && len(s.PollOptions()) < 2 {
			t.Fatalf("postOptions(%q) kept a poll of %q", in, s.Poll)
		}
		if s.Long && s.Thread {
			t.Fatalf("postOptions(%q) set both --long and --thread", in)
		}
		switch s.Replies {
		case "", threads.ReplyEveryone, threads.ReplyAccountsYouFollow, threads.ReplyMentionedOnly, threads.ReplyParentPostAuthorOnly, threads.ReplyFollowersOnly:
		default:
			t.Fatalf("postOptions(%q) kept reply control %q", in, s.Replies)
		}
	})
}
