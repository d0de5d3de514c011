package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/storage"
)

// VerbSeries lists, pauses, resumes and cancels recurring posts (made with "schedule every").
const VerbSeries = "series"

// Series creates and manages recurring posts (recur.Service).
type Series interface {
	Create(ctx context.Context, ns recur.NewSeries) (storage.Series, storage.Post, error)
	Series(ctx context.Context, id int64) (storage.Series, error)
	List(ctx context.Context, accountID int64) ([]storage.Series, error)
	SetState(ctx context.Context, id int64, to storage.SeriesState) (storage.Series, []string, error)
}

// seriesDoc is series' help; "schedule every" is documented with schedule and here.
func seriesDoc() verbDoc {
	return verbDoc{VerbInfo{VerbSeries, "List, pause, resume or cancel recurring posts", "[pause|resume|cancel <id>]", ""},
		[]string{"schedule [--account @name] every <rule> <text>", "series", "series pause <id>", "series resume <id>", "series cancel <id>", "cancel <id>"},
		[]string{"series", "series pause s3", "series resume s3", "series cancel s3"},
		"Make one with schedule every, e.g. “schedule every monday 09:00 Weekly update”, “schedule every weekday 08:30 Standup in 30 minutes”, “schedule every 2 weeks friday 17:00 until 2027-03-01 Sprint demo” or “schedule every day 18:00 times 10 Day {{.N}} of 10”. <rule> is day, N days, weekday, monday (or mon,thu), week friday or N weeks monday, then the time (09:00, 9am), then optionally until YYYY-MM-DD or times N. Times are your wall-clock time, also across daylight saving changes. Each occurrence becomes its own post when the previous one is due, so list, status and cancel work on it as on any post. Series ids look like s3. To rotate texts, put a line with only --- between them; a text may use {{.Date}}, {{.Weekday}} and {{.N}} (the occurrence's number). Pausing cancels the occurrence waiting; resuming queues the next one from now."}
}

// parseEvery reads the rest of "schedule [--account @x] every <rule> <text>".
func parseEvery(cmd Command, rest string) (Command, error) {
	if strings.TrimSpace(rest) == "" {
		return Command{}, usage(VerbSeries, "“schedule every” needs the days, a time and the text, like “schedule every monday 09:00 Weekly update”.")
	}
	rule, text, err := recur.Parse(rest)
	if err != nil {
		return Command{}, &UsageError{Verb: VerbSeries, Problem: upperFirst(err.Error()) + ".", Err: err}
	}
	if w, _ := cutWord(text); isAccountOption(w) {
		return Command{}, usage(VerbSeries, "Put --account before “every”: “schedule --account @name every …”.")
	}
	cmd.Every, cmd.Text = rule.String(), strings.TrimSpace(text)
	if cmd.Text == "" {
		return Command{}, usage(VerbSeries, "“schedule every %s” needs the text to publish after the time.", cmd.Every)
	}
	return cmd, nil
}

// parseSeries reads `series`, `series list` and `series pause|resume|cancel <id>`.
func parseSeries(rest string) (Command, error) {
	sub, rest := cutWord(rest)
	cmd := Command{Verb: VerbSeries, Sub: strings.ToLower(sub)}
	switch cmd.Sub {
	case "", "list":
		if rest != "" {
			return Command{}, usage(VerbSeries, "“series” alone lists them; got “%s” after it.", rest)
		}
		cmd.Sub = "list"
		return cmd, nil
	case "pause", "resume", "cancel":
		ws := strings.Fields(rest)
		if len(ws) != 1 {
			return Command{}, errOneSub(VerbSeries, "series "+cmd.Sub, "series id (see “series”)", len(ws))
		}
		id, ok := storage.ParseSeriesRef(ws[0])
		if !ok {
			return Command{}, usage(VerbSeries, "“%s” is not a series id; they look like s3, and “series” lists them.", ws[0])
		}
		cmd.ID = storage.SeriesRef(id)
		return cmd, nil
	}
	return Command{}, usage(VerbSeries, "“series %s” is not something I can do; use series, series pause, resume or cancel.", sub)
}

