package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest/slots"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

const slotsUsage = `spindle slots --account <username> [--json]                   the schedule and the next slots
spindle slots set <days> <times> --account <username> [--zone Area/City] [--json]
spindle slots clear --account <username>`

// runSlots is `spindle slots`: show, set or clear an account's weekly posting slots, as the
// operator (who may change any account's). Setting moves the posts already placed by slot and
// tells their authors through the outbox, as chat and the REST API do.
func runSlots(ctx context.Context, env *cliEnv, args []string) error {
	sub := ""
	if len(args) > 0 && (args[0] == "set" || args[0] == "clear") {
		sub, args = args[0], args[1:]
	}
	fs, cf := env.flags(strings.TrimSpace("slots "+sub), slotsUsage)
	account := fs.String("account", "", "Threads username whose slots these are (required)")
	zone := fs.String("zone", "", "set: the IANA zone the times are in (default SPINDLE_TIMEZONE)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *account == "" {
		return usagef("give the account: spindle slots --account yourname\nusage:\n%s", slotsUsage)
	}
	var minutes []int
	switch {
	case sub == "set":
		if minutes, err = slots.Parse(strings.Join(pos, " ")); err != nil {
			return usagef("slots set: %v; for example: spindle slots set mon-fri 09:00,12:30,17:00 --account %s", err, *account)
		}
	case len(pos) > 0:
		return usagef("unexpected %q; usage:\n%s", strings.Join(pos, " "), slotsUsage)
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	z := *zone
	if z == "" {
		z = cfg.Timezone.String()
	}
	week := storage.SlotWeek{Zone: z, Minutes: minutes}
	if _, err := week.Location(); sub == "set" && err != nil {
		return usagef("--zone %q is not a time zone name; use one such as Europe/Berlin", *zone)
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	acct, err := accountByName(ctx, db, *account)
	if err != nil {
		return err
	}
	s := publisher.Slots{Store: db, DailyPosts: cfg.Quota.Posts}
	switch sub {
	case "clear":
		had, err := s.Clear(ctx, acct.ID)
		if err != nil {
			return err
		}
		if *asJSON {
			return env.printJSON(map[string]any{"cleared": had})
		}
		fmt.Fprintf(env.stdout, "cleared the posting slots of @%s (had any: %v); placed posts keep their times\n", acct.Username, had)
		return nil
	case "set":
		ch, err := s.Set(ctx, acct.ID, week, "cli")
		if err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(env.stdout, "moved %d posts placed by slot; %d kept their times\n", len(ch.Moved), ch.Kept)
		}
	}
	return showSlots(ctx, env, s, acct, *asJSON)
}

// showSlots prints the account's schedule and its next slots, in the schedule's zone.
func showSlots(ctx context.Context, env *cliEnv, s publisher.Slots, acct storage.Account, asJSON bool) error {
	sched, err := s.Schedule(ctx, acct.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("@%s has no posting slots; set them with: spindle slots set mon-fri 09:00,12:30,17:00 --account %s", acct.Username, acct.Username)
	}
	if err != nil {
		return err
	}
	up, err := s.Upcoming(ctx, acct.ID, 14)
	if err != nil {
		return err
	}
	if asJSON {
		type slot struct {
			At     time.Time `json:"at"`
			PostID string    `json:"post_id,omitempty"`
		}
		out := struct {
			Account  string `json:"account"`
			Slots    string `json:"slots"`
			Zone     string `json:"zone"`
			Upcoming []slot `json:"upcoming"`
		}{acct.Username, slots.Format(sched.Week.Minutes), sched.Week.Zone, []slot{}}
		for _, v := range up {
			out.Upcoming = append(out.Upcoming, slot{v.At.UTC(), v.PostID})
		}
		return env.printJSON(out)
	}
	loc, _ := sched.Week.Location()
	fmt.Fprintf(env.stdout, "@%s: %s (%s)\n", acct.Username, slots.Format(sched.Week.Minutes), sched.Week.Zone)
	for _, v := range up {
		what := "free"
		if v.PostID != "" {
			what = v.PostID
		}
		fmt.Fprintf(env.stdout, "  %s  %s\n", bot.FormatWhen(v.At, loc), what)
	}
	return nil
}
