package bot

import (
	"strings"
)

// VerbInfo describes one verb for a door's command menu (Telegram's setMyCommands): Name is
// lower case [a-z0-9_] of 1–32 characters, Summary at most 256 characters. Door is "" when
// both doors offer the verb, else "slack" or "telegram".
type VerbInfo struct {
	Name    string
	Summary string
	Usage   string // the argument syntax after the verb, e.g. "<when> <text>"
	Door    string
}

// verbDoc is the help for one verb. Usage lines and examples are written without the door's
// prefix, which Help adds.
type verbDoc struct {
	VerbInfo
	usages   []string // full command lines, one per form
	examples []string
	detail   string
}

// shapeHelp explains the post options; post, schedule and preview share them.
const shapeHelp = "Options: --poll \"A | B | C\" (2 to 4 options of up to 25 characters; text posts only), --long (one post with the rest of a long text attached) or --thread (a chain), --replies everyone|following|mentioned|author|followers (who may reply), --ghost (archived after 24 hours; not a reply, not a thread), --topic <tag>. Hide words as spoilers with ||these bars|| (up to 10)."

// verbDocs is the help table, in the order the overview lists it. It is a function rather
// than a package variable so nothing can change it.
func verbDocs() []verbDoc {
	return append([]verbDoc{
		{VerbInfo{VerbPost, "Publish a post now", "[--account @name] [options] <text>", ""},
			[]string{"post [--account @name] [options] <text>"},
			[]string{"post Shipping v1.2 today!", "post --account @acme Line one\nLine two", "post --poll \"Tabs | Spaces\" --replies following Which one?",
				"post The butler did it: ||it was the cook||", "post --ghost --topic Launch Gone in 24 hours"},
			"Publishes the text as it is, line breaks included. Text over 500 characters is split into a thread (or, with --long or after " + VerbLongText + " attach, goes out as one post with the rest attached). Start the text with “--” if it begins with two dashes itself. " + shapeHelp},
		{VerbInfo{VerbSchedule, "Publish a post later", "[--account @name] [options] <when> <text>", ""},
			[]string{"schedule [--account @name] [options] <when> <text>", "schedule [--account @name] every <rule> <text>"},
			[]string{"schedule tomorrow 09:00 Good morning!", "schedule in 2h Release notes are up", "schedule 2026-12-01 09:00 Advent starts",
				"schedule --poll \"Yes | No\" tomorrow 09:00 Coffee?", "schedule every monday 09:00 Weekly update"},
			"The options are post's (--poll, --long, --thread, --replies, --ghost, --topic), before or after the time. <when> is one of: in 2h, in 45m, in 1d, in 1h30m, in 90 minutes; today 17:30, tomorrow at 9am, next monday 10:00, 9am friday; Dec 1 09:00, 2026-12-01 09:00; 09:00, noon or midnight (the next time the clock shows it); or RFC 3339 such as 2026-12-01T09:00:00Z. Times are in your own time zone unless you add one (UTC, +01:00, Europe/Paris). The time must be in the future and within a year; I answer with the exact time I understood. “every” makes a recurring post: see help series."},
		{VerbInfo{VerbPreview, "Show what a post would look like, without posting", "[--account @name] [options] <text>", ""},
			[]string{"preview [--account @name] [options] <text>"},
			[]string{"preview Is this too long for one post?", "preview --poll \"A | B\" Which? ||secret||"},
			"A dry run: shows the character count as Threads counts it, the links found, how a long text would go out (a thread, or one post with the rest attached) and the post's poll, spoilers, reply control, ghost and topic, with any rule they break. Nothing is queued. Takes post's options."},
		{VerbInfo{VerbLongText, "Choose how texts over 500 characters go out", "[attach|thread] [--account @name]", ""},
			[]string{"longtext [attach|thread] [--account @name]"},
			[]string{"longtext", "longtext attach", "longtext thread --account @acme"},
			"thread (the default): a long text goes out as a chain of replies. attach: as one post whose text is the first part, with the rest attached (a text attachment, up to 10,000 characters). Without a word, shows the choice. Only the account's owner can change it; --long or --thread on one post overrides it."},
		{VerbInfo{VerbList, "List your queued and scheduled posts", "[@account]", ""},
			[]string{"list [@account]"},
			[]string{"list", "list @acme"},
			"Shows each waiting post's id, time, first words and state, then the next posting slots of accounts that have them (taken or free), then the last few that finished (posted, failed, cancelled or deleted). Use the id with cancel, status or delete."},
		{VerbInfo{VerbStatus, "Show what happened to a post", "<id>", ""},
			[]string{"status <id>"},
			[]string{"status p7k2m9"},
			"Shows the post's state, its link once published, or why it failed and what to do."},
		{VerbInfo{VerbCancel, "Cancel a post that is not published yet", "<id>", ""},
			[]string{"cancel <id>"},
			[]string{"cancel p7k2m9"},
			"Ids look like p7k2m9; “list” shows them. A published post cannot be cancelled; use delete."},
		{VerbInfo{VerbApprovals, "Whose posts wait for approval, who approves, and what waits for you", "[on [grantees] [webhooks] [feeds] [api] | off | add <user> | remove <user>] [--account @name]", ""},
			[]string{"approvals", "approvals on [grantees] [webhooks] [feeds] [api] [--account @name]", "approvals off [--account @name]", "approvals add|remove <user> [--account @name]"},
			[]string{"approvals", "approvals on", "approvals on webhooks,feeds", "approvals add @ann", "approvals off --account @acme"},
			"With approvals on, posts to the account from the sources named (grantees: people you granted it to; webhooks; feeds; api: REST and MCP tokens; none named: grantees and feeds) wait (state pending_approval) until you, or an approver you named with approvals add, approve or reject them; they expire after SPINDLE_APPROVAL_TTL. Only the account's owner can change the policy or the approvers. A bare “approvals” shows the policy of your accounts and the posts waiting for you."},
		{VerbInfo{VerbApprove, "Approve a post waiting for approval (owner or approver)", "<id>", ""},
			[]string{"approve <id>"},
			[]string{"approve p7k2m9"},
			"The post keeps its schedule, or goes out at once if its time has passed. Its author is told."},
		{VerbInfo{VerbReject, "Reject a post waiting for approval (owner or approver)", "<id> [reason]", ""},
			[]string{"reject <id> [reason]"},
			[]string{"reject p7k2m9 not before the launch"},
			"The post is cancelled and its author is told, with your reason."},
		{VerbInfo{VerbDelete, "Delete a published post from Threads", "<id or link>", ""},
			[]string{"delete <id>", "delete <threads link>"},
			[]string{"delete p7k2m9", "delete https://www.threads.net/@acme/post/C8xYz12AbCd"},
			"Removes the post from Threads. Deletions count against a daily limit of their own."},
		{VerbInfo{VerbStats, "Show a published post's or an account's insights", "[<id or link> | @name]", ""},
			[]string{"stats <id>", "stats <threads link>", "stats [@name]"},
			[]string{"stats p7k2m9", "stats", "stats @acme"},
			"With a post, its views, likes, replies, reposts, quotes and shares; without one (or with @name), the account's views, likes, replies, reposts, quotes and followers over the last 7 and 30 days. Read from Threads at most every 10 minutes. The account must have granted threads_manage_insights when it was linked."},
		{VerbInfo{VerbReply, "Reply to a published post", "[--account @name] <post> <text>", ""},
			[]string{"reply [--account @name] <id> <text>", "reply <threads link> <text>"},
			[]string{"reply p7k2m9 Update: the fix is live.", "reply https://www.threads.net/@acme/post/C8xYz12AbCd Thanks!"},
			"Publishes your text as a reply to the post: a Spindle id or the link of a post Spindle published (it goes out from that post's account), or a Threads media id. Replies count against a daily limit of 1,000 of their own; long text becomes a chain of replies."},
		{VerbInfo{VerbQuote, "Quote a published post in a new post", "[--account @name] <post> <text>", ""},
			[]string{"quote [--account @name] <id> <text>", "quote <threads link> <text>"},
			[]string{"quote p7k2m9 Still true a year later."},
			"Publishes your text as a new post quoting the one named, the same way reply names it."},
		{VerbInfo{VerbQuota, "Show how many posts are left today", "[@account]", ""},
			[]string{"quota [@account]"},
			[]string{"quota", "quota @acme"},
			"Shows posts used out of the 24-hour limit and when the next slot frees up."},
		{VerbInfo{VerbQueue, "Put a post in the next free posting slot", "[--account @name] [options] <text>", ""},
			[]string{"queue [--account @name] [options] <text>"},
			[]string{"queue Tips for the week ahead", "queue --account @acme New blog post is up", "queue --poll \"Yes | No\" Coffee tomorrow?"},
			"Puts the post in the account's next free slot (see slots) and answers with the time, in your zone. A slot holds one post; a full day rolls over to the next, and the daily posts limit is kept. If the schedule changes, the post moves to the new slots and you are told. Takes post's options (--poll, --long, --thread, --replies, --ghost, --topic)."},
		{VerbInfo{VerbSlots, "Show or set an account's weekly posting slots", "[set <days> <times> | clear]", ""},
			[]string{"slots [@account]", "slots set [--account @name] <days> <times>[; <days> <times>]", "slots clear [--account @name]"},
			[]string{slotExample, "slots set mon,wed,fri 10:00", "slots set daily 08:00; sat 11:00", "slots"},
			"Days: mon … sun, ranges such as mon-fri, lists such as mon,wed,fri, daily, weekdays or weekends. Times: 09:00, 17:30, 9am. The times are read in your time zone when you set them and stay wall-clock times there (09:00 stays 09:00 across daylight saving changes). Only the account's owner can set or clear them; slots alone shows them and the next slots, taken and free."},
		{VerbInfo{VerbConnect, "Link a Threads account", "", ""},
			[]string{"connect"},
			[]string{"connect"},
			"Answers with a private link to sign in to Threads and allow Spindle to post."},
		{VerbInfo{VerbDisconnect, "Unlink a Threads account", "[@account]", ""},
			[]string{"disconnect [@account]"},
			[]string{"disconnect", "disconnect @acme"},
			"Forgets the account's access; queued posts for it wait until it is connected again."},
		{VerbInfo{VerbFeed, "Post new items from an RSS, Atom or JSON feed", "add|list|remove|pause …", ""},
			[]string{"feed add [--account @name] [--backfill N] <url> [template]", "feed list", "feed remove <id>", "feed pause <id>"},
			[]string{"feed add https://example.com/blog.xml", "feed add --backfill 3 https://example.com/feed {{.Title}} {{.Link}}", "feed pause f12"},
			"New items are posted as they appear. --backfill N also posts the N latest existing items (0–50). The optional template is a Go text/template for the post text."},
		{VerbInfo{VerbWebhook, "Create a signed webhook for CI or a CMS", "add <name>", ""},
			[]string{"webhook add [--account @name] <name>"},
			[]string{"webhook add github-releases"},
			"Answers privately with the webhook's URL and signing secret. Names use letters, digits, - and _."},
		{VerbInfo{VerbGrant, "Allow someone to post to an account", "<user> [--account @name]", ""},
			[]string{"grant <user> [--account @name]"},
			[]string{"grant @maria", "grant 123456789 --account @acme"},
			"<user> is @name, a mention, or a Telegram user id."},
		{VerbInfo{VerbRevoke, "Take back someone's right to post", "<user> [--account @name]", ""},
			[]string{"revoke <user> [--account @name]"},
			[]string{"revoke @maria"},
			"<user> is @name, a mention, or a Telegram user id."},
		{VerbInfo{VerbRoute, "Make this channel post to an account by default", "@account|off", "slack"},
			[]string{"route @account", "route off"},
			[]string{"route @acme", "route off"},
			"Workspace admins only. After it, post in this channel goes to that account without --account; posting still needs the right to the account. “route off” removes the binding."},
		{VerbInfo{VerbTimezone, "Show or set the time zone your times are read in", "[Area/City]", "telegram"},
			[]string{"timezone", "timezone <Area/City>"},
			[]string{"timezone", "timezone Europe/Berlin"},
			"Times you type (schedule tomorrow 09:00) are read in this zone, and I answer in it. Until you set one, the server's zone is used. In Slack, your zone comes from your Slack profile."},
		{VerbInfo{VerbToken, "Get an API token for the REST API", "", ""},
			[]string{"token"},
			[]string{"token"},
			"The token is sent to you privately. Keep it secret: it can post as you."},
		{VerbInfo{VerbHelp, "Show the commands, or help for one", "[command]", ""},
			[]string{"help [command]"},
			[]string{"help", "help schedule"},
			"Without a command, lists them all."},
		{VerbInfo{VerbStart, "Welcome and first steps", "", "telegram"},
			[]string{"start"},
			[]string{"start"},
			"Says hello and suggests connect and help."},
	}, laterDocs()...)
}

