package ingest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"
)

// RequestDigest is the hex SHA-256 of what the normalized request r asks for: the same post
// asked for twice gives the same digest, whatever the door's spelling of it was (key order,
// spacing, escapes). Origin, RequestID and the key itself are left out: a retry may come with
// a new request id or delivery id and is still the same request; the account is part of the
// key's lookup. Every field is length-prefixed, so no two requests share an encoding.
func RequestDigest(r Request) string {
	b := make([]byte, 0, 128+len(r.Text))
	str := func(s string) []byte { return append(binary.BigEndian.AppendUint64(b, uint64(len(s))), s...) }
	b = str(r.Text)
	b = binary.BigEndian.AppendUint64(b, uint64(len(r.Media)))
	for _, m := range r.Media {
		b = str(string(m.Kind))
		b = str(m.URL)
		b = str(m.AltText)
	}
	b = str(r.ReplyToID)
	b = str(r.QuoteID)
	b = str(r.LinkAttachment)
	b = str(strings.TrimPrefix(r.TopicTag, "#"))
	thread := uint64(0)
	if r.Thread {
		thread = 1
	}
	b = binary.BigEndian.AppendUint64(b, thread)
	at := int64(0) // "now"
	if !r.ScheduledAt.IsZero() {
		at = r.ScheduledAt.Truncate(time.Millisecond).UnixMilli()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	if r.BySlot { // only then, so digests stored before slots existed still match
		b = append(b, "next-slot"...)
	}
	if k := shapeKey(r); k != "" {
		b = str(k)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
