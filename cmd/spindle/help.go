package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spindle-threads/spindle/config"
)

// command is one subcommand of spindle. verbs are its subcommands (sources add, feeds list),
// for help and shell completion; examples are shown by `spindle help <command>`.
type command struct {
	name     string
	summary  string
	usage    string
	verbs    []string
	examples string
	run      func(ctx context.Context, env *cliEnv, args []string) error
}

func commands() []command {
	return []command{
		{name: "serve", summary: "run the daemon", usage: "spindle serve [--sandbox] [configuration flags]",
			examples: "spindle serve --sandbox                 # no credentials: publish to the built-in simulator\n" +
				"THREADS_APP_ID=… THREADS_APP_SECRET_FILE=/run/secrets/threads spindle serve",
			run: runServe},
		{name: "migrate", summary: "apply database migrations and exit", usage: "spindle migrate",
			examples: "spindle migrate --data-dir /var/lib/spindle", run: runMigrate},
		{name: "version", summary: "print the version", usage: "spindle version", run: runVersion},
		{name: "post", summary: "queue a post from the command line",
			usage: "spindle post <text> --account <username> [--at <when> | --next-slot] [--thread|--long] [--poll \"A | B\"] [--replies <who>] [--ghost] [--topic <tag>] [--json]",
			examples: "spindle post \"Hello, Threads\" --account sandbox\n" +
				"spindle post \"Later\" --account sandbox --at \"in 2h\"\n" +
				"spindle post \"Lunch?\" --account sandbox --poll \"Soup | Salad\" --replies following",
			run: runPost},
		{name: "posts", summary: "edit a queued post, delete a published one, approve or reject a held one", usage: postsUsage,
			verbs: []string{"edit", "delete", "approve", "reject"},
			examples: "spindle posts edit p7k2m9 --text \"New words\" --at \"tomorrow 09:00\"\nspindle posts delete p7k2m9x\n" +
				"spindle posts reject p7k2m9 --reason \"not before the launch\"", run: runPosts},
		{name: "approvals", summary: "whose posts to an account wait for approval, its approvers, the posts waiting", usage: approvalsUsage,
			verbs: []string{"on", "off", "approvers", "pending"},
			examples: "spindle approvals on --account sandbox --who grantees,webhooks\n" +
				"spindle approvals approvers add slack:T0123:U0456 --account sandbox\nspindle approvals pending --json",
			run: runApprovals},
		{name: "series", summary: "list, pause, resume or cancel recurring posts", usage: seriesUsage,
			verbs: []string{"list", "pause", "resume", "cancel"}, examples: "spindle series list --json\nspindle series pause s3", run: runSeries},
		{name: "slots", summary: "show, set or clear an account's weekly posting slots", usage: slotsUsage,
			verbs: []string{"set", "clear"}, examples: "spindle slots set mon-fri 09:00,12:30,17:00 --account sandbox --zone Europe/Berlin\n" +
				"spindle post \"Tips for the week\" --account sandbox --next-slot",
			run: runSlots},
		{name: "accounts", summary: "list, show or disconnect linked Threads accounts", usage: accountsUsage,
			verbs: []string{"list", "show", "disconnect"}, examples: "spindle accounts list --json", run: runAccounts},
		{name: "tokens", summary: "create, list or revoke REST API tokens", usage: tokensUsage,
			verbs:    []string{"create", "list", "revoke"},
			examples: "spindle tokens create --account sandbox --name ci", run: runTokens},
		{name: "sources", summary: "manage signed webhook sources", usage: sourcesUsage,
			verbs:    []string{"add", "list", "show", "rotate", "remove", "enable", "disable"},
			examples: "spindle sources add releases --account sandbox --scheme github --json", run: runSources},
		{name: "events", summary: "send signed event webhooks to your receivers", usage: eventsUsage,
			verbs:    []string{"add", "list", "deliveries", "rotate", "redeliver", "remove"},
			examples: "spindle events add https://example.com/spindle-events --events post.published,post.failed --json", run: runEvents},
		{name: "feeds", summary: "manage RSS/Atom/JSON feeds", usage: feedsUsage,
			verbs:    []string{"add", "list", "remove", "pause", "resume"},
			examples: "spindle feeds add https://blog.example.com/feed.xml --account sandbox", run: runFeeds},
		{name: "mcp", summary: "serve MCP tools to a local AI agent on stdin/stdout, as the operator",
			usage:    "spindle mcp",
			examples: "spindle mcp --data-dir /var/lib/spindle   # started by the agent; see the README", run: runMCP},
		{name: "backup", summary: "write a consistent copy of the database", usage: "spindle backup <file>",
			examples: "spindle backup /var/backups/spindle-$(date +%F).db", run: runBackup},
		{name: "config", summary: "print the effective configuration, secrets redacted", usage: "spindle config [--json]",
			examples: "SPINDLE_ADDR=:9090 spindle config", run: runConfig},
		{name: "slack", summary: "print the Slack app manifest for this Spindle", usage: "spindle slack manifest",
			verbs:    []string{"manifest"},
			examples: "SPINDLE_PUBLIC_URL=https://spindle.example.com spindle slack manifest > manifest.json", run: runSlack},
		{name: "healthcheck", summary: "exit 0 if the daemon on SPINDLE_ADDR is healthy", usage: "spindle healthcheck", run: runHealthcheck},
		{name: "completion", summary: "print a shell completion script", usage: "spindle completion bash|zsh|fish",
			verbs:    []string{"bash", "zsh", "fish"},
			examples: "source <(spindle completion bash)\nspindle completion fish > ~/.config/fish/completions/spindle.fish",
			run:      runCompletion},
		{name: "help", summary: "help for a command, or for the configuration (help config)", usage: "spindle help [command [verb] | config]"},
	}
}

