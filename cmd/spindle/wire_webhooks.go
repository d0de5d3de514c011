package main

import "context"

// webhookParts holds what the webhooks subsystem built that others need.
type webhookParts struct{}

// wireWebhooks mounts POST /hooks/{source} (issue 8).
func (a *app) wireWebhooks(ctx context.Context) error { return nil }
