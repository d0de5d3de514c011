package storage

import (
	"crypto/rand"
	"time"
)

// idAlphabet leaves out 0, 1, i, l and o, which people misread when typing an id from a chat.
const idAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// newPostID returns "p" and six characters from idAlphabet: about 887 million ids, short
// enough to type in `/threads cancel p7k2m9x`. Collisions are handled by the insert.
//
// The first three characters count 10 ms ticks (wrapping every five minutes) and the last
// three are random. Ids drawn close in time therefore sort close together, so a batch of
// inserts touches one or two pages of the posts.id index instead of one random page each:
// with group commit that is most of what a commit writes to the WAL.
func newPostID(now time.Time) string {
	var b [7]byte
	rand.Read(b[4:]) // never fails on supported platforms
	b[0] = 'p'
	n := len(idAlphabet)
	tick := int(now.UnixMilli()/10) % (n * n * n)
	b[1], b[2], b[3] = idAlphabet[tick/(n*n)], idAlphabet[tick/n%n], idAlphabet[tick%n]
	for i := 4; i < len(b); i++ {
		b[i] = idAlphabet[int(b[i])%n]
	}
	return string(b[:])
}

// postID draws a new post's id.
func (db *DB) postID() string {
	if db.drawID != nil {
		return db.drawID()
	}
	return newPostID(time.Now())
}
