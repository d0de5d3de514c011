// Package testsignal lets a test wait for what another goroutine did, instead of sleeping or
// polling. It is modelled on River's internal/testsignal.
//
// A Signal is a field of a production struct (publisher.TestSignals, rss.TestSignals). Its
// zero value is what production runs with: Signal does nothing and costs a nil check. A test
// calls Init, hands the struct to the code under test, and then waits: Wait for the next value,
// WaitFor for one it is looking for, Until for a condition re-checked after each value. Every
// wait ends in t.Fatal after a timeout that is long on purpose (a loaded CI machine), so a
// passing test never waits for the timeout and a failing one says what it waited for.
//
// Eventually is the one polling wait, for the few conditions no signal can announce: another
// process (the real binary in e2e, a server started in-process through cmd/spindle's
// wiring), or a file appearing. Everything in-process should wait on a Signal.
//
// The package imports no testing package: production code imports it for the Signal type.
package testsignal
