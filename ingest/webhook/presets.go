package webhook

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Action is what a delivery leads to.
type Action int

// The three outcomes of a delivery that passed verification.
const (
	ActionPost   Action = iota // enqueue a post
	ActionIgnore               // answer 202 {"status":"ignored"}: not an event this source posts
	ActionPong                 // answer 200 {"status":"pong"}: a provider's connectivity check
)

// Decision is a preset's verdict on one delivery.
type Decision struct {
	Action Action
	Reason string // why it was ignored, shown to the sender
	Key    string // idempotency key from the payload (a release id, a commit sha); may be empty
	text   string // the rendered text, when the decision was made and rendered in one step
}

// Event is one verified delivery as presets see it.
type Event struct {
	Name    string         // X-GitHub-Event, X-Gitlab-Event, or the payload's "type"/"event"
	Payload map[string]any // from DecodePayload
	Branch  string         // the source's chosen branch (github-push); empty: the default branch
}

// Preset is a ready-made mapping from a provider's payload to a post: it decides whether the
// delivery is posted, and a built-in template writes the text (a source's own template, when
// set, replaces only the text).
type Preset struct {
	Name        string
	Description string
	Template    *Template
	decide      func(Event) Decision
}

// Decide returns the preset's verdict on ev.
func (p *Preset) Decide(ev Event) Decision { return p.decide(ev) }

// presetDef is a preset before its template is compiled.
type presetDef struct {
	name, description, template string
	decide                      func(Event) Decision
}

func presetDefs() []presetDef {
	return []presetDef{
		{"github-release", "GitHub release published: name, tag and link",
			"🚀 {{.repository.full_name}} {{.release.tag_name}} is out" +
				"{{with trim .release.name}}{{if ne . (str $.release.tag_name)}}: {{.}}{{end}}{{end}}\n\n{{.release.html_url}}",
			decideGitHubRelease},
		{"github-push", "GitHub push to one branch (default: the repository's default branch): head commit subject and compare link",
			"{{.repository.full_name}} ({{trimPrefix \"refs/heads/\" .ref}}): {{firstLine .head_commit.message}}\n\n{{.compare}}",
			decideGitHubPush},
		{"github-ping", "answers GitHub's ping and ignores every other event",
			"{{.zen}}",
			func(ev Event) Decision { return ignore("this source only answers GitHub's ping event") }},
		{"gitlab-tag", "GitLab tag push: tag and link",
			"🏷️ {{.project.path_with_namespace}} {{trimPrefix \"refs/tags/\" .ref}} tagged\n\n" +
				"{{.project.web_url}}/-/tags/{{trimPrefix \"refs/tags/\" .ref}}",
			decideGitLabTag},
		{"gitlab-release", "GitLab release created: name, tag and link",
			"🚀 {{.project.path_with_namespace}} {{.tag}} is out" +
				"{{with trim .name}}{{if ne . (str $.tag)}}: {{.}}{{end}}{{end}}\n\n{{.url}}",
			decideGitLabRelease},
		{"cms-published", `generic CMS {"event":"published","title","url","excerpt"}: title, excerpt and link`,
			"{{.title}}{{with .excerpt | stripHTML | truncate 200}}\n\n{{.}}{{end}}\n\n{{.url}}",
			decideCMSPublished},
	}
}

// PresetNames lists the presets a source can choose, for help texts and validation.
func PresetNames() []string {
	var names []string
	for _, d := range presetDefs() {
		names = append(names, d.name)
	}
	return names
}

// CheckPreset validates an operator-supplied preset name at source creation.
func CheckPreset(name string) error {
	if name == "" || slices.Contains(PresetNames(), name) {
		return nil
	}
	return fmt.Errorf("unknown preset %q: choose one of %s", name, strings.Join(PresetNames(), ", "))
}

