package bot

import (
	"strings"

	"github.com/spindle-threads/spindle/ingest"
)

// VerbLongText shows or sets how an account's texts over 500 characters go out.
const VerbLongText = "longtext"

// PostShape is what post, preview and schedule (and every verb that queues a text) take
// beyond the text: Threads' poll, text attachment, reply control, ghost post and topic tag.
// Text spoilers are written in the text as ||hidden||; the ingest service takes them out.
type PostShape struct {
	Poll    string // --poll "A | B | C": the options, trimmed, joined with " | " (Command stays comparable)
	Long    bool   // --long: one post with a text attachment instead of a chain
	Thread  bool   // --thread: a chain, whatever the account's default
	Replies string // --replies everyone|following|mentioned|author|followers, as Threads' value
	Ghost   bool   // --ghost: archived after 24 hours
	Topic   string // --topic: the topic tag, without "#"
	// Location is a Threads location id; the MCP tools take it (chat has no option for it:
	// people do not know location ids).
	Location string
}

// PollOptions returns the poll's options, or nil.
func (s PostShape) PollOptions() []string {
	if s.Poll == "" {
		return nil
	}
	return ingest.ParsePoll(s.Poll)
}

// IsZero reports whether no shape option was given.
func (s PostShape) IsZero() bool {
	return s.Poll == "" && !s.Long && !s.Thread && s.Replies == "" && !s.Ghost && s.Topic == "" && s.Location == ""
}

// shapeOptionNames are the option names PostShape reads.
var shapeOptionNames = []string{"poll", "long", "thread", "replies", "ghost", "topic"}

// postOptions reads the options at the front of a text-queuing verb's arguments — --account
// and the shape options, in any order — and stops at the first other word, or after "--". It
// returns the rest, verbatim. Any verb that queues a text calls it, so every such verb takes
// the same options.
func postOptions(verb string, cmd *Command, rest string) (string, error) {
	for {
		w, r := cutWord(rest)
		o, ok := asOption(w)
		if !ok {
			return rest, nil
		}
		if o.name == "" {
			return r, nil
		}
		if !isShapeOption(o.name) {
			if err := applyOption(verb, cmd, o, &r, false); err != nil {
				return rest, err
			}
			rest = r
			continue
		}
		var err error
		if rest, err = shapeOption(verb, &cmd.Shape, o, r); err != nil {
			return rest, err
		}
	}
}

// shapeOptionsOnly reads shape options (and no --account) from the front of rest: schedule
// takes them after the time too.
func shapeOptionsOnly(verb string, cmd *Command, rest string) (string, error) {
	for {
		w, r := cutWord(rest)
		o, ok := asOption(w)
		if !ok || !isShapeOption(o.name) {
			if ok && o.name == "" {
				return r, nil
			}
			return rest, nil
		}
		var err error
		if rest, err = shapeOption(verb, &cmd.Shape, o, r); err != nil {
			return rest, err
		}
	}
}

func isShapeOption(name string) bool {
	for _, n := range shapeOptionNames {
		if n == name {
			return true
		}
	}
	return false
}

// shapeOption applies one shape option, reading its value (a word, or a quoted phrase for
// --poll and --topic) from rest, and returns what follows.
func shapeOption(verb string, s *PostShape, o option, rest string) (string, error) {
	flag := func(dst *bool) (string, error) {
		if o.hasValue {
			return rest, usage(verb, "--%s takes no value; write it alone.", o.name)
		}
		if *dst {
			return rest, usage(verb, "Give --%s only once.", o.name)
		}
		*dst = true
		return rest, nil
	}
	switch o.name {
	case "long":
		if s.Thread {
			return rest, usage(verb, "Choose --long (one post with the text attached) or --thread (a chain of replies), not both.")
		}
		return flag(&s.Long)
	case "thread":
		if s.Long {
			return rest, usage(verb, "Choose --long (one post with the text attached) or --thread (a chain of replies), not both.")
		}
		return flag(&s.Thread)
	case "ghost":
		return flag(&s.Ghost)
	}
	v, r, err := quotedValue(verb, o, rest)
	if err != nil {
		return rest, err
	}
	switch o.name {
	case "poll":
		if s.Poll != "" {
			return rest, usage(verb, "Give --poll only once, with every option: --poll \"A | B | C\".")
		}
		opts := ingest.ParsePoll(v)
		if len(opts) < 2 {
			return rest, usage(verb, "--poll needs 2 to 4 options separated by |, like --poll \"Yes | No\".")
		}
		s.Poll = strings.Join(opts, " | ")
	case "replies":
		rc, err := ingest.ReplyControl(v)
		if err != nil {
			return rest, usage(verb, "--replies takes "+ingest.ReplyWords+", not “%s”.", v)
		}
		s.Replies = rc
	case "topic":
		s.Topic = strings.TrimPrefix(strings.TrimSpace(v), "#")
		if s.Topic == "" {
			return rest, usage(verb, "--topic needs a topic after it, like --topic Travel.")
		}
	}
	return r, nil
}

// Quote marks a value may be wrapped in: straight quotes, and the curly ones phones type.
var quotePairs = map[rune]string{'"': "\"”“", '“': "”\"", '”': "”“\"", '\'': "'’", '‘': "’'", '«': "»"}

// quotedValue returns an option's value: "--x=v" or the next word, or, when that starts with
// a quote mark, everything up to the closing one.
func quotedValue(verb string, o option, rest string) (string, string, error) {
	src := rest
	if o.hasValue {
		src = o.value + " " + rest
		if o.value == "" {
			return "", rest, usage(verb, "--%s needs a value after it.", o.name)
		}
	}
	src = strings.TrimLeft(src, " \t\n")
	if src == "" {
		return "", rest, usage(verb, "--%s needs a value after it.", o.name)
	}
	first, size := firstRune(src)
	closers, quoted := quotePairs[first]
	if !quoted {
		if o.hasValue {
			return o.value, rest, nil
		}
		return optionValue(verb, o, rest)
	}
	body := src[size:]
	end := strings.IndexAny(body, closers)
	if end < 0 {
		return "", rest, usage(verb, "--%s: the quote opened before “%s” is never closed.", o.name, short(body))
	}
	_, csize := firstRune(body[end:])
	after := strings.TrimLeft(body[end+csize:], " \t")
	return body[:end], strings.TrimLeft(after, "\n"), nil
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		_ = i
		return r, len(string(r))
	}
	return 0, 0
}
