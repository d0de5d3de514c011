package main

import "context"

// slackParts holds what the slack subsystem built that others need.
type slackParts struct{}

// wireSlack mounts POST /slack/commands when Slack is configured (issue 6).
func (a *app) wireSlack(ctx context.Context) error { return nil }
