package status

import "net/http"

// A flash is the one-line result of an action, shown on the page the action redirects to. The
// redirect carries only a code from this table (?flash=cancelled), never text: a link to
// /?flash=<any words> would otherwise let anyone put their words on the operator's own page
// ("call this number"). An unknown code shows nothing.
const (
	flashCancelled     = "cancelled"
	flashRetried       = "retried"
	flashFeedPaused    = "feed-paused"
	flashFeedResumed   = "feed-resumed"
	flashFeedWasPaused = "feed-already-paused"
	flashFeedWasOn     = "feed-already-running"
	flashNotFeedNumber = "not-a-feed"
	flashWrongState    = "wrong-state"
	flashNotFound      = "not-found"
	flashMediaGone     = "media-gone"
	flashFailed        = "failed"
)

var flashTexts = map[string]string{
	flashCancelled:     "The post was cancelled.",
	flashRetried:       "The post is queued again and will be retried now.",
	flashFeedPaused:    "The feed was paused.",
	flashFeedResumed:   "The feed was resumed.",
	flashFeedWasPaused: "That feed is already paused; nothing changed.",
	flashFeedWasOn:     "That feed is already running; nothing changed.",
	flashNotFeedNumber: "That is not a feed number; nothing changed.",
	flashWrongState:    "That post's state does not allow this (it was published, failed or cancelled meanwhile); nothing changed.",
	flashNotFound:      "It does not exist (any more?); nothing changed.",
	flashMediaGone:     "That post's media was already deleted, so it cannot be retried; post it again. Nothing changed.",
	flashFailed:        "The action failed; check the server log and try again.",
}

// flashText is the text of the code in r's ?flash=, or "".
func flashText(r *http.Request) string {
	return flashTexts[r.URL.Query().Get("flash")]
}
