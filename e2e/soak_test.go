package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// envSoak set to 1 runs the replica soak for a full minute of kills instead of the short
// run CI does by default.
const envSoak = "SPINDLE_SOAK"

// Soak shape: accounts posted to, of which the first soakFull have their quota nearly full
// (soakRoom posts left, the rest used by other apps, as Threads counts it); feeds polled
// every soakFeedEvery.
const (
	soakAccounts  = 12
	soakFull      = 3
	soakRoom      = 3
	soakFeeds     = 3
	soakFeedEvery = 2 * time.Second
	soakReplicas  = 3
)

// TestReplicasSoak runs three `spindle serve` replicas of the real binary on one PostgreSQL,
// draining one queue to the simulator while a producer keeps posting over REST (retrying on
// another replica with the same Idempotency-Key when one dies under it) and replicas are
// SIGKILLed and restarted at random: 15 s by default, a minute with SPINDLE_SOAK=1. The
// simulator loses some answers (publishes performed whose answer is a 500, connections reset
// at container creation, 502s on status checks), and three accounts have 3 posts of quota
// left. Afterwards:
//
//   - every post is published exactly once, except those over an account's quota, which wait
//     (neither published nor failed);
//   - the simulator never refused a publish for quota, and no account's usage passed 250;
//   - no two workers were ever on one account at once: the simulator saw no publishing call
//     (container creation, status check, publish) of an account while another was being
//     answered (CallOverlaps), and never two containers of one account in flight (Overlaps);
//   - each feed's due time was fetched once (the feed server counts fetches by the due time
//     the database holds for the feed when the fetch arrives);
//   - no singleton job ran on two replicas at once (each replica logs its singleton job runs;
//     a killed replica's run ends when it died).
func TestReplicasSoak(t *testing.T) {
	t.Parallel() // beside the media test, which mostly waits
	base, ok := needPostgres(t)
	if !ok {
		return
	}
	chaos := 15 * time.Second
	if os.Getenv(envSoak) == "1" {
		chaos = time.Minute
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("soak: %s of kills, seed %d", chaos, seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	ctx := context.Background()
	dbURL := freshPGSchema(t, base)
	secret := strings.Repeat("7c", 32)
	bin := buildSpindle(t)

	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret, Seed: seed})
	t.Cleanup(sim.Close)
	sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Rate: 0.1})
	sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultReset, Rate: 0.05})
	sim.Fault(threadstest.EndpointContainerStatus, threadstest.Fault{Kind: threadstest.FaultServerError, Rate: 0.05})

	settings := []string{"SPINDLE_FEED_INTERVAL=" + soakFeedEvery.String(), "SPINDLE_ALLOW_PRIVATE_URLS=true"}
	op := newRESTOperator(t, dbURL, secret, "soak", settings...)
	db, cliEnv := op.db, op.cli
	common := append([]string{"SPINDLE_DATABASE_URL=" + dbURL, "SPINDLE_SECRET_KEY=" + secret}, settings...)
	type account struct {
		user  *threadstest.User
		token string
		full  bool
	}
	accts := make([]account, soakAccounts)
	for i := range accts {
		u := sim.AddUser(fmt.Sprintf("soak_user%d", i))
		a, token := op.linkForREST(t, sim, u, bin, "threads_basic", "threads_content_publish")
		accts[i] = account{user: u, token: token, full: i < soakFull}
		if accts[i].full {
			// Other apps used all but soakRoom posts today, and Spindle has just reconciled.
			sim.InjectUsage(u.ID, threadstest.QuotaPosts, 250-soakRoom)
			if err := db.SetRemoteQuota(ctx, storage.RemoteQuota{AccountID: a.ID, Kind: storage.QuotaPosts,
				Usage: 250 - soakRoom, Total: 250, CheckedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}

	feeds := newDueFeeds(t, dbURL)
	for i := range soakFeeds {
		mustCLI(t, bin, cliEnv, "feeds", "add", feeds.url(i), "--account", accts[soakAccounts-1-i].user.Username)
	}

	// The replicas, each on a fixed address it keeps across restarts.
	addrs := make([]string, soakReplicas)
	envs := make([][]string, soakReplicas)
	current := make([]*daemon, soakReplicas)
	var all []*daemon
	died := map[*daemon]time.Time{}
	for i := range addrs {
		addrs[i] = freeAddr(t)
		envs[i] = daemonEnv(t, addrs[i], sim, append(common, "SPINDLE_LEASE_TTL=10s", "SPINDLE_LOG_LEVEL=debug")...)
		current[i] = startDaemon(t, bin, envs[i])
		all = append(all, current[i])
	}
	explain := func() {
		for i, d := range all {
			if l := d.logs(); len(l) > 20000 {
				t.Logf("daemon %d (%s) log, last 20000 bytes:\n%s", i, d.addr, l[len(l)-20000:])
			} else {
				t.Logf("daemon %d (%s) log:\n%s", i, d.addr, l)
			}
		}
	}

	// The producer posts until the kills end, each post to a random replica, again elsewhere
	// with the same key when the answer does not come.
	type sent struct {
		id, text string
		acct     int
	}
	var (
		posts   []sent
		prodErr error
	)
	stop := make(chan struct{})
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		prng := rand.New(rand.NewPCG(seed^0xabc, seed))
		tick := time.NewTicker(150 * time.Millisecond)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			a := n % soakAccounts
			text := fmt.Sprintf("soak post %d to account %d", n, a)
			id, err := postRetrying(accts[a].token, fmt.Sprintf("soak-%d", n), text, addrs, prng)
			if err != nil {
				prodErr = err
				return
			}
			posts = append(posts, sent{id: id, text: text, acct: a})
		}
	}()

	// The kills: a random replica every 1 to 3 s, restarted at once on its address.
	end := time.Now().Add(chaos)
	kills := 0
	for time.Now().Before(end) {
		timer := time.NewTimer(time.Second + time.Duration(rng.Int64N(int64(2*time.Second))))
		<-timer.C
		i := rng.IntN(soakReplicas)
		current[i].kill(t)
		died[current[i]] = time.Now()
		kills++
		current[i] = startDaemon(t, bin, envs[i])
		all = append(all, current[i])
	}
	close(stop)
	<-produced
	if prodErr != nil {
		explain()
		t.Fatalf("the producer: %v", prodErr)
	}
	t.Logf("soak: %d kills, %d posts accepted", kills, len(posts))

	// What must end published: every post of an account with room, and the first soakRoom of
	// each nearly full account (they queue in order; which ones go first is the queue's call).
	perAcct := map[int]int{}
	for _, p := range posts {
		perAcct[p.acct]++
	}
	want := 0
	for a, n := range perAcct {
		if accts[a].full {
			n = min(n, soakRoom)
		}
		want += n
	}
	eventually(t, 4*time.Minute, fmt.Sprintf("%d posts published", want), func() bool { return len(sim.Ledger()) >= want }, explain)
	// A little longer, for a wrong extra publish to show.
	settle := time.NewTimer(3 * time.Second)
	<-settle.C

	published := map[int]int{}
	for _, p := range posts {
		n := ledgerCount(sim, p.text)
		published[p.acct] += n
		if n > 1 {
			explain()
			t.Fatalf("%q published %d times, want exactly once", p.text, n)
		}
		if n == 0 && !accts[p.acct].full {
			explain()
			t.Fatalf("%q (post %s) was accepted but never published", p.text, p.id)
		}
		if n == 0 {
			if st := apiPostStatus(t, "http://"+addrs[0], accts[p.acct].token, p.id).Status; st != "queued" {
				t.Fatalf("%q over the quota is %s, want queued (waiting for room)", p.text, st)
			}
		}
	}
	if got := len(sim.Ledger()); got != want {
		explain()
		t.Fatalf("the ledger holds %d posts, want %d", got, want)
	}
	for a, acct := range accts {
		if acct.full && published[a] != min(perAcct[a], soakRoom) {
			t.Fatalf("nearly full account %d published %d posts, want %d", a, published[a], min(perAcct[a], soakRoom))
		}
		if n := sim.QuotaRefusals(acct.user.ID); n != 0 {
			t.Fatalf("the simulator refused %d publishes of account %d for quota: Spindle's count went past it", n, a)
		}
		if u := sim.Usage(acct.user.ID, threadstest.QuotaPosts); u > 250 {
			t.Fatalf("account %d used %d posts of 250", a, u)
		}
	}
	if o := sim.CallOverlaps(); len(o) != 0 {
		explain()
		t.Fatalf("publishing calls of one account made at once (two workers on one account): %+v", o)
	}
	// A post waiting for Threads to process its container is requeued (no worker sleeps on
	// Meta), but it keeps its account (storage migration 0036): the account's next post does
	// not create a container before it is published.
	if o := sim.Overlaps(); len(o) != 0 {
		explain()
		t.Fatalf("%d times a container was created while another of its account awaited its publish: %+v", len(o), o)
	}
	t.Logf("soak: the simulator answered %d container creations, %d status checks, %d publishes",
		sim.CallCount(threadstest.EndpointCreateContainer), sim.CallCount(threadstest.EndpointContainerStatus), sim.CallCount(threadstest.EndpointPublish))
	feeds.check(t, chaos)
	checkSingletons(t, all, died)
}

