package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// envTestDatabaseURL names the PostgreSQL server replica tests run on (as for the storage
// tests; .ci/postgres start sets it, CI always does).
const envTestDatabaseURL = "SPINDLE_TEST_DATABASE_URL"

// needPostgres returns the URL of the PostgreSQL server replica tests run on. Without one
// the test fails when CI is set (CI always provides one) and otherwise passes having said why
// it ran nothing.
func needPostgres(t *testing.T) (string, bool) {
	t.Helper()
	base := os.Getenv(envTestDatabaseURL)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not: the replica test needs PostgreSQL; start one with eval \"$(.ci/postgres start)\"", envTestDatabaseURL)
		}
		t.Logf("%s is not set: nothing to run replicas on (start PostgreSQL with eval \"$(.ci/postgres start)\")", envTestDatabaseURL)
		return "", false
	}
	return base, true
}

// TestReplicasPublishEachPostOnce runs three `spindle serve` replicas of the real binary on one
// PostgreSQL database, publishing to one simulator, with Telegram long polling configured on
// all three. Posts are enqueued over REST, spread over all replicas; the leader is SIGKILLed
// while posts are in flight. Every post must still be published, and exactly once: the
// simulator's ledger holds each text once, and the REST API of a surviving replica says each
// is posted. Telegram is polled by one replica at a time throughout (the fake answers a second
// poller with 409 Conflict, as Telegram does), and by a survivor after the kill.
func TestReplicasPublishEachPostOnce(t *testing.T) {
	base, ok := needPostgres(t)
	if !ok {
		return
	}
	ctx := context.Background()
	dbURL := freshPGSchema(t, base)
	secret := strings.Repeat("5a", 32)
	bin := buildSpindle(t)

	sim := threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret})
	t.Cleanup(sim.Close)
	tg := telegramtest.NewServer(telegramToken)
	t.Cleanup(tg.Close)

	// The operator's part: the schema, and three linked accounts (as the OAuth flow would
	// leave them) with a REST token each.
	op := newRESTOperator(t, dbURL, secret, "replicas")
	db := op.db
	const users = 3
	tokens := make([]string, users)
	for i := range tokens {
		u := sim.AddUser(fmt.Sprintf("replica_user%d", i))
		_, tokens[i] = op.linkForREST(t, sim, u, bin,
			"threads_basic", "threads_content_publish", "threads_manage_replies", "threads_read_replies", "threads_delete", "threads_manage_insights")
	}

	replicas := make([]*daemon, 3)
	for i := range replicas {
		addr := freeAddr(t)
		replicas[i] = startDaemon(t, bin, daemonEnv(t, addr, sim,
			"SPINDLE_DATABASE_URL="+dbURL, "SPINDLE_SECRET_KEY="+secret, "SPINDLE_LEASE_TTL=10s",
			"TELEGRAM_BOT_TOKEN="+telegramToken, "TELEGRAM_API_URL="+tg.URL))
	}
	public := func(d *daemon) string { return "http://" + d.addr }

	const perUser = 10
	type queued struct{ id, text, token string }
	var posts []queued
	for n := 0; n < perUser; n++ {
		for u := 0; u < users; u++ {
			text := fmt.Sprintf("replica post %d of user %d", n, u)
			d := replicas[(n*users+u)%len(replicas)]
			var created struct{ ID string }
			code, body := apiPost(t, public(d), tokens[u], "/api/threads/post", map[string]string{"text": text})
			if code != http.StatusAccepted || json.Unmarshal([]byte(body), &created) != nil {
				t.Fatalf("POST /api/threads/post on replica %s: %d %s", d.addr, code, body)
			}
			posts = append(posts, queued{id: created.ID, text: text, token: tokens[u]})
		}
	}
	total := len(posts)

	// SIGKILL the leader midway, while the queue is being drained.
	eventually(t, 60*time.Second, "a third of the posts published", func() bool { return len(sim.Ledger()) >= total/3 })
	leaderNow, _, err := db.Leader(ctx, "scheduler")
	if err != nil {
		t.Fatalf("no leader while the replicas run: %v", err)
	}
	victim := -1
	for i, d := range replicas {
		if m := leaderID.FindStringSubmatch(d.logs()); m != nil && m[1] == leaderNow {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("leader %s is none of the replicas", leaderNow)
	}
	replicas[victim].kill(t)
	polledBefore := len(tg.Calls("getUpdates"))
	var survivors []*daemon
	for i, d := range replicas {
		if i != victim {
			survivors = append(survivors, d)
		}
	}

	explain := func() {
		for i, d := range replicas {
			t.Logf("replica %d (%s) log:\n%s", i, d.addr, d.logs())
		}
	}
	// The killed replica's post in flight, if any, is taken over once its lease expires (10s).
	eventually(t, 90*time.Second, "every post published", func() bool { return len(sim.Ledger()) >= total }, explain)
	for _, p := range posts {
		if n := ledgerCount(sim, p.text); n != 1 {
			explain()
			t.Fatalf("%q published %d times, want exactly once", p.text, n)
		}
	}
	if got := len(sim.Ledger()); got != total {
		t.Fatalf("the ledger holds %d posts, want %d", got, total)
	}
	for i, p := range posts {
		d := survivors[i%len(survivors)]
		eventually(t, 30*time.Second, "post "+p.id+" posted on "+d.addr, func() bool {
			return apiPostStatus(t, public(d), p.token, p.id).Status == "posted"
		})
	}
	// A survivor took the leadership over, and with it Telegram long polling; never did two
	// replicas poll at once.
	eventually(t, 30*time.Second, "a surviving replica leading", func() bool {
		id, until, err := db.Leader(ctx, "scheduler")
		return err == nil && id != leaderNow && until.After(time.Now())
	}, explain)
	eventually(t, 30*time.Second, "Telegram polled again after the leader died", func() bool {
		return len(tg.Calls("getUpdates")) > polledBefore
	}, explain)
	// A replica that was answered 409 logs it; a 409 the fake sent to a poll whose client had
	// already gone (the killed replica's, or one the client abandoned at its own timeout) is
	// nobody's conflict, so the fake's own count (tg.Conflicts) is not the measure here.
	for i, d := range replicas {
		if strings.Contains(d.logs(), "terminated by other getUpdates request") {
			explain()
			t.Fatalf("replica %d was answered 409 Conflict by Telegram: two replicas polled at once (fake counted %d)", i, tg.Conflicts())
		}
	}
}

