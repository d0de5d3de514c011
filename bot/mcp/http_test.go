package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
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
// dispatcher as fields, never as a command line; and a request made with another token acts
// as that token's identity alone (the transport keeps no session that could carry the first
// one's rights).
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

	auth = "Bearer other" // the same client, another identity's token
	if res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "post", Arguments: map[string]any{"text": "as ci"}}); err != nil || res.IsError {
		t.Fatalf("post with the other token: %v %+v", err, res)
	}
	if len(rec.ins) != 2 {
		t.Fatalf("dispatcher ran %d commands, want 2", len(rec.ins))
	}
	if in := rec.ins[1]; in.Identity != (bot.Identity{Door: "api", User: "ci"}) || in.Only != 0 {
		t.Errorf("a request with the other token ran as %+v pinned to %d; want ci's identity alone, not alice's", in.Identity, in.Only)
	}
}

// TestHandlerBehindARoundRobinBalancer: every replica serves the MCP door, behind any load
// balancer (README, Running replicas). Two replicas, each with its own handler as each serve
// process builds one, behind a balancer that alternates between them: an agent that
// initialized on one calls tools on the other, one call after another.
func TestHandlerBehindARoundRobinBalancer(t *testing.T) {
	recA, recB := &recorder{}, &recorder{}
	replicas := []http.Handler{
		mcp.Handler(mcp.Options{Dispatcher: recA}, tokens),
		mcp.Handler(mcp.Options{Dispatcher: recB}, tokens),
	}
	var n atomic.Int64
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		replicas[int(n.Add(1)-1)%len(replicas)].ServeHTTP(w, r)
	}))
	defer lb.Close()
	auth := "Bearer pinned"
	ctx := context.Background()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx,
		&sdk.StreamableClientTransport{Endpoint: lb.URL, HTTPClient: &http.Client{Transport: header{&auth}}}, nil)
	if err != nil {
		t.Fatalf("connect through the balancer: %v", err)
	}
	defer cs.Close()
	for i := range 3 {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "post", Arguments: map[string]any{"text": "hi"}})
		if err != nil || res.IsError {
			t.Fatalf("tool call %d through a round-robin balancer over two replicas: %v %+v", i+1, err, res)
		}
	}
	if len(recA.ins)+len(recB.ins) != 3 || len(recA.ins) == 0 || len(recB.ins) == 0 {
		t.Errorf("replicas ran %d and %d calls; want the 3 calls spread over both", len(recA.ins), len(recB.ins))
	}
}
