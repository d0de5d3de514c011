package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/help/*.golden from the current output")

// TestHelpGolden pins what a person reads: the overview (from `spindle`, -h, --help and help),
// each command's help and each verb's. A change to them shows up in review as a golden diff;
// go test ./cmd/spindle -run HelpGolden -update rewrites the files.
func TestHelpGolden(t *testing.T) {
	cases := map[string][]string{"overview": nil}
	for _, c := range commands() {
		if c.run == nil {
			continue
		}
		cases[c.name] = []string{c.name}
		for _, v := range c.verbs {
			if c.name != "completion" {
				cases[c.name+"-"+v] = []string{c.name, v}
			}
		}
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := spindle(t, nil, append([]string{"help"}, args...)...)
			if code != 0 || errOut != "" {
				t.Fatalf("spindle help %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
			}
			golden := filepath.Join("testdata", "help", name+".golden")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test ./cmd/spindle -run HelpGolden -update writes it)", err)
			}
			if out != string(want) {
				t.Errorf("spindle help %s differs from %s:\n%s", strings.Join(args, " "), golden, out)
			}
			if name != "config" && strings.Count(out, "SPINDLE_") > 3 {
				t.Errorf("spindle help %s lists the configuration flags; they belong to help config", strings.Join(args, " "))
			}
		})
	}
}

func TestOverviewFromEveryEntry(t *testing.T) {
	_, want, _ := spindle(t, nil, "help")
	for _, args := range [][]string{nil, {"-h"}, {"--help"}} {
		code, out, errOut := spindle(t, nil, args...)
		if code != 0 || out != want || errOut != "" {
			t.Errorf("spindle %v: exit %d, stdout differs from spindle help: %v (stderr %q)", args, code, out != want, errOut)
		}
	}
	code, out, _ := spindle(t, nil, "help", "config")
	if code != 0 || !strings.Contains(out, "SPINDLE_DATA_DIR") || !strings.Contains(out, "--sandbox") {
		t.Errorf("help config: exit %d, lacks the configuration flags:\n%s", code, out)
	}
	if code, _, errOut := spindle(t, nil, "help", "frobnicate"); code != 2 || !strings.Contains(errOut, "no command") {
		t.Errorf("help for an unknown command: %d %q", code, errOut)
	}
}

func TestConfigRedactsSecrets(t *testing.T) {
	env := map[string]string{"SPINDLE_ADDR": ":9191", "SLACK_SIGNING_SECRET": "s3cret-signing", "SLACK_BOT_TOKEN": "xoxb-very-secret"}
	for _, args := range [][]string{{"config"}, {"config", "--json"}} {
		code, out, errOut := spindle(t, env, args...)
		if code != 0 {
			t.Fatalf("spindle %v: exit %d: %s", args, code, errOut)
		}
		if !strings.Contains(out, "SPINDLE_ADDR") || !strings.Contains(out, ":9191") {
			t.Errorf("spindle %v does not show the effective SPINDLE_ADDR:\n%s", args, out)
		}
		if strings.Contains(out, "s3cret-signing") || strings.Contains(out, "xoxb-very-secret") {
			t.Errorf("spindle %v printed a secret:\n%s", args, out)
		}
		if !strings.Contains(out, "SLACK_BOT_TOKEN") {
			t.Errorf("spindle %v omits SLACK_BOT_TOKEN", args)
		}
	}
}

// TestBashCompletionLoads sources the script in a real bash and asks it to complete, as a
// person pressing Tab would.
func TestBashCompletionLoads(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash not found: %v", err)
	}
	code, script, errOut := spindle(t, nil, "completion", "bash")
	if code != 0 {
		t.Fatalf("completion bash: exit %d: %s", code, errOut)
	}
	file := filepath.Join(t.TempDir(), "spindle.bash")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	for words, want := range map[string]string{
		"spindle fe":        "feeds",
		"spindle sources r": "rotate remove",
		"spindle help acc":  "accounts",
	} {
		w := strings.Fields(words)
		probe := `source "$1"; COMP_WORDS=(` + strings.Join(w, " ") + `); COMP_CWORD=` +
			string(rune('0'+len(w)-1)) + `; _spindle; echo "${COMPREPLY[*]}"`
		out, err := exec.Command(bash, "-c", probe, "bash", file).CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("completing %q gave %q, want %q", words, got, want)
		}
	}
	for _, shell := range []string{"zsh", "fish"} {
		if code, out, _ := spindle(t, nil, "completion", shell); code != 0 || !strings.Contains(out, "spindle") {
			t.Errorf("completion %s: exit %d", shell, code)
		}
	}
	if code, _, errOut := spindle(t, nil, "completion", "tcsh"); code != 2 || !strings.Contains(errOut, "bash, zsh or fish") {
		t.Errorf("completion tcsh: %d %q", code, errOut)
	}
}
