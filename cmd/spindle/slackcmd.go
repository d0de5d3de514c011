package main

import (
	"context"
	"encoding/json"

	"github.com/slack-go/slack"
)

// slackBotScopes are the bot scopes the Slack door uses: the /threads command, posting results
// and notices (also to channels the bot was not invited to, for `route`), and users.info for a
// person's time zone.
var slackBotScopes = []string{"commands", "chat:write", "chat:write.public", "users:read"}

// runSlack is `spindle slack manifest`: the Slack app manifest for this Spindle, filled with
// SPINDLE_PUBLIC_URL, to paste into api.slack.com/apps → Create New App → From a manifest.
func runSlack(_ context.Context, env *cliEnv, args []string) error {
	if len(args) == 0 || args[0] != "manifest" {
		return usagef("usage: spindle slack manifest")
	}
	fs, cf := env.flags("slack manifest", "spindle slack manifest [--public-url https://your.host]")
	if rest, err := parse(fs, args[1:]); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("slack manifest takes no arguments, got %q", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(env.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "<text>" reads better than "\u003ctext\u003e" in the usage hint
	return enc.Encode(slackManifest(cfg.PublicURL))
}

// slackManifest describes the Slack app Spindle needs: the /threads command and the
// interactivity URL its buttons (Cancel on a schedule confirmation, a preview's Publish /
// Schedule… / Discard and the scheduling window) are pressed through.
func slackManifest(publicURL string) slack.Manifest {
	return slack.Manifest{
		Metadata: slack.ManifestMetadata{MajorVersion: 1, MinorVersion: 1},
		Display: slack.Display{
			Name:        "Spindle",
			Description: "Publish to Threads from Slack",
			// Slack wants 175 to 4,000 characters here.
			LongDescription: "Type /threads post <text> in any channel to publish to a linked Threads account, " +
				"/threads schedule <when> <text> to publish later, /threads connect to link an account, and " +
				"/threads help for the rest. Results come back where you asked: the permalink, or what went " +
				"wrong in plain words. Spindle runs on your own server.",
		},
		Features: slack.Features{
			BotUser: slack.BotUser{DisplayName: "Spindle", AlwaysOnline: true},
			SlashCommands: []slack.ManifestSlashCommand{{
				Command:      "/threads",
				Description:  "Publish to Threads",
				Url:          publicURL + "/slack/commands",
				UsageHint:    "post <text> · schedule <when> <text> · list · connect · help",
				ShouldEscape: true,
			}},
		},
		Settings: slack.Settings{Interactivity: &slack.Interactivity{IsEnabled: true,
			RequestUrl: publicURL + "/slack/interactions"}},
		OAuthConfig: slack.OAuthConfig{Scopes: slack.OAuthScopes{Bot: slackBotScopes}},
	}
}
