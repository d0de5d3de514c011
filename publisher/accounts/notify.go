package accounts

import (
	"context"
	"fmt"
)

// IdentityNotifierFunc adapts a function to IdentityNotifier.
type IdentityNotifierFunc func(ctx context.Context, id Identity, text string) error

// NotifyIdentity calls f.
func (f IdentityNotifierFunc) NotifyIdentity(ctx context.Context, id Identity, text string) error {
	return f(ctx, id, text)
}

// ByDoor routes each notice to the notifier of the identity's door (DoorSlack, DoorTelegram).
// A door with no notifier (api identities, a door that is not configured) is told nothing,
// and that is not an error: the browser page and the API answer say the same.
type ByDoor map[string]IdentityNotifier

// NotifyIdentity tells id through its door's notifier.
func (b ByDoor) NotifyIdentity(ctx context.Context, id Identity, text string) error {
	n, ok := b[id.Door]
	if !ok || n == nil {
		return nil
	}
	if err := n.NotifyIdentity(ctx, id, text); err != nil {
		return fmt.Errorf("tell %s through %s: %w", id, id.Door, err)
	}
	return nil
}
