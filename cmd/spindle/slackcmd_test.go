package main

import (
	"encoding/json"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// TestSlackManifest checks the manifest an operator pastes into Slack: the command points at
// this Spindle's public URL, the scopes cover what the door calls, and the fields obey Slack's
// documented limits (a manifest over them is refused when pasted).
func TestSlackManifest(t *testing.T) {
	code, out, errOut := spindle(t, map[string]string{"SPINDLE_PUBLIC_URL": "https://spindle.example.com"}, "slack", "manifest")
	if code != 0 {
		t.Fatalf("slack manifest: exit %d: %s", code, errOut)
	}
	var m slack.Manifest
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("the manifest is not JSON: %v\n%s", err, out)
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/threads" ||
		m.Features.SlashCommands[0].Url != "https://spindle.example.com/slack/commands" {
		t.Errorf("slash commands %+v, want /threads at the public URL", m.Features.SlashCommands)
	}
	if in := m.Settings.Interactivity; in == nil || !in.IsEnabled || in.RequestUrl != "https://spindle.example.com/slack/interactions" {
		t.Errorf("interactivity %+v, want on at the public URL's /slack/interactions", in)
	}
	for _, scope := range []string{"commands", "chat:write", "users:read"} {
		if !slices.Contains(m.OAuthConfig.Scopes.Bot, scope) {
			t.Errorf("bot scopes %v lack %s", m.OAuthConfig.Scopes.Bot, scope)
		}
	}
	if n := utf8.RuneCountInString(m.Display.LongDescription); n < 175 || n > 4000 {
		t.Errorf("long_description has %d characters; Slack wants 175 to 4,000", n)
	}
	if n := utf8.RuneCountInString(m.Display.Name); n == 0 || n > 35 {
		t.Errorf("name has %d characters; Slack wants 1 to 35", n)
	}
	if n := utf8.RuneCountInString(m.Features.SlashCommands[0].UsageHint); n > 1000 {
		t.Errorf("usage hint has %d characters; Slack allows 1,000", n)
	}
	if m.Metadata.MajorVersion != 1 {
		t.Errorf("_metadata %+v, want major_version 1", m.Metadata)
	}
	if code, _, errOut := spindle(t, nil, "slack", "install"); code != 2 || errOut == "" {
		t.Errorf("slack install: exit %d, want a usage error", code)
	}
}
