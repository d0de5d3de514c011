package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// operatorName is how a decision made from the command line is shown: "Approved by the
// operator", to the author and in status.
const operatorName = "the operator"

// maxCLIReason bounds --reason as the REST API bounds its reason: the author reads it in chat.
const maxCLIReason = 500

// runPostsDecide is `spindle posts approve|reject`: the operator decides a post waiting for
// approval, through the same storage.Decide as chat and REST (one guarded UPDATE, the author
// told in its transaction), so it works while the daemon runs.
func runPostsDecide(ctx context.Context, env *cliEnv, verb string, rest []string) error {
	fs, cf := env.flags("posts "+verb, postsUsage)
	reason := fs.String("reason", "", "reject: why, told to the author")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, rest)
	if err != nil {
		return err
	}
	if len(pos) != 1 || strings.TrimSpace(pos[0]) == "" {
		return usagef("give the post id (spindle approvals pending lists them); usage:\n%s", postsUsage)
	}
	if verb == "approve" && *reason != "" {
		return usagef("--reason goes with posts reject; an approval needs none")
	}
	if len(*reason) > maxCLIReason {
		return usagef("--reason is over %d bytes; say it shorter", maxCLIReason)
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	d := storage.Decision{Outcome: storage.DecisionApproved, By: "cli", ByName: operatorName}
	if verb == "reject" {
		d.Outcome, d.Reason = storage.DecisionRejected, *reason
	}
	d.Events = publisher.DecisionEvents(d, operatorName)
	p, err := db.Decide(ctx, pos[0], d)
	if se, ok := errors.AsType[*storage.StateError](err); ok {
		return fmt.Errorf("post %s is not waiting for approval (it is %s); nothing was changed", se.ID, se.State)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("no post %s: spindle approvals pending lists the posts waiting", pos[0])
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return env.printJSON(map[string]any{"id": p.ID, "status": p.Status(), "decision": d.Outcome,
			"next_attempt_at": p.NextAttemptAt.UTC().Format(time.RFC3339)})
	}
	if d.Outcome == storage.DecisionApproved {
		fmt.Fprintf(env.stdout, "%s approved; it goes out at %s; its author is told\n", p.ID, p.NextAttemptAt.UTC().Format(time.RFC3339))
		return nil
	}
	fmt.Fprintf(env.stdout, "%s rejected and cancelled; its author is told\n", p.ID)
	return nil
}
