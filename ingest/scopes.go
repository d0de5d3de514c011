package ingest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// AccountReader is a Queue that can read the account a request names (storage.DB can). With
// it, a request the account's Threads token has no permission for is refused at the door,
// naming the permission and how to link again, instead of being accepted and failing later.
type AccountReader interface {
	Account(ctx context.Context, id int64) (storage.Account, error)
}

// ErrMissingScope is what a *ScopeError matches with errors.Is.
var ErrMissingScope = errors.New("the account's Threads token lacks a permission")

// RelinkWords say how a person links an account again, in the words of the chat doors that
// exist (publisher.RelinkHint says the same for the publisher's notices).
const RelinkWords = "link the account again with /threads connect in Slack or /connect in Telegram"

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ScopeError refuses a request that needs a permission the account's Threads token lacks.
// Nothing was stored; linking the account again (which asks for the configured scopes) and
// sending the request again fixes it.
type ScopeError struct {
	Account string // username, without "@"
	Scope   string // the missing permission, e.g. threads_manage_replies
	Needs   string // what needs it, e.g. "a reply"
}

func (e *ScopeError) Error() string {
	return fmt.Sprintf("%s on @%s needs the Threads permission %s, which this account's token lacks; %s and allow it, then try again",
		upperFirst(e.Needs), e.Account, e.Scope, RelinkWords)
}

// Unwrap lets errors.Is match ErrMissingScope.
func (e *ScopeError) Unwrap() error { return ErrMissingScope }

// needsScope is the permission r needs beyond publishing, and what needs it: a reply, and a
// long text sent as a thread (its parts after the first are replies), need
// threads_manage_replies.
func needsScope(r Request) (scope, what string) {
	switch {
	case r.ReplyToID != "":
		return threads.ScopeManageReplies, "a reply"
	case r.Thread && threads.CountChars(r.Text) > threads.MaxTextChars:
		return threads.ScopeManageReplies, "a thread (a text over 500 characters, sent as a chain of replies)"
	}
	return "", ""
}

// checkScopes refuses r when its account's token is known to lack a permission r needs.
func (s *Service) checkScopes(ctx context.Context, r Request) error {
	scope, what := needsScope(r)
	ar, ok := s.queue.(AccountReader)
	if scope == "" || !ok {
		return nil
	}
	a, err := ar.Account(ctx, r.AccountID)
	if err != nil {
		return fmt.Errorf("ingest: could not read the account, nothing was stored; try again: %w", err)
	}
	if a.Lacks(scope) {
		return &ScopeError{Account: a.Username, Scope: scope, Needs: what}
	}
	return nil
}
