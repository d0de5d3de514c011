package telegram

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// textSpoilers turns Telegram's "spoiler" entities of text into Threads text spoilers at the
// same places. Telegram counts offsets and lengths in UTF-16 code units; Spindle (and what it
// sends Threads) counts characters (code points), so an emoji or any character outside the
// Basic Multilingual Plane before or inside a spoiler counts 2 in Telegram and 1 here.
func textSpoilers(text string, ents []models.MessageEntity) []storage.Spoiler {
	var out []storage.Spoiler
	for _, e := range ents {
		if e.Type != models.MessageEntityTypeSpoiler || e.Length <= 0 || e.Offset < 0 {
			continue
		}
		start, ok1 := runeIndex(text, e.Offset)
		end, ok2 := runeIndex(text, e.Offset+e.Length)
		if !ok1 || !ok2 || end <= start {
			continue // an entity that does not fit the text is Telegram's mistake; drop it
		}
		out = append(out, storage.Spoiler{Offset: start, Length: end - start})
	}
	return out
}

// runeIndex converts a UTF-16 offset of s to a code-point offset. An offset inside a
// surrogate pair rounds up to the next character; past the end is not ok.
func runeIndex(s string, u16 int) (int, bool) {
	units, runes := 0, 0
	for _, r := range s {
		if units >= u16 {
			return runes, true
		}
		units++
		if r >= 0x10000 {
			units++
		}
		runes++
	}
	return runes, units >= u16
}

// messageShape is what a message expresses natively: its spoiler entities (text or caption)
// and whether any of its media was sent with the spoiler flag.
func messageShape(text string, ents []models.MessageEntity, msgs ...*models.Message) storage.Shape {
	s := storage.Shape{Spoilers: textSpoilers(text, ents)}
	for _, m := range msgs {
		s.SpoilerMedia = s.SpoilerMedia || m.HasMediaSpoiler
	}
	return s
}

// onPoll makes a draft of a native Telegram poll: its question is the post's text and its
// options the Threads poll's (Threads takes 2–4 options of up to 25 characters; the draft's
// preview says so when the poll breaks that).
func (d *Door) onPoll(ctx context.Context, m *models.Message) {
	if d.answeredBefore(ctx, m) {
		return
	}
	shape := storage.Shape{Spoilers: textSpoilers(m.Poll.Question, m.Poll.QuestionEntities)}
	for _, o := range m.Poll.Options {
		shape.Poll = append(shape.Poll, o.Text)
	}
	d.newDraft(ctx, m, m.Poll.Question, nil, shape)
}

// applyDraftShape puts a draft's shape on its post request.
func applyDraftShape(req *ingest.Request, s storage.Shape) {
	req.Poll, req.SpoilerMedia = s.Poll, s.SpoilerMedia
	for _, sp := range s.Spoilers {
		req.Spoilers = append(req.Spoilers, threads.Spoiler{Offset: sp.Offset, Length: sp.Length})
	}
}

// shapePreview describes a draft's shape for its preview, and checks it as Threads would.
func shapePreview(text string, media []storage.Media, s storage.Shape) string {
	var b strings.Builder
	if len(s.Poll) > 0 {
		fmt.Fprintf(&b, "\n📊 A poll: %s.", strings.Join(s.Poll, " / "))
	}
	if n := len(s.Spoilers); n > 0 {
		var hidden []string
		r := []rune(text)
		for _, sp := range s.Spoilers {
			if sp.Offset+sp.Length <= len(r) {
				hidden = append(hidden, "“"+string(r[sp.Offset:sp.Offset+sp.Length])+"”")
			}
		}
		fmt.Fprintf(&b, "\n🙈 Hidden as spoilers: %s.", strings.Join(hidden, ", "))
	}
	if s.SpoilerMedia {
		b.WriteString("\n🙈 The media is hidden as a spoiler.")
	}
	if s.IsZero() {
		return ""
	}
	p := threads.Post{Text: text, Poll: s.Poll, SpoilerMedia: s.SpoilerMedia}
	if threads.CountChars(text) > threads.MaxTextChars {
		p.Text = threads.Split(text, threads.MaxTextChars)[0]
	} else {
		for _, sp := range s.Spoilers {
			p.Spoilers = append(p.Spoilers, threads.Spoiler{Offset: sp.Offset, Length: sp.Length})
		}
	}
	for _, m := range media {
		p.Media = append(p.Media, threads.Media{Kind: m.Kind, URL: "https://example.invalid/m"})
	}
	if err := threads.Validate(p); err != nil {
		fmt.Fprintf(&b, "\n⚠️ Threads would refuse it: %s", err)
	}
	return b.String()
}
