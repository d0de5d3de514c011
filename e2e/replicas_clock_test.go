package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
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
//     database, still verifies;
//   - events are still signed with an event subscription's old secret, rotated the same way,
//     beside the new one.
//
// By the replica's own clock, the first post was not due for an hour, the time was refused as
// past, "in 2h" was three hours away and both old secrets' graces had ended.
func TestAReplicaWhoseClockRunsAheadGoesByTheDatabasesClock(t *testing.T) {
	base, ok := needPostgres(t)
	if !ok {
		return
	}
	dbURL := freshPGSchema(t, base)
	secret := strings.Repeat("6b", 32)
	bin := buildSpindle(t)
	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret})
	t.Cleanup(sim.Close)

	op := newRESTOperator(t, dbURL, secret, "drifting")
	acct, token := op.linkForREST(t, sim, sim.AddUser("drifting_user"), bin, "threads_basic", "threads_content_publish")
	drifting := storagetest.ServerClockURL(t, dbURL, -time.Hour) // the server's clock an hour behind
	addr := freeAddr(t)
	d := startDaemon(t, bin, daemonEnv(t, addr, sim, "SPINDLE_DATABASE_URL="+drifting, "SPINDLE_SECRET_KEY="+secret,
		"SPINDLE_ALLOW_PRIVATE_URLS=true"))
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

	// A rotated secret's grace ends by the database's clock. Another replica, on the same
	// database, rotates a webhook source's secret and an event subscription's with half an
	// hour of grace: this one must still take the old webhook secret and still sign events
	// with the old subscription secret too. By its own clock both graces had ended half an
	// hour before.
	other, err := storage.Open(t.TempDir(), storage.Options{DatabaseURL: drifting})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	receiver, deliveries := eventReceiver(t)
	sec := rotateWithGrace(t, other, op.keys, acct.ID, receiver.URL)
	if code, body := sendRelease(t, public+"/hooks/rel", sec.oldHook); code != http.StatusAccepted {
		t.Fatalf("a release signed with the old secret, in its grace by the database's clock: %d %s", code, body)
	}
	select {
	case got := <-deliveries:
		if !got.signedBy(sec.newEvents) || !got.signedBy(sec.oldEvents) {
			t.Fatalf("the event was signed %q: want the new secret's signature and the old one's", got.sigs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no event reached the receiver within 30 s\nreplica log:\n%s", d.logs())
	}
}

// TestAReplicaWhoseClockRunsBehindEndsGracesByTheDatabasesClock is the other side of the test
// above, where a grace is a trust boundary: the replica's clock runs an hour behind its
// database's. An hour ago by the database's clock (now by the process's), the operator rotated
// the webhook source's secret and the event subscription's, each with half an hour of grace.
// Both graces have ended. On that replica:
//   - a release signed with the old webhook secret is refused, one signed with the new is
//     taken;
//   - the event of that release's post is signed with the new subscription secret alone;
//   - `spindle sources list` no longer shows the old webhook secret as valid.
//
// By the replica's own clock both graces had half an hour to run: whoever held the old webhook
// secret could still post, and receivers still saw the old secret's signature.
func TestAReplicaWhoseClockRunsBehindEndsGracesByTheDatabasesClock(t *testing.T) {
	base, ok := needPostgres(t)
	if !ok {
		return
	}
	dbURL := freshPGSchema(t, base)
	bin := buildSpindle(t)
	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret})
	t.Cleanup(sim.Close)
	receiver, deliveries := eventReceiver(t)

	secret := strings.Repeat("7c", 32)
	op := newRESTOperator(t, dbURL, secret, "lagging")
	acct := linkAccount(t, op.db, op.keys, sim, sim.AddUser("lagging_user"), op.owner, "threads_basic", "threads_content_publish")
	// The rotations, dated by the process's clock: an hour ago by the database's.
	sec := rotateWithGrace(t, op.db, op.keys, acct.ID, receiver.URL)

	ahead := storagetest.ServerClockURL(t, dbURL, time.Hour) // the server's clock an hour ahead
	addr := freeAddr(t)
	d := startDaemon(t, bin, daemonEnv(t, addr, sim, "SPINDLE_DATABASE_URL="+ahead, "SPINDLE_SECRET_KEY="+secret,
		"SPINDLE_ALLOW_PRIVATE_URLS=true"))
	hook := "http://" + addr + "/hooks/rel"
	if code, body := sendRelease(t, hook, sec.oldHook); code != http.StatusUnauthorized {
		t.Fatalf("a release signed with the old secret, half an hour after its grace ended by the database's clock: %d %s, want 401", code, body)
	}
	if code, body := sendRelease(t, hook, sec.newHook); code != http.StatusAccepted {
		t.Fatalf("a release signed with the new secret: %d %s", code, body)
	}
	// `spindle sources list` on that machine no longer shows the old secret as valid.
	laggingCLI := append(op.cli[:len(op.cli):len(op.cli)], "SPINDLE_DATABASE_URL="+ahead)
	if out := mustCLI(t, bin, laggingCLI, "sources", "list", "--json"); !strings.Contains(out, `"rel"`) ||
		strings.Contains(out, "previous_secret_valid_until") {
		t.Fatalf("sources list should show source rel with no old secret valid, its grace over by the database's clock:\n%s", out)
	}
	select {
	case got := <-deliveries:
		if !got.signedBy(sec.newEvents) || got.signedBy(sec.oldEvents) || len(got.sigs) != 1 {
			t.Fatalf("the event was signed %q: want the new secret's signature alone", got.sigs)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no event reached the receiver within 30 s\nreplica log:\n%s", d.logs())
	}
}

