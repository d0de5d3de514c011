package webhook

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// A source made with only --scheme github (or gitlab) is what a new user creates first, and
// GitHub sends it a ping, then every event the hook subscribes to, in GitHub's own shape. Such
// a source understands its provider: ping is answered, a published release is posted with the
// preset's text, and any other event is answered 202 ignored with the reason and the flag that
// would post it, never a 400 the user cannot act on. A sender's generic body still works on the
// same source (a CI script signing with the GitHub scheme), so provider handling only starts
// when the body is not a generic body and the provider's event header is present.

// providerEvent returns the provider's event header of a delivery to a source of that scheme,
// or "" when there is none (a generic sender).
func providerEvent(scheme Scheme, hdr http.Header) string {
	switch scheme {
	case SchemeGitHub:
		return hdr.Get(headerGitHubEvent)
	case SchemeGitLab:
		return hdr.Get(headerGitLabEvent)
	}
	return ""
}

// schemeDefaultPreset is the preset a source of the scheme without preset and template applies
// to its provider's own events: the release, which is what most people announce.
func schemeDefaultPreset(scheme Scheme) string {
	switch scheme {
	case SchemeGitHub:
		return "github-release"
	case SchemeGitLab:
		return "gitlab-release"
	}
	return ""
}

// releaseEvent is the event name of a release for the scheme, the one event a template source
// takes when it names none.
func releaseEvent(scheme Scheme) string {
	switch scheme {
	case SchemeGitHub:
		return "release"
	case SchemeGitLab:
		return "Release Hook"
	}
	return ""
}

// TemplateEvents is the list of provider events a template source takes: the ones it names,
// else the provider's release event (one event: a template written for releases renders
// nonsense, or fails, on a push or a star). The default applies to deliveries that carry the
// provider's event header, so a CI script posting its own JSON to the source is not filtered;
// a Standard Webhooks source names its own event types, so without a list it takes all.
func TemplateEvents(scheme Scheme, named []string) []string {
	if len(named) > 0 {
		return named
	}
	if ev := releaseEvent(scheme); ev != "" {
		return []string{ev}
	}
	return nil
}

// pongMessage is the friendly part of the answer to GitHub's ping, shown in GitHub's "Recent
// Deliveries": it says the hook reached the source and what the source will post.
func pongMessage(src Source) string {
	what := "its generic body"
	switch {
	case src.Preset != "":
		what = "events through the " + src.Preset + " preset"
	case src.Template != "":
		what = strings.Join(TemplateEvents(src.Scheme, src.Events), ", ") + " events through its template"
	case src.Scheme == SchemeGitHub:
		what = "published releases"
	}
	return fmt.Sprintf("Spindle received the ping: source %s is set up and posts %s", src.Name, what)
}

// providerDefault decides a provider's own event sent to a source without preset and template.
func (h *Handler) providerDefault(src Source, event string, payload map[string]any) (*Preset, Decision) {
	name := schemeDefaultPreset(src.Scheme)
	p := h.presets[name]
	dec := p.Decide(Event{Name: event, Payload: payload})
	if dec.Action == ActionIgnore && event != releaseEvent(src.Scheme) {
		dec.Reason = fmt.Sprintf("this source posts %s releases; %q events are ignored "+
			"(to post them, create the source with --preset or --template and --events %s)",
			providerTitle(src.Scheme), event, event)
	}
	return p, dec
}

func providerTitle(s Scheme) string {
	if s == SchemeGitLab {
		return "GitLab"
	}
	return "GitHub"
}

// templateDecision is the verdict on a provider's release sent to a template source. GitHub
// sends one release as several deliveries (created, then published and released; prereleased
// for a pre-release), each with a new delivery id, so keying on the delivery posted one release
// three times. The release id is the key instead, and edits, deletions and drafts are ignored.
func templateDecision(src Source, event string, payload map[string]any) Decision {
	switch {
	case src.Scheme == SchemeGitHub && event == "release":
		action := get(payload, "action")
		if !slices.Contains([]string{"created", "published", "released", "prereleased"}, action) {
			return ignore("release action %q is not one that announces a release (created, published, released)", action)
		}
		if get(payload, "release", "draft") == "true" {
			return ignore("release %s is a draft", get(payload, "release", "tag_name"))
		}
		return post("github-release", get(payload, "release", "id"))
	case src.Scheme == SchemeGitLab && event == "Release Hook":
		if a := get(payload, "action"); a != "create" {
			return ignore("release action %q is not \"create\"", a)
		}
		return post("gitlab-release", get(payload, "id"))
	}
	return Decision{Action: ActionPost}
}

// envelope unwraps a Standard Webhooks payload {"type", "timestamp", "data"} whose data is the
// generic body, so a sender following the specification's recommended shape needs no template.
// ok is false for any other body.
func envelope(body []byte) (event string, data []byte, ok bool) {
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) != nil || len(raw) == 0 {
		return "", nil, false
	}
	for k := range raw {
		if k != "type" && k != "timestamp" && k != "data" {
			return "", nil, false
		}
	}
	d, hasData := raw["data"]
	if !hasData || json.Unmarshal(raw["type"], &event) != nil || event == "" {
		return "", nil, false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(d, &obj) != nil || obj == nil {
		return "", nil, false
	}
	return event, d, true
}
