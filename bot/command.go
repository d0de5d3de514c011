package bot

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/storage"
)

// The verbs of the command grammar, as Command.Verb holds them.
const (
	VerbHelp       = "help"
	VerbStart      = "start" // Telegram's welcome (sent when a person opens the bot)
	VerbConnect    = "connect"
	VerbDisconnect = "disconnect"
	VerbPost       = "post"
	VerbPreview    = "preview"
	VerbSchedule   = "schedule"
	VerbList       = "list"
	VerbCancel     = "cancel"
	VerbDelete     = "delete"
	VerbQuota      = "quota"
	VerbStatus     = "status"
	VerbFeed       = "feed"    // with Sub add, list, remove or pause
	VerbWebhook    = "webhook" // with Sub add
	VerbGrant      = "grant"
	VerbRevoke     = "revoke"
	VerbRoute      = "route" // binds a Slack channel to an account
	VerbToken      = "token"
	VerbReply      = "reply"    // reply to a published post
	VerbQuote      = "quote"    // quote a published post
	VerbTimezone   = "timezone" // show or set the zone a person's typed times are read in
	VerbStats      = "stats"    // a published post's insights
)

// Command is one parsed chat command. Only the fields of its verb are set; the table in
// Help's texts (and Parse's doc) says which.
type Command struct {
	Verb string // one of the Verb constants
	Sub  string // feed: "add", "list", "remove", "pause"; webhook: "add"; slots: "set", "clear"

	// Account is the Threads username the command is about, lower case and without "@":
	// from --account on post, preview, schedule, list, quota, disconnect, feed add,
	// webhook add, grant and revoke (empty: the door's default), or route's argument (empty
	// after "route off": unbind the channel).
	Account string

	Text string // post, preview, schedule: the text to publish, verbatim (inner newlines kept)
	When string // schedule: the time expression as typed, e.g. "tomorrow 09:00"
	// Every is set for "schedule every …": the recurrence in canonical form (recur.Rule.String).
	Every string
	At    time.Time // schedule: the instant When names, in the zone it was read in

	PostID    string // cancel, status, delete, stats, reply, quote: a post id, lower case, without "#"
	Permalink string // delete, stats, reply, quote: the Threads permalink given instead of a post id
	Shortcode string // delete, stats, reply, quote: the permalink's post shortcode (the part after /post/)
	MediaID   string // reply, quote: a Threads media id given instead (any post, not only Spindle's)
	// Round is, for approve and reject, the approval round the decider saw: an approval
	// card's buttons type "approve <id>:<round>", and the MCP tools pass it. 0: not known
	// (a typed id); the decision then applies to whatever round waits.
	Round int

	URL      string // feed add: the feed's http(s) URL
	Template string // feed add: optional text/template for the post, verbatim
	Backfill int    // feed add: --backfill N, how many existing items to post (default 0)
	ID       string // feed remove, feed pause: the feed id, without "#"; series, cancel: a series id (s3)
	Name     string // webhook add: the source name, lower case

	User UserRef // grant, revoke: the chat user given the right to post; approvals add|remove: the approver

	// Who is "approvals on"'s list of whose posts need approval, canonical and comma
	// separated ("grantees,feeds"; see WhoGrantees and friends).
	Who string

	Zone string // timezone: the IANA zone name to set (empty: show the current one)

	// Slots is the schedule of slots set, as ingest/slots.Format writes it ("mon-fri 09:00");
	// Parse checked it. A string, so a Command stays comparable.
	Slots string

	Topic   string // help: the verb asked about, empty for the overview
	Payload string // start: Telegram's deep-link parameter, if any

	Shape PostShape // post, preview, schedule: --poll, --long, --thread, --replies, --ghost, --topic
}

// UserRef names a chat user in any of the forms people type: @name, Slack's escaped mention
// <@U123|name> or <@U123>, or a Telegram numeric id. ID is set when the input carried one
// (Slack member id or Telegram user id); Name otherwise, or both for <@U123|name>.
type UserRef struct {
	ID   string
	Name string
}

// String renders the reference for a reply: @name when known, else the id.
func (u UserRef) String() string {
	if u.Name != "" {
		return "@" + u.Name
	}
	return u.ID
}

// UsageError is what Parse returns for an unknown verb or malformed arguments. Problem says
// what is wrong, in a sentence for a person; Verb selects the help text that follows it
// (empty: the overview). Err, when set, is the cause (ErrTimePast and friends, for errors.Is).
type UsageError struct {
	Verb    string
	Problem string
	Err     error
}

