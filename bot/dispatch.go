package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// Incoming is one command as a door received it.
type Incoming struct {
	Identity  Identity
	Text      string         // the command without the door's prefix: "post hello", "list"
	Origin    ingest.Origin  // where results of what it queues go
	Zone      *time.Location // the person's zone if known, else nil (the default zone is used)
	Channel   string         // Slack channel id (for routes); Telegram chat id as a string
	RequestID string         // follows the command through the logs
	// Key, when set, makes post and schedule idempotent: the same Key from the same door
	// answers the post it already queued (Telegram's update id, a Slack request signature).
	Key string
	// Only, when set, pins the command to that one account (a REST API token made with
	// --account, used by the MCP door): the sender's other accounts are invisible to it, as they
	// are to the REST API with the same token.
	Only int64
}

// DispatcherOptions connect a Dispatcher to the rest of Spindle. Every dependency may be nil;
// the verbs that need a missing one say so instead of failing.
type DispatcherOptions struct {
	Ingest   Ingest
	Accounts Accounts
	Queue    Queue
	Deleter  Deleter
	Insights Insights
	Quotas   Quotas
	Feeds    Feeds
	Webhooks Webhooks
	Routes   Routes
	// Approvals sets approval policies and decides held posts; nil: the verbs are unavailable.
	Approvals Approvals
	// Cards reads what an approval card shows (storage.DB); nil: the approvals list has no cards.
	Cards  CardStore
	Zones  Zones
	Editor Editor // nil: Ingest, when it can edit too
	Series Series
	Slots  Slots
	// LongTexts keeps each account's choice for texts over 500 characters; nil: chains.
	LongTexts LongTexts
	// Polls reads a published poll's votes for status; nil: status shows none.
	Polls Polls

	Zone   *time.Location   // SPINDLE_TIMEZONE: for people whose zone is unknown; nil: UTC
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil: discard
}

// Dispatcher runs chat commands for every door: it parses the text with Parse, checks that
// the person may do what they ask, calls the part of Spindle that does it, and answers with a
// Reply the door renders. It holds no state of its own and is safe for concurrent use.
type Dispatcher struct {
	o   DispatcherOptions
	now func() time.Time
	log *slog.Logger
}

// NewDispatcher returns a Dispatcher.
func NewDispatcher(o DispatcherOptions) *Dispatcher {
	d := &Dispatcher{o: o, now: o.Now, log: o.Logger}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.o.Zone == nil {
		d.o.Zone = time.UTC
	}
	if ed, ok := d.o.Ingest.(Editor); ok && d.o.Editor == nil {
		d.o.Editor = ed // ingest.Service both queues and edits
	}
	return d
}

// Prefix is what a person types before a verb in a door: "/threads " in Slack, "/" in
// Telegram, nothing elsewhere.
func (d *Dispatcher) Prefix(door ingest.Door) string {
	switch door {
	case ingest.DoorSlack:
		return "/threads "
	case ingest.DoorTelegram:
		return "/"
	}
	return ""
}

// call is one command being handled.
type call struct {
	d      *Dispatcher
	in     Incoming
	cmd    Command
	zone   *time.Location
	prefix string
}

// Handle runs one command and returns what to answer. It never panics and never shows an
// error's internals: failures of Spindle itself are logged with the request id and answered
// with an apology that says what to do.
func (d *Dispatcher) Handle(ctx context.Context, in Incoming) (r Reply) {
	c := &call{d: d, in: in, zone: in.Zone, prefix: d.Prefix(in.Identity.Door)}
	if c.zone == nil {
		c.zone = d.o.Zone
	}
	defer c.recover(ctx, &r)
	cmd, err := Parse(in.Text, d.now(), c.zone)
	if err != nil {
		var ue *UsageError
		if errors.As(err, &ue) {
			return Reply{Text: ue.Message(c.prefix), Private: true, Refused: true}
		}
		return c.fail(ctx, err)
	}
	c.cmd = cmd
	return c.run(ctx)
}

// Run runs a command that arrives already structured (the MCP door's tools) exactly as Handle
// runs a typed one once parsed: the same account choice, authorisation, preflight and
// answers. Nothing in cmd is parsed again, so a text that starts with "--account" or looks like
// a time stays text. Schedule needs cmd.At; ParseWhen reads a person's time expression.
func (d *Dispatcher) Run(ctx context.Context, in Incoming, cmd Command) (r Reply) {
	c := &call{d: d, in: in, cmd: cmd, zone: in.Zone, prefix: d.Prefix(in.Identity.Door)}
	if c.zone == nil {
		c.zone = d.o.Zone
	}
	defer c.recover(ctx, &r)
	return c.run(ctx)
}

// Zone is where times are read and shown for a sender whose zone is unknown.
func (d *Dispatcher) Zone() *time.Location { return d.o.Zone }

// Now is the dispatcher's clock.
func (d *Dispatcher) Now() time.Time { return d.now() }

// Accounts lists the accounts in may use (pinned to in.Only when set): what the MCP door's
// list_accounts shows. The error reply, if any, is a refusal a person can read.
func (d *Dispatcher) Accounts(ctx context.Context, in Incoming) ([]Account, *Reply) {
	c := &call{d: d, in: in, zone: d.o.Zone, prefix: d.Prefix(in.Identity.Door)}
	return c.accounts(ctx)
}

