package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	mcpdoor "github.com/spindle-threads/spindle/bot/mcp"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// operator is who `spindle mcp` acts as: whoever can run the binary on the data dir, the same
// person `spindle post` and `spindle accounts` trust. The operator may post to every linked
// account; results are not reported to a chat (door cli), so an agent reads them with
// post_status.
func operator() bot.Identity {
	return bot.Identity{Door: ingest.DoorCLI, User: "operator", Name: "operator"}
}

// runMCP is `spindle mcp`: an MCP server on stdin/stdout for a local agent (a desktop app
// starts it as a child process). It works beside a running daemon, which notices what it
// queues within a second (storage.WatchOthers). Logs go to stderr; stdout is the protocol.
func runMCP(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("mcp", "spindle mcp")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("mcp takes no arguments, got %q; it speaks MCP on stdin and stdout", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	// The publisher is for delete and stats, which act on Threads at once, as from chat; what
	// the agent queues is published by the daemon.
	db, pub, err := cliPublisher(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	log := env.logger(cfg).With(slog.String("door", "mcp"))
	svc := ingest.NewService(ingest.Options{Queue: db, Now: db.Now, Logger: log, PostsPerDay: cfg.Quota.Posts,
		ApprovalTTL: cfg.ApprovalTTL, ApprovalNotice: publisher.PendingApprovalEvent})
	disp := bot.NewDispatcher(bot.DispatcherOptions{
		Now: db.Now, Ingest: svc, Queue: db,
		// A series made here is stored; the daemon's series job queues its later occurrences.
		Series:   recur.NewService(recur.Options{Store: db, Validator: svc, Logger: log}),
		Slots:    publisher.Slots{Store: db, DailyPosts: cfg.Quota.Posts},
		Accounts: operatorAccounts{db: db}, Quotas: storeQuotas{db: db}, LongTexts: db,
		Deleter: pub, Insights: pub, Polls: pub,
		// Approvals: post_status shows a held post's record (who decided, when).
		Approvals: db,
		Zone:      cfg.Timezone, Logger: log,
	})
	s := mcpdoor.NewServer(mcpdoor.Options{Dispatcher: disp, Version: version, Logger: log},
		mcpdoor.Fixed(bot.Incoming{Identity: operator(), Origin: ingest.Origin{Door: ingest.DoorCLI}}))
	if err := s.Run(ctx, &sdk.StdioTransport{}); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("mcp: %w", err)
	}
	return nil
}

// operatorAccounts gives the operator every linked account, as its owner. Linking, granting
// and tokens are the command line's (spindle accounts, spindle tokens) and chat's business.
type operatorAccounts struct{ db *storage.DB }

func (o operatorAccounts) AccountsFor(ctx context.Context, _ bot.Identity) ([]bot.Account, error) {
	accs, err := o.db.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Account, 0, len(accs))
	for _, a := range accs {
		out = append(out, bot.Account{ID: a.ID, Username: a.Username, Owner: true, Status: string(a.Status)})
	}
	return out, nil
}

var errOperatorCLI = bot.Public("The operator links accounts and makes tokens on the command line: spindle accounts, spindle tokens.")

func (operatorAccounts) LinkFor(context.Context, bot.Identity) (string, error) {
	return "", errOperatorCLI
}
func (operatorAccounts) Grant(context.Context, bot.Identity, int64, bot.Identity) error {
	return errOperatorCLI
}
func (operatorAccounts) Revoke(context.Context, bot.Identity, int64, bot.Identity) error {
	return errOperatorCLI
}
func (operatorAccounts) Disconnect(context.Context, bot.Identity, int64) error { return errOperatorCLI }
func (operatorAccounts) CreateAPIToken(context.Context, bot.Identity) (string, error) {
	return "", errOperatorCLI
}
