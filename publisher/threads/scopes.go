package threads

import "errors"

// The OAuth scopes (permissions) Spindle's features need (threads-api.md §2.2). Meta answers
// code 10 "Application does not have permission for this action" when the token lacks one.
const (
	ScopeBasic          = "threads_basic"           // every endpoint
	ScopeContentPublish = "threads_content_publish" // creating and publishing posts
	ScopeManageReplies  = "threads_manage_replies"  // replying: chains, reply_to_id
	ScopeReadReplies    = "threads_read_replies"    // reading replies and conversations
	ScopeDelete         = "threads_delete"          // deleting posts
	ScopeManageInsights = "threads_manage_insights" // post and account insights
)

// DefaultScopes returns the scopes Spindle asks for when linking an account unless
// THREADS_DEFAULT_SCOPES says otherwise: every scope a feature Spindle offers needs. Asking for
// fewer makes chains and replies (threads_manage_replies), delete (threads_delete) and stats
// (threads_manage_insights) fail for the accounts linked with them.
func DefaultScopes() []string {
	return []string{ScopeBasic, ScopeContentPublish, ScopeManageReplies, ScopeReadReplies,
		ScopeDelete, ScopeManageInsights}
}

// needScope marks a permission refusal of a call that needs scope beyond publishing: Meta says
// only "Application does not have permission" (code 10), and which permission is missing is
// what the person must know to fix it.
func needScope(err error, scope string) error {
	var e *Error
	if errors.As(err, &e) && e.Class == ClassPermission && e.APICode == "" && e.Code != 1349245 {
		e.Scope = scope
		e.Reason = "this account's Threads token lacks the " + scope + " permission — link the account again so Threads asks for it (the Meta app must have " + scope + " too; see the README on App Review)"
	}
	return err
}

// MissingScope returns the permission err says the token lacks, or "".
func MissingScope(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Scope
	}
	return ""
}
