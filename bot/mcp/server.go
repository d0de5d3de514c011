// Package mcp is Spindle's door for AI agents: a Model Context Protocol server (the official Go
// SDK) whose tools mirror the chat verbs. Every tool builds a bot.Command from the agent's
// structured arguments and runs it through bot.Dispatcher.Run, the same code a chat command
// runs after parsing, so account choice, authorisation, preflight and the words of every
// refusal are the chat's. Nothing an agent sends is turned back into a command string: a text
// that starts with "--account" is text.
//
// Two transports serve it: the streamable HTTP handler at POST /mcp, which acts as the REST API
// token's identity (Handler), and stdio for a local agent (NewServer with a fixed Incoming;
// `spindle mcp` acts as the operator).
package mcp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
)

// Dispatcher runs structured chat commands; *bot.Dispatcher implements it.
type Dispatcher interface {
	Run(ctx context.Context, in bot.Incoming, cmd bot.Command) bot.Reply
	Accounts(ctx context.Context, in bot.Incoming) ([]bot.Account, *bot.Reply)
	Now() time.Time
	Zone() *time.Location
}

// Who says on whose behalf a tool call acts: the token's identity over HTTP, the operator on
// stdio. An error ends the call as a tool error with the error's text, written for a person.
type Who func(ctx context.Context, req *sdk.CallToolRequest) (bot.Incoming, error)

// Options configure the server. Dispatcher is required.
type Options struct {
	Dispatcher Dispatcher
	Version    string       // shown to clients as serverInfo.version
	Logger     *slog.Logger // nil: discard
}

// NewServer returns an MCP server with Spindle's tools, acting as who says. It panics without
// a Dispatcher or who: a wiring bug.
func NewServer(o Options, who Who) *sdk.Server {
	if o.Dispatcher == nil || who == nil {
		panic("mcp: NewServer needs a Dispatcher and a Who")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := sdk.NewServer(&sdk.Implementation{Name: "spindle", Title: "Spindle (Threads publishing)", Version: o.Version},
		&sdk.ServerOptions{Instructions: instructions, Logger: o.Logger})
	t := tools{d: o.Dispatcher, who: who}
	t.register(s)
	return s
}

const instructions = `Spindle publishes to Meta Threads. Use preview to check a text before posting; ` +
	`post queues it now, schedule at a time; post_status tells what became of a post (queued, posted with its ` +
	`permalink, failed with the reason); cancel stops a post that has not gone out; delete removes a published one from Threads. list_accounts shows the ` +
	`Threads accounts you may use; name one with "account" when there are several. Refusals come back as tool ` +
	`errors saying what to do.`

// Fixed is a Who that always acts as in: the stdio transport's operator.
func Fixed(in bot.Incoming) Who {
	return func(context.Context, *sdk.CallToolRequest) (bot.Incoming, error) { return in, nil }
}

// requestID names one tool call in the logs and in apologies.
func requestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "mcp-" + hex.EncodeToString(b)
}

// errNoIdentity is what a call without a caller gets (the handler was mounted without auth).
var errNoIdentity = errors.New("this MCP session carries no Spindle API token; connect with Authorization: Bearer spd_…")
