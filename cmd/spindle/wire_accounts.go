package main

import "context"

// accountsParts holds what the accounts subsystem built that others need.
type accountsParts struct{}

// wireAccounts mounts OAuth linking and the REST API (issue 5).
func (a *app) wireAccounts(ctx context.Context) error { return nil }