// Error is Message with no prefix.
func (e *UsageError) Error() string { return e.Message("") }

// Message is the reply a door sends: the problem, a blank line, and the help for the verb
// with the door's command prefix ("/threads " for Slack, "/" for Telegram).
func (e *UsageError) Message(prefix string) string {
	return e.Problem + "\n\n" + Help(prefix, e.Verb)
}

// Unwrap returns the cause, if any.
func (e *UsageError) Unwrap() error { return e.Err }

// usage builds a UsageError; string arguments are what the person typed, shortened so a
// pasted paragraph is not echoed back whole.
func usage(verb, format string, args ...any) *UsageError {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = short(s)
		}
	}
	return &UsageError{Verb: verb, Problem: fmt.Sprintf(format, args...)}
}

// maxEcho is how many characters of a person's input an error message repeats.
const maxEcho = 40

// short cuts s to maxEcho characters, marking the cut with "…".
func short(s string) string {
	if utf8.RuneCountInString(s) <= maxEcho {
		return s
	}
	return string([]rune(s)[:maxEcho-1]) + "…"
}

// Parse reads one command: the text after "/threads " in Slack, or a Telegram message such as
// "/post hello" or "/post@SpindleBot hello" (a leading "/" and an "@bot" suffix on the verb
// are dropped). Verbs are case insensitive; empty text means help. now and loc are used to
// read schedule times (see ParseWhen); loc is the person's zone, nil for UTC.
//
// The grammar, where [--account @name] is optional and must come before any free text:
//
//	help [verb] | start [payload] | connect | disconnect [@account] | token
//	post [--account @name] <text>        preview [--account @name] <text>
//	schedule [--account @name] <when> <text>
//	list [@account] | quota [@account]    (also as --account @name)
//	cancel <id> | status <id> | delete <id or permalink>
//	feed add [--account @name] [--backfill N] <url> [template] | feed list
//	feed remove <id> | feed pause <id>
//	webhook add [--account @name] <name>
//	grant <user> [--account @name] | revoke <user> [--account @name]
//	route @account | route off
//	reply [--account @name] <id, link or Threads media id> <text>   (quote the same)
//	timezone [Area/City]
//	edit <id> [at <when>] [<new text>]
//	schedule [--account @name] every <rule> <text>    (recur.Parse reads <rule>)
//	series | series pause|resume|cancel <series id> | cancel <series id>
//	queue [--account @name] <text>       slots [@account]
//	slots set [--account @name] <days> <times>[; <days> <times>…] | slots clear [--account @name]
//
// A text that itself starts with "--" can be protected with a "--" word first
// ("post -- --verbose is on"). A leading @word is never read as an account, because posts
// often start with a mention; only --account selects one.
//
// Every error is a *UsageError.
func Parse(text string, now time.Time, loc *time.Location) (Command, error) {
	cmd, err := parse(text, now, loc)
	if err != nil {
		return Command{}, err
	}
	return cmd, nil
}

func parse(text string, now time.Time, loc *time.Location) (Command, error) {
	word, rest := cutWord(strings.TrimSpace(text))
	if word == "" {
		return Command{Verb: VerbHelp}, nil
	}
	verb := normalizeVerb(word)
	switch verb {
	case VerbHelp:
		return parseHelp(rest)
	case VerbStart:
		payload, _ := cutWord(rest)
		return Command{Verb: VerbStart, Payload: payload}, nil
	case VerbConnect, VerbToken:
		return noArgs(verb, rest)
	case VerbDisconnect, VerbList, VerbQuota:
		return parseAccountOnly(verb, rest)
	case VerbPost, VerbPreview, VerbQueue:
		return parseText(verb, rest)
	case VerbSlots:
		return parseSlots(rest)
	case VerbSchedule:
		return parseSchedule(rest, now, loc)
	case VerbStats:
		return parseStats(rest)
	case VerbCancel, VerbStatus, VerbDelete:
		return parsePostRef(verb, rest)
	case VerbFeed:
		return parseFeed(rest)
	case VerbWebhook:
		return parseWebhook(rest)
	case VerbGrant, VerbRevoke:
		return parseGrant(verb, rest)
	case VerbRoute:
		return parseRoute(rest)
	case VerbReply, VerbQuote:
		return parseReplyQuote(verb, rest)
	case VerbTimezone:
		return parseTimezone(rest)
	case VerbEdit:
		return parseEdit(rest, now, loc)
	case VerbSeries:
		return parseSeries(rest)
	case VerbLongText:
		return parseLongText(rest)
	case VerbApprovals:
		return parseApprovals(rest)
	case VerbApprove, VerbReject:
		return parseDecision(verb, rest)
	}
	return Command{}, unknownVerb(word, verb)
}

