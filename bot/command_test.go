package bot

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

type parseCase struct {
	name string
	in   string
	want Command
	at   string // schedule: the RFC 3339 instant At must equal
}

// parseCases are the valid commands, read in Europe/Paris at testNow.
func parseCases() []parseCase {
	return append(append(shapeParseCases(), approvalParseCases()...), append([]parseCase{
		{name: "empty is help", in: "", want: Command{Verb: VerbHelp}},
		{name: "blank is help", in: " \n ", want: Command{Verb: VerbHelp}},
		{name: "help", in: "help", want: Command{Verb: VerbHelp}},
		{name: "help topic", in: "HELP Schedule", want: Command{Verb: VerbHelp, Topic: "schedule"}},
		{name: "help telegram topic", in: "/help /post@SpindleBot", want: Command{Verb: VerbHelp, Topic: "post"}},
		{name: "help sub topic", in: "help feed add", want: Command{Verb: VerbHelp, Topic: "feed"}},
		{name: "start", in: "/start", want: Command{Verb: VerbStart}},
		{name: "start payload", in: "/start abc_123", want: Command{Verb: VerbStart, Payload: "abc_123"}},
		{name: "connect", in: "connect", want: Command{Verb: VerbConnect}},
		{name: "connect telegram", in: "/connect@SpindleBot", want: Command{Verb: VerbConnect}},
		{name: "connect upper", in: "CONNECT  ", want: Command{Verb: VerbConnect}},
		{name: "token", in: "token", want: Command{Verb: VerbToken}},
		{name: "disconnect", in: "disconnect", want: Command{Verb: VerbDisconnect}},
		{name: "disconnect account", in: "disconnect @Acme", want: Command{Verb: VerbDisconnect, Account: "acme"}},
		{name: "disconnect option", in: "disconnect --account acme.co", want: Command{Verb: VerbDisconnect, Account: "acme.co"}},
		{name: "post", in: "post Hello world", want: Command{Verb: VerbPost, Text: "Hello world"}},
		{name: "post telegram", in: "/post@SpindleBot Hello", want: Command{Verb: VerbPost, Text: "Hello"}},
		{name: "post upper verb", in: "Post  hi  ", want: Command{Verb: VerbPost, Text: "hi"}},
		{name: "post account", in: "post --account @Acme Hi", want: Command{Verb: VerbPost, Account: "acme", Text: "Hi"}},
		{name: "post account equals", in: "post --account=acme_hq Hi", want: Command{Verb: VerbPost, Account: "acme_hq", Text: "Hi"}},
		{name: "post account em dash", in: "post —account @acme Hi", want: Command{Verb: VerbPost, Account: "acme", Text: "Hi"}},
		{name: "post double dash", in: "post -- --verbose is on", want: Command{Verb: VerbPost, Text: "--verbose is on"}},
		{name: "post account then double dash", in: "post --account @a -- --x", want: Command{Verb: VerbPost, Account: "a", Text: "--x"}},
		{name: "post mention is text", in: "post @maria thanks!", want: Command{Verb: VerbPost, Text: "@maria thanks!"}},
		{name: "post dashes are text", in: "post ---- sep", want: Command{Verb: VerbPost, Text: "---- sep"}},
		{name: "post later option is text", in: "post hi --account @a", want: Command{Verb: VerbPost, Text: "hi --account @a"}},
		{name: "post newlines", in: "post Line one\nLine two\n\n  indented", want: Command{Verb: VerbPost, Text: "Line one\nLine two\n\n  indented"}},
		{name: "post newline after verb", in: "post\nFirst line\nSecond", want: Command{Verb: VerbPost, Text: "First line\nSecond"}},
		{name: "post unicode", in: "post Ünïcödé 🚀 text", want: Command{Verb: VerbPost, Text: "Ünïcödé 🚀 text"}},
		{name: "preview", in: "preview Is this long?", want: Command{Verb: VerbPreview, Text: "Is this long?"}},
		{name: "preview account", in: "/preview --account @acme x", want: Command{Verb: VerbPreview, Account: "acme", Text: "x"}},
		{name: "schedule tomorrow", in: "schedule tomorrow 09:00 Good morning",
			want: Command{Verb: VerbSchedule, When: "tomorrow 09:00", Text: "Good morning"}, at: "2026-11-24T08:00:00Z"},
		{name: "schedule account in", in: "schedule --account @acme in 2h Hi\nthere",
			want: Command{Verb: VerbSchedule, Account: "acme", When: "in 2h", Text: "Hi\nthere"}, at: "2026-11-23T11:02:00Z"},
		{name: "schedule rfc3339", in: "/schedule 2026-12-01T09:00:00Z x",
			want: Command{Verb: VerbSchedule, When: "2026-12-01T09:00:00Z", Text: "x"}, at: "2026-12-01T09:00:00Z"},
		{name: "schedule date zone", in: "schedule 2026-12-01 09:00 UTC x y",
			want: Command{Verb: VerbSchedule, When: "2026-12-01 09:00 UTC", Text: "x y"}, at: "2026-12-01T09:00:00Z"},
		{name: "schedule newline after time", in: "schedule in 1d\nNews", want: Command{Verb: VerbSchedule, When: "in 1d", Text: "News"},
			at: "2026-11-24T09:02:00Z"},
		{name: "schedule text starting with account", in: "schedule in 2h account balance --account is fine",
			want: Command{Verb: VerbSchedule, When: "in 2h", Text: "account balance --account is fine"}, at: "2026-11-23T11:02:00Z"},
		{name: "list", in: "list", want: Command{Verb: VerbList}},
		{name: "list account", in: "list @Acme", want: Command{Verb: VerbList, Account: "acme"}},
		{name: "list option", in: "list --account @acme", want: Command{Verb: VerbList, Account: "acme"}},
		{name: "quota", in: "/quota", want: Command{Verb: VerbQuota}},
		{name: "quota account", in: "quota acme", want: Command{Verb: VerbQuota, Account: "acme"}},
		{name: "cancel", in: "cancel p7k2m9", want: Command{Verb: VerbCancel, PostID: "p7k2m9"}},
		{name: "cancel hash upper", in: "cancel #P7K2M9", want: Command{Verb: VerbCancel, PostID: "p7k2m9"}},
		{name: "cancel telegram", in: "/cancel@SpindleBot  p7k2m9 ", want: Command{Verb: VerbCancel, PostID: "p7k2m9"}},
		{name: "status long id", in: "status abcdef123456", want: Command{Verb: VerbStatus, PostID: "abcdef123456"}},
		{name: "delete id", in: "delete p7k2m9", want: Command{Verb: VerbDelete, PostID: "p7k2m9"}},
		{name: "stats id", in: "stats p7k2m9", want: Command{Verb: VerbStats, PostID: "p7k2m9"}},
		{name: "stats account default", in: "stats", want: Command{Verb: VerbStats}},
		{name: "stats account", in: "stats @Acme", want: Command{Verb: VerbStats, Account: "acme"}},
		{name: "stats account option", in: "/stats --account @acme", want: Command{Verb: VerbStats, Account: "acme"}},
		{name: "stats permalink", in: "stats https://www.threads.net/@acme/post/C8xYz12AbCd",
			want: Command{Verb: VerbStats, Permalink: "https://www.threads.net/@acme/post/C8xYz12AbCd", Shortcode: "C8xYz12AbCd"}},
		{name: "delete permalink", in: "delete https://www.threads.net/@acme/post/C8xYz12AbCd",
			want: Command{Verb: VerbDelete, Permalink: "https://www.threads.net/@acme/post/C8xYz12AbCd", Shortcode: "C8xYz12AbCd"}},
		{name: "delete permalink com query", in: "delete https://threads.com/@acme.co/post/C8x-_?xmt=abc",
			want: Command{Verb: VerbDelete, Permalink: "https://threads.com/@acme.co/post/C8x-_?xmt=abc", Shortcode: "C8x-_"}},
		{name: "delete slack link", in: "delete <https://www.threads.com/@acme/post/C8x/>",
			want: Command{Verb: VerbDelete, Permalink: "https://www.threads.com/@acme/post/C8x/", Shortcode: "C8x"}},
		{name: "feed add", in: "feed add https://example.com/feed.xml",
			want: Command{Verb: VerbFeed, Sub: "add", URL: "https://example.com/feed.xml"}},
		{name: "feed add backfill template", in: "feed add --backfill 3 https://x.com/f {{.Title}} {{.Link}}",
			want: Command{Verb: VerbFeed, Sub: "add", URL: "https://x.com/f", Backfill: 3, Template: "{{.Title}} {{.Link}}"}},
		{name: "feed add options after url", in: "Feed ADD http://x.com/f --backfill=2 --account @acme {{.Title}}\n{{.Link}}",
			want: Command{Verb: VerbFeed, Sub: "add", URL: "http://x.com/f", Backfill: 2, Account: "acme", Template: "{{.Title}}\n{{.Link}}"}},
		{name: "feed add template keeps later options", in: "feed add https://x.com/f {{.Title}} --backfill 1",
			want: Command{Verb: VerbFeed, Sub: "add", URL: "https://x.com/f", Template: "{{.Title}} --backfill 1"}},
		{name: "feed add slack link", in: "feed add <https://x.com/f?a=1&amp;b=2|x.com/f>",
			want: Command{Verb: VerbFeed, Sub: "add", URL: "https://x.com/f?a=1&b=2"}},
		{name: "feed add backfill zero", in: "feed add --backfill 0 https://x.com/f",
			want: Command{Verb: VerbFeed, Sub: "add", URL: "https://x.com/f"}},
		{name: "feed list", in: "FEED LIST", want: Command{Verb: VerbFeed, Sub: "list"}},
		{name: "feed remove", in: "feed remove 12", want: Command{Verb: VerbFeed, Sub: "remove", ID: "12"}},
		{name: "feed pause", in: "/feed pause #f12", want: Command{Verb: VerbFeed, Sub: "pause", ID: "f12"}},
		{name: "webhook add", in: "webhook add GitHub-Releases", want: Command{Verb: VerbWebhook, Sub: "add", Name: "github-releases"}},
		{name: "webhook add account", in: "webhook add ci --account @acme", want: Command{Verb: VerbWebhook, Sub: "add", Name: "ci", Account: "acme"}},
		{name: "grant name", in: "grant @maria", want: Command{Verb: VerbGrant, User: UserRef{Name: "maria"}}},
		{name: "grant slack mention", in: "grant <@U123ABC|maria>", want: Command{Verb: VerbGrant, User: UserRef{ID: "U123ABC", Name: "maria"}}},
		{name: "grant slack id", in: "grant <@W0ABC>", want: Command{Verb: VerbGrant, User: UserRef{ID: "W0ABC"}}},
		{name: "grant telegram id", in: "/grant 123456789", want: Command{Verb: VerbGrant, User: UserRef{ID: "123456789"}}},
		{name: "grant account", in: "grant @maria --account @acme", want: Command{Verb: VerbGrant, User: UserRef{Name: "maria"}, Account: "acme"}},
		{name: "grant account first", in: "grant --account=acme @maria", want: Command{Verb: VerbGrant, User: UserRef{Name: "maria"}, Account: "acme"}},
		{name: "revoke", in: "revoke @maria", want: Command{Verb: VerbRevoke, User: UserRef{Name: "maria"}}},
		{name: "route", in: "route @Acme", want: Command{Verb: VerbRoute, Account: "acme"}},
		{name: "route bare", in: "route acme", want: Command{Verb: VerbRoute, Account: "acme"}},
		{name: "route off", in: "route OFF", want: Command{Verb: VerbRoute}},
		{name: "timezone show", in: "timezone", want: Command{Verb: VerbTimezone}},
		{name: "timezone set", in: "/timezone Europe/Berlin", want: Command{Verb: VerbTimezone, Zone: "Europe/Berlin"}},
		{name: "timezone utc", in: "timezone utc", want: Command{Verb: VerbTimezone, Zone: "UTC"}},
		{name: "timezone three parts", in: "timezone America/Argentina/Buenos_Aires", want: Command{Verb: VerbTimezone, Zone: "America/Argentina/Buenos_Aires"}},
		{name: "queue", in: "/queue@SpindleBot Tips for the week\nline two", want: Command{Verb: VerbQueue, Text: "Tips for the week\nline two"}},
		{name: "queue account", in: "queue --account @Acme in the next slot", want: Command{Verb: VerbQueue, Account: "acme", Text: "in the next slot"}},
		{name: "queue text like a time", in: "queue tomorrow 09:00 stays text", want: Command{Verb: VerbQueue, Text: "tomorrow 09:00 stays text"}},
		{name: "slots show", in: "slots", want: Command{Verb: VerbSlots}},
		{name: "slots show account", in: "slots @Acme", want: Command{Verb: VerbSlots, Account: "acme"}},
		{name: "slots set weekdays", in: "slots set mon-fri 09:00,12:30,17:00", want: Command{Verb: VerbSlots, Sub: "set", Slots: "mon-fri 09:00,12:30,17:00"}},
		{name: "slots set list", in: "/slots SET mon,wed,fri 10:00", want: Command{Verb: VerbSlots, Sub: "set", Slots: "mon,wed,fri 10:00"}},
		{name: "slots set daily", in: "slots set daily 08:00", want: Command{Verb: VerbSlots, Sub: "set", Slots: "daily 08:00"}},
		{name: "slots set groups", in: "slots set --account @acme weekdays 9am, 5pm; sat 11:00", want: Command{Verb: VerbSlots, Sub: "set", Account: "acme", Slots: "mon-fri 09:00,17:00; sat 11:00"}},
		{name: "slots set every day", in: "slots set every day noon", want: Command{Verb: VerbSlots, Sub: "set", Slots: "daily 12:00"}},
		{name: "slots clear", in: "slots clear", want: Command{Verb: VerbSlots, Sub: "clear"}},
		{name: "slots clear account", in: "slots clear --account @acme", want: Command{Verb: VerbSlots, Sub: "clear", Account: "acme"}},
		{name: "route none", in: "route none", want: Command{Verb: VerbRoute}},
		{name: "reply id", in: "reply P7K2M9 Thanks,\nall!", want: Command{Verb: VerbReply, PostID: "p7k2m9", Text: "Thanks,\nall!"}},
		{name: "reply hash id", in: "/reply@SpindleBot #p7k2m9 ok", want: Command{Verb: VerbReply, PostID: "p7k2m9", Text: "ok"}},
		{name: "reply account", in: "reply --account @Acme p7k2m9 ok", want: Command{Verb: VerbReply, Account: "acme", PostID: "p7k2m9", Text: "ok"}},
		{name: "reply permalink", in: "reply https://www.threads.net/@acme/post/C8xYz12AbCd Nice",
			want: Command{Verb: VerbReply, Permalink: "https://www.threads.net/@acme/post/C8xYz12AbCd", Shortcode: "C8xYz12AbCd", Text: "Nice"}},
		{name: "reply slack permalink", in: "reply <https://threads.com/@acme/post/C8x|threads.com/@acme/post/C8x> Nice",
			want: Command{Verb: VerbReply, Permalink: "https://threads.com/@acme/post/C8x", Shortcode: "C8x", Text: "Nice"}},
		{name: "reply media id", in: "reply 18032251077019748 hi", want: Command{Verb: VerbReply, MediaID: "18032251077019748", Text: "hi"}},
		{name: "reply text keeps options", in: "reply p7k2m9 --account is text", want: Command{Verb: VerbReply, PostID: "p7k2m9", Text: "--account is text"}},
		{name: "quote id", in: "QUOTE p7k2m9 Still true", want: Command{Verb: VerbQuote, PostID: "p7k2m9", Text: "Still true"}},
		{name: "quote media id", in: "quote 18032251077019748 look", want: Command{Verb: VerbQuote, MediaID: "18032251077019748", Text: "look"}},
	}, laterParseCases()...)...)
}

