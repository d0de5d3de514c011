// Package e2e holds the whole-system test of the real spindle binary: it builds
// ./cmd/spindle, runs `spindle serve` as a child process configured only through the
// environment, points it at loopback stand-ins for Threads, Slack, Telegram and a feed host,
// and drives it as people and CI systems would.
package e2e
