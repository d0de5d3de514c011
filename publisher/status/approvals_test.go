package status_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher/status"
	"github.com/spindle-threads/spindle/storage"
)

// TestPageShowsPostsWaitingForApproval: a post held for approval is on the status page, in
// the queue by state and among recent posts as pending_approval, and offers no Cancel button
// (deciding it is the approvers' job, in chat or over REST).
func TestPageShowsPostsWaitingForApproval(t *testing.T) {
	t.Parallel()
	f := newFixture(t, status.Options{Password: config.NewSecret(password)})
	held, _, err := f.db.Enqueue(context.Background(), storage.NewPost{AccountID: f.acct.ID, Door: "slack",
		Text: "held for the owner", Approval: storage.ApprovalHold{Author: "slack:T1:UBOB", ExpiresAt: f.now.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if held.State != storage.StatePendingApproval {
		t.Fatalf("enqueued as %s, want pending_approval", held.State)
	}
	_, body := f.do(t, "GET", "/", password, nil)
	if !strings.Contains(body, "<td>slack</td><td>pending_approval</td><td>1</td>") {
		t.Errorf("the queue by state does not count the held post:\n%s", body)
	}
	row := body[strings.Index(body, "held for the owner"):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "pending_approval") {
		t.Errorf("the held post's row does not say it waits for approval: %s", row)
	}
	if strings.Contains(row, "/cancel") {
		t.Errorf("the held post's row offers Cancel: %s", row)
	}
}
