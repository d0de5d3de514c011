package bot

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// editingCards is a CardStore over the real database that, once, right after the first read
// a card makes, has the post edited (as another replica would commit it then).
type editingCards struct {
	*storage.DB
	once sync.Once
	edit func()
}

func (s *editingCards) Get(ctx context.Context, id string) (storage.Post, error) {
	defer s.once.Do(s.edit)
	return s.DB.Get(ctx, id)
}

func (s *editingCards) ApprovalOf(ctx context.Context, id string) (storage.Approval, error) {
	defer s.once.Do(s.edit)
	return s.DB.ApprovalOf(ctx, id)
}

// TestApprovalCardNeverPairsOldTextWithANewRound: an edit that lands while a card is being
// built may leave the card showing newer text than its round (a press is then refused as
// stale), never the old text with the new round, whose press would approve words the card did
// not show.
func TestApprovalCardNeverPairsOldTextWithANewRound(t *testing.T) {
	clock := storagetest.NewClock(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	ctx := context.Background()
	acc := storagetest.Account(t, db, "acme")
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acc.ID, Door: "slack", Text: "the old words",
		Approval: storage.ApprovalHold{Author: "slack:T1:UBOB", ExpiresAt: clock.Now().Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	newWords := "the new words"
	s := &editingCards{DB: db, edit: func() {
		if _, err := db.EditQueued(ctx, p.ID, storage.PostEdit{Text: &newWords,
			Rehold: storage.ApprovalHold{Author: "slack:T1:UBOB", ExpiresAt: clock.Now().Add(time.Hour)}}); err != nil {
			t.Errorf("edit: %v", err)
		}
	}}
	card, err := LoadApprovalCard(ctx, s, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if card.Round == 2 && card.Text != newWords {
		t.Fatalf("the card shows %q with round 2, whose text is %q: its press would approve words it did not show", card.Text, newWords)
	}
	if card.Round != 1 || card.Ref() != p.ID+":1" {
		t.Errorf("the card's round is %d (ref %q), want 1, the round read before the edit", card.Round, card.Ref())
	}
}
