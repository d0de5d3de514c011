// Package bot holds what Spindle's chat doors share: the command grammar (Parse, Command,
// UsageError), the schedule time parser (ParseWhen, FormatWhen) and the help texts (Help,
// Verbs). The doors themselves live in bot/slack and bot/telegram; both hand the text of a
// command to Parse, so a verb means the same thing in either place.
//
// Parse is pure: it takes the current time and the person's time zone as arguments and
// touches no storage, so the grammar can be tested and fuzzed on its own. Whether the person
// may do what they asked is decided by the dispatcher afterwards.
package bot
