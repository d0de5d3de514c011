package main

import "context"

// feedParts holds what the feeds subsystem built that others need.
type feedParts struct{}

// wireFeeds registers the feed poller (issue 9).
func (a *app) wireFeeds(ctx context.Context) error { return nil }