// rotated are the secrets rotateWithGrace leaves: the webhook source's and the event
// subscription's, old and new.
type rotated struct{ oldHook, newHook, oldEvents, newEvents string }

// rotateWithGrace adds, through db, the webhook source "rel" of account (GitHub releases) and
// a subscription of receiverURL to post.published, then rotates both secrets with half an
// hour of grace, dated by db's clock.
func rotateWithGrace(t *testing.T, db *storage.DB, keys *accounts.Keys, account int64, receiverURL string) rotated {
	t.Helper()
	ctx := context.Background()
	sources := webhookstore.New(webhookstore.Options{DB: db, Sealer: keys, Now: db.Now})
	src, err := sources.Add(ctx, webhookstore.Spec{Name: "rel", AccountID: account, Scheme: webhook.SchemeGitHub, Preset: "github-release"})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := sources.Rotate(ctx, "rel", 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	subs := events.Subscriptions{Store: db, Sealer: keys, Now: db.Now}
	sub, oldEvents, err := subs.Add(ctx, events.Spec{URL: receiverURL, Events: []string{"post.published"}})
	if err != nil {
		t.Fatal(err)
	}
	newEvents, err := subs.Rotate(ctx, sub.ID, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return rotated{oldHook: src.Secret, newHook: hook.Secret, oldEvents: oldEvents, newEvents: newEvents}
}

// delivery is one event as a receiver gets it: the Standard Webhooks headers and the body.
type delivery struct {
	header http.Header
	sigs   []string // the signatures in webhook-signature, "v1,<base64>" each
	body   []byte
}

// signedBy says whether d verifies with secret as a receiver following Standard Webhooks
// checks it, with the door's own verifier for that scheme: one of its signatures is secret's,
// and its timestamp is within the tolerance of this machine's clock.
func (d delivery) signedBy(secret string) bool {
	_, err := webhook.Verify(webhook.SchemeStandard, []string{secret}, d.header, d.body, time.Now())
	return err == nil
}

// eventReceiver is an operator's receiver of Spindle's events: it answers 200 to each and hands
// it to the test.
func eventReceiver(t *testing.T) (*httptest.Server, <-chan delivery) {
	t.Helper()
	got := make(chan delivery, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- delivery{header: r.Header.Clone(), sigs: strings.Fields(r.Header.Get("webhook-signature")), body: body}:
		default:
		}
	}))
	t.Cleanup(srv.Close)
	return srv, got
}