func TestParse(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	for _, tc := range parseCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in, testNow, paris)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if tc.at != "" {
				if want := mustTime(t, tc.at); !got.At.Equal(want) {
					t.Errorf("Parse(%q).At = %s, want %s", tc.in, got.At.UTC(), tc.at)
				}
			} else if !got.At.IsZero() {
				t.Errorf("Parse(%q).At = %s, want zero", tc.in, got.At)
			}
			got.At = time.Time{}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

type badCase struct {
	name, in string
	verb     string // UsageError.Verb
	problem  string // a piece of UsageError.Problem
}

func badCases() []badCase {
	return append(append(shapeBadCases(), approvalBadCases()...), append([]badCase{
		{"unknown verb", "frobnicate now", "", "I don't know the command “frobnicate”."},
		{"typo suggests", "pots hi", "", "did you mean “post”?"},
		{"typo telegram", "/scedule@bot x", "", "did you mean “schedule”?"},
		{"slash only", "/", "", "I don't know the command “/”"},
		{"long word cut", strings.Repeat("x", 100), "", "“" + strings.Repeat("x", 39) + "…”."},
		{"connect long extra", "connect " + strings.Repeat("y", 41), VerbConnect, strings.Repeat("y", 39) + "…”"},
		{"help unknown topic", "help frob", "", "There is no command “frob”"},
		{"connect extra", "connect now", VerbConnect, "takes nothing after it"},
		{"token extra", "token please", VerbToken, "takes nothing after it"},
		{"timezone unknown", "timezone Mars/Olympus_Mons", VerbTimezone, "I don't know the time zone “Mars/Olympus_Mons”"},
		{"timezone not a name", "timezone +02:00", VerbTimezone, "is not a time zone name"},
		{"timezone path", "timezone ../../etc/passwd", VerbTimezone, "is not a time zone name"},
		{"timezone two words", "timezone Europe Berlin", VerbTimezone, "takes one time zone (such as Europe/Berlin); got 2 words"},
		{"queue no text", "queue", VerbQueue, "“queue” needs the text to publish"},
		{"queue account only", "queue --account @acme", VerbQueue, "“queue” needs the text to publish"},
		{"queue bad option", "queue --at 9:00 hi", VerbQueue, "does not take the option --at"},
		{"slots set nothing", "slots set", VerbSlots, "“slots set” needs days and times"},
		{"slots set no times", "slots set mon-fri", VerbSlots, "has days but no times"},
		{"slots set no days", "slots set 09:00", VerbSlots, "“09:00” is not a day"},
		{"slots set bad time", "slots set mon 25:00", VerbSlots, "“25:00” is not a time"},
		{"slots set bare hour", "slots set daily 9", VerbSlots, "“9” is not a time"},
		{"slots set bad day", "slots set funday 09:00", VerbSlots, "“funday” is not a day"},
		{"slots set account after", "slots set mon 09:00 --account @acme", VerbSlots, "“--account” is not a time"},
		{"slots clear extra", "slots clear now", VerbSlots, "takes only --account"},
		{"slots unknown sub", "slots move mon", VerbSlots, "Use “slots” to see the schedule"},
		{"post empty", "post", VerbPost, "needs the text"},
		{"post blank", "post   \n ", VerbPost, "needs the text"},
		{"post account no value", "post --account", VerbPost, "--account needs a value"},
		{"post bad account", "post --account @bad-name! hi", VerbPost, "“@bad-name!” is not a Threads account"},
		{"post long account", "post --account @" + strings.Repeat("a", 31) + " hi", VerbPost, "is not a Threads account"},
		{"post unknown option", "post --acount @acme hi", VerbPost, "“post” does not take the option --acount"},
		{"post backfill", "post --backfill 2 hi", VerbPost, "does not take the option --backfill"},
		{"post two accounts", "post --account @a --account @b hi", VerbPost, "only once"},
		{"post account no text", "post --account @acme", VerbPost, "needs the text"},
		{"preview empty", "preview", VerbPreview, "needs the text"},
		{"schedule empty", "schedule", VerbSchedule, "needs a time and the text"},
		{"schedule no time", "schedule hi there", VerbSchedule, "“hi” is not a time"},
		{"schedule no text", "schedule in 2h", VerbSchedule, "needs the text to publish after the time"},
		{"schedule past", "schedule today 08:00 hi", VerbSchedule, "That time (Mon 23 Nov 08:00 UTC) is already past; give a future time such as “in 2h” or “tomorrow 09:00”."},
		{"schedule too far", "schedule 2028-01-01 09:00 hi", VerbSchedule, "more than a year"},
		{"schedule late account", "schedule in 2h --account @acme hi", VerbSchedule, "Put --account before the time"},
		{"schedule late account equals", "schedule in 2h --account=acme hi", VerbSchedule, "Put --account before the time"},
		{"schedule late account em dash", "schedule in 2h —account @acme hi", VerbSchedule, "Put --account before the time"},
		{"list two", "list @a @b", VerbList, "at most one account"},
		{"list option and word", "list --account @a @b", VerbList, "at most one account"},
		{"list bad", "list not!valid", VerbList, "is not a Threads account"},
		{"quota bad option", "quota --all", VerbQuota, "does not take the option --all"},
		{"disconnect two", "disconnect a b", VerbDisconnect, "at most one account"},
		{"cancel empty", "cancel", VerbCancel, "“cancel” needs post id"},
		{"cancel two", "cancel p7k2m9 p7k2m8", VerbCancel, "takes one post id"},
		{"cancel short", "cancel abc", VerbCancel, "“abc” is not a post id"},
		{"cancel long", "cancel abcdefghijklm", VerbCancel, "is not a post id"},
		{"cancel punct", "cancel p7k2m9!", VerbCancel, "is not a post id"},
		{"cancel permalink", "cancel https://www.threads.net/@a/post/X", VerbCancel, "is not a post id"},
		{"status empty", "status", VerbStatus, "needs post id"},
		{"delete empty", "delete", VerbDelete, "needs post id or Threads link"},
		{"stats two accounts", "stats @a @b", VerbStats, "at most one account"},
		{"stats account bad", "stats @not!valid", VerbStats, "is not a Threads account"},
		{"stats two", "stats p7k2m9 p8k2m9", VerbStats, "takes one post id or Threads link"},
		{"delete other host", "delete https://example.com/@a/post/X", VerbDelete, "is not a post id"},
		{"delete profile link", "delete https://www.threads.net/@a/", VerbDelete, "is not a post id"},
		{"delete ftp", "delete ftp://threads.net/@a/post/X", VerbDelete, "is not a post id"},
		{"reply empty", "reply", VerbReply, "needs the post (its id or Threads link) and then your text"},
		{"reply no text", "reply p7k2m9", VerbReply, "“reply p7k2m9” needs your text after the post"},
		{"reply no text blank", "reply p7k2m9  \n ", VerbReply, "needs your text"},
		{"reply bad id", "reply hello world", VerbReply, "“hello” is not a post id"},
		{"reply other host", "reply https://example.com/@a/post/X hi", VerbReply, "is not a post id"},
		{"reply short number", "reply 123 hi", VerbReply, "is not a post id"},
		{"reply unknown option", "reply --to p7k2m9 hi", VerbReply, "does not take the option --to"},
		{"quote empty", "quote", VerbQuote, "needs the post"},
		{"quote no text", "quote https://www.threads.net/@a/post/X", VerbQuote, "needs your text after the post"},
		{"feed empty", "feed", VerbFeed, "needs what to do"},
		{"feed unknown", "feed frob", VerbFeed, "“feed frob” is not something I can do"},
		{"feed add empty", "feed add", VerbFeed, "needs the feed’s address"},
		{"feed add only options", "feed add --backfill 2", VerbFeed, "needs the feed’s address"},
		{"feed add not url", "feed add example.com/feed", VerbFeed, "is not a feed address"},
		{"feed add ftp", "feed add ftp://x.com/f", VerbFeed, "is not a feed address"},
		{"feed add backfill word", "feed add --backfill x https://a.com", VerbFeed, "--backfill takes a number"},
		{"feed add backfill big", "feed add --backfill 51 https://a.com", VerbFeed, "from 0 to 50"},
		{"feed add backfill negative", "feed add --backfill=-1 https://a.com", VerbFeed, "--backfill takes a number"},
		{"feed add backfill missing", "feed add https://a.com --backfill", VerbFeed, "--backfill needs a value"},
		{"feed add unknown option", "feed add --template x https://a.com", VerbFeed, "“feed add” does not take the option --template"},
		{"feed list extra", "feed list all", VerbFeed, "takes nothing after it"},
		{"feed remove empty", "feed remove", VerbFeed, "needs feed id"},
		{"feed remove two", "feed remove 1 2", VerbFeed, "takes one feed id"},
		{"feed pause bad id", "feed pause bad/id", VerbFeed, "“bad/id” is not a feed id"},
		{"webhook empty", "webhook", VerbWebhook, "Use “webhook add <name>”"},
		{"webhook other", "webhook remove x", VerbWebhook, "“webhook remove” is not something"},
		{"webhook add empty", "webhook add", VerbWebhook, "needs name"},
		{"webhook add bad", "webhook add bad/name", VerbWebhook, "cannot be a webhook name"},
		{"webhook add two", "webhook add a b", VerbWebhook, "takes one name"},
		{"grant empty", "grant", VerbGrant, "needs user"},
		{"grant bare name", "grant maria", VerbGrant, "“maria” is not a user"},
		{"grant channel", "grant <#C123|general>", VerbGrant, "is not a user"},
		{"grant two", "grant @a @b", VerbGrant, "takes one user"},
		{"revoke empty", "revoke", VerbRevoke, "needs user"},
		{"route empty", "route", VerbRoute, "needs account"},
		{"route bad", "route @bad!", VerbRoute, "is not a Threads account"},
		{"route two", "route a b", VerbRoute, "takes one account"},
	}, laterBadCases()...)...)
}

