package accounts

import "context"

// IdentityNotifierFunc adapts a function to IdentityNotifier.
type IdentityNotifierFunc func(ctx context.Context, id Identity, text string) error

// NotifyIdentity calls f.
func (f IdentityNotifierFunc) NotifyIdentity(ctx context.Context, id Identity, text string) error {
	return f(ctx, id, text)
}
