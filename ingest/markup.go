package ingest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// SpoilerMarkup takes ||hidden|| spans out of text (the markup Discord and others use) and
// returns the text without the bars and the spoilers at their character offsets in it. Bars
// without a partner, and empty pairs (||||), stay as they were: a text that happens to hold
// "a || b" is not changed. Invalid UTF-8 in a text with spoilers becomes U+FFFD.
func SpoilerMarkup(text string) (string, []threads.Spoiler) {
	if !strings.Contains(text, "||") {
		return text, nil
	}
	var (
		out strings.Builder
		sp  []threads.Spoiler
		n   int // characters written to out
	)
	// Invalid UTF-8 is made valid first: bytes on either side of a pair of bars could
	// otherwise join into another character once the bars are gone, moving every offset.
	rest := strings.ToValidUTF8(text, "\uFFFD")
	for {
		open := strings.Index(rest, "||")
		if open < 0 {
			break
		}
		inner := rest[open+2:]
		end := strings.Index(inner, "||")
		if end < 0 {
			break
		}
		if end == 0 { // "||||": not a spoiler; keep the first bars and look on after them
			out.WriteString(rest[:open+2])
			n += utf8.RuneCountInString(rest[:open+2])
			rest = rest[open+2:]
			continue
		}
		before, hidden := rest[:open], inner[:end]
		out.WriteString(before)
		n += utf8.RuneCountInString(before)
		l := utf8.RuneCountInString(hidden)
		sp = append(sp, threads.Spoiler{Offset: n, Length: l})
		out.WriteString(hidden)
		n += l
		rest = inner[end+2:]
	}
	if len(sp) == 0 {
		return text, nil
	}
	out.WriteString(rest)
	return out.String(), sp
}

// Reply-control words the chat grammar and the CLI take, for Threads' values.
var replyWords = map[string]string{
	"everyone":  threads.ReplyEveryone,
	"following": threads.ReplyAccountsYouFollow,
	"mentioned": threads.ReplyMentionedOnly,
	"author":    threads.ReplyParentPostAuthorOnly,
	"followers": threads.ReplyFollowersOnly,
}

// ReplyWords lists the short reply-control words, for help texts.
const ReplyWords = "everyone|following|mentioned|author|followers"

// ReplyControl reads a reply-control choice: a short word (everyone, following, mentioned,
// author, followers) or Threads' own value (accounts_you_follow, …). "" is no choice.
func ReplyControl(v string) (string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" {
		return "", nil
	}
	if meta, ok := replyWords[v]; ok {
		return meta, nil
	}
	for _, meta := range replyWords {
		if v == meta {
			return v, nil
		}
	}
	return "", &InvalidError{Field: "reply_control", Reason: fmt.Sprintf(
		"replies %q is not a choice — use %s (or Threads' own value, like accounts_you_follow)", clip(v), ReplyWords)}
}

// ReplyWord is the short word of a Threads reply-control value, for showing it back.
func ReplyWord(meta string) string {
	for w, m := range replyWords {
		if m == meta {
			return w
		}
	}
	return meta
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// ParsePoll reads poll options written "A | B | C" (the chat's and the CLI's spelling):
// options are separated by bars and trimmed. Meta's rules (2–4 options of 1–25 characters)
// are the preflight's.
func ParsePoll(s string) []string {
	var out []string
	for _, o := range strings.Split(s, "|") {
		out = append(out, strings.TrimSpace(o))
	}
	return out
}

// LongText decides how a text over 500 characters goes out, from the request's own choice
// (long: a text attachment; thread: a chain; both false: none) and the stored default
// (storage.LongText*, per account or feed). It returns the request's Long and Thread.
// defaultThread is what a door does when nobody chose: chat chains, machine doors refuse.
func LongText(long, thread bool, stored string, defaultThread bool) (bool, bool) {
	switch {
	case long:
		return true, false
	case thread:
		return false, true
	case stored == "attach":
		return true, false
	case stored == "thread":
		return false, true
	}
	return false, defaultThread
}
