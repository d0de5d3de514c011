package config

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// FuzzLoadValue gives one setting an arbitrary value, through the environment or a flag.
// Load must not panic, every problem must name a declared variable, and a secret's value must
// never appear in the error. The marker prefix makes a leak detectable whatever the input.
func FuzzLoadValue(f *testing.F) {
	for i, seed := range []string{"", ":8080", "30s", "-1h", "https://x.example/?q#f", "Europe/Paris",
		"0x10", "1,2,,x", "threads_basic", "true", strings.Repeat("ab", 32), "a b\nc", "\x00"} {
		f.Add(uint8(i), seed, i%2 == 0)
	}
	opts := options()
	declared := map[string]bool{}
	for _, o := range opts {
		declared[o.env] = true
	}
	f.Fuzz(func(t *testing.T, which uint8, value string, viaFlag bool) {
		o := opts[int(which)%len(opts)]
		v := "Q9Z" + value
		env := map[string]string{}
		var args []string
		if viaFlag {
			args = []string{"--" + flagName(o.env) + "=" + v}
		} else {
			env[o.env] = v
		}
		_, _, err := LoadArgs(args, envOf(env), io.Discard)
		if err == nil {
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("error is %T: %v", err, err)
		}
		for _, p := range ve.Problems {
			if !declared[p.Var] {
				t.Errorf("problem names an undeclared variable: %s", p)
			}
		}
		if o.secret && strings.Contains(err.Error(), "Q9Z") {
			t.Fatalf("the value of %s leaked into the error:\n%v", o.env, err)
		}
	})
}

// FuzzParseNetworks: whatever SPINDLE_METRICS_ALLOWED_NETWORKS accepts prints back to a list
// that parses to the same networks, every one of them masked.
func FuzzParseNetworks(f *testing.F) {
	for _, s := range []string{"127.0.0.0/8,::1/128", "10.1.2.3/8", "192.168.1.7", " ,fd00::/8,", "fe80::1%eth0", "1.2.3.4/33", "::ffff:1.2.3.4/104"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		ps, err := parseNetworks(v)
		if err != nil {
			return
		}
		again, err := parseNetworks(joinNetworks(ps))
		if err != nil || joinNetworks(again) != joinNetworks(ps) {
			t.Fatalf("%q parsed as %v, which reads back as %v (%v)", v, ps, again, err)
		}
		for _, p := range ps {
			if p != p.Masked() {
				t.Fatalf("%q kept host bits: %v", v, p)
			}
		}
	})
}
