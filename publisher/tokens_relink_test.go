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

// relinkBeforeRefresh runs meanwhile once, just before the refresh request reaches Threads:
// the job has read the token, and the owner revokes Spindle and links the account again.
type relinkBeforeRefresh struct {
	*threads.Client
	meanwhile atomic.Pointer[func()]
}

func (l *relinkBeforeRefresh) Refresh(ctx context.Context, token string) (threads.Token, error) {
	if f := l.meanwhile.Swap(nil); f != nil {
		(*f)()
	}
	return l.Client.Refresh(ctx, token)
}

// TestRefreshRefusedAfterARelinkKeepsTheAccountActive: the refresh job reads the token;
// the owner revokes Spindle's access and links the account again (another replica stores a
// new, working token); Threads then refuses to refresh the revoked token. That refusal is
// about the token the job read, not the one the account holds: the account must stay active
// with its relinked token, as a publish run does.
func TestRefreshRefusedAfterARelinkKeepsTheAccountActive(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	sim := threadstest.NewServer(threadstest.Options{Clock: clock})
	t.Cleanup(sim.Close)
	api := &relinkBeforeRefresh{Client: threads.New(threads.Options{BaseURL: sim.URL})}
	s := publishertest.New(t, publishertest.Options{Clock: clock, Server: sim, Publisher: publisher.Options{API: api}})
	ctx := context.Background()
	a := s.Account("relinked")
	clock.Advance(55 * 24 * time.Hour)
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
	_ = s.Pub.RefreshTokens(ctx)
	if api.meanwhile.Load() != nil {
		t.Fatal("the job did not refresh")
	}
	got, err := s.DB.Account(ctx, a.ID)
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
