package api

import (
	"github.com/spindle-threads/spindle/storage"
)

// shapeJSON is a post's shapes as the API shows them, in the names a request gives them.
type shapeJSON struct {
	Poll           []string          `json:"poll,omitempty"`
	TextAttachment *attachmentJSON   `json:"textAttachment,omitempty"`
	Spoilers       []storage.Spoiler `json:"spoilers,omitempty"`
	SpoilerMedia   bool              `json:"spoilerMedia,omitempty"`
	ReplyControl   string            `json:"replyControl,omitempty"`
	Ghost          bool              `json:"ghost,omitempty"`
	TopicTag       string            `json:"topicTag,omitempty"`
	LocationID     string            `json:"locationId,omitempty"`
	GIF            *storage.GIF      `json:"gif,omitempty"`
}

type attachmentJSON struct {
	Text string `json:"text"`
	Link string `json:"link,omitempty"`
}

func shapeView(p storage.Post) shapeJSON {
	s := p.Shape
	out := shapeJSON{Poll: s.Poll, Spoilers: s.Spoilers, SpoilerMedia: s.SpoilerMedia, ReplyControl: s.ReplyControl,
		Ghost: s.Ghost, TopicTag: p.TopicTag, LocationID: s.LocationID, GIF: s.GIF}
	if ta := s.TextAttachment; ta != nil {
		out.TextAttachment = &attachmentJSON{Text: ta.Plaintext, Link: ta.LinkURL}
	}
	return out
}
