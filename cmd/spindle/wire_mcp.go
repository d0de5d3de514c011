package main

import (
	"context"
	"log/slog"

	mcpdoor "github.com/spindle-threads/spindle/bot/mcp"
)

// wireMCP mounts the MCP server at /mcp (streamable HTTP: POST, and GET/DELETE for the
// session), behind the REST API's token check; its tools run through the chat dispatcher that
// wireSlack builds, acting as the token's identity. Without the accounts service there are no
// tokens, so nothing is mounted.
func (a *app) wireMCP(context.Context) error {
	if a.accounts == nil || a.dispatcher == nil {
		return nil
	}
	log := a.log.With(slog.String("door", "mcp"))
	a.router.Handle("/mcp", mcpdoor.Handler(mcpdoor.Options{Dispatcher: a.dispatcher, Version: version, Logger: log}, a.accounts.RequireToken))
	a.log.Info("mcp server ready", slog.String("route", "/mcp"))
	return nil
}
