package slack

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
)

// maxSectionText is Slack's limit on a section's text (slack-go refuses longer ones).
const maxSectionText = 3000

// render turns a dispatcher Reply into a Slack message: the plain text always (it is what
// notifications and screen readers show), and Block Kit where it helps — list as a compact
// table of id, time, state and first words; quota as used/limit fields; preview as its parts.
func render(r bot.Reply) slack.WebhookMessage {
	msg := slack.WebhookMessage{Text: escapeKeepMentions(r.Text)}
	var blocks []slack.Block
	switch {
	case len(r.Rows) > 0 || len(r.Recent) > 0:
		blocks = listBlocks(r)
	case r.Quota != nil:
		blocks = quotaBlocks(r.Quota)
	case r.Preview != nil:
		blocks = previewBlocks(r)
	case r.Link != "":
		blocks = linkBlocks(r)
	}
	if len(blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: blocks}
	}
	return msg
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, clip(s, maxSectionText), false, false)
}

func section(s string) slack.Block { return slack.NewSectionBlock(mrkdwn(s), nil, nil) }

// listBlocks renders rows ten to a section, one line each:
// `p7k2m9`  Tue 24 Nov 09:00 CET · @acme · scheduled — Good morning
func listBlocks(r bot.Reply) []slack.Block {
	head, _, _ := strings.Cut(r.Text, "\n")
	blocks := []slack.Block{section("*" + escape(head) + "*")}
	blocks = append(blocks, rowSections(r.Rows)...)
	if i := strings.LastIndex(r.Text, "\n…and "); i >= 0 {
		more, _, _ := strings.Cut(r.Text[i+1:], "\n")
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(escape(more))))
	}
	if len(r.Recent) > 0 {
		blocks = append(blocks, section("*"+bot.RecentHeading+"*"))
		blocks = append(blocks, rowSections(r.Recent)...)
	}
	return blocks
}

// rowSections renders rows ten to a section.
func rowSections(rows []bot.Row) []slack.Block {
	var blocks []slack.Block
	var b strings.Builder
	for i, row := range rows {
		fmt.Fprintf(&b, "`%s`  %s · @%s · _%s_ — %s", row.ID, escape(row.WhenText), escape(row.Account), row.State, escape(row.Words))
		if row.Series != "" {
			fmt.Fprintf(&b, " · series `%s`", row.Series)
		}
		b.WriteByte('\n')
		if (i+1)%10 == 0 || i == len(rows)-1 {
			blocks = append(blocks, section(strings.TrimRight(b.String(), "\n")))
			b.Reset()
		}
	}
	return blocks
}

// quotaBlocks shows each quota as used/limit, with when the next slot frees.
func quotaBlocks(q *bot.QuotaView) []slack.Block {
	var fields []*slack.TextBlockObject
	for _, k := range q.Kinds {
		s := fmt.Sprintf("*%s*\n%d/%d", escape(k.Kind), k.Used, k.Limit)
		if k.Used >= k.Limit {
			s += " (full)"
		}
		if !k.NextFree.IsZero() && k.Used > 0 {
			s += fmt.Sprintf("\nnext slot <!date^%d^{time}|%s>", k.NextFree.Unix(), k.NextFree.UTC().Format("15:04 UTC"))
		}
		fields = append(fields, mrkdwn(s))
	}
	if len(fields) > 10 { // Slack allows 10 fields per section
		fields = fields[:10]
	}
	return []slack.Block{
		section(fmt.Sprintf("*Quota of @%s* (last 24 hours)", escape(q.Account))),
		slack.NewSectionBlock(nil, fields, nil),
	}
}

// previewBlocks shows the count, links, parts and problems of a dry run.
func previewBlocks(r bot.Reply) []slack.Block {
	p := r.Preview
	head := fmt.Sprintf("*Preview* (nothing was queued): *%d*/%d characters as Threads counts them", p.Chars, p.Limit)
	if len(p.Links) > 0 {
		head += "\nLinks: " + escape(strings.Join(p.Links, " "))
	}
	blocks := []slack.Block{section(head)}
	for i, part := range p.Parts {
		if len(blocks) >= 45 { // stay under Slack's 50 blocks
			break
		}
		label := ""
		if len(p.Parts) > 1 {
			label = fmt.Sprintf("*%d/%d*\n", i+1, len(p.Parts))
		}
		blocks = append(blocks, section(label+quote(part)))
	}
	for _, pr := range p.Problems {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn("⚠️ "+escape(pr))))
	}
	return blocks
}

// linkBlocks shows the reply with its link as a button (connect's linking page): the text
// stays, for notifications and for a client that shows no blocks.
func linkBlocks(r bot.Reply) []slack.Block {
	label := r.LinkLabel
	if label == "" {
		label = "Open"
	}
	button := slack.NewButtonBlockElement("open_link", "", slack.NewTextBlockObject(slack.PlainTextType, label, false, false))
	button.URL = r.Link
	button.Style = slack.StylePrimary
	return []slack.Block{section(escape(r.Text)), slack.NewActionBlock("", button)}
}

// quote renders text as a Slack block quote.
func quote(s string) string {
	return "> " + strings.ReplaceAll(escape(s), "\n", "\n> ")
}

// escape makes text literal in Slack's mrkdwn: &, < and > are the only characters Slack asks
// apps to escape.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

var mentionRE = regexp.MustCompile(`<@[UW][A-Z0-9]{1,20}>`)

// escapeKeepMentions escapes s but keeps the <@U…> mentions the dispatcher writes.
func escapeKeepMentions(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range mentionRE.FindAllStringIndex(s, -1) {
		b.WriteString(escape(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(escape(s[last:]))
	return b.String()
}

// clip cuts s to n runes, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