// postRetrying posts text with an Idempotency-Key to a random replica, and to another while
// no answer comes (the replica was killed, or is starting): the key makes the retries one post.
func postRetrying(token, key, text string, addrs []string, rng *rand.Rand) (string, error) {
	body, _ := json.Marshal(map[string]string{"text": text})
	c := &http.Client{Timeout: 10 * time.Second}
	var last error
	for try := 0; try < 200; try++ {
		if try > 0 {
			t := time.NewTimer(100 * time.Millisecond)
			<-t.C
		}
		req, _ := http.NewRequest(http.MethodPost, "http://"+addrs[rng.IntN(len(addrs))]+"/api/threads/post", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := c.Do(req)
		if err != nil {
			last = err
			continue
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			last = fmt.Errorf("%d %s", resp.StatusCode, raw)
			continue
		}
		var created struct{ ID string }
		if (resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusOK) || json.Unmarshal(raw, &created) != nil || created.ID == "" {
			return "", fmt.Errorf("POST /api/threads/post %q: %d %s", text, resp.StatusCode, raw)
		}
		return created.ID, nil
	}
	return "", fmt.Errorf("POST /api/threads/post %q: no replica answered: %w", text, last)
}

// dueFeeds serves soakFeeds RSS feeds and counts each feed's fetches by the due time the
// database holds for it when the fetch arrives: the poll a replica is making. Two fetches
// under one due time are one due time polled twice.
type dueFeeds struct {
	base string // the server's URL
	db   *sql.DB
	mu   sync.Mutex
	by   map[string]map[int64]int // feed URL → next_poll_at (0: not yet stored) → fetches
	n    map[string]int
}

func newDueFeeds(t *testing.T, dbURL string) *dueFeeds {
	t.Helper()
	db, err := storagetest.OpenServer(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &dueFeeds{db: db, by: map[string]map[int64]int{}, n: map[string]int{}}
	srv := newHTTPServer(f)
	t.Cleanup(srv.Close)
	f.base = srv.URL
	return f
}

func (f *dueFeeds) url(i int) string { return fmt.Sprintf("%s/feed/%d.xml", f.base, i) }

func (f *dueFeeds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The URL as the feed was added (f.url), rebuilt from the request: f.base is written after
	// the server starts, so reading it here would race.
	u := "http://" + r.Host + r.URL.Path
	var due int64
	if err := f.db.QueryRowContext(r.Context(), `SELECT next_poll_at FROM feeds WHERE url = $1`, u).Scan(&due); err != nil && !errors.Is(err, sql.ErrNoRows) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	f.mu.Lock()
	if f.by[u] == nil {
		f.by[u] = map[int64]int{}
	}
	f.by[u][due]++
	f.n[u]++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Soak</title><link>https://blog.example.com/</link><description>soak</description>`+
		`<item><title>Only</title><link>https://blog.example.com/only</link><guid>https://blog.example.com/only</guid></item></channel></rss>`)
}

// check fails the test if a due time was fetched twice, or if a feed was fetched so rarely
// that the check says nothing.
func (f *dueFeeds) check(t *testing.T, chaos time.Duration) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range soakFeeds {
		u := f.url(i)
		for due, n := range f.by[u] {
			if n != 1 {
				t.Fatalf("feed %s: due time %d fetched %d times, want once", u, due, n)
			}
		}
		t.Logf("soak: feed %d fetched %d times, over %d due times", i, f.n[u], len(f.by[u]))
		// Polled every soakFeedEvery while a leader lives; a leader's death costs ~20 s.
		if least := int(chaos / soakFeedEvery / 4); f.n[u] < least {
			t.Fatalf("feed %s fetched %d times in %s, want at least %d for the check to mean something", u, f.n[u], chaos, least)
		}
	}
}
