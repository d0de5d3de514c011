package main

import (
	"context"
	"errors"
)

// runSources is `spindle sources`. Not built yet: it lands with its issue.
func runSources(_ context.Context, _ *cliEnv, _ []string) error {
	return errors.New("spindle sources is not available in this build yet")
}
