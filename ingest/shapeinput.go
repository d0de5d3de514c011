package ingest

import (
	"strings"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// Shapes are the post shapes as the machine doors (REST, webhooks, MCP, the CLI) take them,
// in the REST API's spelling; the webhook body spells the same fields in snake_case.
type Shapes struct {
	Poll           []string          `json:"poll,omitempty"`
	TextAttachment *AttachmentInput  `json:"textAttachment,omitempty"`
	Spoilers       []threads.Spoiler `json:"spoilers,omitempty"`
	SpoilerMedia   bool              `json:"spoilerMedia,omitempty"`
	ReplyControl   string            `json:"replyControl,omitempty"`
	Ghost          bool              `json:"ghost,omitempty"`
	TopicTag       string            `json:"topicTag,omitempty"`
	LocationID     string            `json:"locationId,omitempty"`
	GIF            *threads.GIF      `json:"gif,omitempty"`
	// Long sends a text over 500 characters as one post with a text attachment, not a chain.
	Long bool `json:"long,omitempty"`
}

// AttachmentInput is a text attachment as the doors take it.
type AttachmentInput struct {
	Text string `json:"text"`
	Link string `json:"link,omitempty"`
}

// Apply puts the shapes on r and takes ||spoiler|| markup out of its text: spoilers given as
// offsets count characters of the text without the markup. Only a bad reply-control word is
// an error here; every other rule is the preflight's.
func (s Shapes) Apply(r *Request) error {
	rc, err := ReplyControl(s.ReplyControl)
	if err != nil {
		return err
	}
	text, marked := SpoilerMarkup(r.Text)
	r.Text = text
	r.Spoilers = append(append(r.Spoilers, s.Spoilers...), marked...)
	if len(s.Poll) > 0 {
		r.Poll = s.Poll
	}
	if a := s.TextAttachment; a != nil {
		r.TextAttachment = &threads.TextAttachment{Plaintext: a.Text, LinkURL: a.Link}
	}
	if s.TopicTag != "" {
		r.TopicTag = strings.TrimPrefix(s.TopicTag, "#")
	}
	r.SpoilerMedia = r.SpoilerMedia || s.SpoilerMedia
	r.Ghost = r.Ghost || s.Ghost
	r.Long = r.Long || s.Long
	if rc != "" {
		r.ReplyControl = rc
	}
	if s.LocationID != "" {
		r.LocationID = s.LocationID
	}
	if s.GIF != nil {
		r.GIF = s.GIF
	}
	return nil
}
