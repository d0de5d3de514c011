package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with the configuration: the variable at fault and a message that
// says what is wrong and how to fix it. Messages never contain a secret's value.
type Problem struct {
	Var     string // the environment name, e.g. SPINDLE_POLL_INTERVAL
	Message string
}

func (p Problem) String() string { return p.Var + ": " + p.Message }

// ValidationError lists every problem found, so an operator fixes them in one round instead
// of one restart per mistake.
type ValidationError struct {
	Problems []Problem
	Hint     string // a closing suggestion, printed after the problems
}

// Error lists the problems one per line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("configuration has 1 problem:")
	} else {
		fmt.Fprintf(&b, "configuration has %d problems:", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	if e.Hint != "" {
		b.WriteString("\n" + e.Hint)
	}
	return b.String()
}

// crossCheck derives defaults that depend on other settings and finds problems that involve
// more than one variable. bad holds the settings that already failed on their own, which are
// not reported twice.
func (c *Config) crossCheck(bad map[string]bool) []Problem {
	var problems []Problem
	if c.Threads.RedirectURI == "" && !bad[envPublicURL] && !bad[envRedirectURI] {
		c.Threads.RedirectURI = c.PublicURL + CallbackPath
	}
	if p := pair(envAppID, c.Threads.AppID != "", envAppSecret, c.Threads.AppSecret.IsSet(), bad,
		"the Threads app needs both; set %s too (Meta app dashboard → App settings → Basic), or unset %s to run without Threads credentials"); p != nil {
		problems = append(problems, *p)
	}
	if p := pair(envSlackSigning, c.Slack.SigningSecret.IsSet(), envSlackBot, c.Slack.BotToken.IsSet(), bad,
		"the Slack door needs both; set %s too (Slack app settings: Basic Information → Signing Secret, OAuth & Permissions → Bot User OAuth Token), or unset %s to disable Slack"); p != nil {
		problems = append(problems, *p)
	}
	if c.DatabaseURL.IsSet() && !c.SecretKey.IsSet() && !bad[envSecretKey] && !bad[envDatabaseURL] {
		problems = append(problems, Problem{Var: envSecretKey, Message: "is not set but " + envDatabaseURL + " is; every replica " +
			"must open the same sealed tokens, so give them all one key (openssl rand -hex 32), or unset " + envDatabaseURL +
			" to keep SQLite in the data dir"})
	}
	if c.Telegram.WebhookSecret.IsSet() && !c.Telegram.BotToken.IsSet() && !bad[envTelegramBot] {
		problems = append(problems, Problem{Var: envTelegramBot, Message: "is not set but " + envTelegramHook +
			" is; set " + envTelegramBot + " (from @BotFather) to enable the Telegram door, or unset " + envTelegramHook})
	}
	return problems
}

// pair reports a setting that needs its partner: the problem names the missing variable.
func pair(a string, aSet bool, b string, bSet bool, bad map[string]bool, fix string) *Problem {
	if aSet == bSet || bad[a] || bad[b] {
		return nil
	}
	missing, present := b, a
	if bSet {
		missing, present = a, b
	}
	return &Problem{Var: missing, Message: fmt.Sprintf("is not set but %s is; ", present) + fmt.Sprintf(fix, missing, present)}
}

// sandboxHint closes the serve check's message.
const sandboxHint = "or run `spindle serve --sandbox` to try Spindle against the built-in Threads simulator"

// ValidateServe checks what only the daemon needs: Threads app credentials, unless it runs in
// sandbox mode. migrate, version and the other commands do not call it, so they work without
// credentials.
func (c Config) ValidateServe() error {
	if c.Sandbox {
		return nil
	}
	var problems []Problem
	if c.Threads.AppID == "" {
		problems = append(problems, Problem{Var: envAppID, Message: "is not set; spindle serve publishes to Meta and needs your Threads app id (Meta app dashboard → App settings → Basic)"})
	}
	if !c.Threads.AppSecret.IsSet() {
		problems = append(problems, Problem{Var: envAppSecret, Message: "is not set; spindle serve needs your Threads app secret (Meta app dashboard → App settings → Basic), in the environment or in a file named by " + envAppSecret + "_FILE"})
	}
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: problems, Hint: sandboxHint}
}