// laterDocs are the verbs added since, each documented in its own file, listed after the
// others in the overview.
func laterDocs() []verbDoc {
	return []verbDoc{editDoc(), seriesDoc()}
}

// lookupVerb finds the help of a verb; "feed add" finds feed.
func lookupVerb(topic string) *verbDoc {
	name, _ := cutWord(strings.ToLower(topic))
	name = normalizeVerb(name)
	for _, d := range verbDocs() {
		if d.Name == name {
			return &d
		}
	}
	return nil
}

// Verbs lists every verb with a one-line summary, in the order of the help overview.
func Verbs() []VerbInfo {
	docs := verbDocs()
	out := make([]VerbInfo, len(docs))
	for i, d := range docs {
		out[i] = d.VerbInfo
	}
	return out
}

// Help returns the help text: the overview of every verb when topic is empty or unknown, or
// the detailed help of one verb. prefix is what the door puts before a verb, "/threads " in
// Slack and "/" in Telegram, so the examples can be typed as shown. The text is plain (no
// markup) so either door can send it as it is.
func Help(prefix, topic string) string {
	if topic != "" {
		if d := lookupVerb(topic); d != nil {
			return verbHelp(prefix, d)
		}
	}
	var b strings.Builder
	b.WriteString("Commands:\n")
	for _, d := range verbDocs() {
		b.WriteString(prefix + d.Name)
		if d.Usage != "" {
			b.WriteString(" " + d.Usage)
		}
		b.WriteString(" — " + d.Summary)
		if d.Door != "" {
			b.WriteString(" (" + doorName(d.Door) + " only)")
		}
		if len(d.examples) > 0 && d.examples[0] != d.Name {
			b.WriteString(", e.g. " + prefix + firstLine(d.examples[0]))
		}
		b.WriteString("\n")
	}
	b.WriteString("More about one command: " + prefix + "help <command>")
	return b.String()
}

func verbHelp(prefix string, d *verbDoc) string {
	var b strings.Builder
	b.WriteString(d.Summary + ".\n\nUsage:\n")
	for _, u := range d.usages {
		b.WriteString("  " + prefix + u + "\n")
	}
	b.WriteString("\n" + d.detail + "\n\nExamples:\n")
	for _, e := range d.examples {
		b.WriteString("  " + prefix + strings.ReplaceAll(e, "\n", "\n  ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func doorName(door string) string {
	if door == "slack" {
		return "Slack"
	}
	return "Telegram"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// closestVerb suggests the verb a mistyped word was probably meant to be (at most two edits
// away), or "".
func closestVerb(w string) string {
	best, bestDist := "", 3
	for _, d := range verbDocs() {
		if dist := editDistance(w, d.Name); dist < bestDist {
			best, bestDist = d.Name, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes; words longer than 32
// bytes are never close to a verb, so they are not compared.
func editDistance(a, b string) int {
	if len(a) > 32 || len(b) > 32 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
