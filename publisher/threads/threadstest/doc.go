// Package threadstest is an in-process simulator of Meta's Threads Graph
// API, in the manner of net/http/httptest: a real HTTP server on loopback
// that speaks the API's JSON with Meta's rules, so that every test in the
// project, and `spindle serve --sandbox`, exercise the real client over real
// HTTP.
//
// The rules follow the team's Threads API reference (threads-api.md): OAuth with
// single-use one-hour codes, one-hour short-lived and 60-day long-lived
// tokens, refresh only when at least 24 hours old and unexpired, expired
// tokens answering 190/463; scopes enforced with code 10; containers with
// the IN_PROGRESS → FINISHED | ERROR → PUBLISHED state machine, EXPIRED
// after 24 hours, and the "publish too soon" 24/4279009 window; media
// fetched over HTTP from image_url and video_url; code-100 validation
// including THREADS_API__LINK_LIMIT_EXCEEDED; moving 24-hour quotas;
// listing, retrieval and deletion. Where the reference marks Meta's
// behaviour as unconfirmed the simulator picks a plausible answer and lets
// Options replace it.
//
// The simulator shares no types with the client (package threads), so a
// mismatch between the client's idea of the JSON and the API's shows up as a
// failing test; it uses only threads.CountChars, threads.Links and the
// limits, so that the client's preflight and the "server" count alike.
//
// Time never passes by itself inside the simulator: every state (code and
// token expiry, container readiness and expiry, the quota window) is
// computed from Options.Clock when asked, so a ManualClock moves a test
// through days at once.
//
// In a test:
//
//	sim := threadstest.NewServer(threadstest.Options{Clock: clock})
//	t.Cleanup(sim.Close)
//	u := sim.AddUser("alice")
//	token := sim.IssueToken(u.ID)
//	// point the client at sim.URL (THREADS_API_URL) and
//	// sim.AuthorizeURL() (THREADS_AUTH_URL), publish, then:
//	if got := sim.Ledger(); len(got) != 1 { ... }
//
// In sandbox mode, mount it:
//
//	sim := threadstest.NewUnstartedServer(threadstest.Options{})
//	router.PathPrefix("/sandbox/threads/").Handler(http.StripPrefix("/sandbox/threads", sim))
//	// THREADS_API_URL = public URL + "/sandbox/threads",
//	// THREADS_AUTH_URL = public URL + "/sandbox/threads/oauth/authorize"
package threadstest