// recover turns a panic in a verb into an apology, logged with its stack.
func (c *call) recover(ctx context.Context, r *Reply) {
	if p := recover(); p != nil {
		c.d.log.ErrorContext(ctx, "chat command panicked", slog.Any("panic", p),
			slog.String("stack", string(debug.Stack())), slog.String("request_id", c.in.RequestID))
		*r = Reply{Text: "Something went wrong on Spindle's side and nothing was changed. Please try again; if it keeps happening, tell whoever runs this Spindle (request " + c.in.RequestID + ").", Private: true, Refused: true}
	}
}

func (c *call) run(ctx context.Context) Reply {
	switch c.cmd.Verb {
	case VerbHelp:
		return Reply{Text: Help(c.prefix, c.cmd.Topic), Private: true}
	case VerbStart:
		return c.start()
	case VerbConnect:
		return c.connect(ctx)
	case VerbDisconnect:
		return c.disconnect(ctx)
	case VerbPost, VerbSchedule, VerbQueue:
		return c.post(ctx)
	case VerbSlots:
		return c.slots(ctx)
	case VerbPreview:
		return c.preview(ctx)
	case VerbList:
		return c.list(ctx)
	case VerbStatus:
		return c.status(ctx)
	case VerbCancel:
		return c.cancel(ctx)
	case VerbDelete:
		return c.delete(ctx)
	case VerbQuota:
		return c.quota(ctx)
	case VerbFeed:
		return c.feed(ctx)
	case VerbWebhook:
		return c.webhook(ctx)
	case VerbGrant, VerbRevoke:
		return c.grant(ctx)
	case VerbRoute:
		return c.route(ctx)
	case VerbToken:
		return c.token(ctx)
	case VerbReply, VerbQuote:
		return c.replyOrQuote(ctx)
	case VerbTimezone:
		return c.timezone(ctx)
	case VerbStats:
		return c.stats(ctx)
	case VerbEdit:
		return c.edit(ctx)
	case VerbSeries:
		return c.series(ctx)
	case VerbLongText:
		return c.longtext(ctx)
	case VerbApprovals:
		return c.approvals(ctx)
	case VerbApprove, VerbReject:
		return c.decide(ctx)
	}
	return Reply{Text: Help(c.prefix, ""), Private: true}
}

// unavailable is the answer when a dependency is not wired.
func (c *call) unavailable(what string) Reply {
	return Reply{Text: fmt.Sprintf("%s is not available on this Spindle. Ask whoever runs it to enable it.", upperFirst(what)), Private: true, Refused: true}
}

// say is a plain public reply; sayf formats one.
func say(s string) Reply { return Reply{Text: s} }

func sayf(format string, args ...any) Reply { return Reply{Text: fmt.Sprintf(format, args...)} }

// refuse is a private refusal.
func refuse(format string, args ...any) Reply {
	return Reply{Text: fmt.Sprintf(format, args...), Private: true, Refused: true}
}

// fail turns a dependency's error into a reply: rule violations and public errors verbatim,
// anything else logged and answered with an apology (never the error's text, which may name
// internals).
func (c *call) fail(ctx context.Context, err error) Reply {
	var (
		pub   PublicError
		inv   *ingest.InvalidError
		state *storage.StateError
		del   *publisher.DeleteError
		scope *ingest.ScopeError
	)
	switch {
	case errors.As(err, &del) && del.Scope != "":
		return refuse("That cannot be deleted: this account's Threads token lacks the %s permission. Link the account again with %sconnect and allow it; then try again.", del.Scope, c.prefix)
	case errors.As(err, &scope):
		return refuse("Not done: %s on @%s needs the Threads permission %s, which this account's token lacks. Link the account again with %sconnect and allow it; then try again.",
			scope.Needs, scope.Account, scope.Scope, c.prefix)
	case errors.As(err, &inv):
		return refuse("%s", invalidText(err))
	case errors.As(err, &state):
		return refuse("%s.", upperFirst(state.Error()))
	case errors.As(err, &pub):
		return refuse("%s", pub.UserMessage())
	case errors.Is(err, ErrForbidden):
		return refuse("You are not allowed to do that. The account's owner can give you the right with %sgrant.", c.prefix)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		c.d.log.WarnContext(ctx, "chat command timed out", slog.String("verb", c.cmd.Verb),
			slog.String("request_id", c.in.RequestID), slog.Any("error", err))
		return refuse("That took too long and may not have happened. Check with %slist or %sstatus before trying again.", c.prefix, c.prefix)
	}
	c.d.log.ErrorContext(ctx, "chat command failed", slog.String("verb", c.cmd.Verb),
		slog.String("door", string(c.in.Identity.Door)), slog.String("request_id", c.in.RequestID), slog.Any("error", err))
	return refuse("Sorry, Spindle could not do that because of a problem on its side; nothing was changed. Please try again in a minute (request %s).", c.in.RequestID)
}

// invalidText joins the reasons of every *ingest.InvalidError in err.
func invalidText(err error) string {
	var reasons []string
	for _, inv := range ingest.Problems(err) {
		reasons = append(reasons, upperFirst(strings.TrimSuffix(inv.Reason, "."))+".")
	}
	if len(reasons) == 1 {
		return "That cannot be posted: " + reasons[0]
	}
	return "That cannot be posted:\n• " + strings.Join(reasons, "\n• ")
}
