package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/bot"
	slackdoor "github.com/spindle-threads/spindle/bot/slack"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// buildDispatcher builds the chat dispatcher, which runs the commands of every chat door and
// the MCP tools, from the services they use: the ingest service, the queue and channel routes
// (storage), quotas (storage's ledger against SPINDLE_QUOTA_*), the accounts service (connect,
// grant, token and every authorisation), the publisher's Delete, the feed manager and the
// webhook sources.
func (a *app) buildDispatcher() {
	a.dispatcher = bot.NewDispatcher(bot.DispatcherOptions{
		Now: a.db.Now, Ingest: a.ingest, Queue: a.db, Routes: a.db, Approvals: a.db, Cards: a.db, Zones: a.db, Series: a.series, LongTexts: a.db,
		Slots:    publisher.Slots{Store: a.db, DailyPosts: a.cfg.Quota.Posts},
		Quotas:   storeQuotas{db: a.db, limits: a.limits()},
		Accounts: chatAccounts{svc: a.accounts}, Deleter: a.publisher, Insights: a.publisher, Polls: a.publisher,
		Feeds:    chatFeeds{m: a.feeds, acct: a.accounts},
		Webhooks: chatWebhooks{s: a.webhookSources, publicURL: a.cfg.PublicURL, acct: a.accounts},
		Zone:     a.cfg.Timezone, Logger: a.log.With(slog.String("component", "chat")),
	})
}

// buildSlack mounts POST /slack/commands and /slack/interactions when Slack is configured
// (signing secret and bot token). The door registers its results, its people and its feed
// notices.
func (a *app) buildSlack() {
	if !a.cfg.SlackEnabled() {
		return
	}
	door := slackdoor.New(slackdoor.Options{
		Now:           a.db.Now,
		SigningSecret: a.cfg.Slack.SigningSecret.Reveal(),
		BotToken:      a.cfg.Slack.BotToken.Reveal(),
		APIURL:        a.cfg.Slack.APIURL,
		Dispatcher:    a.dispatcher,
		Store:         a.db,
		Zone:          a.cfg.Timezone,
		HTTPClient:    &http.Client{Timeout: 10 * time.Second},
		Logger:        a.log.With(slog.String("door", "slack")),
		// Results go to response_urls on hooks.slack.com or on SLACK_API_URL's host.
		AllowResponseURL: slackResponseURLs(a.cfg.Slack.APIURL),
	})
	a.router.Handle("/slack/commands", door)
	a.router.Handle("/slack/interactions", door.Interactions())
	a.doors.register(ingest.DoorSlack, doorOffer{results: door, people: tellPeople(door), feedNotices: door, approvalCards: door})
	a.closers = append(a.closers, func(context.Context) error { door.Close(); return nil })
	a.log.Info("slack door ready", slog.String("route", "/slack/commands"))
}

// slackResponseURLs says which response_urls the Slack door may POST results to: Slack's own
// https://hooks.slack.com always, and any URL on the scheme and host of SLACK_API_URL. The
// operator pointed Spindle at that Slack, so whatever serves its Web API (a stand-in, an
// enterprise proxy) serves its response_urls too; anything else in a command's body is not
// followed, so a leaked signing secret cannot turn Spindle into a proxy to other hosts.
func slackResponseURLs(apiURL string) func(*url.URL) bool {
	api, err := url.Parse(apiURL)
	if err != nil || api.Host == "" {
		api = nil
	}
	return func(u *url.URL) bool {
		if u.Scheme == "https" && strings.EqualFold(u.Host, "hooks.slack.com") {
			return true
		}
		return api != nil && strings.EqualFold(u.Scheme, api.Scheme) && strings.EqualFold(u.Host, api.Host)
	}
}

// storeQuotas reports quota use from storage's local ledger (what the publisher's gate
// counts), against the limits the publisher keeps (SPINDLE_QUOTA_*).
type storeQuotas struct {
	db     *storage.DB
	limits publisher.Limits
}

func (q storeQuotas) Quota(ctx context.Context, accountID int64) (bot.QuotaView, error) {
	since := q.db.Now().Add(-24 * time.Hour) // the ledger's clock, which dates the uses
	limits := q.limits.OrMeta()
	var v bot.QuotaView
	for _, kind := range []storage.QuotaKind{storage.QuotaPosts, storage.QuotaReplies, storage.QuotaDeletes} {
		n, oldest, err := q.db.QuotaWindow(ctx, accountID, kind, since)
		if err != nil {
			return bot.QuotaView{}, err
		}
		qk := bot.QuotaKind{Kind: string(kind), Used: n, Limit: limits.Of(kind)}
		if !oldest.IsZero() {
			qk.NextFree = oldest.Add(24 * time.Hour)
		}
		v.Kinds = append(v.Kinds, qk)
	}
	return v, nil
}

