// Package ingest is Spindle's one way in: every door (Slack, Telegram, webhooks, feeds, the
// REST API, the CLI) builds a Request, and the Service validates it against Threads' rules and
// commits it to the durable queue before the door answers anyone.
package ingest

import (
	"encoding/json"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
)

// Door names the front-end a request came through. It is stored with the post so the result
// can be reported back through the same door.
type Door string

// The doors Spindle has.
const (
	DoorSlack    Door = "slack"
	DoorTelegram Door = "telegram"
	DoorWebhook  Door = "webhook"
	DoorFeed     Door = "feed"
	DoorAPI      Door = "api"
	DoorCLI      Door = "cli"
)

// Origin says where a request came from and where its result goes. Ref is opaque to everyone
// but the door that wrote it (a Slack response_url and channel, a Telegram chat and message id,
// a webhook callback URL); it is stored verbatim as JSON.
type Origin struct {
	Door Door            `json:"door"`
	Ref  json.RawMessage `json:"ref,omitempty"`
}

// MediaKind is the kind of one media attachment.
type MediaKind string

// Media kinds Threads accepts.
const (
	MediaImage MediaKind = "image"
	MediaVideo MediaKind = "video"
)

// Media is one image or video, fetched by Meta from a public URL.
type Media struct {
	Kind    MediaKind `json:"kind"`
	URL     string    `json:"url"`
	AltText string    `json:"alt_text,omitempty"`
}

// Request is the normalized post request every door builds.
type Request struct {
	Origin    Origin
	AccountID int64 // the linked Threads account to publish as (storage id)

	Text           string
	Media          []Media // none: text post; one: image/video; 2–20: carousel
	ReplyToID      string  // Threads media id to reply to
	QuoteID        string  // Threads media id to quote
	LinkAttachment string  // URL shown as the link preview (text posts only)
	TopicTag       string
	Thread         bool // text over 500 may be split into a reply chain
	// Long sends a text over 500 characters as one post with a text attachment instead of a
	// chain: the first part (as Split cuts it) is the post's text, the rest its attachment, and
	// a link attachment becomes the attachment's link. It wins over Thread.
	Long bool

	// The shapes beyond text and media (threads-api.md §4.2); threads.Validate holds Meta's
	// rules for each.
	Poll           []string                // 2–4 options of 1–25 characters; text posts only
	TextAttachment *threads.TextAttachment // up to 10,000 characters and a link; text only
	Spoilers       []threads.Spoiler       // hidden ranges of Text, in characters; at most 10
	SpoilerMedia   bool                    // hide the image, video or carousel
	ReplyControl   string                  // who may reply: threads.Reply* values
	Ghost          bool                    // archived after 24 hours; text only, never a reply
	LocationID     string                  // needs the threads_location_tagging permission
	GIF            *threads.GIF            // text posts only

	ScheduledAt time.Time // zero: as soon as possible
	// BySlot puts the post in the account's next free posting slot instead (ScheduledAt must
	// be zero); an account without slots is refused with storage.ErrNoSlots.
	BySlot bool
	// Grantee says the post was made by someone the account's owner granted it to, not the owner
	// (chat doors set it); an approval policy may hold such posts. Author is who made it (an
	// identity key), told when the approvers decide.
	Grantee bool
	Author  string

	IdempotencyKey string // same key from the same caller, for the same account, returns the existing post
	RequestID      string // follows the post through the logs

	// KeyScope is whose IdempotencyKey it is: an API token's identity, a chat identity, a
	// webhook source. Another caller's identical key is another post, never this one's. Empty
	// only for doors whose keys carry their own namespace (feeds, the CLI).
	KeyScope string
	// StrictKey marks a key the caller chose for one request (REST Idempotency-Key, a webhook's
	// idempotency_key or delivery id): the same key with a different request is refused with a
	// *storage.KeyConflictError rather than answered with the first post. Keys a door derives
	// from content (a feed item, a release id) are not strict: a changed item is the same item.
	StrictKey bool
	// BodyDigest is the hex SHA-256 of a signed body the door verified: the same body again
	// from the same KeyScope within storage.BodyReplayWindow answers the first post. Set by
	// doors whose signatures cover no timestamp or delivery id (GitHub).
	BodyDigest string
}
