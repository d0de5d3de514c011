// Package threads is Spindle's client for Meta's Threads Graph API, and the
// preflight rules (text length, links, topic tags, carousels) that ingest
// shares with it so that a bad post is refused at the door, not at publish.
//
// The client covers what Spindle needs: OAuth (authorize URL, code exchange,
// long-lived exchange, refresh), the profile, containers (create, status,
// publish, auto_publish_text), permalink lookup, deletion, the publishing
// quotas and the user's recent posts, which reconcile a publish whose answer
// was lost. Every call takes a context and the access token; the base URL is
// configurable (THREADS_API_URL) so that tests and the sandbox talk to the
// in-process simulator in package threadstest over real HTTP.
//
// Every failure is an *Error whose Class says what to do (retry, back off,
// re-authenticate, fix the post, stop), following the retry policy of the
// team's API reference, and which never contains an access token, app
// secret or authorization code: those travel in URLs and bodies, and are
// redacted from every error, wrapped *url.Error and log line.
//
// The behaviour follows /work/shared/threads-api.md. Where Meta's behaviour
// is unconfirmed (the flat vs Graph error shapes, user_id as number or
// string, expires_in on the code exchange, where THREADS_API__* codes
// appear) the client accepts every plausible form.
package threads