func TestParseErrors(t *testing.T) {
	for _, tc := range badCases() {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in, testNow, nil)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v; want a usage error", tc.in, got)
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Parse(%q) error %T is not a *UsageError", tc.in, err)
			}
			if ue.Verb != tc.verb {
				t.Errorf("Parse(%q) UsageError.Verb = %q, want %q", tc.in, ue.Verb, tc.verb)
			}
			if !strings.Contains(ue.Problem, tc.problem) {
				t.Errorf("Parse(%q) problem %q does not contain %q", tc.in, ue.Problem, tc.problem)
			}
			if !reflect.DeepEqual(got, Command{}) {
				t.Errorf("Parse(%q) returned %+v with its error; want the zero Command", tc.in, got)
			}
			msg := ue.Message("/threads ")
			if !strings.HasPrefix(msg, ue.Problem+"\n\n") || !strings.HasSuffix(msg, Help("/threads ", tc.verb)) {
				t.Errorf("Parse(%q) message does not carry the problem and the help:\n%s", tc.in, msg)
			}
			if err.Error() != ue.Message("") {
				t.Errorf("Parse(%q) Error() differs from Message(\"\")", tc.in)
			}
		})
	}
}

func TestParseScheduleErrorWrapsCause(t *testing.T) {
	_, err := Parse("schedule today 08:00 hi", testNow, nil)
	if !errors.Is(err, ErrTimePast) {
		t.Errorf("error %v does not wrap ErrTimePast", err)
	}
	_, err = Parse("schedule soon hi", testNow, nil)
	if !errors.Is(err, ErrTimeSyntax) {
		t.Errorf("error %v does not wrap ErrTimeSyntax", err)
	}
}

