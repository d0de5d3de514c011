package main

import (
	"context"
	"fmt"
)

// runBackup is `spindle backup <file>`: a consistent copy of the database taken online, while
// the daemon keeps running.
func runBackup(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("backup", "spindle backup <file>")
	rest, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("give the file to write: spindle backup /backups/spindle-$(date +%%F).db")
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
	if err := db.Backup(ctx, rest[0]); err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "wrote %s\n", rest[0])
	return nil
}
