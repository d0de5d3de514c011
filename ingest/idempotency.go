package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// digestFields is what a request asks for, in a fixed order: its fingerprint must not change
// with the door's spelling of the body (key order, spacing), only with what would be posted.
// Origin, RequestID and the key itself are left out: a retry may come with a new request id or
// a new delivery id and is still the same request. The account is part of the key's lookup.
type digestFields struct {
	Text           string  `json:"t"`
	Media          []Media `json:"m"`
	ReplyToID      string  `json:"r"`
	QuoteID        string  `json:"q"`
	LinkAttachment string  `json:"l"`
	TopicTag       string  `json:"g"`
	Thread         bool    `json:"th"`
	ScheduledAt    int64   `json:"s"` // unix ms; 0 for "now"
}

// RequestDigest is the hex SHA-256 of the normalized request r: the same post asked for twice
// gives the same digest, whatever the door's encoding was.
func RequestDigest(r Request) string {
	f := digestFields{Text: r.Text, Media: r.Media, ReplyToID: r.ReplyToID, QuoteID: r.QuoteID,
		LinkAttachment: r.LinkAttachment, TopicTag: strings.TrimPrefix(r.TopicTag, "#"), Thread: r.Thread}
	if !r.ScheduledAt.IsZero() {
		f.ScheduledAt = r.ScheduledAt.UTC().Truncate(time.Millisecond).UnixMilli()
	}
	b, _ := json.Marshal(f) // plain strings, bools and ints: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