// scheduleEvery creates a series on the chosen account, read in the sender's zone.
func (c *call) scheduleEvery(ctx context.Context) Reply {
	if c.d.o.Series == nil {
		return c.unavailable("recurring posts")
	}
	acc, r := c.pick(ctx, c.cmd.Account, false)
	if r != nil {
		return *r
	}
	rule, _, err := recur.Parse(c.cmd.Every)
	if err != nil {
		return c.fail(ctx, err)
	}
	origin := c.in.Origin
	if origin.Door == "" {
		origin.Door = c.in.Identity.Door
	}
	s, first, err := c.d.o.Series.Create(ctx, recur.NewSeries{AccountID: acc.ID, Origin: origin,
		CreatedBy: c.in.Identity.Key(), Rule: rule, Zone: c.zone, Text: c.cmd.Text, Thread: true})
	if err != nil {
		return c.fail(ctx, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "🔁 Series %s for @%s: %s (%s).", s.Ref(), acc.Username, rule.Describe(), s.Zone)
	if n := len(s.Texts); n > 1 {
		fmt.Fprintf(&b, " It rotates through %d texts.", n)
	}
	if first.ID != "" {
		fmt.Fprintf(&b, " First post %s at %s.", first.ID, FormatWhen(first.ScheduledAt, c.zone))
	}
	fmt.Fprintf(&b, " Each post is queued when the one before it is due. %sseries lists it; %sseries pause %s or %scancel %s stops it.",
		c.prefix, c.prefix, s.Ref(), c.prefix, s.Ref())
	// Not Queued: Slack's Cancel button on a schedule confirmation would cancel only this
	// first occurrence, not the series the person just made.
	return say(b.String())
}

// series runs the series verb.
func (c *call) series(ctx context.Context) Reply {
	if c.d.o.Series == nil {
		return c.unavailable("recurring posts")
	}
	switch c.cmd.Sub {
	case "pause":
		return c.setSeries(ctx, storage.SeriesPaused)
	case "resume":
		return c.setSeries(ctx, storage.SeriesActive)
	case "cancel":
		return c.setSeries(ctx, storage.SeriesCancelled)
	}
	return c.listSeries(ctx)
}

// listSeries shows the sender's active and paused series.
func (c *call) listSeries(ctx context.Context) Reply {
	accs, r := c.scope(ctx, c.cmd.Account)
	if r != nil {
		return *r
	}
	var lines []string
	for _, a := range accs {
		list, err := c.d.o.Series.List(ctx, a.ID)
		if err != nil {
			return c.fail(ctx, err)
		}
		for _, s := range list {
			lines = append(lines, c.seriesLine(s, a.Username))
		}
	}
	if len(lines) == 0 {
		return say(fmt.Sprintf("No recurring posts on %s. Start one with %sschedule every monday 09:00 <text>.", names(accs), c.prefix))
	}
	return say(fmt.Sprintf("%s:\n%s", plural(len(lines), "series"), strings.Join(lines, "\n")))
}

func (c *call) seriesLine(s storage.Series, account string) string {
	desc := s.Rule
	if rule, _, err := recur.Parse(s.Rule); err == nil {
		desc = rule.Describe()
	}
	state := string(s.State)
	if s.State == storage.SeriesActive && s.LastAt.After(c.d.now()) {
		state = "next " + shortWhen(s.LastAt, c.zone)
	}
	return fmt.Sprintf("%s  @%s  %s (%s)  %s  “%s”", s.Ref(), account, desc, s.Zone, state, firstWords(s.Texts[0]))
}

// setSeries pauses, resumes or cancels a series on one of the sender's accounts.
func (c *call) setSeries(ctx context.Context, to storage.SeriesState) Reply {
	id, _ := storage.ParseSeriesRef(c.cmd.ID)
	accs, r := c.accounts(ctx)
	if r != nil {
		return *r
	}
	s, err := c.d.o.Series.Series(ctx, id)
	acc, ok := byID(accs, s.AccountID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !ok) {
		return refuse("I know no series %s on your accounts. %sseries lists yours.", c.cmd.ID, c.prefix)
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	s, cancelled, err := c.d.o.Series.SetState(ctx, id, to)
	if se, ok := errors.AsType[*storage.SeriesStateError](err); ok {
		return refuse("%s.", upperFirst(se.Error()))
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	also := ""
	if len(cancelled) > 0 {
		also = fmt.Sprintf(" Its waiting post %s was cancelled.", strings.Join(cancelled, ", "))
	}
	switch to {
	case storage.SeriesPaused:
		return sayf("⏸️ Paused series %s for @%s.%s Resume it with %sseries resume %s.", s.Ref(), acc.Username, also, c.prefix, s.Ref())
	case storage.SeriesActive:
		next := ""
		if s.LastAt.After(c.d.now()) {
			next = " Next post at " + FormatWhen(s.LastAt, c.zone) + "."
		}
		return sayf("▶️ Resumed series %s for @%s.%s", s.Ref(), acc.Username, next)
	}
	return sayf("Cancelled series %s for @%s; it will not post again.%s", s.Ref(), acc.Username, also)
}
