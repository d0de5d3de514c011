package ingest

import "context"

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
