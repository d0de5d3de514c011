package main

import (
	"context"
	"fmt"

	"github.com/spindle-threads/spindle/storage"
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
	if dsn := cfg.DatabaseURL.Reveal(); dsn != "" {
		return pgBackupAdvice(dsn, rest[0])
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

// pgBackupAdvice is what spindle backup says on PostgreSQL, where there is no file to copy:
// the pg_dump command for this database, which is not the URL as given (see
// storage.DumpCommand), so that the operator can run it as it is.
func pgBackupAdvice(dsn, file string) error {
	cmd, err := storage.DumpCommand(dsn, file)
	if err != nil {
		return fmt.Errorf("SPINDLE_DATABASE_URL %w", err)
	}
	return fmt.Errorf("the database is PostgreSQL (SPINDLE_DATABASE_URL), and spindle backup copies SQLite's file only; "+
		"back PostgreSQL up with pg_dump, giving it the password in PGPASSWORD or ~/.pgpass:\n\n  %s\n\n"+
		"Restore with pg_restore --clean --if-exists and the same --dbname while no replica runs (README: Backup and restore)", cmd)
}
