package publisher_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// narrowAccount links a simulator user whose token has only the given scopes, as an account
// linked before Spindle asked for more (or with THREADS_DEFAULT_SCOPES trimmed) has.
func (e *env) narrowAccount(name string, scopes ...string) storage.Account {
	e.t.Helper()
	u := e.sim.AddUser(name)
	a, err := e.db.SaveAccount(context.Background(), storage.Account{ThreadsUserID: u.ID, Username: name,
		TokenSealed: []byte(e.sim.IssueToken(u.ID, scopes...)), TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour)})
	if err != nil {
		e.t.Fatal(err)
	}
	e.users[a.ID] = u.ID
	return a
}

// TestMissingScopeSaysWhichAndHowToRelink: an account whose token can publish but not reply
// or delete gets a chain and a delete refused with the permission named and the way to link
// again, not a generic "Threads refused".
func TestMissingScopeSaysWhichAndHowToRelink(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.narrowAccount("narrow", threads.ScopeBasic, threads.ScopeContentPublish)
	long := strings.Repeat("A sentence that goes on. ", 30)
	chain := e.enqueue(storage.NewPost{AccountID: a.ID, Text: long, Thread: true})
	e.drain(chain.ID)
	got := e.get(chain.ID)
	for _, want := range []string{threads.ScopeManageReplies, "/threads connect", "/connect in Telegram"} {
		if !strings.Contains(got.LastError, want) {
			t.Errorf("chain failure %q does not say %q", got.LastError, want)
		}
	}

	single := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "short"})
	e.drain(single.ID)
	err := e.pub.Delete(context.Background(), single.ID)
	var de *publisher.DeleteError
	if !errors.Is(err, publisher.ErrMissingScope) || !errors.As(err, &de) || de.Scope != threads.ScopeDelete {
		t.Fatalf("delete without threads_delete: %v, want ErrMissingScope naming threads_delete", err)
	}
	if !strings.Contains(de.UserMessage(), "/threads connect") {
		t.Errorf("message %q does not say how to link again", de.UserMessage())
	}
	if e.sim.Ledger()[len(e.sim.Ledger())-1].Deleted {
		t.Error("the post was deleted")
	}
}

// TestDefaultScopesChainAndDelete: linked with Spindle's default scopes, an account publishes
// a three-part chain (parts two and three are replies) and deletes it.
func TestDefaultScopesChainAndDelete(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("wide")
	long := strings.Repeat("Word ", 250) // 1,250 characters: three parts
	chain := e.enqueue(storage.NewPost{AccountID: a.ID, Text: long, Thread: true})
	e.drain(chain.ID)
	if p := e.get(chain.ID); p.State != storage.StatePosted {
		t.Fatalf("chain is %s: %s", p.State, p.LastError)
	}
	if n := len(e.sim.Ledger()); n != 3 {
		t.Fatalf("published %d parts, want 3", n)
	}
	if err := e.pub.Delete(context.Background(), chain.ID); err != nil {
		t.Fatal(err)
	}
	for _, l := range e.sim.Ledger() {
		if !l.Deleted {
			t.Errorf("part %s not deleted", l.MediaID)
		}
	}
}

// TestReplyCountsAgainstReplyQuota: a reply (chat reply, REST replyToId, CLI --reply-to) uses
// the reply quota (1,000 a day), not the post quota (250), here and at Threads.
func TestReplyCountsAgainstReplyQuota(t *testing.T) {
	e := newEnv(t, envOptions{})
	a := e.account("replier")
	parent := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "parent"})
	e.drain(parent.ID)
	reply := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "a reply", ReplyToID: e.get(parent.ID).MediaID})
	e.drain(reply.ID)
	if p := e.get(reply.ID); p.State != storage.StatePosted {
		t.Fatalf("reply is %s: %s", p.State, p.LastError)
	}
	ctx := context.Background()
	since := time.Now().Add(-time.Hour)
	posts, _, err := e.db.QuotaWindow(ctx, a.ID, storage.QuotaPosts, since)
	if err != nil {
		t.Fatal(err)
	}
	replies, _, err := e.db.QuotaWindow(ctx, a.ID, storage.QuotaReplies, since)
	if err != nil {
		t.Fatal(err)
	}
	if posts != 1 || replies != 1 {
		t.Errorf("quota uses: %d posts, %d replies; want 1 and 1", posts, replies)
	}
}
