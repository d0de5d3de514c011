package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// MaxRequestIDLen bounds a request id taken from outside (X-Request-ID, a delivery id). The id
// is stored with the post and written to every log line about it; unbounded, a caller could
// store kilobytes of markup per post and smuggle it into logs and the status page.
const MaxRequestIDLen = 128

type requestIDKey struct{}

// WithRequestID returns ctx carrying the id of the HTTP request (or chat update) being served,
// so a post records which request brought it and logs can follow it from door to result.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// SaneRequestID reports whether an id from outside may be kept: 1 to MaxRequestIDLen
// characters of letters, digits, '-', '_', '.' and ':'. Anything else is replaced, not
// escaped: an id is a correlation handle, and a fresh one serves as well.
func SaneRequestID(id string) bool {
	return id != "" && len(id) <= MaxRequestIDLen &&
		strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") == ""
}

// NewRequestID returns a fresh random request id (16 hex digits).
func NewRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