func TestUserRefString(t *testing.T) {
	cases := map[UserRef]string{
		{Name: "maria"}:              "@maria",
		{ID: "U123", Name: "maria"}:  "@maria",
		{ID: "123456789"}:            "123456789",
		{ID: "U123ABC", Name: ""}:    "U123ABC",
		{ID: "", Name: "bob.smith"}:  "@bob.smith",
		{ID: "W1", Name: "x_y-z.ab"}: "@x_y-z.ab",
	}
	for u, want := range cases {
		if got := u.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", u, got, want)
		}
	}
}

// TestEveryVerbHasCases keeps the tables honest: each verb has a valid and a malformed case
// (start and help have no malformed form of their own beyond an unknown topic).
func TestEveryVerbHasCases(t *testing.T) {
	valid, bad := map[string]bool{}, map[string]bool{}
	for _, c := range parseCases() {
		valid[c.want.Verb] = true
	}
	for _, c := range badCases() {
		bad[c.verb] = true
	}
	for _, v := range Verbs() {
		if !valid[v.Name] {
			t.Errorf("verb %q has no valid Parse case", v.Name)
		}
		if !bad[v.Name] && v.Name != VerbStart && v.Name != VerbHelp {
			t.Errorf("verb %q has no malformed Parse case", v.Name)
		}
	}
}

// BenchmarkParse measures one schedule command, the most expensive verb (it reads a time), so
// the doors' acknowledgement budget can account for it.
func BenchmarkParse(b *testing.B) {
	paris := mustLoc(b, "Europe/Paris")
	for b.Loop() {
		if _, err := Parse("schedule --account @acme tomorrow 09:00 Good morning\nsecond line", testNow, paris); err != nil {
			b.Fatal(err)
		}
	}
}
