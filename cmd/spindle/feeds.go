package main

import (
	"context"
	"errors"
)

// runFeeds is `spindle feeds`. Not built yet: it lands with its issue.
func runFeeds(_ context.Context, _ *cliEnv, _ []string) error {
	return errors.New("spindle feeds is not available in this build yet")
}
