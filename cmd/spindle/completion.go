package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// runCompletion is `spindle completion bash|zsh|fish`: a script that completes command names
// and their verbs, generated from commands() so it cannot drift from what the binary takes.
func runCompletion(_ context.Context, env *cliEnv, args []string) error {
	if len(args) != 1 {
		return usagef("give the shell: spindle completion bash|zsh|fish")
	}
	switch args[0] {
	case "bash":
		writeBashCompletion(env.stdout)
	case "zsh":
		// zsh runs bash completion functions through bashcompinit.
		fmt.Fprintln(env.stdout, "autoload -U +X bashcompinit && bashcompinit")
		writeBashCompletion(env.stdout)
	case "fish":
		writeFishCompletion(env.stdout)
	default:
		return usagef("no completion for %q; give bash, zsh or fish", args[0])
	}
	return nil
}

func commandNames() []string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	return names
}

func writeBashCompletion(w io.Writer) {
	fmt.Fprintln(w, "# spindle completion for bash: source <(spindle completion bash)")
	fmt.Fprintln(w, "_spindle() {")
	fmt.Fprintln(w, `	local cur=${COMP_WORDS[COMP_CWORD]}`)
	fmt.Fprintln(w, `	if [ "$COMP_CWORD" -eq 1 ]; then`)
	fmt.Fprintf(w, "\t\tCOMPREPLY=($(compgen -W %q -- \"$cur\"))\n", strings.Join(commandNames(), " "))
	fmt.Fprintln(w, "\t\treturn")
	fmt.Fprintln(w, "\tfi")
	fmt.Fprintln(w, `	if [ "$COMP_CWORD" -eq 2 ]; then`)
	fmt.Fprintln(w, `		case ${COMP_WORDS[1]} in`)
	for _, c := range commands() {
		words := c.verbs
		if c.name == "help" {
			words = commandNames() // config is a command name already, and a help topic
		}
		if len(words) > 0 {
			fmt.Fprintf(w, "\t\t%s) COMPREPLY=($(compgen -W %q -- \"$cur\")) ;;\n", c.name, strings.Join(words, " "))
		}
	}
	fmt.Fprintln(w, "\t\tesac")
	fmt.Fprintln(w, "\tfi")
	fmt.Fprintln(w, "}")
	fmt.Fprintln(w, "complete -o default -F _spindle spindle")
}

func writeFishCompletion(w io.Writer) {
	fmt.Fprintln(w, "# spindle completion for fish: spindle completion fish > ~/.config/fish/completions/spindle.fish")
	fmt.Fprintln(w, "complete -c spindle -f")
	for _, c := range commands() {
		fmt.Fprintf(w, "complete -c spindle -n __fish_use_subcommand -a %s -d %q\n", c.name, c.summary)
		for _, v := range c.verbs {
			fmt.Fprintf(w, "complete -c spindle -n '__fish_seen_subcommand_from %s' -a %s\n", c.name, v)
		}
	}
}