// leaderID reads a replica's candidate id from its log.
var leaderID = regexp.MustCompile(`msg="standing for leader among the replicas".* leader_id=(\w+)`)

// freshPGSchema creates a schema of its own on the server at base and returns a URL whose
// connections use it; the schema is dropped at cleanup.
func freshPGSchema(t *testing.T, base string) string {
	t.Helper()
	admin, err := storagetest.OpenServer(base)
	if err != nil {
		t.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "e2e_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema on %s: %v", envTestDatabaseURL, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withParam(t, base, "search_path", schema)
}

// operatorDB is the operator's handle on the replicas' PostgreSQL schema, migrated, with the
// token keys SPINDLE_SECRET_KEY (64 hex characters, 32 bytes) gives every replica, so accounts
// linked through it open on all of them. It is closed when the test ends.
func operatorDB(t *testing.T, dbURL, secretHex string) (*storage.DB, *accounts.Keys) {
	t.Helper()
	db, err := storage.Open(t.TempDir(), storage.Options{DatabaseURL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	raw, _ := hex.DecodeString(secretHex)
	keys, err := accounts.NewKeys(raw)
	if err != nil {
		t.Fatal(err)
	}
	return db, keys
}

// restOperator is the operator of a replica test driven over REST: a migrated handle on the
// schema (operatorDB), the token keys, the API identity that owns the accounts it links, and
// the environment its `spindle` commands run in.
type restOperator struct {
	db    *storage.DB
	keys  *accounts.Keys
	owner int64
	cli   []string
}

// newRESTOperator sets up the operator called name on dbURL; extra adds settings to the
// environment of its commands.
func newRESTOperator(t *testing.T, dbURL, secretHex, name string, extra ...string) restOperator {
	t.Helper()
	db, keys := operatorDB(t, dbURL, secretHex)
	owner, err := db.UpsertIdentity(context.Background(), storage.Identity{Door: "api", User: name, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	cli := append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "SPINDLE_DATA_DIR=" + t.TempDir(),
		"SPINDLE_DATABASE_URL=" + dbURL, "SPINDLE_SECRET_KEY=" + secretHex}, extra...)
	return restOperator{db: db, keys: keys, owner: owner.ID, cli: cli}
}

// linkForREST links u's Threads account as the OAuth flow would leave it (a token with scopes,
// sealed with the operator's keys, owned by its identity) and creates a REST token for it with
// `spindle tokens create`, returning the account and the token.
func (o restOperator) linkForREST(t *testing.T, sim *threadstest.Server, u *threadstest.User, bin string,
	scopes ...string) (storage.Account, string) {
	t.Helper()
	a := linkAccount(t, o.db, o.keys, sim, u, o.owner, scopes...)
	var tok struct{ Token string }
	out := mustCLI(t, bin, o.cli, "tokens", "create", "--account", u.Username, "--json")
	if err := json.Unmarshal([]byte(out), &tok); err != nil || tok.Token == "" {
		t.Fatalf("tokens create --json: %v\n%s", err, out)
	}
	return a, tok.Token
}

// linkAccount links u's Threads account as the OAuth flow would leave it: a token with scopes,
// sealed with keys, good for 60 days, owned by owner.
func linkAccount(t *testing.T, db *storage.DB, keys *accounts.Keys, sim *threadstest.Server, u *threadstest.User,
	owner int64, scopes ...string) storage.Account {
	t.Helper()
	a, err := db.LinkAccount(context.Background(), storage.Account{ThreadsUserID: u.ID, Username: u.Username,
		TokenSealed:    keys.Seal(sim.IssueToken(u.ID, scopes...), u.ID),
		TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour), TokenRefreshedAt: time.Now()}, owner)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// linkFromTelegram links a new Threads account named threadsName to the Telegram user tu, as
// the OAuth flow started from the bot's /connect would leave it, so tu's posts go to it.
func linkFromTelegram(t *testing.T, db *storage.DB, keys *accounts.Keys, sim *threadstest.Server, tu models.User, threadsName string) {
	t.Helper()
	owner, err := db.UpsertIdentity(context.Background(), storage.Identity{Door: "telegram", User: strconv.FormatInt(tu.ID, 10), Name: tu.Username})
	if err != nil {
		t.Fatal(err)
	}
	linkAccount(t, db, keys, sim, sim.AddUser(threadsName), owner.ID, "threads_basic", "threads_content_publish")
}

// telegramReplicas is where a replica test of the Telegram door starts: its own PostgreSQL
// schema, migrated, with the operator's handle on it; the Threads and Telegram simulators; the
// binary; and the environment every replica shares (the database, the secret key, the bot).
type telegramReplicas struct {
	bin    string
	sim    *threadstest.Server
	tg     *telegramtest.Server
	db     *storage.DB
	keys   *accounts.Keys
	shared []string
}

// newTelegramReplicas sets up a telegramReplicas; ok is false when there is no PostgreSQL to
// run on (see needPostgres).
func newTelegramReplicas(t *testing.T) (r *telegramReplicas, ok bool) {
	t.Helper()
	base, ok := needPostgres(t)
	if !ok {
		return nil, false
	}
	dbURL := freshPGSchema(t, base)
	raw := make([]byte, 32)
	rand.Read(raw)
	secret := hex.EncodeToString(raw)
	r = &telegramReplicas{bin: buildSpindle(t),
		sim: threadstest.NewServer(threadstest.Options{AppID: appID, AppSecret: appSecret}),
		tg:  telegramtest.NewServer(telegramToken)}
	t.Cleanup(r.sim.Close)
	t.Cleanup(r.tg.Close)
	r.db, r.keys = operatorDB(t, dbURL, secret)
	r.shared = []string{"SPINDLE_DATABASE_URL=" + dbURL, "SPINDLE_SECRET_KEY=" + secret,
		"TELEGRAM_BOT_TOKEN=" + telegramToken, "TELEGRAM_API_URL=" + r.tg.URL}
	return r, true
}
