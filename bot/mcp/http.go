package mcp

import (
	"context"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// callerKey is where the token's caller travels in the SDK's TokenInfo.
const callerKey = "spindle.caller"

// Handler serves the streamable HTTP transport at POST /mcp. requireToken is the REST API's
// authentication (accounts.Service.RequireToken): a request without a valid, unrevoked API
// token is answered 401 exactly as the REST API answers it, before the SDK sees it. Each
// request's caller is handed to the SDK as its TokenInfo, so every tool call acts with the
// rights of the token that made that request (a token pinned to an account sees only it).
//
// The transport is stateless: the SDK keeps no session between requests, so any replica
// answers any request behind a load balancer without sticky sessions. With sessions, the one
// an agent's initialize made lived in that replica's memory, and its next request, sent to
// another replica, was answered 404. Spindle's tools need nothing a session would carry: they
// never ask the client anything, and every request names its token.
func Handler(o Options, requireToken func(http.Handler) http.Handler) http.Handler {
	s := NewServer(o, fromToken)
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s },
		&sdk.StreamableHTTPOptions{Logger: o.Logger, Stateless: true})
	verify := func(_ context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
		c, ok := accounts.CallerFrom(r.Context())
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: c.Identity.Key(), Extra: map[string]any{callerKey: c}}, nil
	}
	// Spindle's API tokens do not expire (they are revoked), and RequireToken already checked
	// this one: the SDK's middleware only carries the caller into the session.
	return requireToken(auth.RequireBearerToken(verify, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(h))
}

// fromToken is the Who of the HTTP transport: the identity of the request's API token.
func fromToken(_ context.Context, req *sdk.CallToolRequest) (bot.Incoming, error) {
	if req == nil || req.Extra == nil || req.Extra.TokenInfo == nil {
		return bot.Incoming{}, errNoIdentity
	}
	c, ok := req.Extra.TokenInfo.Extra[callerKey].(accounts.Caller)
	if !ok {
		return bot.Incoming{}, errNoIdentity
	}
	return bot.Incoming{
		Identity: bot.Identity{Door: ingest.Door(c.Identity.Door), Team: c.Identity.Team, User: c.Identity.User, Name: c.Identity.Name},
		// Results are read with post_status, as with the REST API; no chat is told.
		Origin: ingest.Origin{Door: ingest.DoorAPI},
		Only:   c.Token.AccountID,
	}, nil
}
