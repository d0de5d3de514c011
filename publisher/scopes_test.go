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
// or delete gets a delete refused with the permission named and the way to link again, not a
// generic "Threads refused"; a chain waits for the relink with the same words, then resumes
// from the refused part without repeating the first.
func TestMissingScopeSaysWhichAndHowToRelink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.narrowAccount("narrow", threads.ScopeBasic, threads.ScopeContentPublish)

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

	long := strings.Repeat("A sentence that goes on. ", 30)
	chain := e.enqueue(storage.NewPost{AccountID: a.ID, Text: long, Thread: true})
	// The first part is created, checked and published a few short steps apart (the delays of
	// fastOptions, on the real clock); the reply that follows is refused for want of the scope.
	var why string
	e.kit.Run("the chain's notice that it waits for a relink", func() bool {
		for _, ev := range e.note.all() {
			if ev.Kind == publisher.EventWaitingReconnect && ev.PostID == chain.ID {
				why = ev.Reason
			}
		}
		return why != ""
	})
	if p := e.get(chain.ID); p.State != storage.StateQueued {
		t.Fatalf("chain on a token without threads_manage_replies is %s (%s), want waiting", p.State, p.LastError)
	}
	for _, want := range []string{threads.ScopeManageReplies, "/threads connect", "/connect in Telegram"} {
		if !strings.Contains(why, want) {
			t.Errorf("waiting notice %q does not say %q", why, want)
		}
	}
	acct, _ := e.db.Account(context.Background(), a.ID)
	if acct.Status != storage.AccountNeedsReconnect {
		t.Fatalf("account is %s, want needs_reconnect", acct.Status)
	}
	// The owner links again; the new token has the default scopes.
	acct.TokenSealed = []byte(e.sim.IssueToken(e.users[a.ID], threads.DefaultScopes()...))
	if _, err := e.db.SaveAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	e.drain(chain.ID)
	if p := e.get(chain.ID); p.State != storage.StatePosted {
		t.Fatalf("after relinking the chain is %s: %s", p.State, p.LastError)
	}
	parts := threads.Split(long, threads.MaxTextChars)
	got := ledgerByText(e.sim.Ledger())
	for i, pt := range parts {
		if got[pt] != 1 {
			t.Errorf("part %d is in the ledger %d times, want once", i+1, got[pt])
		}
	}
}

// TestDefaultScopesChainAndDelete: linked with Spindle's default scopes, an account publishes
// a three-part chain (parts two and three are replies) and deletes it.
func TestDefaultScopesChainAndDelete(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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

// TestDeleteRefusedWhenTheLinkLacksTheScope: an account whose link did not grant
// threads_delete is refused before Threads is asked (its token here could delete: the post stays
// live), with the permission and the relink named; one whose scopes were unknown learns the
// missing scope from Threads' refusal and is refused at once from then on, until linked again.
func TestDeleteRefusedWhenTheLinkLacksTheScope(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, envOptions{})
	a := e.account("recorded")
	a.Scopes = []string{threads.ScopeBasic, threads.ScopeContentPublish}
	if _, err := e.db.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "stays"})
	e.drain(p.ID)
	err := e.pub.Delete(ctx, p.ID)
	var de *publisher.DeleteError
	if !errors.As(err, &de) || de.Scope != threads.ScopeDelete || !strings.Contains(de.Msg, "/threads connect") {
		t.Fatalf("delete: %v, want ErrMissingScope naming threads_delete and the relink", err)
	}
	for _, l := range e.sim.Ledger() {
		if l.Deleted {
			t.Fatal("Threads was asked to delete")
		}
	}

	n := e.narrowAccount("unknown", threads.ScopeBasic, threads.ScopeContentPublish)
	q := e.enqueue(storage.NewPost{AccountID: n.ID, Text: "also stays"})
	e.drain(q.ID)
	if err := e.pub.Delete(ctx, q.ID); !errors.Is(err, publisher.ErrMissingScope) {
		t.Fatalf("first delete: %v, want Threads' refusal", err)
	}
	if acct, _ := e.db.Account(ctx, n.ID); !acct.Lacks(threads.ScopeDelete) || acct.Lacks(threads.ScopeContentPublish) {
		t.Errorf("after Threads refused, the account's missing scopes are %v", acct.ScopesMissing)
	}
	acct, _ := e.db.Account(ctx, n.ID)
	acct.TokenSealed = []byte(e.sim.IssueToken(e.users[n.ID], threads.DefaultScopes()...))
	acct.Scopes = threads.DefaultScopes()
	if _, err := e.db.SaveAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	if err := e.pub.Delete(ctx, q.ID); err != nil {
		t.Fatalf("after linking again: %v", err)
	}
}
