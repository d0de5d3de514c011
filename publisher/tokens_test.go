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

// lateRefresh is the Threads client whose next successful refresh answer is held, once, while
// meanwhile runs: what the user and other replicas do during that round trip.
type lateRefresh struct {
	*threads.Client
	meanwhile atomic.Pointer[func()]
}

func (l *lateRefresh) Refresh(ctx context.Context, token string) (threads.Token, error) {
	t, err := l.Client.Refresh(ctx, token)
	if f := l.meanwhile.Swap(nil); err == nil && f != nil {
		(*f)()
	}
	return t, err
}

// TestRefreshTokensKeepsATokenRelinkedDuringTheCall: the leader's refresh job is answered by
// Threads, and before it stores the answer the user revokes Spindle's tokens and the owner
// links the account again on another replica. The job drops its token, derived from the
// revoked one, without failing: the account keeps the relinked token and publishes with it.
func TestRefreshTokensKeepsATokenRelinkedDuringTheCall(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	sim := threadstest.NewServer(threadstest.Options{Clock: clock})
	t.Cleanup(sim.Close)
	late := &lateRefresh{Client: threads.New(threads.Options{BaseURL: sim.URL})}
	s := publishertest.New(t, publishertest.Options{Clock: clock, Server: sim, Publisher: publisher.Options{API: late}})
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
	late.meanwhile.Store(&meanwhile)
	if err := s.Pub.RefreshTokens(ctx); err != nil {
		t.Errorf("refresh job overtaken by a relink: %v, want no error", err)
	}
	if late.meanwhile.Load() != nil {
		t.Fatal("the job did not refresh the token")
	}
	got, err := s.DB.Account(ctx, a.ID)
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
