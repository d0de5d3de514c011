// Package accounts links chat identities to Threads accounts and guards what each identity may
// do with them.
//
// A person asks their chat door to connect; the door asks LinkFor for a short, single-use link
// (15 minutes) under SPINDLE_PUBLIC_URL. Opening it (GET /api/auth/threads?link=…) shows who is
// being linked and a Continue link to Threads' authorize page, with a signed, expiring,
// single-use OAuth state bound to that identity and to the browser (an HttpOnly cookie the
// state commits to a hash of; the callback refuses any other browser). Threads sends the browser back to GET /api/auth/threads/callback, where the code is
// exchanged for a short-lived and then a long-lived token, /me says which account it is, and
// the account is stored with its token sealed (AES-256-GCM) and the identity as its owner. The
// owner may grant other identities the right to post to it and revoke that right; CanPost,
// CanManage and AccountsFor are the one authorisation every door and the REST API ask.
//
// Secrets are derived from SPINDLE_SECRET_KEY with HKDF-SHA256 under distinct purpose labels
// (token sealing, OAuth state signing), so neither key can stand in for the other. Tokens are
// never logged, never returned in an error, and never stored in clear; API tokens and connect
// link tokens are stored only as SHA-256 hashes.
package accounts
