package mcp

import (
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
)

// shapeArgs are the post shapes the post, schedule and preview tools take, in the REST API's
// names.
type shapeArgs struct {
	Poll         []string `json:"poll,omitempty" jsonschema:"a poll: 2 to 4 options of 1 to 25 characters each (text posts only)"`
	Long         bool     `json:"long,omitempty" jsonschema:"text over 500 characters goes out as one post with the rest attached (a text attachment, up to 10,000 characters) instead of a thread"`
	Thread       bool     `json:"thread,omitempty" jsonschema:"text over 500 characters goes out as a thread of replies, whatever the account's default"`
	ReplyControl string   `json:"replyControl,omitempty" jsonschema:"who may reply: everyone, following, mentioned, author or followers"`
	Ghost        bool     `json:"ghost,omitempty" jsonschema:"a ghost post, archived after 24 hours (text only, never a reply or a thread)"`
	TopicTag     string   `json:"topicTag,omitempty" jsonschema:"the post's topic tag: 1 to 50 characters, no . or &"`
	LocationID   string   `json:"locationId,omitempty" jsonschema:"a Threads location id (the account needs the threads_location_tagging permission)"`
}

// shape turns the arguments into the chat grammar's options, or a tool error naming what to
// fix.
func (a shapeArgs) shape() (bot.PostShape, *sdk.CallToolResult) {
	s := bot.PostShape{Long: a.Long, Thread: a.Thread, Ghost: a.Ghost, Location: strings.TrimSpace(a.LocationID),
		Topic: strings.TrimPrefix(strings.TrimSpace(a.TopicTag), "#")}
	if a.Long && a.Thread {
		return s, toolError("Choose long (one post with the text attached) or thread (a chain of replies), not both.")
	}
	for _, o := range a.Poll {
		if strings.Contains(o, "|") {
			return s, toolError("A poll option cannot contain “|”; rephrase it.")
		}
	}
	if len(a.Poll) > 0 {
		s.Poll = strings.Join(a.Poll, " | ")
	}
	rc, err := ingest.ReplyControl(a.ReplyControl)
	if err != nil {
		return s, toolError("replyControl takes " + ingest.ReplyWords + ".")
	}
	s.Replies = rc
	return s, nil
}
