package config

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// WriteHelp writes the help for every configuration flag, generated from the declaration:
// flags, environment name, default and meaning. It shows "(secret)" for secrets and never a
// value other than a declared default.
func WriteHelp(w io.Writer) {
	fmt.Fprintln(w, "Configuration flags. Each flag overrides the environment variable shown; an empty value means the default.")
	fmt.Fprintln(w, "A secret can also be read from a file: NAME_FILE in the environment, or the flag's -file variant;")
	fmt.Fprintln(w, "prefer those to secret flags, which other users of the machine can see in the process list.")
	fmt.Fprintln(w)
	for _, o := range options() {
		names := "--" + flagName(o.env)
		if a := aliasName(o.env); a != "" {
			names = "--" + a + ", " + names
		}
		line := "  " + names + " " + o.meta
		if o.boolean {
			line = "  " + names + "[=" + o.meta + "]"
		}
		if o.secret {
			line += "   (secret)"
		}
		fmt.Fprintln(w, line)
		fmt.Fprintln(w, "        "+o.usage)
		env := "env " + o.env
		if o.secret {
			env += " or " + o.env + "_FILE (flag " + fileFlags(o.env) + ")"
		}
		if d := o.defaultText(); d != "" {
			if o.defDoc == "" {
				d = fmt.Sprintf("%q", d)
			}
			env += ", default " + d
		}
		fmt.Fprintln(w, "        "+env)
	}
}

// Dump writes every setting as NAME=value, one per line, in declaration order, with secrets
// shown as "[redacted]" (or empty when unset). It is what `spindle config` prints, and what
// to paste into a bug report.
func (c Config) Dump(w io.Writer) {
	for _, s := range c.Settings() {
		fmt.Fprintf(w, "%s=%s\n", s.Name, s.Value)
	}
}

// Setting is one configuration variable and its printable value (a secret redacted).
type Setting struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Settings lists every setting in declaration order, secrets redacted, as Dump prints them.
func (c Config) Settings() []Setting {
	opts := options()
	out := make([]Setting, 0, len(opts))
	for _, o := range opts {
		out = append(out, Setting{Name: o.env, Value: c.display(o)})
	}
	return out
}

// display is the printable value of o in c.
func (c Config) display(o option) string {
	if o.secret {
		return o.field(&c).String()
	}
	if o.env == "SPINDLE_TIMEZONE" && c.Timezone == nil {
		return ""
	}
	return o.show(c)
}

// LogValue makes slog print the configuration as a group of snake_case keys, secrets redacted.
func (c Config) LogValue() slog.Value {
	opts := options()
	attrs := make([]slog.Attr, 0, len(opts))
	for _, o := range opts {
		attrs = append(attrs, slog.String(strings.ToLower(o.env), c.display(o)))
	}
	return slog.GroupValue(attrs...)
}

// Markdown returns the configuration table for the README, generated from the declaration.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| variable | flags | default | meaning |\n|---|---|---|---|\n")
	for _, o := range options() {
		flags := "`--" + flagName(o.env) + "`"
		if a := aliasName(o.env); a != "" {
			flags = "`--" + a + "`, " + flags
		}
		def := "—"
		if d := o.defaultText(); d != "" {
			def = "`" + d + "`"
			if o.defDoc != "" {
				def = d
			}
		}
		meaning := o.usage
		if o.secret {
			meaning += " (secret; or a file named by `" + o.env + "_FILE` or " + fileFlags(o.env) + ")"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", o.env, flags, def, strings.ReplaceAll(meaning, "|", `\|`))
	}
	return b.String()
}

// fileFlags names the flags that read a secret from a file.
func fileFlags(env string) string {
	names := "--" + flagName(env) + "-file"
	if a := aliasName(env); a != "" {
		names = "--" + a + "-file, " + names
	}
	return names
}
