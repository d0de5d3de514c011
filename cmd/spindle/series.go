package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/storage"
)

const seriesUsage = `spindle series list [--account <username>] [--json]
spindle series pause|resume|cancel <id> [--json]`

// runSeries is `spindle series`: list, pause, resume and cancel recurring posts (made in chat
// with "schedule every" or with POST /api/threads/series). It works on the database directly,
// while the daemon runs; a resumed series gets its next post from the daemon's next round.
func runSeries(ctx context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || isFlag(args[0]) {
		return usagef("usage:\n%s", seriesUsage)
	}
	switch sub, rest := args[0], args[1:]; sub {
	case "list":
		return runSeriesList(ctx, env, rest)
	case "pause", "resume", "cancel":
		return runSeriesChange(ctx, env, sub, rest)
	default:
		return usagef("unknown series command %q; usage:\n%s", sub, seriesUsage)
	}
}

func runSeriesList(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("series list", "spindle series list [--account <username>] [--json]")
	account := fs.String("account", "", "only this account's series")
	asJSON := fs.Bool("json", false, "print JSON")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("series list takes no arguments, got %q", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	accts, err := db.Accounts(ctx)
	if err != nil {
		return err
	}
	type row struct {
		ID, Account, Rule, Description, Timezone, State string
		Made                                            int
	}
	rows := []row{}
	for _, a := range accts {
		if *account != "" && !strings.EqualFold(strings.TrimPrefix(*account, "@"), a.Username) {
			continue
		}
		list, err := db.ListSeries(ctx, a.ID)
		if err != nil {
			return err
		}
		for _, s := range list {
			desc := s.Rule
			if r, _, err := recur.Parse(s.Rule); err == nil {
				desc = r.Describe()
			}
			rows = append(rows, row{s.Ref(), a.Username, "every " + s.Rule, desc, s.Zone, string(s.State), s.Made})
		}
	}
	if *asJSON {
		return env.printJSON(rows)
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tACCOUNT\tRULE\tZONE\tSTATE\tPOSTS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t@%s\t%s\t%s\t%s\t%d\n", r.ID, r.Account, r.Description, r.Timezone, r.State, r.Made)
	}
	return tw.Flush()
}

func runSeriesChange(ctx context.Context, env *cliEnv, sub string, args []string) error {
	fs, cf := env.flags("series "+sub, "spindle series "+sub+" <id> [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("give one series id: spindle series %s s3", sub)
	}
	id, ok := storage.ParseSeriesRef(rest[0])
	if !ok {
		return usagef("%q is not a series id; they look like s3 (spindle series list)", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	to := map[string]storage.SeriesState{"pause": storage.SeriesPaused, "resume": storage.SeriesActive, "cancel": storage.SeriesCancelled}[sub]
	s, cancelled, err := db.SetSeriesState(ctx, id, to)
	if err != nil {
		return err
	}
	if *asJSON {
		if cancelled == nil {
			cancelled = []string{}
		}
		return env.printJSON(map[string]any{"id": s.Ref(), "state": s.State, "cancelled_posts": cancelled})
	}
	fmt.Fprintf(env.stdout, "series %s is %s", s.Ref(), s.State)
	if len(cancelled) > 0 {
		fmt.Fprintf(env.stdout, "; its waiting post %s was cancelled", strings.Join(cancelled, ", "))
	}
	fmt.Fprintln(env.stdout)
	return nil
}
