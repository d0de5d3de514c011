package main

import "context"

// Each wire function connects one subsystem to the app. They are filled in as the subsystems
// land; keep each short and put the subsystem's own logic in its package.

// wirePublisher starts the scheduler and the publisher (issue 4) and sets a.wake.
func (a *app) wirePublisher(ctx context.Context) error { return nil }

// wireAccounts mounts OAuth linking and the REST API (issue 5).
func (a *app) wireAccounts(ctx context.Context) error { return nil }

// wireWebhooks mounts POST /hooks/{source} (issue 8).
func (a *app) wireWebhooks(ctx context.Context) error { return nil }

// wireFeeds registers the feed poller (issue 9).
func (a *app) wireFeeds(ctx context.Context) error { return nil }

// wireSlack mounts POST /slack/commands when Slack is configured (issue 6).
func (a *app) wireSlack(ctx context.Context) error { return nil }

// wireTelegram starts the Telegram door when configured (issue 7).
func (a *app) wireTelegram(ctx context.Context) error { return nil }
