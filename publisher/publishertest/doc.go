// Package publishertest is the test kit of the publishing stack: a real database
// (storagetest), the Threads simulator (threadstest) and the real publisher between them,
// with the token source tests use and a Run that publishes until a condition holds.
// Packages that test a door end to end (metrics, the chat doors, webhooks, feeds) build their
// stack with it instead of each wiring its own.
package publishertest
