package bot

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/publisher"
)

// Reply is the dispatcher's answer to one command, for a door to render. Text is always set
// and reads well on its own; Rows, Quota and Preview carry the same facts in structured form
// for doors that can show more (Slack's Block Kit).
type Reply struct {
	Text    string       // plain text a person reads; the fallback for rich renderings
	Private bool         // only the sender should see it (Slack ephemeral; Telegram: a private chat)
	Rows    []Row        // list: one row per post waiting
	Recent  []Row        // list: the posts that finished last, newest first (state deleted, posted, …)
	Quota   *QuotaView   // quota: used/limit per kind, and when the next slot frees
	Preview *PreviewView // preview: the dry run's findings

	// Queued is the post a post or schedule command committed (empty otherwise), so a door can
	// anchor the post's later results under its confirmation message.
	Queued string
	// Link is the one URL the reply is about (connect's linking page), which Text also holds,
	// so a door can offer it as a button; LinkLabel is the button's words.
	Link, LinkLabel string

	// Approvals are the posts "approvals" listed as waiting for the sender's decision, so a
	// door with buttons can offer Approve and Reject on each.
	Approvals []string
	// Cards are the approval cards of the posts Approvals names, in the same order, for doors
	// that show each post's exact preview with its buttons (empty when no CardStore is set).
	Cards []ApprovalCard
	// Decided is the post an approve or reject was about once its request is over (this
	// command decided it, or it had been decided before), so a door can take the buttons off
	// the post's card. Empty when the command changed nothing the card shows.
	Decided string

	// Refused says the command did not do what was asked (a refusal, a usage error, a failure):
	// the MCP door answers it as a tool error. Chat doors show Text either way.
	Refused bool
}

// Row is one post in a list. In Reply.Recent, When is when it finished (or was deleted).
type Row struct {
	ID       string
	Account  string    // username, without "@"
	When     time.Time // when it is (or was) due
	WhenText string    // When as the person reads it, in their zone
	Words    string    // the first words of the text
	State    string    // queued, scheduled, publishing, posted, failed, cancelled
	Series   string    // the recurring series it is an occurrence of ("s3"), "" if none
}

// Line is the row as plain chat shows it; an occurrence of a series ends "(series s3)", so
// people know cancelling it stops one post, not the series.
func (r Row) Line() string {
	s := fmt.Sprintf("%s  %s  @%s  %s  %s", r.ID, r.WhenText, r.Account, r.State, r.Words)
	if r.Series != "" {
		s += "  (series " + r.Series + ")"
	}
	return s
}

// QuotaView is an account's use of its moving 24-hour quotas.
type QuotaView struct {
	Account string
	Kinds   []QuotaKind
}

// QuotaKind is one quota: Used of Limit in the last 24 hours; NextFree is when the oldest use
// leaves the window (zero when nothing is used).
type QuotaKind struct {
	Kind     string // posts, replies, deletes
	Used     int
	Limit    int
	NextFree time.Time
}

// PreviewView is what a post would be: Meta's character count, the links Threads will see and
// how the text would be split into a thread, plus any rule it breaks.
type PreviewView struct {
	Chars    int
	Limit    int
	Links    []string
	Parts    []string
	Problems []string
	// Shape lists the post's shapes in words (a poll, spoilers, reply control, …); Attached is
	// the text attachment's length in characters when a long text goes out as one post.
	Shape    []string
	Attached int
}

// maxWords bounds the first words a list shows of a post.
const maxWords = 48

// firstWords is the start of a text on one line, cut at a word near maxWords characters.
func firstWords(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= maxWords {
		return s
	}
	r := []rune(s)[:maxWords]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > maxWords/2 {
		cut = cut[:i]
	}
	return cut + "…"
}

// FormatEvent renders a post's result for a chat, the same way in every door:
//
//	✅ Posted: https://www.threads.net/@acme/post/C8x…
//	⏳ Over quota: will post at 14:05 UTC
//	❌ Failed: <reason and what to do>
//	🔌 Waiting for reconnect: <reason>
//	🗑️ Deleted from Threads
//	🗓️ Moved to a new posting slot: will post at Mon 7 Dec 09:00 CET (the account's slots changed)
//
// zone is the reader's zone for times (nil: UTC). The post's id ends every line so people can
// follow up with status or cancel.
func FormatEvent(e publisher.Event, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	var s string
	switch e.Kind {
	case publisher.EventPosted:
		s = "✅ Posted: " + e.Permalink
		if e.Permalink == "" {
			s = "✅ Posted to Threads"
		}
	case publisher.EventDelayed:
		s = "⏳ Over quota: will post at " + clockOrDay(e.Until, e.At, zone)
		if e.Reason != "" {
			s += " (" + strings.TrimSuffix(e.Reason, ".") + ")"
		}
	case publisher.EventFailed:
		s = "❌ Failed: " + orDefault(e.Reason, "Threads refused the post; check it with preview and try again.")
	case publisher.EventWaitingReconnect:
		s = "🔌 Waiting for reconnect: " + orDefault(e.Reason,
			"the account's access expired or was revoked; "+publisher.RelinkHint+", and the post will go out then.")
	case publisher.EventDeleted:
		s = "🗑️ Deleted from Threads"
	case publisher.EventRescheduled:
		s = "🗓️ Moved to a new posting slot: will post at " + FormatWhen(e.Until, zone) + " (the account's slots changed)"
	case publisher.EventApproved:
		s = "👍 Approved (" + orDefault(e.Reason, "by an approver") + "); it goes out on schedule"
	case publisher.EventRejected:
		s = "👎 Not approved: " + orDefault(e.Reason, "rejected by an approver")
	case publisher.EventExpired:
		s = "⌛ Approval request expired: " + orDefault(e.Reason, "nobody approved it in time, so it was cancelled")
	case publisher.EventTokenExpiring:
		s = "⌛ " + orDefault(e.Reason, "the account's access token could not be refreshed; "+publisher.RelinkHint+" before it expires.")
	default:
		s = "ℹ️ " + orDefault(e.Reason, string(e.Kind))
	}
	if e.PostID != "" {
		s += " (post " + e.PostID + ")"
	}
	return s
}

// clockOrDay renders t as "14:05 UTC" when it is within a day of ref, else with its date.
func clockOrDay(t, ref time.Time, zone *time.Location) string {
	if t.IsZero() {
		return "the next free slot"
	}
	if ref.IsZero() || t.Sub(ref) < 20*time.Hour {
		return t.In(zone).Format("15:04 MST")
	}
	return t.In(zone).Format("Mon 2 Jan 15:04 MST")
}

func orDefault(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// plural is "1 post" or "3 posts".
func plural(n int, one string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", one)
	}
	return fmt.Sprintf("%d %ss", n, one)
}