// help answers `spindle`, `spindle -h`, `spindle help` (the overview), `spindle help config`
// (every configuration flag), `spindle help <command>` and `spindle help <command> <verb>`.
func help(env *cliEnv, args []string) int {
	if len(args) == 0 {
		overview(env.stdout)
		return 0
	}
	if args[0] == "config" && len(args) == 1 {
		config.WriteHelp(env.stdout)
		return 0
	}
	c, ok := findCommand(args[0])
	if !ok {
		fmt.Fprintf(env.stderr, "spindle help: no command %q; spindle help lists them\n", args[0])
		return 2
	}
	// Help was asked for, so it goes to stdout, the command's flags included.
	if len(c.verbs) == 0 || len(args) > 1 {
		return run(context.Background(), append(args, "--help"), env.getenv, env.stdout, env.stdout)
	}
	fmt.Fprintf(env.stdout, "%s\n\nUsage:\n%s\n", c.summary, indent(c.usage))
	if c.examples != "" {
		fmt.Fprintf(env.stdout, "\nExamples:\n%s\n", indent(c.examples))
	}
	fmt.Fprintf(env.stdout, "\nspindle help %s <verb> lists a verb's flags (verbs: %s).\n", c.name, strings.Join(c.verbs, ", "))
	return 0
}

// overview is the list of commands.
func overview(w io.Writer) {
	fmt.Fprintln(w, "Spindle publishes to Threads from Slack, Telegram, signed webhooks and feeds.")
	fmt.Fprintln(w, "\nUsage: spindle <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nStart here: spindle serve --sandbox")
	fmt.Fprintln(w, "spindle help <command> shows a command's flags and examples; spindle help config, the")
	fmt.Fprintln(w, "configuration every command reads (environment variables, or flags of the same name).")
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c, true
		}
	}
	return command{}, false
}

// examplesOf is the examples block of the named command, for its flag usage.
func examplesOf(name string) string {
	top, _, _ := strings.Cut(name, " ")
	if c, ok := findCommand(top); ok {
		return c.examples
	}
	return ""
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
