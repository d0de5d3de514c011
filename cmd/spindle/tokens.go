package main

import (
	"context"
	"errors"
)

// runTokens is `spindle tokens`. Not built yet: it lands with its issue.
func runTokens(_ context.Context, _ *cliEnv, _ []string) error {
	return errors.New("spindle tokens is not available in this build yet")
}
