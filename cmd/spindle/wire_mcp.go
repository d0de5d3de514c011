package main

import (
	"log/slog"

	mcpdoor "github.com/spindle-threads/spindle/bot/mcp"
)

// buildMCP mounts the MCP server at /mcp (streamable HTTP: POST, and GET/DELETE for the
// session), behind the REST API's token check; its tools run through the chat dispatcher,
// acting as the token's identity. Its posts come through the door "api" (buildAPI).
func (a *app) buildMCP() {
	log := a.log.With(slog.String("door", "mcp"))
	a.router.Handle("/mcp", mcpdoor.Handler(mcpdoor.Options{Dispatcher: a.dispatcher, Version: version, Logger: log}, a.accounts.RequireToken))
	a.log.Info("mcp server ready", slog.String("route", "/mcp"))
}
