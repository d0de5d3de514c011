package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestAReplicaWhoseClockRunsAheadGoesByTheDatabasesClock runs `spindle serve` on a PostgreSQL
// whose clock is an hour behind the replica's (storagetest.ServerClockURL), as a replica on a
// machine whose clock drifted meets its database. On that replica:
//   - a post sent over REST to go out now is published at once;
//   - a time half an hour before the replica's clock, half an hour ahead of the database's, is
//     accepted as a time to schedule at;
//   - `spindle post --at "in 2h"` (and `posts edit --at`) means two hours after the database's
//     now;
//   - a webhook secret rotated with half an hour of grace, through another handle on the same
//     database, still verifies.
//
// By the replica's own clock, the first post was not due for an hour, the time was refused as
// past, "in 2h" was three hours away and the old secret's grace had ended.
func TestAReplicaWhoseClockRunsAheadGoesByTheDatabasesClock(t *testing.T) {
	base, ok := needPostgres(t)
	if !ok {
		return
	}
	ctx := context.Background()
	dbURL := freshPGSchema(t, base)
	secret := strings.Repeat("6b", 32)
	bin := buildSpindle(t)
	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret})
	t.Cleanup(sim.Close)

	op := newRESTOperator(t, dbURL, secret, "drifting")
	acct, token := op.linkForREST(t, sim, sim.AddUser("drifting_user"), bin, "threads_basic", "threads_content_publish")
	drifting := storagetest.ServerClockURL(t, dbURL, -time.Hour) // the server's clock an hour behind
	addr := freeAddr(t)
	d := startDaemon(t, bin, daemonEnv(t, addr, sim, "SPINDLE_DATABASE_URL="+drifting, "SPINDLE_SECRET_KEY="+secret))
	public := "http://" + addr

	if code, body := apiPost(t, public, token, "/api/threads/post", map[string]string{"text": "out now, whatever my clock says"}); code != http.StatusAccepted {
		t.Fatalf("POST /api/threads/post: %d %s", code, body)
	}
	eventually(t, 30*time.Second, "the post published at once", func() bool {
		return ledgerHas(sim, "out now, whatever my clock says")
	}, func() { t.Logf("replica log:\n%s", d.logs()) })

	at := time.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339)
	if code, body := apiPost(t, public, token, "/api/threads/post/schedule", map[string]string{"text": "in half an hour, by the database", "scheduledAt": at}); code != http.StatusCreated {
		t.Fatalf("scheduling at %s, half an hour ahead by the database's clock: %d %s", at, code, body)
	}

	// The command line on the same machine reads "in 2h" by the database's clock too.
	driftingCLI := append(op.cli[:len(op.cli):len(op.cli)], "SPINDLE_DATABASE_URL="+drifting)
	var queued struct {
		ID          string
		ScheduledAt time.Time `json:"scheduled_at"`
	}
	scheduled := func(what string, want time.Time, args ...string) {
		t.Helper()
		out := mustCLI(t, bin, driftingCLI, append(args, "--json")...)
		if err := json.Unmarshal([]byte(out), &queued); err != nil {
			t.Fatalf("spindle %s --json: %v\n%s", args[0], err, out)
		}
		if queued.ScheduledAt.Before(want.Add(-time.Minute)) || queued.ScheduledAt.After(want.Add(time.Minute)) {
			t.Fatalf("%s scheduled at %s, want about %s, by the database's clock", what, queued.ScheduledAt, want)
		}
	}
	scheduled(`post --at "in 2h"`, time.Now().Add(time.Hour),
		"post", "two hours on, by the database", "--account", "drifting_user", "--at", "in 2h")
	scheduled(`posts edit --at "in 3h"`, time.Now().Add(2*time.Hour), "posts", "edit", queued.ID, "--at", "in 3h")

	// A rotated webhook secret's grace ends by the database's clock. Another replica, on the
	// same database, rotates with half an hour of grace: this one must still take the old
	// secret. By its own clock the grace had ended half an hour before.
	other, err := storage.Open(t.TempDir(), storage.Options{DatabaseURL: drifting})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	sources := webhookstore.New(webhookstore.Options{DB: other, Sealer: op.keys, Now: other.Now})
	src, err := sources.Add(ctx, webhookstore.Spec{Name: "rel", AccountID: acct.ID, Scheme: webhook.SchemeGitHub, Preset: "github-release"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sources.Rotate(ctx, "rel", 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if code, body := sendRelease(t, public+"/hooks/rel", src.Secret); code != http.StatusAccepted {
		t.Fatalf("a release signed with the old secret, in its grace by the database's clock: %d %s", code, body)
	}
}
