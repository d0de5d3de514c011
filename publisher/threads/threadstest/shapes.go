package threadstest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of the richer shapes (reference §4.2, §5.1).
const (
	MaxTextAttachmentChars = 10000
	MaxTextEntities        = 10
	// GhostPostTTL is how long a ghost post stays before Threads archives it.
	GhostPostTTL = 24 * time.Hour
)

// Shapes are the container parameters beyond text and media: polls, spoilers, text
// attachments, GIFs, ghost posts and locations, as the simulator understood them.
type Shapes struct {
	Poll           []string // option_a.. in order
	TextEntities   []TextEntity
	SpoilerMedia   bool
	TextAttachment *TextAttachment
	GIF            *GIF
	Ghost          bool
	LocationID     string
}

// TextEntity is one text_entities entry (a spoiler).
type TextEntity struct {
	Type   string `json:"entity_type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// TextAttachment is a text_attachment as sent.
type TextAttachment struct {
	Plaintext string `json:"plaintext"`
	LinkURL   string `json:"link_attachment_url,omitempty"`
}

// GIF is a gif_attachment as sent.
type GIF struct {
	ID       string `json:"gif_id"`
	Provider string `json:"provider"`
}

var pollKeys = []string{"option_a", "option_b", "option_c", "option_d"}

var digits = regexp.MustCompile(`^[0-9]+$`)

// parseShapes reads and checks the JSON-valued and boolean shape parameters. Every refusal
// is code 100, Meta's invalid-parameter answer.
func parseShapes(f url.Values, p *Post) *GraphError {
	fail := func(format string, args ...any) *GraphError {
		e := errParam(format, args...)
		return &e
	}
	var gerr *GraphError
	if p.SpoilerMedia, gerr = parseBool(f, "is_spoiler_media"); gerr != nil {
		return gerr
	}
	if p.Ghost, gerr = parseBool(f, "is_ghost_post"); gerr != nil {
		return gerr
	}
	if v := f.Get("poll_attachment"); v != "" {
		if gerr := checkPoll(v); gerr != nil {
			return gerr
		}
		var poll map[string]string
		_ = json.Unmarshal([]byte(v), &poll)
		for _, k := range pollKeys[:len(poll)] {
			p.Poll = append(p.Poll, poll[k])
		}
	}
	if v := f.Get("text_entities"); v != "" {
		if json.Unmarshal([]byte(v), &p.TextEntities) != nil {
			return fail(`Param text_entities must be a JSON list of {"entity_type","offset","length"} objects.`)
		}
	}
	if v := f.Get("text_attachment"); v != "" {
		p.TextAttachment = &TextAttachment{}
		if json.Unmarshal([]byte(v), p.TextAttachment) != nil {
			return fail("Param text_attachment must be a JSON object.")
		}
	}
	if v := f.Get("gif_attachment"); v != "" {
		p.GIF = &GIF{}
		if json.Unmarshal([]byte(v), p.GIF) != nil {
			return fail(`Param gif_attachment must be a JSON object {"gif_id","provider"}.`)
		}
	}
	p.LocationID = f.Get("location_id")
	return nil
}

// checkShapes applies Meta's documented rules of the richer shapes (D-polls, D-spoilers,
// D-textattach, D-ghost, D-location). Which parameters go only with TEXT is
// checkCombinations'.
func checkShapes(p Post) *GraphError {
	fail := func(format string, args ...any) *GraphError {
		e := errParam(format, args...)
		return &e
	}
	if len(p.TextEntities) > MaxTextEntities {
		return fail("A post can have at most %d text spoiler entities, got %d.", MaxTextEntities, len(p.TextEntities))
	}
	n := utf8.RuneCountInString(p.Text)
	for i, e := range p.TextEntities {
		if e.Type != "SPOILER" && e.Type != "spoiler" {
			return fail("Param text_entities[%d].entity_type must be SPOILER, got %q.", i, e.Type)
		}
		if e.Offset < 0 || e.Length < 1 || e.Offset+e.Length > n {
			return fail("Param text_entities[%d] (offset %d, length %d) must lie within the text (%d characters).", i, e.Offset, e.Length, n)
		}
	}
	if ta := p.TextAttachment; ta != nil {
		switch {
		case strings.TrimSpace(ta.Plaintext) == "":
			return fail("Param text_attachment.plaintext is required.")
		case utf8.RuneCountInString(ta.Plaintext) > MaxTextAttachmentChars:
			return fail("Param text_attachment.plaintext must be at most %d characters long.", MaxTextAttachmentChars)
		case ta.LinkURL != "" && !isHTTPURL(ta.LinkURL):
			return fail("Param text_attachment.link_attachment_url must be a valid public http(s) URL.")
		case len(p.Poll) > 0:
			return fail("A text attachment cannot be used with a poll_attachment.")
		case p.LinkAttachment != "":
			return fail("A text attachment cannot be used on a post that has a link_attachment.")
		}
	}
	if g := p.GIF; g != nil && (g.ID == "" || (g.Provider != "TENOR" && g.Provider != "GIPHY")) {
		return fail("Param gif_attachment needs a gif_id and a provider (TENOR or GIPHY).")
	}
	if p.Ghost && p.ReplyToID != "" {
		return fail("A ghost post cannot be a reply.")
	}
	if p.LocationID != "" && !digits.MatchString(p.LocationID) {
		return fail("Param location_id must be the id of a location from location_search, got %q.", p.LocationID)
	}
	return nil
}

// renderShape answers a media field of the richer shapes; ok is false for a field that is
// not one of them. Fields with no value are left out, as Graph does.
func (m *media) renderShape(name string, now time.Time) (v any, present, ok bool) {
	p := m.post
	switch name {
	case "poll_attachment":
		return m.pollAttachment(now), len(p.Poll) > 0, true
	case "text_entities":
		return map[string]any{"data": p.TextEntities}, len(p.TextEntities) > 0, true
	case "is_spoiler_media":
		return p.SpoilerMedia, true, true
	case "text_attachment":
		return p.TextAttachment, p.TextAttachment != nil, true
	case "gif_url":
		if p.GIF == nil {
			return nil, false, true
		}
		return fmt.Sprintf("https://media.%s.com/sim/%s.gif", strings.ToLower(p.GIF.Provider), url.PathEscape(p.GIF.ID)), true, true
	case "location_id":
		return p.LocationID, p.LocationID != "", true
	case "ghost_post_status":
		status := "ACTIVE"
		if !now.Before(m.at.Add(GhostPostTTL)) {
			status = "ARCHIVED"
		}
		return status, p.Ghost, true
	case "ghost_post_expiration_timestamp":
		return m.at.Add(GhostPostTTL).UTC().Format(TimestampLayout), p.Ghost, true
	}
	return nil, false, false
}

// pollAttachment is the poll_attachment object: the options, each option's share of the
// votes as a 0–1 float, the total, and when voting ends (24 hours after publishing).
func (m *media) pollAttachment(now time.Time) map[string]any {
	out := map[string]any{}
	total := 0
	for _, v := range m.votes {
		total += v
	}
	for i, o := range m.post.Poll {
		out[pollKeys[i]] = o
		share := 0.0
		if total > 0 && i < len(m.votes) {
			share = float64(m.votes[i]) / float64(total)
		}
		out[pollKeys[i]+"_votes_percentage"] = share
	}
	out["total_votes"] = total
	out["expiration_timestamp"] = m.at.Add(24 * time.Hour).UTC().Format(TimestampLayout)
	return out
}

// SetPollVotes records votes for a published poll, one count per option in order, as if
// people had voted; poll_attachment reports them from then on. It reports false for a media id
// that is not a poll.
func (s *Server) SetPollVotes(mediaID string, votes ...int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.media[mediaID]
	if !ok || len(m.post.Poll) == 0 || len(votes) > len(m.post.Poll) {
		return false
	}
	m.votes = append([]int(nil), votes...)
	return true
}
