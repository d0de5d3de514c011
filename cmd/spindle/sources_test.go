package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// webhookTestAccount links a Threads account straight in the database of dir.
func webhookTestAccount(t *testing.T, dir, username string) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveAccount(context.Background(), storage.Account{ThreadsUserID: "1784" + username,
		Username: username, TokenSealed: []byte("sealed"), TokenExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

func TestSourcesCommandLifecycle(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir, "SPINDLE_PUBLIC_URL": "https://spindle.example.com"}
	webhookTestAccount(t, dir, "alice")

	code, out, errOut := spindle(t, env, "sources", "add", "releases", "--account", "@alice", "--scheme", "github",
		"--preset", "github-release", "--events", "release, ping", "--json")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errOut)
	}
	var added struct{ Name, URL, Secret string }
	if err := json.Unmarshal([]byte(out), &added); err != nil {
		t.Fatalf("add --json: %v in %q", err, out)
	}
	if added.Name != "releases" || added.URL != "https://spindle.example.com/hooks/releases" || len(added.Secret) != 64 {
		t.Errorf("add --json = %+v", added)
	}

	tmpl := filepath.Join(t.TempDir(), "deploy.tmpl")
	os.WriteFile(tmpl, []byte(`{{if eq .kind "deploy"}}Deployed {{.service}} {{.version}}{{end}}`), 0o600)
	code, out, errOut = spindle(t, env, "sources", "add", "deploys", "--account", "alice", "--scheme", "standard", "--template", tmpl)
	if code != 0 || !strings.Contains(out, "whsec_") || !strings.Contains(out, "/hooks/deploys") || !strings.Contains(out, "shown only now") {
		t.Fatalf("add (text): %d %q %s", code, out, errOut)
	}

	// Nothing prints a secret after it was shown once.
	code, out, _ = spindle(t, env, "sources", "list", "--json")
	var list []sourceView
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list) != 2 || list[0].Name != "deploys" ||
		list[1].Account != "alice" || list[1].Preset != "github-release" || strings.Join(list[1].Events, ",") != "release,ping" {
		t.Fatalf("list --json: %d %q", code, out)
	}
	code, out, _ = spindle(t, env, "sources", "list")
	if code != 0 || !strings.Contains(out, "releases") || !strings.Contains(out, "@alice") || strings.Contains(out, added.Secret) {
		t.Errorf("list: %d %q", code, out)
	}
	code, out, _ = spindle(t, env, "sources", "show", "deploys")
	if code != 0 || !strings.Contains(out, "Deployed {{.service}}") || !strings.Contains(out, "never") || strings.Contains(out, "whsec_") {
		t.Errorf("show: %d %q", code, out)
	}

	code, out, errOut = spindle(t, env, "sources", "rotate", "releases", "--grace", "2h", "--json")
	var rot struct {
		Secret string
		Until  time.Time `json:"previous_secret_valid_until"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &rot) != nil || len(rot.Secret) != 64 || rot.Secret == added.Secret ||
		rot.Until.Before(time.Now().Add(119*time.Minute)) {
		t.Fatalf("rotate: %d %q %s", code, out, errOut)
	}
	code, out, _ = spindle(t, env, "sources", "show", "releases", "--json")
	var shown sourceView
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown.PreviousSecretExpiry == nil || shown.RotatedAt == nil {
		t.Errorf("show after rotate: %d %q", code, out)
	}
	if strings.Contains(out, rot.Secret) || strings.Contains(out, added.Secret) {
		t.Error("show printed a secret")
	}

	if code, _, errOut := spindle(t, env, "sources", "disable", "releases"); code != 0 {
		t.Errorf("disable: %d %s", code, errOut)
	}
	code, out, _ = spindle(t, env, "sources", "show", "releases", "--json")
	if json.Unmarshal([]byte(out), &shown) != nil || shown.Enabled {
		t.Errorf("after disable: %q", out)
	}
	if code, out, _ := spindle(t, env, "sources", "remove", "releases", "--json"); code != 0 || !strings.Contains(out, `"removed": true`) {
		t.Errorf("remove: %d %q", code, out)
	}
	if code, _, errOut := spindle(t, env, "sources", "show", "releases"); code != 1 || !strings.Contains(errOut, "sources list") {
		t.Errorf("show after remove: %d %q", code, errOut)
	}
}

func TestSourcesCommandRefusals(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	webhookTestAccount(t, dir, "alice")
	bad := filepath.Join(t.TempDir(), "bad.tmpl")
	os.WriteFile(bad, []byte("{{.title"), 0o600)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no verb", []string{"sources"}, 2, "add"},
		{"unknown verb", []string{"sources", "frob"}, 2, "unknown sources command"},
		{"no account", []string{"sources", "add", "ci", "--scheme", "github"}, 2, "--account"},
		{"bad scheme", []string{"sources", "add", "ci", "--account", "alice", "--scheme", "hmac"}, 2, "github, standard or gitlab"},
		{"bad name", []string{"sources", "add", "CI!", "--account", "alice", "--scheme", "github"}, 2, "lower-case"},
		{"unknown preset", []string{"sources", "add", "ci", "--account", "alice", "--scheme", "github", "--preset", "jira"}, 2, "unknown preset"},
		{"broken template", []string{"sources", "add", "ci", "--account", "alice", "--scheme", "github", "--template", bad}, 2, "template"},
		{"missing template file", []string{"sources", "add", "ci", "--account", "alice", "--scheme", "github", "--template", bad + ".nope"}, 1, "--template"},
		{"branch without preset", []string{"sources", "add", "ci", "--account", "alice", "--scheme", "github", "--branch", "main"}, 2, "github-push"},
		{"github preset, gitlab scheme", []string{"sources", "add", "ci", "--account", "alice", "--scheme", "gitlab", "--preset", "github-release"}, 2,
			"preset github-release takes GitHub's payloads, which are signed with the github scheme, not gitlab: use --scheme github"},
		{"gitlab preset, github scheme", []string{"sources", "add", "ci", "--account", "alice", "--scheme", "github", "--preset", "gitlab-tag"}, 2,
			"use --scheme gitlab"},
		{"unknown account", []string{"sources", "add", "ci", "--account", "bob", "--scheme", "github"}, 1, "accounts list"},
		{"rotate unknown", []string{"sources", "rotate", "nope"}, 1, "sources list"},
		{"remove unknown", []string{"sources", "remove", "nope"}, 1, "sources list"},
		{"negative grace", []string{"sources", "rotate", "nope", "--grace", "-1h"}, 2, "negative"},
	}
	for _, tt := range tests {
		code, _, errOut := spindle(t, env, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%s: exit %d %q, want %d and %q", tt.name, code, errOut, tt.code, tt.want)
		}
	}
	if code, _, _ := spindle(t, env, "sources", "add", "ci", "--account", "alice", "--scheme", "github"); code != 0 {
		t.Fatal("add ci failed")
	}
	if code, _, errOut := spindle(t, env, "sources", "add", "ci", "--account", "alice", "--scheme", "gitlab"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("duplicate: %d %q", code, errOut)
	}
	code, out, _ := spindle(t, env, "sources", "list", "--json")
	if code != 0 || strings.Count(out, `"name"`) != 1 {
		t.Errorf("refusals stored sources: %q", out)
	}
}

// TestSourcesAddTemplateNamesItsEvent: a GitHub template source takes only the release unless
// told otherwise, and `sources show` says so.
func TestSourcesAddTemplateNamesItsEvent(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	webhookTestAccount(t, dir, "alice")
	tmpl := filepath.Join(t.TempDir(), "release.tmpl")
	os.WriteFile(tmpl, []byte(`{{.repository.full_name}} {{.release.tag_name}} released`), 0o600)
	for _, tt := range []struct{ name, scheme, events, want string }{
		{"gh", "github", "", "Events:   release (the default for a template source; change it with --events)\n"},
		{"gl", "gitlab", "", "Events:   Release Hook (the default for a template source; change it with --events)\n"},
		{"pushes", "github", "push", "Events:   push\n"},
	} {
		args := []string{"sources", "add", tt.name, "--account", "alice", "--scheme", tt.scheme, "--template", tmpl}
		if tt.events != "" {
			args = append(args, "--events", tt.events)
		}
		if code, _, errOut := spindle(t, env, args...); code != 0 {
			t.Fatalf("add %s: %d %s", tt.name, code, errOut)
		}
		if code, out, _ := spindle(t, env, "sources", "show", tt.name); code != 0 || !strings.Contains(out, tt.want) {
			t.Errorf("show %s: %d\n%s\nwant %q", tt.name, code, out, tt.want)
		}
	}
}
