package accounts

import (
	"context"
	"errors"
	"testing"
)

func TestByDoor(t *testing.T) {
	t.Parallel()
	var got []string
	slack := IdentityNotifierFunc(func(_ context.Context, id Identity, text string) error {
		got = append(got, id.Key()+" "+text)
		return nil
	})
	boom := errors.New("boom")
	tg := IdentityNotifierFunc(func(context.Context, Identity, string) error { return boom })
	b := ByDoor{DoorSlack: slack, DoorTelegram: tg}
	ctx := context.Background()
	if err := b.NotifyIdentity(ctx, Identity{Door: DoorSlack, Team: "T", User: "U"}, "hi"); err != nil || len(got) != 1 || got[0] != "slack:T:U hi" {
		t.Errorf("slack: %v %q", err, got)
	}
	if err := b.NotifyIdentity(ctx, Identity{Door: DoorTelegram, User: "1"}, "hi"); !errors.Is(err, boom) {
		t.Errorf("telegram error: %v", err)
	}
	if err := b.NotifyIdentity(ctx, Identity{Door: DoorAPI, User: "ci"}, "hi"); err != nil || len(got) != 1 {
		t.Errorf("api door: %v %q", err, got)
	}
}
