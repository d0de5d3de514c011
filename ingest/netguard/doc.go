// Package netguard is the one gate every outbound fetch Spindle makes on someone else's behalf
// goes through: feed polls (ingest/rss), webhook result callbacks (ingest/webhook) and the
// sandbox simulator's media downloads. A URL is outside input: without a gate, anyone who may
// add a feed or name a callback could make Spindle read its own metadata service, an admin
// page on the LAN or a database port (server-side request forgery).
//
// The check runs in the dialer's ControlContext hook, on the address actually being
// connected to, after DNS: checking a URL's host name up front would let DNS rebinding (a
// name that resolves to a public address when checked and to 127.0.0.1 when dialled) and
// redirects to internal addresses through. CheckURL adds an early, friendlier refusal of
// obviously internal URLs (an IP literal, localhost) at the moment a person types them, but
// the dial-time check is the one that holds.
//
// SPINDLE_ALLOW_PRIVATE_URLS=true (Options.AllowPrivate) turns the gate off, for LAN-only
// setups and for tests whose servers listen on loopback.
package netguard
