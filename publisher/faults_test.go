package publisher_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestFaultsNeverDuplicate drains posts while the simulator injects 5xx answers, connection
// resets, latency, 429s, lost publish answers, publish-too-soon errors and container errors.
// Every post must end posted or failed with a reason, and the ledger must hold no duplicate.
func TestFaultsNeverDuplicate(t *testing.T) {
	t.Parallel()
	n := 120
	if os.Getenv("SPINDLE_SOAK") != "" {
		n = 2000
	}
	e := newEnv(t, envOptions{sim: threadstest.Options{Seed: 7, ContainerError: func(_ string, p threadstest.Post) string {
		if p.MediaType == "IMAGE" && len(p.Text)%17 == 0 {
			return "UNKNOWN"
		}
		return ""
	}}})
	media := mediaServer(t)
	e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultLatency, Rate: 0.1, Delay: 3 * time.Millisecond})
	e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultServerError, Rate: 0.04})
	e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultReset, Rate: 0.03})
	e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultRateLimit, Rate: 0.01, RetryAfter: time.Second})
	e.sim.Fault(threadstest.EndpointAll, threadstest.Fault{Kind: threadstest.FaultTransient, Rate: 0.03})
	e.sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Rate: 0.1})
	e.sim.Fault(threadstest.EndpointCreateContainer, threadstest.Fault{Kind: threadstest.FaultLostAnswer, Rate: 0.05})
	e.sim.Fault(threadstest.EndpointPublish, threadstest.Fault{Kind: threadstest.FaultMediaNotFound, Rate: 0.1})

	// Fewer than 250 posts per account: the soak tests faults, not the daily quota (at 2,000
	// posts on 8 accounts the last post of each waited a day for it).
	var accounts []storage.Account
	for i := range max(8, n/100) {
		accounts = append(accounts, e.account(fmt.Sprintf("faulty%d", i)))
	}
	var ids []string
	for i := range n {
		np := storage.NewPost{AccountID: accounts[i%len(accounts)].ID, Text: fmt.Sprintf("fault test post number %d", i)}
		if i%3 == 0 {
			np.Media = []storage.Media{{Kind: "image", URL: media.URL + "/img.png"}}
		}
		ids = append(ids, e.enqueue(np).ID)
	}
	e.drain(ids...)

	ledger := ledgerByText(e.sim.Ledger())
	posted, failed := 0, 0
	for _, id := range ids {
		p := e.get(id)
		switch p.State {
		case storage.StatePosted:
			posted++
			if ledger[p.Text] != 1 {
				t.Errorf("post %s %q published %d times", id, p.Text, ledger[p.Text])
			}
		case storage.StateFailed:
			failed++
			if p.LastError == "" {
				t.Errorf("post %s failed without a reason", id)
			}
			t.Logf("failed %s: %s", id, p.LastError)
			if ledger[p.Text] != 0 {
				t.Errorf("failed post %s %q is on Threads %d times", id, p.Text, ledger[p.Text])
			}
		default:
			t.Errorf("post %s ended %s", id, p.State)
		}
	}
	for text, c := range ledger {
		if c > 1 {
			t.Errorf("%q published %d times", text, c)
		}
	}
	if posted < n*3/4 {
		t.Errorf("only %d of %d posted (%d failed)", posted, n, failed)
	}
	t.Logf("%d posted, %d failed, %d API calls", posted, failed, e.sim.CallCount(threadstest.EndpointAll))
}
