package accounts

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// relinkFirst runs meanwhile once, before the refresh request reaches Threads.
type relinkFirst struct {
	Threads
	meanwhile atomic.Pointer[func()]
}

func (l *relinkFirst) Refresh(ctx context.Context, token string) (threads.Token, error) {
	if f := l.meanwhile.Swap(nil); f != nil {
		(*f)()
	}
	return l.Threads.Refresh(ctx, token)
}

// TestRESTRefreshRefusedAfterARelinkKeepsTheAccountActive: the REST refresh reads the
// token; the owner revokes Spindle and links the account again; Threads refuses the revoked
// token. The relinked account must not be marked needs_reconnect for the old token's refusal.
func TestRESTRefreshRefusedAfterARelinkKeepsTheAccountActive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	id, a := connected(t, e)
	e.clock.Advance(2 * 24 * time.Hour)
	l := &relinkFirst{Threads: e.svc.threads}
	f := func() {
		e.sim.RevokeTokens(a.ThreadsUserID)
		if status, _, body := e.connect(id); status != 200 {
			t.Fatalf("relink: %d %s", status, body)
		}
	}
	l.meanwhile.Store(&f)
	e.svc.threads = l
	_, err := e.svc.Refresh(ctx, a.ID)
	t.Logf("refresh: %v", err)
	got, err := e.db.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != storage.AccountActive {
		t.Errorf("account linked again during the refresh is %s; want active (its new token works)", got.Status)
	}
	if _, err := e.svc.Profile(ctx, a.ID); err != nil {
		t.Errorf("relinked account unusable: %v", err)
	}
}
