package telegram

import (
	"strings"
	"unicode"
)

// command reads a Telegram command from a message's text without relying on entities (some
// clients and forwarders send none, and go-telegram/bot's MatchTypeCommand ignores
// "/post@bot"): a leading "/" and a verb of 1–32 letters, digits or "_", optionally followed by
// "@botname". It returns the command as the dispatcher reads it ("post hello", the "/" and
// "@botname" dropped, the rest verbatim), whether the text is a command at all, and whether it
// names a bot (mention: the "@…" part) and that bot is this one (forUs).
func command(text, botName string) (cmd string, ok, mention, forUs bool) {
	if !strings.HasPrefix(text, "/") {
		return "", false, false, false
	}
	end := strings.IndexFunc(text, unicode.IsSpace)
	if end < 0 {
		end = len(text)
	}
	word, rest := text[1:end], text[end:]
	verb, name, hasAt := strings.Cut(word, "@")
	if verb == "" || len(verb) > 32 || !isVerb(verb) {
		return "", false, false, false
	}
	if hasAt {
		forUs = botName != "" && strings.EqualFold(name, botName)
	} else {
		forUs = true
	}
	return verb + rest, true, hasAt, forUs
}

func isVerb(s string) bool {
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
