// Command spindle is Spindle's one binary: the daemon (`spindle serve`) and the operator's
// commands that work beside it on the same database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // SPINDLE_TIMEZONE must work in minimal containers without /usr/share/zoneinfo
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// command is one subcommand of spindle.
type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the daemon (the default)", "spindle serve [--sandbox] [flags]", runServe},
		{"migrate", "apply database migrations and exit", "spindle migrate [flags]", runMigrate},
		{"version", "print the version", "spindle version", runVersion},
		{"post", "queue a post from the command line", "spindle post <text> --account <username> [--at <when>] [--json]", runPost},
		{"accounts", "list, show or disconnect linked Threads accounts", "spindle accounts list|show|disconnect [flags]", runAccounts},
		{"tokens", "create, list or revoke REST API tokens", "spindle tokens create|list|revoke [flags]", runTokens},
		{"sources", "manage signed webhook sources", "spindle sources add|list|show|rotate|remove [flags]", runSources},
		{"feeds", "manage RSS/Atom/JSON feeds", "spindle feeds add|list|remove [flags]", runFeeds},
		{"backup", "write a consistent copy of the database", "spindle backup <file>", runBackup},
		{"healthcheck", "exit 0 if the daemon on SPINDLE_ADDR is healthy", "spindle healthcheck", runHealthcheck},
		{"help", "help for a command", "spindle help [command]", nil},
	}
}

// run is main without the process: tests call it directly. It returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	env := &cliEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	name, rest := "serve", args
	if len(args) > 0 && !isFlag(args[0]) {
		name, rest = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		return help(env, rest)
	}
	for _, c := range commands() {
		if c.name != name || c.run == nil {
			continue
		}
		err := c.run(ctx, env, rest)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		default:
			fmt.Fprintf(stderr, "spindle %s: %v\n", name, err)
			return exitCode(err)
		}
	}
	fmt.Fprintf(stderr, "spindle: unknown command %q\n\n", name)
	help(env, nil)
	return 2
}

func help(env *cliEnv, args []string) int {
	if len(args) > 0 {
		for _, c := range commands() {
			if c.name == args[0] && c.run != nil {
				return run(context.Background(), []string{c.name, "--help"}, env.getenv, env.stdout, env.stderr)
			}
		}
		fmt.Fprintf(env.stderr, "spindle help: no command %q\n", args[0])
		return 2
	}
	fmt.Fprintln(env.stdout, "Spindle publishes to Threads from Slack, Telegram, signed webhooks and feeds.")
	fmt.Fprintln(env.stdout, "\nUsage: spindle <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(env.stdout, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(env.stdout, "\nEvery command reads the same configuration (environment or flags); `spindle help <command>` lists them.")
	return 0
}

func isFlag(s string) bool { return len(s) > 1 && s[0] == '-' }