// chatFeeds adapts the feed manager to the dispatcher. The dispatcher has already checked
// the person's right to the feed's account, so the calls use the operator's scope. The feed
// records who added it (acct identifies them), so revoking their access pauses it.
type chatFeeds struct {
	m    *rss.Manager
	acct *accounts.Service // nil: feeds are recorded as the operator's
}

func (f chatFeeds) AddFeed(ctx context.Context, nf bot.NewFeed) (bot.Feed, error) {
	var by int64
	if f.acct != nil {
		id, err := f.acct.Identify(ctx, accounts.Identity{Door: string(nf.AddedBy.Door), Team: nf.AddedBy.Team, User: nf.AddedBy.User, Name: nf.AddedBy.Name})
		if err != nil {
			return bot.Feed{}, err
		}
		by = id.ID
	}
	res, err := f.m.Add(ctx, rss.AddRequest{Owner: rss.ChatRef{Door: string(nf.Origin.Door), Ref: nf.Origin.Ref},
		AccountID: nf.AccountID, URL: nf.URL, Template: nf.Template, Backfill: nf.Backfill, CreatedBy: by})
	if ae, ok := errors.AsType[*rss.AddError](err); ok && ctx.Err() == nil {
		// The feed's server timed out or refused: that is the feed's news, not Spindle's fault.
		return bot.Feed{}, bot.Public(fmt.Sprintf("I could not read that feed, so it was not added: %s. Check the URL, or try again later.", ae.Reason()))
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return bot.Feed{}, err
		}
		// The manager's errors say what is wrong with the feed, for the person who added it.
		return bot.Feed{}, bot.Public(fmt.Sprintf("I could not add that feed: %v.", err))
	}
	return feedOf(res.Feed), nil
}

func (f chatFeeds) Feeds(ctx context.Context, accountIDs []int64) ([]bot.Feed, error) {
	fs, err := f.m.List(ctx, rss.Accounts(accountIDs...))
	if err != nil {
		return nil, err
	}
	out := make([]bot.Feed, len(fs))
	for i, x := range fs {
		out[i] = feedOf(x)
	}
	return out, nil
}

func (f chatFeeds) Feed(ctx context.Context, id string) (bot.Feed, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return bot.Feed{}, fmt.Errorf("feed %s: %w", id, storage.ErrNotFound)
	}
	x, err := f.m.Get(ctx, rss.AllAccounts(), n)
	if errors.Is(err, rss.ErrNotFound) {
		return bot.Feed{}, fmt.Errorf("feed %s: %w", id, storage.ErrNotFound)
	}
	return feedOf(x), err
}

func (f chatFeeds) RemoveFeed(ctx context.Context, id string) error {
	n, _ := strconv.ParseInt(id, 10, 64)
	_, err := f.m.Remove(ctx, rss.AllAccounts(), n)
	return err
}

func (f chatFeeds) PauseFeed(ctx context.Context, id string) error {
	n, _ := strconv.ParseInt(id, 10, 64)
	_, err := f.m.Pause(ctx, rss.AllAccounts(), n, "paused from chat")
	return err
}

func feedOf(x rss.FeedInfo) bot.Feed {
	return bot.Feed{ID: strconv.FormatInt(x.ID, 10), AccountID: x.AccountID, URL: x.URL, Template: x.Template,
		Paused: !x.Enabled, LastError: x.LastError, Every: x.Every()}
}

// chatWebhooks adapts the webhook sources to the dispatcher's "webhook add": a GitHub-style
// source (X-Hub-Signature-256), which CI systems and most CMSs can sign.
//
// Only an account's owner may add a webhook (the dispatcher checks), so the source is
// recorded as the owner's: disconnecting the account pauses it.
type chatWebhooks struct {
	s         *webhookstore.Store
	publicURL string
	acct      *accounts.Service // nil: sources are recorded as the operator's
}

func (w chatWebhooks) AddWebhook(ctx context.Context, name string, accountID int64) (string, string, error) {
	var by int64
	if w.acct != nil {
		if owner, err := w.acct.Owner(ctx, accountID); err == nil {
			by = owner.ID
		}
	}
	added, err := w.s.Add(ctx, webhookstore.Spec{Name: name, AccountID: accountID, Scheme: webhook.SchemeGitHub, CreatedBy: by})
	switch {
	case errors.Is(err, storage.ErrExists):
		return "", "", bot.Public(fmt.Sprintf("A webhook named %s exists already; pick another name.", name))
	case err != nil:
		return "", "", err
	}
	return strings.TrimSuffix(w.publicURL, "/") + "/hooks/" + name, added.Secret, nil
}
