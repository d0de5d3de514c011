// Package webhook is Spindle's door for signed inbound webhooks: CI systems, GitHub, GitLab and
// content management systems POST a JSON body to /hooks/{source}, and the handler turns it into
// an ingest.Request once the signature has been checked.
//
// The package holds the pure core of that door — signature schemes (verify.go, sign.go), the
// generic body (body.go), per-source templates and ready-made presets over foreign payloads
// (template.go, funcs.go, presets.go), the HTTP handler (handler.go, build.go, errors.go) and
// the sender of signed result callbacks (callback.go). Storage is reached only through the
// small interfaces the handler declares (Sources, Enqueuer in source.go), so cmd/spindle plugs
// the SQLite stores in and tests plug fakes in.
//
// The handler verifies before it parses: the raw body is read once under a cap (1 MiB; 25 MB,
// GitHub's own limit, for a GitHub or GitLab event sent to a source of that scheme), the
// signature is checked over those exact bytes, and only then is JSON decoded. A source made
// with only a GitHub or GitLab scheme understands its provider's events (provider.go). Every rejection
// happens before Enqueue is called, so a rejected request changes nothing.
//
// Replays are folded into the idempotency key: the key of every request is, in order of
// preference, the body's idempotency_key, the key a preset derives from the payload (a release
// id, a commit sha), or the delivery id of the scheme (webhook-id, X-GitHub-Delivery,
// Idempotency-Key). The key is namespaced by source (its scope in the queue), and the queue's
// unique key makes "seen before" and "enqueue" one atomic step: a replayed delivery answers the
// same post id and is never enqueued twice. A sender's own key and a delivery id are strict: the
// same one with a different post is answered 409, never with the first post.
//
// Standard Webhooks deliveries carry a signed id and timestamp and are refused outside a
// five-minute window. GitHub signs only the body (and GitLab's token signs nothing), so their
// delivery id header can be changed by whoever captured a delivery: when the key would be that
// id, the handler also hands the queue the body's SHA-256, and a body already accepted for the
// source within storage.BodyReplayWindow answers its first post.
package webhook
