package ingest

import (
	"fmt"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// MaxThreadParts caps how many posts one request may become when its text is split into a
// reply chain. Without it one webhook delivery of 1 MiB became about 2,000 replies: twice an
// account's daily reply quota, stalling every other post of the account for a day. Twenty
// parts is about 10,000 characters, a long article; more belongs behind a link.
const MaxThreadParts = 20

// checkThreadParts refuses a thread that would split into more than MaxThreadParts posts.
func checkThreadParts(r Request) error {
	if !r.Thread || threads.CountChars(r.Text) <= threads.MaxTextChars {
		return nil
	}
	n := len(threads.Split(r.Text, threads.MaxTextChars))
	if n <= MaxThreadParts {
		return nil
	}
	return &InvalidError{Field: "text", Limit: MaxThreadParts, Reason: fmt.Sprintf(
		"the text would become a thread of %d posts; Spindle posts at most %d (about %d characters) — "+
			"shorten it, or post a link to the full text", n, MaxThreadParts, MaxThreadParts*threads.MaxTextChars)}
}
