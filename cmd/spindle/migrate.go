package main

import (
	"context"
	"fmt"

	"github.com/spindle-threads/spindle/storage"
)

func runMigrate(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("migrate", "spindle migrate [flags]")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("migrate takes no arguments, got %q", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, err := storage.Open(cfg.DataDir, storage.Options{DatabaseURL: cfg.DatabaseURL.Reveal()})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, name := range applied {
		fmt.Fprintf(env.stdout, "applied %s\n", name)
	}
	where := db.Path()
	if db.Postgres() {
		where = "in PostgreSQL (SPINDLE_DATABASE_URL)"
	}
	fmt.Fprintf(env.stdout, "database %s is at schema version %d\n", where, storage.LatestVersion())
	return nil
}

func runVersion(_ context.Context, env *cliEnv, args []string) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(env.stderr, "Usage:\n  spindle version [--json]")
		return nil
	}
	if len(args) > 0 && args[0] != "--json" {
		return usagef("version takes no arguments")
	}
	if len(args) > 0 {
		return env.printJSON(map[string]any{"version": version, "schema": storage.LatestVersion()})
	}
	fmt.Fprintf(env.stdout, "spindle %s (schema %d)\n", version, storage.LatestVersion())
	return nil
}
