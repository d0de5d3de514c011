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

// run is main without the process: tests call it directly. It returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	env := &cliEnv{getenv: getenv, stdout: stdout, stderr: stderr}
	// A bare `spindle` asks what it can do; `spindle --sandbox` (flags only) still means serve.
	if len(args) == 0 {
		return help(env, nil)
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		return help(env, args[1:])
	}
	name, rest := "serve", args
	if !isFlag(args[0]) {
		name, rest = args[0], args[1:]
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
	overview(stderr)
	return 2
}

func isFlag(s string) bool { return len(s) > 1 && s[0] == '-' }
