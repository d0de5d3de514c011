package main

import (
	"context"
	"errors"
)

// runAccounts is `spindle accounts`. Not built yet: it lands with its issue.
func runAccounts(_ context.Context, _ *cliEnv, _ []string) error {
	return errors.New("spindle accounts is not available in this build yet")
}
