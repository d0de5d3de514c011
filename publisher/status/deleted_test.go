package status_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher/status"
	"github.com/spindle-threads/spindle/storage"
)

// TestPageShowsDeletedPosts: a posted post deleted from Threads since reads "deleted" in the
// page's state column, not "posted".
func TestPageShowsDeletedPosts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, status.Options{Password: config.NewSecret(password)})
	ctx := context.Background()
	p, _, err := f.db.Enqueue(ctx, storage.NewPost{AccountID: f.acct.ID, Door: "api", Text: "gone from threads"})
	if err != nil {
		t.Fatal(err)
	}
	leased, err := f.db.Lease(ctx, 10, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != p.ID {
		t.Fatalf("lease: %v %+v", err, leased)
	}
	if err := f.db.Complete(ctx, storage.LeaseOf(leased[0]), "1790", "https://www.threads.net/@alice/post/x"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RecordDeletion(ctx, p.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	resp, page := f.do(t, "GET", "/", password, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("page: %d", resp.StatusCode)
	}
	row := regexp.MustCompile(`(?s)<td>` + p.ID + `</td>.*?<td class="state[^"]*">([^<]*)</td>`).FindStringSubmatch(page)
	if row == nil || row[1] != "deleted" {
		t.Errorf("the deleted post's state cell is %v, want deleted", row)
	}
}
