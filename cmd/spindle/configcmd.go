package main

import (
	"context"
)

// runConfig is `spindle config`: the configuration this machine's environment and flags give,
// after defaults, with every secret redacted — what to paste into a bug report.
func runConfig(_ context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("config", "spindle config [--json]")
	asJSON := fs.Bool("json", false, "print the settings as a JSON object")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("config takes no arguments, got %q", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	if !*asJSON {
		cfg.Dump(env.stdout)
		return nil
	}
	m := map[string]string{}
	for _, s := range cfg.Settings() {
		m[s.Name] = s.Value
	}
	return env.printJSON(m)
}
