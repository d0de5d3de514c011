package publisher_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// lateRefresh is the Threads client whose next refresh runs meanwhile once during its round
// trip, as the user and other replicas would: before the request reaches Threads (first), or
// after a successful answer and before it is stored.
type lateRefresh struct {
	*threads.Client
	first     bool
	meanwhile atomic.Pointer[func()]
}

func (l *lateRefresh) Refresh(ctx context.Context, token string) (threads.Token, error) {
	if l.first {
		if f := l.meanwhile.Swap(nil); f != nil {
			(*f)()
		}
		return l.Client.Refresh(ctx, token)
	}
	t, err := l.Client.Refresh(ctx, token)
	if f := l.meanwhile.Swap(nil); err == nil && f != nil {
		(*f)()
	}
	return t, err
}

// relinkRace runs the leader's refresh job on an account whose token has five days left,
// while (before the request, with first; else before the answer is stored) the user revokes
// Spindle's tokens and the owner links the account again on another replica. It returns the
// stack, the account and the relinked token, and checks the job did refresh.
func relinkRace(t *testing.T, first bool) (*publishertest.Stack, storage.Account, string, error) {
	t.Helper()
	clock := threadstest.NewManualClock(time.Time{})
	sim := threadstest.NewServer(threadstest.Options{Clock: clock})
	t.Cleanup(sim.Close)
	api := &lateRefresh{Client: threads.New(threads.Options{BaseURL: sim.URL}), first: first}
	s := publishertest.New(t, publishertest.Options{Clock: clock, Server: sim, Publisher: publisher.Options{API: api}})
	ctx := context.Background()
	a := s.Account("relinked")
	clock.Advance(55 * 24 * time.Hour) // five days left on the 60-day token
	a.TokenExpiresAt = clock.Now().Add(5 * 24 * time.Hour)
	a.TokenRefreshedAt = clock.Now().Add(-55 * 24 * time.Hour)
	if _, err := s.DB.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	var relinked string
	meanwhile := func() {
		sim.RevokeTokens(a.ThreadsUserID)
		relinked = sim.IssueToken(a.ThreadsUserID)
		b := a
		b.TokenSealed, b.TokenExpiresAt, b.TokenRefreshedAt = []byte(relinked), clock.Now().Add(60*24*time.Hour), clock.Now()
		if _, err := s.DB.SaveAccount(ctx, b); err != nil {
			t.Error(err)
		}
	}
	api.meanwhile.Store(&meanwhile)
	err := s.Pub.RefreshTokens(ctx)
	if api.meanwhile.Load() != nil {
		t.Fatal("the job did not refresh the token")
	}
	return s, a, relinked, err
}

// TestRefreshTokensKeepsATokenRelinkedDuringTheCall: the leader's refresh job is answered by
// Threads, and before it stores the answer the user revokes Spindle's tokens and the owner
// links the account again on another replica. The job drops its token, derived from the
// revoked one, without failing: the account keeps the relinked token and publishes with it.
func TestRefreshTokensKeepsATokenRelinkedDuringTheCall(t *testing.T) {
	t.Parallel()
	s, a, relinked, err := relinkRace(t, false)
	if err != nil {
		t.Errorf("refresh job overtaken by a relink: %v, want no error", err)
	}
	got, err := s.DB.Account(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.TokenSealed) != relinked || got.Status != storage.AccountActive {
		t.Fatalf("account is %s, holding the relinked token %v; want active with it", got.Status, string(got.TokenSealed) == relinked)
	}
	p := s.Enqueue(storage.NewPost{AccountID: a.ID, Door: "slack", Text: "after the relink"})
	if done := s.Finish(p.ID); done[0].State != storage.StatePosted {
		t.Errorf("post after the relink is %s: %s", done[0].State, done[0].LastError)
	}
}

// TestRefreshRefusedAfterARelinkKeepsTheAccountActive: the refresh job reads the token; the
// owner revokes Spindle's access and links the account again (another replica stores a new,
// working token); Threads then refuses to refresh the revoked token. That refusal is about the
// token the job read, not the one the account holds: the account stays active with its
// relinked token, as after a publish run's refusal.
func TestRefreshRefusedAfterARelinkKeepsTheAccountActive(t *testing.T) {
	t.Parallel()
	s, a, relinked, _ := relinkRace(t, true)
	got, err := s.DB.Account(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.TokenSealed) != relinked {
		t.Fatal("the relinked token was replaced")
	}
	if got.Status != storage.AccountActive {
		t.Errorf("account just linked again with a working token is %s after the job's refresh of the revoked token was refused; want active", got.Status)
	}
}