// CheckPresetScheme refuses a preset whose provider signs differently from the scheme: a
// github-release source with --scheme gitlab would answer every GitHub delivery 401 (GitHub
// signs with X-Hub-Signature-256, not a token) and the operator would see only "bad signature".
func CheckPresetScheme(preset string, scheme Scheme) error {
	want := Scheme("")
	switch {
	case strings.HasPrefix(preset, "github-"):
		want = SchemeGitHub
	case strings.HasPrefix(preset, "gitlab-"):
		want = SchemeGitLab
	}
	if want != "" && scheme != want {
		return fmt.Errorf("preset %s takes %s's payloads, which are signed with the %s scheme, not %s: use --scheme %s",
			preset, providerTitle(want), want, scheme, want)
	}
	return nil
}

// compilePresets builds every preset; a built-in template that does not compile is a
// programming error and panics at construction.
func compilePresets() map[string]*Preset {
	out := make(map[string]*Preset)
	for _, d := range presetDefs() {
		t, err := compileTemplate(d.template, false)
		if err != nil {
			panic(fmt.Sprintf("webhook: preset %s: %v", d.name, err))
		}
		out[d.name] = &Preset{Name: d.name, Description: d.description, Template: t, decide: d.decide}
	}
	return out
}

// post decides to post with the key prefix:part1:part2…; when a part is missing from the
// payload the key is left empty and the handler falls back to the delivery id.
func post(prefix string, parts ...string) Decision {
	if slices.Contains(parts, "") {
		return Decision{Action: ActionPost}
	}
	return Decision{Action: ActionPost, Key: prefix + ":" + strings.Join(parts, ":")}
}

func ignore(format string, args ...any) Decision {
	return Decision{Action: ActionIgnore, Reason: fmt.Sprintf(format, args...)}
}

func decideGitHubRelease(ev Event) Decision {
	if ev.Name != "release" {
		return ignore("event %q is not a release", ev.Name)
	}
	if a := get(ev.Payload, "action"); a != "published" {
		return ignore("release action %q is not \"published\"", a)
	}
	return post("github-release", get(ev.Payload, "release", "id"))
}

func decideGitHubPush(ev Event) Decision {
	if ev.Name != "push" {
		return ignore("event %q is not a push", ev.Name)
	}
	branch := cmp.Or(ev.Branch, get(ev.Payload, "repository", "default_branch"))
	if ref := get(ev.Payload, "ref"); ref != "refs/heads/"+branch {
		return ignore("push to %s; this source posts pushes to branch %q", ref, branch)
	}
	if get(ev.Payload, "deleted") == "true" || get(ev.Payload, "head_commit", "id") == "" {
		return ignore("push deleted the branch or carries no commit")
	}
	return post("github-push", get(ev.Payload, "repository", "id"), get(ev.Payload, "after"))
}

func decideGitLabTag(ev Event) Decision {
	if ev.Name != "Tag Push Hook" && get(ev.Payload, "object_kind") != "tag_push" {
		return ignore("event %q is not a tag push", ev.Name)
	}
	if strings.Trim(get(ev.Payload, "after"), "0") == "" {
		return ignore("tag %s was deleted", get(ev.Payload, "ref"))
	}
	return post("gitlab-tag", get(ev.Payload, "project_id"), get(ev.Payload, "ref"), get(ev.Payload, "after"))
}

func decideGitLabRelease(ev Event) Decision {
	if ev.Name != "Release Hook" && get(ev.Payload, "object_kind") != "release" {
		return ignore("event %q is not a release", ev.Name)
	}
	if a := get(ev.Payload, "action"); a != "create" {
		return ignore("release action %q is not \"create\"", a)
	}
	return post("gitlab-release", get(ev.Payload, "id"))
}

func decideCMSPublished(ev Event) Decision {
	if e := get(ev.Payload, "event"); e != "published" {
		return ignore("event %q is not \"published\"", e)
	}
	return post("cms-published", cmp.Or(get(ev.Payload, "id"), get(ev.Payload, "url")))
}

// get walks nested objects of a payload and returns the value as text ("" when missing).
func get(m map[string]any, path ...string) string {
	var v any = m
	for _, k := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = obj[k]
	}
	switch v.(type) {
	case map[string]any, []any:
		return ""
	}
	return str(v)
}
