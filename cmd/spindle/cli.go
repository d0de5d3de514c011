package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/storage"
)

// cliEnv is what every subcommand gets from the process: its environment and its output.
type cliEnv struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

// usageError is a mistake in how a command was called; it exits 2 instead of 1.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

func exitCode(err error) int {
	var ue *usageError
	var ve *config.ValidationError
	if errors.As(err, &ue) || errors.As(err, &ve) {
		return 2
	}
	return 1
}

// flags returns a flag set for the named command carrying every configuration flag, so each
// command reads the same configuration. Commands add their own flags to it.
func (env *cliEnv) flags(name, usage string) (*flag.FlagSet, *config.Flags) {
	fs := flag.NewFlagSet("spindle "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	cf := config.RegisterFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(env.stderr, "Usage: %s\n\nFlags (each also read from the environment variable shown):\n", usage)
		fs.PrintDefaults()
	}
	return fs, cf
}

// parse parses args allowing flags after positional arguments (`spindle post "hi" --account
// alice`), and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}

// load resolves the configuration after parse.
func (env *cliEnv) load(cf *config.Flags) (config.Config, error) {
	return cf.Load(env.getenv)
}

// logger builds the process logger from the configuration.
func (env *cliEnv) logger(cfg config.Config) *slog.Logger {
	return slog.New(cfg.LogHandler(env.stderr))
}

// openStore opens and migrates the database in the configured data dir. Commands run beside
// the daemon on the same file; SQLite's locking and the busy timeout make that safe.
func openStore(ctx context.Context, cfg config.Config) (*storage.DB, error) {
	db, err := storage.Open(cfg.DataDir, storage.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// printJSON writes v as indented JSON, for --json output.
func (env *cliEnv) printJSON(v any) error {
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