// normalizeVerb lower-cases a verb word and drops Telegram's "/" and "@botname".
func normalizeVerb(w string) string {
	w = strings.TrimPrefix(w, "/")
	if i := strings.IndexByte(w, '@'); i >= 0 {
		w = w[:i]
	}
	return strings.ToLower(w)
}

func unknownVerb(word, verb string) error {
	if s := closestVerb(verb); s != "" {
		return usage("", "I don't know the command “%s”; did you mean “%s”?", word, s)
	}
	return usage("", "I don't know the command “%s”.", word)
}

// cutWord splits s at its first run of white space: the first word, and the rest with leading
// white space removed (a suffix of s, so free text stays verbatim).
func cutWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeftFunc(s[i:], unicode.IsSpace)
}

// option is one --name[=value] word; ok is false for words that are not options.
type option struct {
	name, value string
	hasValue    bool
}

// asOption reads w as an option: "--" followed by a letter. Phones turn "--" into an em
// dash, so "—account" counts too. "--" alone is returned with an empty name.
func asOption(w string) (option, bool) {
	if after, ok := strings.CutPrefix(w, "—"); ok {
		w = "--" + after
	}
	if w == "--" {
		return option{}, true
	}
	if len(w) < 3 || !strings.HasPrefix(w, "--") || !isASCIILetter(w[2]) {
		return option{}, false
	}
	name, value, has := strings.Cut(w[2:], "=")
	return option{name: strings.ToLower(name), value: value, hasValue: has}, true
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// optionValue returns the option's value, from "--x=v" or from the next word of rest.
func optionValue(verb string, o option, rest string) (string, string, error) {
	if o.hasValue {
		return o.value, rest, nil
	}
	v, r := cutWord(rest)
	if v == "" {
		return "", rest, usage(verb, "--%s needs a value after it.", o.name)
	}
	return v, r, nil
}

// leadingOptions reads --account (and, when allowed, --backfill) from the front of rest and
// stops at the first other word, or after "--".
func leadingOptions(verb string, cmd *Command, rest string, allowBackfill bool) (string, error) {
	for {
		w, r := cutWord(rest)
		o, ok := asOption(w)
		if !ok {
			return rest, nil
		}
		if o.name == "" {
			return r, nil
		}
		if err := applyOption(verb, cmd, o, &r, allowBackfill); err != nil {
			return rest, err
		}
		rest = r
	}
}

// applyOption sets the command field an option names, consuming its value from *rest.
func applyOption(verb string, cmd *Command, o option, rest *string, allowBackfill bool) error {
	if o.name != "account" && (o.name != "backfill" || !allowBackfill) {
		return usage(verb, "“%s” does not take the option --%s.", strings.TrimSpace(verb+" "+cmd.Sub), o.name)
	}
	v, r, err := optionValue(verb, o, *rest)
	if err != nil {
		return err
	}
	*rest = r
	if o.name == "backfill" {
		return parseBackfill(cmd, v)
	}
	if cmd.Account != "" {
		return usage(verb, "Give the account only once.")
	}
	cmd.Account, err = parseAccount(verb, v)
	return err
}

// words splits rest into plain words and applies every option among them.
func words(verb string, cmd *Command, rest string) ([]string, error) {
	var out []string
	for rest != "" {
		w, r := cutWord(rest)
		if o, ok := asOption(w); ok && o.name != "" {
			if err := applyOption(verb, cmd, o, &r, false); err != nil {
				return nil, err
			}
		} else if w != "--" {
			out = append(out, w)
		}
		rest = r
	}
	return out, nil
}

func noArgs(verb, rest string) (Command, error) {
	if rest != "" {
		return Command{}, usage(verb, "“%s” takes nothing after it; got “%s”.", verb, rest)
	}
	return Command{Verb: verb}, nil
}

func parseHelp(rest string) (Command, error) {
	w, _ := cutWord(rest)
	if w == "" {
		return Command{Verb: VerbHelp}, nil
	}
	topic := normalizeVerb(w)
	if lookupVerb(topic) == nil {
		return Command{}, usage("", "There is no command “%s” to explain.", w)
	}
	return Command{Verb: VerbHelp, Topic: topic}, nil
}

func parseAccountOnly(verb, rest string) (Command, error) {
	cmd := Command{Verb: verb}
	ws, err := words(verb, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	switch {
	case len(ws) == 0:
		return cmd, nil
	case len(ws) > 1 || cmd.Account != "":
		return Command{}, usage(verb, "“%s” takes at most one account, like @yourname.", verb)
	}
	cmd.Account, err = parseAccount(verb, ws[0])
	return cmd, err
}

func parseText(verb, rest string) (Command, error) {
	cmd := Command{Verb: verb}
	rest, err := postOptions(verb, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	cmd.Text = strings.TrimSpace(rest)
	if cmd.Text == "" {
		return Command{}, usage(verb, "“%s” needs the text to publish after it.", verb)
	}
	return cmd, nil
}

func parseSchedule(rest string, now time.Time, loc *time.Location) (Command, error) {
	cmd := Command{Verb: VerbSchedule}
	rest, err := postOptions(VerbSchedule, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	if strings.TrimSpace(rest) == "" {
		return Command{}, usage(VerbSchedule, "“schedule” needs a time and the text to publish.")
	}
	if w, r := cutWord(rest); strings.EqualFold(w, "every") {
		return parseEvery(cmd, r)
	}
	at, text, err := ParseWhen(rest, now, loc)
	if err != nil {
		return Command{}, &UsageError{Verb: VerbSchedule, Problem: upperFirst(err.Error()) + ".", Err: err}
	}
	cmd.At, cmd.When = at, strings.TrimSpace(rest[:len(rest)-len(text)])
	if w, _ := cutWord(text); isAccountOption(w) {
		return Command{}, usage(VerbSchedule, "Put --account before the time: “schedule --account @name %s …”.", cmd.When)
	}
	if text, err = shapeOptionsOnly(VerbSchedule, &cmd, text); err != nil {
		return Command{}, err
	}
	cmd.Text = strings.TrimSpace(text)
	if cmd.Text == "" {
		return Command{}, usage(VerbSchedule, "“schedule %s” needs the text to publish after the time.", cmd.When)
	}
	return cmd, nil
}

// upperFirst turns an error message (lower case by Go convention) into a sentence.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// isAccountOption tells whether w is --account or --account=…, which after a schedule time
// is almost certainly misplaced rather than the first word of the post.
func isAccountOption(w string) bool {
	o, ok := asOption(w)
	return ok && o.name == "account"
}

// errOne is the problem for verbs that take exactly one argument.
func errOne(verb, what string, got int) error {
	return errOneSub(verb, verb, what, got)
}

// errOneSub is errOne for a sub-command such as "feed remove", shown as typed.
func errOneSub(verb, shown, what string, got int) error {
	if got == 0 {
		return usage(verb, "“%s” needs %s after it.", shown, what)
	}
	return usage(verb, "“%s” takes one %s; got %d words.", shown, what, got)
}

// parseStats reads "stats <post id|link>" (a post's insights) or "stats [@account]" (the
// account's last 7 and 30 days): a bare word is a post, an @name or --account an account.
func parseStats(rest string) (Command, error) {
	ws := strings.Fields(rest)
	if len(ws) == 0 || strings.HasPrefix(ws[0], "@") || isAccountOption(ws[0]) {
		return parseAccountOnly(VerbStats, rest)
	}
	return parsePostRef(VerbStats, rest)
}

func parsePostRef(verb, rest string) (Command, error) {
	cmd := Command{Verb: verb}
	ws := strings.Fields(rest)
	what := "post id (see “list”)"
	byLink := verb == VerbDelete || verb == VerbStats
	if byLink {
		what = "post id or Threads link"
	}
	if len(ws) != 1 {
		return Command{}, errOne(verb, what, len(ws))
	}
	if id, ok := storage.ParseSeriesRef(ws[0]); ok && verb == VerbCancel {
		cmd.ID = storage.SeriesRef(id) // series ids (s3) never look like post ids (p7k2m9)
		return cmd, nil
	}
	if byLink {
		if code, link, ok := parsePermalink(ws[0]); ok {
			cmd.Permalink, cmd.Shortcode = link, code
			return cmd, nil
		}
	}
	id, err := parsePostID(verb, ws[0])
	cmd.PostID = id
	if err != nil {
		return Command{}, err
	}
	return cmd, nil
}

func parseGrant(verb, rest string) (Command, error) {
	cmd := Command{Verb: verb}
	ws, err := words(verb, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	if len(ws) != 1 {
		return Command{}, errOne(verb, "user (@name, or a Telegram user id)", len(ws))
	}
	u, ok := parseUser(ws[0])
	if !ok {
		return Command{}, usage(verb, "“%s” is not a user; write @name, mention them, or give a Telegram user id.", ws[0])
	}
	cmd.User = u
	return cmd, nil
}

func parseRoute(rest string) (Command, error) {
	ws := strings.Fields(rest)
	if len(ws) != 1 {
		return Command{}, errOne(VerbRoute, "account (@yourname, or “off”)", len(ws))
	}
	if w := strings.ToLower(ws[0]); w == "off" || w == "none" {
		return Command{Verb: VerbRoute}, nil
	}
	acct, err := parseAccount(VerbRoute, ws[0])
	return Command{Verb: VerbRoute, Account: acct}, err
}

func parseFeed(rest string) (Command, error) {
	sub, rest := cutWord(rest)
	cmd := Command{Verb: VerbFeed, Sub: strings.ToLower(sub)}
	switch cmd.Sub {
	case "add":
		return parseFeedAdd(cmd, rest)
	case "list":
		if rest != "" {
			return Command{}, usage(VerbFeed, "“feed list” takes nothing after it; got “%s”.", rest)
		}
		return cmd, nil
	case "remove", "pause":
		ws := strings.Fields(rest)
		if len(ws) != 1 {
			return Command{}, errOneSub(VerbFeed, "feed "+cmd.Sub, "feed id (see “feed list”)", len(ws))
		}
		id := strings.TrimPrefix(ws[0], "#")
		if !feedIDRE.MatchString(id) {
			return Command{}, usage(VerbFeed, "“%s” is not a feed id; “feed list” shows them.", ws[0])
		}
		cmd.ID = id
		return cmd, nil
	case "":
		return Command{}, usage(VerbFeed, "“feed” needs what to do: add, list, remove or pause.")
	}
	return Command{}, usage(VerbFeed, "“feed %s” is not something I can do; use feed add, list, remove or pause.", sub)
}

var feedIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// parseFeedAdd reads options and the URL, then takes what follows verbatim as the template.
func parseFeedAdd(cmd Command, rest string) (Command, error) {
	for rest != "" && cmd.URL == "" {
		w, r := cutWord(rest)
		if o, ok := asOption(w); ok && o.name != "" {
			if err := applyOption(VerbFeed, &cmd, o, &r, true); err != nil {
				return Command{}, err
			}
			rest = r
			continue
		}
		u, err := parseFeedURL(w)
		if err != nil {
			return Command{}, err
		}
		cmd.URL, rest = u, r
	}
	if cmd.URL == "" {
		return Command{}, usage(VerbFeed, "“feed add” needs the feed’s address, like https://example.com/feed.xml.")
	}
	rest, err := leadingOptions(VerbFeed, &cmd, rest, true)
	if err != nil {
		return Command{}, err
	}
	cmd.Template = strings.TrimSpace(rest)
	return cmd, nil
}

// maxBackfill bounds --backfill: posting more old items at once would spend a large share of
// the account's daily quota (250 posts) on one feed.
const maxBackfill = 50

func parseBackfill(cmd *Command, v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxBackfill {
		return usage(VerbFeed, "--backfill takes a number of existing items to post, from 0 to %d; got “%s”.", maxBackfill, v)
	}
	cmd.Backfill = n
	return nil
}

// parseFeedURL accepts an absolute http(s) URL, also in Slack's escaped <url> or <url|label>
// form with &amp; for "&".
func parseFeedURL(w string) (string, error) {
	s := unwrapSlackLink(w)
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usage(VerbFeed, "“%s” is not a feed address; give a full link starting with https://.", w)
	}
	return s, nil
}

// unwrapSlackLink undoes Slack's escaping of a link: <https://x|label> → https://x.
func unwrapSlackLink(w string) string {
	if strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">") {
		w = w[1 : len(w)-1]
		if i := strings.IndexByte(w, '|'); i >= 0 {
			w = w[:i]
		}
	}
	return strings.ReplaceAll(w, "&amp;", "&")
}

var sourceNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func parseWebhook(rest string) (Command, error) {
	sub, rest := cutWord(rest)
	cmd := Command{Verb: VerbWebhook, Sub: strings.ToLower(sub)}
	if cmd.Sub != "add" {
		return Command{}, usage(VerbWebhook, "Use “webhook add <name>”; “webhook %s” is not something I can do.", sub)
	}
	ws, err := words(VerbWebhook, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	if len(ws) != 1 {
		return Command{}, errOneSub(VerbWebhook, "webhook add", "name (letters, digits, - and _)", len(ws))
	}
	cmd.Name = strings.ToLower(ws[0])
	if !sourceNameRE.MatchString(cmd.Name) {
		return Command{}, usage(VerbWebhook, "“%s” cannot be a webhook name: use up to 64 letters, digits, - and _, starting with a letter or digit.", ws[0])
	}
	return cmd, nil
}

// accountRE is a Threads (Instagram) username: letters, digits, "." and "_", at most 30.
var accountRE = regexp.MustCompile(`^[a-z0-9._]{1,30}$`)

// parseAccount reads a Threads username, with or without "@", and lower-cases it.
func parseAccount(verb, w string) (string, error) {
	name := strings.ToLower(strings.TrimPrefix(w, "@"))
	if !accountRE.MatchString(name) {
		return "", usage(verb, "“%s” is not a Threads account; write it like @yourname.", w)
	}
	return name, nil
}

// postIDRE is Spindle's short post id: 6–12 lower-case letters and digits.
var postIDRE = regexp.MustCompile(`^[a-z0-9]{6,12}$`)

// parsePostID reads a post id, with or without "#"; phones capitalise, so case is ignored.
func parsePostID(verb, w string) (string, error) {
	id := strings.ToLower(strings.TrimPrefix(w, "#"))
	if !postIDRE.MatchString(id) {
		return "", usage(verb, "“%s” is not a post id; ids look like p7k2m9, and “list” shows yours.", w)
	}
	return id, nil
}

var permalinkRE = regexp.MustCompile(`^/@[A-Za-z0-9._]{1,30}/post/([A-Za-z0-9_-]{1,64})/?$`)

// parsePermalink reads a Threads post link (threads.net or threads.com, with or without www,
// query ignored), also in Slack's <url> form, and returns its shortcode.
func parsePermalink(w string) (code, link string, ok bool) {
	link = unwrapSlackLink(w)
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", "", false
	}
	switch strings.ToLower(u.Host) {
	case "threads.net", "www.threads.net", "threads.com", "www.threads.com":
	default:
		return "", "", false
	}
	m := permalinkRE.FindStringSubmatch(u.Path)
	if m == nil {
		return "", "", false
	}
	return m[1], link, true
}

var (
	slackMentionRE = regexp.MustCompile(`^<@([UW][A-Z0-9]{1,20})(?:\|([^>|]{1,80}))?>$`)
	userNameRE     = regexp.MustCompile(`^@([A-Za-z0-9._-]{1,80})$`)
	telegramIDRE   = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// parseUser reads a chat user: <@U123|name>, <@U123>, @name or a numeric Telegram id.
func parseUser(w string) (UserRef, bool) {
	if m := slackMentionRE.FindStringSubmatch(w); m != nil {
		return UserRef{ID: m[1], Name: m[2]}, true
	}
	if m := userNameRE.FindStringSubmatch(w); m != nil {
		return UserRef{Name: m[1]}, true
	}
	if telegramIDRE.MatchString(w) {
		return UserRef{ID: w}, true
	}
	return UserRef{}, false
}

// parseTimezone reads `timezone` (show) or `timezone Europe/Berlin` (set): an IANA name the
// tz database knows (UTC too), checked here so a typo is answered before anything is stored.
func parseTimezone(rest string) (Command, error) {
	ws := strings.Fields(rest)
	switch {
	case len(ws) == 0:
		return Command{Verb: VerbTimezone}, nil
	case len(ws) > 1:
		return Command{}, errOne(VerbTimezone, "time zone (such as Europe/Berlin)", len(ws))
	}
	name := ws[0]
	if strings.EqualFold(name, "UTC") {
		return Command{Verb: VerbTimezone, Zone: "UTC"}, nil
	}
	if !ianaRE.MatchString(name) || len(name) > 64 {
		return Command{}, usage(VerbTimezone, "“%s” is not a time zone name; use one such as Europe/Berlin, America/New_York or Asia/Tokyo", name)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return Command{}, usage(VerbTimezone, "I don't know the time zone “%s”; use a name such as Europe/Berlin, America/New_York or Asia/Tokyo", name)
	}
	return Command{Verb: VerbTimezone, Zone: name}, nil
}

// IsPostID reports whether s has the form of a Spindle post id (p7k2m9x), as doors check the
// post ids they read from button data before acting on them.
func IsPostID(s string) bool { return postIDRE.MatchString(s) }
