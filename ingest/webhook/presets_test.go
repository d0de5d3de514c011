package webhook

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editJSON returns a fixture with one literal replacement, failing if it is not there.
func editJSON(t testing.TB, b []byte, old, new string) []byte {
	t.Helper()
	if !strings.Contains(string(b), old) {
		t.Fatalf("fixture has no %q", old)
	}
	return []byte(strings.Replace(string(b), old, new, 1))
}

func TestPresets(t *testing.T) {
	presets := compilePresets()
	release := fixture(t, "github-release-published.json")
	push := fixture(t, "github-push-branch.json")
	tests := []struct {
		name, preset, fixture, event, branch string
		body                                 []byte // overrides fixture
		action                               Action
		key, text, reason                    string
	}{
		{name: "github release published", preset: "github-release", fixture: "github-release-published.json", event: "release",
			action: ActionPost, key: "github-release:17372790",
			text: "🚀 Codertocat/Hello-World 0.0.1 is out\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1"},
		{name: "github release with a name", preset: "github-release", event: "release",
			body:   editJSON(t, release, `"name": "",`, `"name": "Hello, first release",`),
			action: ActionPost, key: "github-release:17372790",
			text: "🚀 Codertocat/Hello-World 0.0.1 is out: Hello, first release\n\nhttps://github.com/Codertocat/Hello-World/releases/tag/0.0.1"},
		{name: "github release created is ignored", preset: "github-release", event: "release",
			body: editJSON(t, release, `"action": "published"`, `"action": "created"`), action: ActionIgnore, reason: `"created"`},
		{name: "github release preset, push event", preset: "github-release", fixture: "github-push-branch.json", event: "push",
			action: ActionIgnore, reason: "not a release"},
		{name: "github push to default branch", preset: "github-push", fixture: "github-push-branch.json", event: "push",
			action: ActionPost, key: "github-push:186853002:d70c5c6fa6385b7d1ba6b4d1d5e6a0c1c4b7a9e2",
			text: "Codertocat/Hello-World (master): Fix the greeting\n\nhttps://github.com/Codertocat/Hello-World/compare/6113728f27ae...d70c5c6fa638"},
		{name: "github push to chosen branch", preset: "github-push", event: "push", branch: "release",
			body:   editJSON(t, push, `"ref": "refs/heads/master"`, `"ref": "refs/heads/release"`),
			action: ActionPost, key: "github-push:186853002:d70c5c6fa6385b7d1ba6b4d1d5e6a0c1c4b7a9e2"},
		{name: "github push to another branch", preset: "github-push", event: "push",
			body:   editJSON(t, push, `"ref": "refs/heads/master"`, `"ref": "refs/heads/feature"`),
			action: ActionIgnore, reason: `branch "master"`},
		{name: "github push deleting a tag", preset: "github-push", fixture: "github-push-tag-deleted.json", event: "push",
			action: ActionIgnore, reason: "refs/tags/simple-tag"},
		{name: "github push deleting the branch", preset: "github-push", event: "push",
			body:   editJSON(t, push, `"deleted": false`, `"deleted": true`),
			action: ActionIgnore, reason: "deleted"},
		{name: "github ping preset ignores others", preset: "github-ping", fixture: "github-release-published.json", event: "release",
			action: ActionIgnore, reason: "ping"},
		{name: "gitlab tag push", preset: "gitlab-tag", fixture: "gitlab-tag-push.json", event: "Tag Push Hook",
			action: ActionPost, key: "gitlab-tag:1:refs/tags/v1.0.0:82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
			text: "🏷️ jsmith/example v1.0.0 tagged\n\nhttp://example.com/jsmith/example/-/tags/v1.0.0"},
		{name: "gitlab tag deleted", preset: "gitlab-tag", event: "Tag Push Hook",
			body: editJSON(t, fixture(t, "gitlab-tag-push.json"), `"after": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"`,
				`"after": "0000000000000000000000000000000000000000"`),
			action: ActionIgnore, reason: "deleted"},
		{name: "gitlab release create", preset: "gitlab-release", fixture: "gitlab-release-create.json", event: "Release Hook",
			action: ActionPost, key: "gitlab-release:1",
			text: "🚀 gitlab-org/release-webhook-example v1.1 is out\n\nhttps://example.com/gitlab-org/release-webhook-example/-/releases/v1.1"},
		{name: "gitlab release update ignored", preset: "gitlab-release", event: "Release Hook",
			body:   editJSON(t, fixture(t, "gitlab-release-create.json"), `"action": "create"`, `"action": "update"`),
			action: ActionIgnore, reason: `"update"`},
		{name: "gitlab release preset, tag event", preset: "gitlab-release", fixture: "gitlab-tag-push.json", event: "Tag Push Hook",
			action: ActionIgnore, reason: "not a release"},
		{name: "cms published", preset: "cms-published", fixture: "cms-published.json", event: "published",
			action: ActionPost, key: "cms-published:post-2026-11-23-spindle",
			text: "Spindle 1.0: publish to Threads from anywhere\n\n" +
				"Today we ship Spindle 1.0 — a small daemon that posts to Threads from Slack, Telegram, CI and your feeds.\n\n" +
				"Read on for what's new.\n\nhttps://blog.example.com/2026/11/spindle-1-0"},
		{name: "cms without id keys on url", preset: "cms-published", event: "published",
			body:   []byte(`{"event":"published","title":"T","url":"https://b.example/t"}`),
			action: ActionPost, key: "cms-published:https://b.example/t", text: "T\n\nhttps://b.example/t"},
		{name: "cms draft ignored", preset: "cms-published", event: "draft",
			body: []byte(`{"event":"draft","title":"T","url":"https://b.example/t"}`), action: ActionIgnore, reason: `"draft"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == nil {
				body = fixture(t, tt.fixture)
			}
			p := presets[tt.preset]
			payload := mustPayload(t, string(body))
			d := p.Decide(Event{Name: tt.event, Payload: payload, Branch: tt.branch})
			if d.Action != tt.action {
				t.Fatalf("action = %v (%q), want %v", d.Action, d.Reason, tt.action)
			}
			if tt.action == ActionIgnore {
				if !strings.Contains(d.Reason, tt.reason) {
					t.Fatalf("reason %q does not contain %q", d.Reason, tt.reason)
				}
				return
			}
			if d.Key != tt.key {
				t.Errorf("key = %q, want %q", d.Key, tt.key)
			}
			if tt.text == "" {
				return
			}
			text, err := p.Template.Render(context.Background(), payload)
			if err != nil {
				t.Fatal(err)
			}
			if text != tt.text {
				t.Errorf("text:\n%s\nwant:\n%s", text, tt.text)
			}
		})
	}
}

func TestPresetKeyNeedsEveryPart(t *testing.T) {
	d := compilePresets()["github-release"].Decide(Event{Name: "release",
		Payload: mustPayload(t, `{"action":"published","release":{"tag_name":"v1"}}`)})
	if d.Action != ActionPost || d.Key != "" {
		t.Fatalf("release without id: %+v; want post with no key (delivery id takes over)", d)
	}
}

func TestCheckPreset(t *testing.T) {
	for _, n := range append(PresetNames(), "") {
		if err := CheckPreset(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
	err := CheckPreset("github-releases")
	if err == nil || !strings.Contains(err.Error(), "github-release, github-push") {
		t.Fatalf("err = %v", err)
	}
	if len(PresetNames()) != 6 {
		t.Fatalf("PresetNames = %v", PresetNames())
	}
}
