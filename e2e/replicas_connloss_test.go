package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestReplicasRideOutLostConnections runs two `spindle serve` replicas on one PostgreSQL and
// has the server end every connection they hold, again and again, while they publish: what a
// database restart, a failover or a pooler recycling its connections does to a running
// replica. The replicas live on. Every post must still be published exactly once, none may be
// marked failed for it, and once the connections stop dying the replicas publish new posts as
// if nothing had happened. The lease stays at its default (2 min), longer than the test
// waits: a post whose step a dropped connection cut must go back in the queue at once, not
// when its lease expires.
//
// The replicas' connections are told apart by application_name, so the test ends only theirs
// (other packages' tests share the server).
func TestReplicasRideOutLostConnections(t *testing.T) {
	t.Parallel()
	base, ok := needPostgres(t)
	if !ok {
		return
	}
	ctx := context.Background()
	dbURL := freshPGSchema(t, base)
	app := "spindle-e2e-" + strings.TrimPrefix(schemaOf(t, dbURL), "e2e_")
	replicaURL := withParam(t, dbURL, "application_name", app)
	secret := strings.Repeat("3e", 32)
	bin := buildSpindle(t)

	// Every Threads call takes 20 ms, so steps are under way when the connections go.
	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret})
	t.Cleanup(sim.Close)
	sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultLatency, Rate: 1, Delay: 20 * time.Millisecond})

	op := newRESTOperator(t, dbURL, secret, "connloss")
	const users = 12
	tokens := make([]string, users)
	for i := range tokens {
		u := sim.AddUser(fmt.Sprintf("connloss_user%d", i))
		_, tokens[i] = op.linkForREST(t, sim, u, bin, "threads_basic", "threads_content_publish")
	}
	replicas := make([]*daemon, 2)
	for i := range replicas {
		replicas[i] = startDaemon(t, bin, daemonEnv(t, freeAddr(t), sim,
			"SPINDLE_DATABASE_URL="+replicaURL, "SPINDLE_SECRET_KEY="+secret))
	}
	explain := func() {
		for i, d := range replicas {
			t.Logf("replica %d (%s) log:\n%s", i, d.addr, d.logs())
		}
	}

	type queued struct{ id, text, token string }
	var posts []queued
	post := func(n int) {
		u := n % users
		text := fmt.Sprintf("connloss post %d of user %d", n, u)
		d := replicas[n%len(replicas)]
		var created struct{ ID string }
		code, body := apiPost(t, "http://"+d.addr, tokens[u], "/api/threads/post", map[string]string{"text": text})
		if code != http.StatusAccepted || json.Unmarshal([]byte(body), &created) != nil {
			explain()
			t.Fatalf("POST /api/threads/post on replica %s: %d %s", d.addr, code, body)
		}
		posts = append(posts, queued{id: created.ID, text: text, token: tokens[u]})
	}
	const first = 24
	for n := range first {
		post(n)
	}

	// End the replicas' connections every 300 ms for a few seconds, while they publish.
	admin, err := storagetest.OpenServer(base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ended := 0
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for range 12 {
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid)
			FROM pg_stat_activity WHERE application_name = $1) t`, app).Scan(&n); err != nil {
			t.Fatalf("end the replicas' connections: %v", err)
		}
		ended += n
		<-tick.C
	}
	if ended == 0 {
		t.Fatalf("no connection named %s was ever open: the test ended nothing", app)
	}
	t.Logf("ended %d connections while %d of %d posts were published", ended, len(sim.Ledger()), first)

	// After the storm, the replicas take new work as usual.
	for n := first; n < first+users; n++ {
		post(n)
	}
	eventually(t, 90*time.Second, "every post published", func() bool { return len(sim.Ledger()) >= len(posts) }, explain)
	for _, p := range posts {
		if n := ledgerCount(sim, p.text); n != 1 {
			explain()
			t.Fatalf("%q published %d times, want exactly once", p.text, n)
		}
	}
	for i, p := range posts {
		d := replicas[i%len(replicas)]
		eventually(t, 30*time.Second, "post "+p.id+" posted", func() bool {
			return apiPostStatus(t, "http://"+d.addr, p.token, p.id).Status == "posted"
		}, explain)
	}
	if got := len(sim.Ledger()); got != len(posts) {
		t.Fatalf("the ledger holds %d posts, want %d", got, len(posts))
	}
	for i, d := range replicas {
		// Ready: the database reachable and writable again, through a new connection.
		req, _ := http.NewRequest(http.MethodGet, "http://"+d.addr+"/readyz", nil)
		if code, body := httpJSON(t, req, nil); code != http.StatusOK {
			explain()
			t.Fatalf("replica %d: GET /readyz answered %d after the connections came back: %s", i, code, body)
		}
	}
}

// schemaOf is the search_path a freshPGSchema URL sets.
func schemaOf(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("search_path")
}

// withParam returns dbURL with one more connection parameter.
func withParam(t *testing.T, dbURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
