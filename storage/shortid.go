package storage

import "crypto/rand"

// idAlphabet leaves out 0, 1, i, l and o, which people misread when typing an id from a chat.
const idAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// newPostID returns "p" and six characters from idAlphabet: about 887 million ids, short
// enough to type in `/threads cancel p7k2m9x`. Collisions are handled by the insert.
func newPostID() string {
	var b [7]byte
	rand.Read(b[1:]) // never fails on supported platforms
	b[0] = 'p'
	for i := 1; i < len(b); i++ {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:])
}
