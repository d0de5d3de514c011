package slacktest

import (
	"strings"
	"testing"
)

// TestBlockLimits: the stand-in refuses blocks past Block Kit's documented limits, as Slack
// does with invalid_blocks, and accepts those within them.
func TestBlockLimits(t *testing.T) {
	section := func(n int) string {
		return `{"type":"section","text":{"type":"mrkdwn","text":"` + strings.Repeat("a", n) + `"}}`
	}
	button := func(text, value string) string {
		return `{"type":"actions","elements":[{"type":"button","action_id":"approve_post","text":{"type":"plain_text","text":"` +
			text + `"},"value":"` + value + `"}]}`
	}
	many := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat(section(1)+",", n), ",") + "]" }
	for _, c := range []struct {
		name, blocks string
		ok           bool
	}{
		{"none", "", true},
		{"50 blocks", many(50), true},
		{"51 blocks", many(51), false},
		{"section of 3000", "[" + section(3000) + "]", true},
		{"section of 3001", "[" + section(3001) + "]", false},
		{"empty section", `[{"type":"section"}]`, false},
		{"button", "[" + button("Approve p7k2m9x", "p7k2m9x") + "]", true},
		{"button text of 76", "[" + button(strings.Repeat("b", 76), "p") + "]", false},
		{"empty button text", "[" + button("", "p") + "]", false},
		{"value of 2001", "[" + button("B", strings.Repeat("v", 2001)) + "]", false},
		{"empty actions", `[{"type":"actions","elements":[]}]`, false},
		{"not JSON", `[{`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := ValidateBlocks(c.blocks); (err == nil) != c.ok {
				t.Errorf("ValidateBlocks: %v, want ok=%v", err, c.ok)
			}
		})
	}
}
