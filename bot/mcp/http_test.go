package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/mcp"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// recorder is a Dispatcher that remembers what it was asked to run.
type recorder struct {
	mu  sync.Mutex
	ins []bot.Incoming
	cmd []bot.Command
}

func (r *recorder) Run(_ context.Context, in bot.Incoming, cmd bot.Command) bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ins, r.cmd = append(r.ins, in), append(r.cmd, cmd)
	return bot.Reply{Text: "Queued p1", Queued: "p1"}
}
func (r *recorder) Accounts(context.Context, bot.Incoming) ([]bot.Account, *bot.Reply) {
	return nil, &bot.Reply{Text: "no", Refused: true}
}
func (r *recorder) Now() time.Time       { return time.Now() }
func (r *recorder) Zone() *time.Location { return time.UTC }

// tokens stands in for accounts.Service.RequireToken: two known tokens, one pinned.
func tokens(next http.Handler) http.Handler {
	known := map[string]accounts.Caller{
		"Bearer pinned": {Identity: accounts.Identity{ID: 1, Door: "slack", Team: "T1", User: "U1", Name: "alice"}, Token: storage.APIToken{ID: 7, AccountID: 42}},
		"Bearer other":  {Identity: accounts.Identity{ID: 2, Door: "api", User: "ci"}, Token: storage.APIToken{ID: 8}},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := known[r.Header.Get("Authorization")]
		if !ok {
			http.Error(w, `{"error":"no"}`, http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r.WithContext(accounts.WithCaller(r.Context(), c)))
	})
}

type header struct{ v *string }

func (h header) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", *h.v)
	return http.DefaultTransport.RoundTrip(r)
}

// TestHandlerActsAsTheToken: a tool call over HTTP runs as the request token's identity, pinned
// to its account, with results reported through the API door; the agent's arguments reach the
// dispatcher as fields, never as a command line; and a session continued with another
// identity's token is refused.
func TestHandlerActsAsTheToken(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(mcp.Handler(mcp.Options{Dispatcher: rec}, tokens))
	defer srv.Close()
	auth := "Bearer pinned"
	ctx := context.Background()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx,
		&sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: header{&auth}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "post", Arguments: map[string]any{"text": "--account @x hi", "account": "@Acme"}})
	if err != nil || res.IsError {
		t.Fatalf("post: %v %+v", err, res)
	}
	in, cmd := rec.ins[0], rec.cmd[0]
	want := bot.Identity{Door: "slack", Team: "T1", User: "U1", Name: "alice"}
	if in.Identity != want || in.Only != 42 || in.Origin.Door != ingest.DoorAPI || in.RequestID == "" {
		t.Errorf("incoming %+v: want alice pinned to 42 through the api door", in)
	}
	if cmd.Verb != bot.VerbPost || cmd.Text != "--account @x hi" || cmd.Account != "acme" {
		t.Errorf("command %+v", cmd)
	}
	if res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "list_accounts"}); err != nil || !res.IsError {
		t.Errorf("a refusal must be a tool error: %v %+v", err, res)
	}

	auth = "Bearer other" // the same session, another identity's token
	if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "post", Arguments: map[string]any{"text": "hijack"}}); err == nil {
		t.Error("a session continued with another identity's token was served")
	}
	if len(rec.ins) != 1 {
		t.Errorf("dispatcher ran %d commands, want 1", len(rec.ins))
	}
}
