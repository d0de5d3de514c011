package threads

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of the richer post shapes (threads-api.md §4.2, §5.1).
const (
	MinPollOptions         = 2
	MaxPollOptions         = 4
	MaxPollOptionChars     = 25
	MaxTextAttachmentChars = 10000
	MaxSpoilers            = 10
)

// ScopeLocationTagging is the permission location_id needs (threads-api.md §2.2). Spindle does
// not ask for it by default: add it to THREADS_DEFAULT_SCOPES to tag locations.
const ScopeLocationTagging = "threads_location_tagging"

// GIF providers Threads' clients send in gif_attachment (threads-api.md §4.2: which one Meta
// takes is unconfirmed, so both are allowed).
const (
	GIFProviderTenor = "TENOR"
	GIFProviderGiphy = "GIPHY"
)

// Spoiler hides Length characters of a post's text from Offset on (a text_entities entry of
// type SPOILER). Meta documents offset and length as "positive whole numbers" without a unit;
// Spindle counts Unicode code points (a rune each), the unit of its own character counts
// (threads-api.md leaves the unit unconfirmed). Telegram counts UTF-16 code units, so its
// door converts (see bot/telegram).
type Spoiler struct {
	Offset int `json:"offset"`
	Length int `json:"length"`
}

// TextAttachment is long-form text shown as a card under the post: up to 10,000 characters,
// with an optional link (text_attachment's plaintext and link_attachment_url).
type TextAttachment struct {
	Plaintext string `json:"plaintext"`
	LinkURL   string `json:"link_attachment_url,omitempty"`
}

// GIF is a gif_attachment: a GIF by its provider's id.
type GIF struct {
	ID       string `json:"gif_id"`
	Provider string `json:"provider"`
}

// validateShapes checks the shapes beyond text, media and links: polls, text attachments,
// spoilers, ghost posts, locations and GIFs.
func validateShapes(p Post, add addFunc) {
	textOnly := func(field, what string) {
		if len(p.Media) > 0 {
			add(field, "%s is only allowed on a text post, and this post has %d media item(s) — drop the media or the %s", what, len(p.Media), what)
		}
	}
	if len(p.Poll) > 0 {
		validatePoll(p.Poll, add)
		textOnly("poll", "a poll")
		if p.TextAttachment != nil {
			add("poll", "a post cannot have both a poll and a text attachment — drop one of them (long text can go out as a thread instead)")
		}
		if p.GIF != nil {
			add("poll", "a post cannot have both a poll and a GIF — drop one of them")
		}
	}
	if ta := p.TextAttachment; ta != nil {
		n := CountChars(ta.Plaintext)
		switch {
		case strings.TrimSpace(ta.Plaintext) == "":
			add("text_attachment", "the text attachment is empty — give it text, or leave it out")
		case n > MaxTextAttachmentChars:
			add("text_attachment", "the text attachment is %d characters; Threads allows at most %d — shorten it or post it as a thread", n, MaxTextAttachmentChars)
		}
		if ta.LinkURL != "" && !isWebURL(ta.LinkURL) {
			add("text_attachment.link", "the text attachment's link %q is not an absolute http or https URL — give the full address, like https://example.com/page", clip(ta.LinkURL))
		}
		if p.LinkAttachment != "" {
			add("text_attachment", "a post with a text attachment cannot also have a link attachment — give the link to the text attachment instead")
		}
		textOnly("text_attachment", "a text attachment")
	}
	validateSpoilers(p, add)
	if p.SpoilerMedia && len(p.Media) == 0 {
		add("spoiler_media", "only images, videos and carousels can be hidden as a spoiler, and this post has no media — mark text spoilers with ||…|| instead")
	}
	if p.Ghost {
		textOnly("ghost", "a ghost post")
		if p.ReplyToID != "" {
			add("ghost", "a ghost post cannot be a reply — post it on its own, or drop ghost")
		}
	}
	if p.LocationID != "" {
		validateID("location_id", "location", p.LocationID, add)
	}
	if g := p.GIF; g != nil {
		textOnly("gif", "a GIF")
		if strings.TrimSpace(g.ID) == "" {
			add("gif", "the GIF has no id — give the provider's GIF id")
		}
		if !slices.Contains([]string{GIFProviderTenor, GIFProviderGiphy}, g.Provider) {
			add("gif", "GIF provider %q is not one Threads knows — use %s or %s", clip(g.Provider), GIFProviderTenor, GIFProviderGiphy)
		}
	}
}

func validatePoll(opts []string, add addFunc) {
	if len(opts) < MinPollOptions || len(opts) > MaxPollOptions {
		add("poll", "a poll takes %d to %d options and this one has %d — give between %d and %d", MinPollOptions, MaxPollOptions, len(opts), MinPollOptions, MaxPollOptions)
	}
	for i, o := range opts {
		n := CountChars(o)
		if strings.TrimSpace(o) == "" || n > MaxPollOptionChars {
			add(fmt.Sprintf("poll[%d]", i), "poll option %d is %d characters; each option takes 1 to %d — shorten it", i+1, n, MaxPollOptionChars)
		}
	}
}

func validateSpoilers(p Post, add addFunc) {
	if len(p.Spoilers) > MaxSpoilers {
		add("spoilers", "the post has %d spoilers; Threads allows at most %d per post — merge or drop some", len(p.Spoilers), MaxSpoilers)
	}
	n := utf8.RuneCountInString(p.Text)
	for i, s := range p.Spoilers {
		if s.Offset < 0 || s.Length < 1 || s.Offset+s.Length > n {
			add(fmt.Sprintf("spoilers[%d]", i), "spoiler %d (offset %d, length %d) is not inside the text of %d characters — offsets and lengths count characters from 0", i+1, s.Offset, s.Length, n)
		}
	}
}

// shapeParams adds the container parameters of the richer shapes to p.
func shapeParams(ct Container, p url.Values) error {
	enc := func(k string, v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", k, err)
		}
		p.Set(k, string(b))
		return nil
	}
	if len(ct.Poll) > 0 {
		poll := map[string]string{}
		for i, o := range ct.Poll {
			poll["option_"+string(rune('a'+i))] = o
		}
		if err := enc("poll_attachment", poll); err != nil {
			return err
		}
	}
	if len(ct.Spoilers) > 0 {
		type entity struct {
			Type   string `json:"entity_type"`
			Offset int    `json:"offset"`
			Length int    `json:"length"`
		}
		var es []entity
		for _, s := range ct.Spoilers {
			es = append(es, entity{"SPOILER", s.Offset, s.Length})
		}
		if err := enc("text_entities", es); err != nil {
			return err
		}
	}
	if ct.TextAttachment != nil {
		if err := enc("text_attachment", ct.TextAttachment); err != nil {
			return err
		}
	}
	if ct.GIF != nil {
		if err := enc("gif_attachment", ct.GIF); err != nil {
			return err
		}
	}
	if ct.SpoilerMedia {
		p.Set("is_spoiler_media", "true")
	}
	if ct.Ghost {
		p.Set("is_ghost_post", "true")
	}
	if ct.LocationID != "" {
		p.Set("location_id", ct.LocationID)
	}
	return nil
}
