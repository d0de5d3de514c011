package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestAccountScopes: the scopes a link granted are stored with the account; a scope Threads
// refuses is remembered once (ForgetScope twice adds it once) and makes Lacks true; linking
// again stores the new grant and forgets the refusals. Unknown scopes lack nothing unrefused.
func TestAccountScopes(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)).Now)
	a := storagetest.Account(t, db, "sco")
	if a.Scopes != nil || a.Lacks("threads_delete") {
		t.Fatalf("an account linked without recorded scopes: %v, lacks delete %v", a.Scopes, a.Lacks("threads_delete"))
	}
	a.Scopes = []string{"threads_basic", "threads_content_publish"}
	a, err := db.SaveAccount(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Account(ctx, a.ID); !slices.Equal(got.Scopes, a.Scopes) || !got.Lacks("threads_delete") || got.Lacks("threads_basic") {
		t.Fatalf("stored scopes %v", got.Scopes)
	}
	for range 2 {
		if err := db.ForgetScope(ctx, a.ID, "threads_content_publish"); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := db.Account(ctx, a.ID)
	if !slices.Equal(got.ScopesMissing, []string{"threads_content_publish"}) || !got.Lacks("threads_content_publish") {
		t.Fatalf("after two refusals: missing %v", got.ScopesMissing)
	}
	if err := db.ForgetScope(ctx, a.ID, "a,b"); err == nil {
		t.Error("ForgetScope took a list")
	}
	if err := db.ForgetScope(ctx, 999, "threads_delete"); err == nil {
		t.Error("ForgetScope of an unknown account succeeded")
	}
	got.Scopes = []string{"threads_basic", "threads_content_publish", "threads_delete"}
	if _, err := db.SaveAccount(ctx, got); err != nil {
		t.Fatal(err)
	}
	if got, _ = db.Account(ctx, a.ID); got.ScopesMissing != nil || got.Lacks("threads_delete") || got.Lacks("threads_content_publish") {
		t.Fatalf("after linking again: scopes %v missing %v", got.Scopes, got.ScopesMissing)
	}
}
