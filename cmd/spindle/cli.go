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
	shared := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { shared[f.Name] = true })
	fs.Usage = func() { commandUsage(env.stderr, fs, shared, name, usage) }
	return fs, cf
}

// commandUsage prints a command's usage, examples and its own flags; the configuration flags
// every command shares are listed once, by `spindle help config`, not a hundred times.
func commandUsage(w io.Writer, fs *flag.FlagSet, shared map[string]bool, name, usage string) {
	fmt.Fprintf(w, "Usage:\n%s\n", indent(usage))
	if ex := examplesOf(name); ex != "" {
		fmt.Fprintf(w, "\nExamples:\n%s\n", indent(ex))
	}
	own := flag.NewFlagSet(fs.Name(), flag.ContinueOnError)
	own.SetOutput(w)
	fs.VisitAll(func(f *flag.Flag) {
		if !shared[f.Name] {
			own.Var(f.Value, f.Name, f.Usage)
		}
	})
	if hasFlags(own) {
		fmt.Fprintln(w, "\nFlags:")
		own.PrintDefaults()
	}
	fmt.Fprintln(w, "\nConfiguration (SPINDLE_DATA_DIR, SPINDLE_SANDBOX, …): environment variables or flags of the same")
	fmt.Fprintln(w, "name, listed by spindle help config; spindle config prints the values in effect.")
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
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

// openStore opens and migrates the configured database: SQLite in the data dir, or the
// PostgreSQL of SPINDLE_DATABASE_URL. Commands run beside the daemon on the same database;
// SQLite's locking and the busy timeout, or PostgreSQL itself, make that safe.
func openStore(ctx context.Context, cfg config.Config) (*storage.DB, error) {
	db, err := storage.Open(cfg.DataDir, storage.Options{DatabaseURL: cfg.DatabaseURL.Reveal()})
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

// subcommand splits a command with verbs (spindle events add …) into its verb and the rest.
// No verb, or a flag where the verb belongs, is a usage error naming what the command manages;
// -h or --help prints usage.
func subcommand(env *cliEnv, args []string, what, usage string) (verb string, rest []string, err error) {
	if len(args) == 0 || isFlag(args[0]) {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(env.stderr, "Usage: %s\n", usage)
			return "", nil, flag.ErrHelp
		}
		return "", nil, usagef("say what to do with %s:\n%s", what, usage)
	}
	return args[0], args[1:], nil
}
