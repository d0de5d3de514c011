package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
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
// whose clock is an hour behind the replica's: the server's clock_timestamp() is a function
// of the test's schema, searched before pg_catalog, as a replica on a machine whose clock
// drifted meets its database. A post sent over REST to go out now is published at once, and
// a time half an hour before the replica's clock, half an hour ahead of the database's, is
// accepted as a time to schedule at; `spindle post --at "in 2h"` (and `posts edit --at`) on
// that machine means two hours after the database's now; and a webhook secret rotated with
// half an hour of grace, by a replica whose clock agrees with the database's, still works. By the replica's own clock, the first post was not due for
// an hour, the time was refused as past, and "in 2h" was three hours away.
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

	db, keys := operatorDB(t, dbURL, secret)
	owner, err := db.UpsertIdentity(ctx, storage.Identity{Door: "api", User: "drifting", Name: "drifting"})
	if err != nil {
		t.Fatal(err)
	}
	cliEnv := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SPINDLE_DATA_DIR=" + t.TempDir(),
		"SPINDLE_DATABASE_URL=" + dbURL, "SPINDLE_SECRET_KEY=" + secret}
	acct, token := linkForREST(t, db, keys, sim, sim.AddUser("drifting_user"), owner.ID, bin, cliEnv,
		"threads_basic", "threads_content_publish")

	schema := mustURL(t, dbURL).Query().Get("search_path")
	behind, err := storagetest.OpenServer(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Close()
	if _, err := behind.Exec(`CREATE FUNCTION ` + schema + `.clock_timestamp() RETURNS timestamptz LANGUAGE sql
		AS $$ SELECT pg_catalog.clock_timestamp() - interval '1 hour' $$`); err != nil {
		t.Fatal(err)
	}
	drifting := withParam(t, dbURL, "search_path", schema+",pg_catalog") // the server's clock an hour behind
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
	driftingCLI := append(cliEnv[:len(cliEnv):len(cliEnv)], "SPINDLE_DATABASE_URL="+drifting)
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
	sources := webhookstore.New(webhookstore.Options{DB: other, Sealer: keys, Now: other.Now})
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

// mustURL parses a URL the test made.
func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
