package config

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Flags is the set of configuration flags registered on a flag.FlagSet. A command that has
// flags of its own (spindle post --account) registers them on the same FlagSet, parses it,
// then calls Load.
type Flags struct {
	slots map[string]*slot // by environment name, and by NAME_FILE for secrets
}

// slot receives a flag's value. The long flag and its alias share one slot; the last one
// given wins, as with a repeated flag.
type slot struct {
	value   string
	name    string // the flag that set it, for messages
	set     bool
	boolean bool
}

// slotFlag is one flag name bound to a slot.
type slotFlag struct {
	s    *slot
	name string
}

// String never shows a value: flag.PrintDefaults would otherwise print it, and it may be a
// secret.
func (f *slotFlag) String() string { return "" }

func (f *slotFlag) Set(v string) error {
	f.s.value, f.s.name, f.s.set = v, "--"+f.name, true
	return nil
}

// IsBoolFlag lets --sandbox stand for --sandbox=true. The value is validated later with the
// rest, so a bad one is reported among all problems, not alone.
func (f *slotFlag) IsBoolFlag() bool { return f.s.boolean }

// RegisterFlags defines every configuration flag on fs: the environment name in kebab case
// (--spindle-data-dir, --threads-app-id), a short alias for SPINDLE_* settings (--data-dir),
// and --name-file variants for secrets. Flags are plain strings to the flag package, so a bad
// value is reported by Load together with every other problem.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{slots: map[string]*slot{}}
	// The usage strings matter only to a caller that uses fs.PrintDefaults instead of
	// WriteHelp; they carry the environment name and default, never a value.
	bind := func(key, usage string, boolean bool, names ...string) {
		s := &slot{boolean: boolean}
		f.slots[key] = s
		for _, n := range names {
			if n != "" {
				fs.Var(&slotFlag{s: s, name: n}, n, usage)
			}
		}
	}
	for _, o := range options() {
		usage := o.usage + " (env " + o.env
		if d := o.defaultText(); d != "" {
			usage += ", default " + d
		}
		if o.secret {
			usage += "; secret"
		}
		usage += ")"
		bind(o.env, usage, o.boolean, flagName(o.env), aliasName(o.env))
		if o.secret {
			file := func(n string) string {
				if n == "" {
					return ""
				}
				return n + "-file"
			}
			bind(o.env+"_FILE", "file holding "+o.env, false, file(flagName(o.env)), file(aliasName(o.env)))
		}
	}
	return f
}

// Load builds the Config from defaults, then getenv, then the flags fs.Parse recorded, and
// validates it. A nil getenv means an empty environment. The error is a *ValidationError
// listing every problem.
func (f *Flags) Load(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var c Config
	var problems []Problem
	bad := map[string]bool{}
	for _, o := range options() {
		r, p := f.resolve(o, getenv)
		if p != nil {
			problems = append(problems, *p)
			bad[o.env] = true
			continue
		}
		if err := o.parse(&c, r.value); err != nil {
			problems = append(problems, Problem{Var: o.env, Message: r.describe(o) + " " + err.Error()})
			bad[o.env] = true
		}
	}
	problems = append(problems, c.crossCheck(bad)...)
	if len(problems) > 0 {
		return c, &ValidationError{Problems: problems}
	}
	return c, nil
}

// Load parses args as configuration flags (see RegisterFlags) over getenv, and validates the
// result. --help prints the generated help to os.Stderr and returns flag.ErrHelp; any
// positional argument is an error. Use LoadArgs to capture the output or keep the arguments.
func Load(args []string, getenv func(string) string) (Config, error) {
	c, rest, err := LoadArgs(args, getenv, os.Stderr)
	if err == nil && len(rest) > 0 {
		return c, fmt.Errorf("config: unexpected argument %q; run with --help to see the flags", rest[0])
	}
	return c, err
}

// LoadArgs is like Load, but writes flag errors and --help to out and returns the positional
// arguments left after the flags.
func LoadArgs(args []string, getenv func(string) string, out io.Writer) (Config, []string, error) {
	fs := flag.NewFlagSet("spindle", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "Usage: spindle [flags]")
		fmt.Fprintln(out)
		WriteHelp(out)
	}
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return Config{}, nil, err
	}
	c, err := f.Load(getenv)
	return c, fs.Args(), err
}

// resolved is a setting's raw value and where it came from.
type resolved struct {
	value string
	from  string // "" (default or environment), a flag, or a *_FILE source
}

// describe is the subject of a validation message: the value, quoted, for non-secrets, and
// where it came from when that was not the plain environment variable.
func (r resolved) describe(o option) string {
	s := "the value"
	if !o.secret {
		s = fmt.Sprintf("%q", r.value)
	}
	if r.from != "" {
		s += " (from " + r.from + ")"
	}
	return s
}

// resolve picks the raw value of o: a flag, else the environment, else the default. For a
// secret, NAME_FILE (or --name-file) names a file holding the value.
func (f *Flags) resolve(o option, getenv func(string) string) (resolved, *Problem) {
	if s := f.slots[o.env]; s != nil && s.set {
		if fs := f.slots[o.env+"_FILE"]; fs != nil && fs.set {
			return resolved{}, &Problem{Var: o.env, Message: fmt.Sprintf("both %s and %s are given; keep only one", s.name, fs.name)}
		}
		return o.withDefault(resolved{value: strings.TrimSpace(s.value), from: s.name}), nil
	}
	if fs := f.slots[o.env+"_FILE"]; fs != nil && fs.set {
		return o.readFile(strings.TrimSpace(fs.value), fs.name)
	}
	v := strings.TrimSpace(getenv(o.env))
	if o.secret {
		if file := strings.TrimSpace(getenv(o.env + "_FILE")); file != "" {
			if v != "" {
				return resolved{}, &Problem{Var: o.env, Message: fmt.Sprintf("both %s and %s_FILE are set; keep only one", o.env, o.env)}
			}
			return o.readFile(file, o.env+"_FILE")
		}
	}
	return o.withDefault(resolved{value: v}), nil
}

// withDefault applies the declared default to an empty value: an empty variable or flag means
// "the default", which also lets a flag clear a value set in the environment.
func (o option) withDefault(r resolved) resolved {
	if r.value == "" {
		r.value = o.def
	}
	return r
}

// readFile reads a secret from a file, dropping the trailing newline editors and `echo` add.
func (o option) readFile(path, from string) (resolved, *Problem) {
	b, err := os.ReadFile(path)
	if err != nil {
		// The os error names the path and the cause (not found, permission denied).
		var pe *os.PathError
		cause := err.Error()
		if errors.As(err, &pe) {
			cause = pe.Err.Error()
		}
		return resolved{}, &Problem{Var: o.env, Message: fmt.Sprintf("cannot read %s %q: %s; check the path and that the file is readable by Spindle's user", from, path, cause)}
	}
	if o.env == envSecretKey && len(b) == keySize {
		// The 32 raw bytes, as in a copy of the generated secret.key. No text form of a key
		// is 32 bytes long (hex is 64, base64 43 or 44), so this cannot be misread.
		return resolved{value: hex.EncodeToString(b), from: from}, nil
	}
	v := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(v) == "" {
		return resolved{}, &Problem{Var: o.env, Message: fmt.Sprintf("the file %q named by %s is empty; write the value into it, or unset %s", path, from, from)}
	}
	return resolved{value: v, from: from}, nil
}
