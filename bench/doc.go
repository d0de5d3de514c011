// Package bench compares Spindle's post queue with maragu.dev/goqite on the same
// send/receive/delete workload. It is its own module so the product's go.mod does not carry
// goqite: run it with `cd bench && go test -bench . -benchtime 3s`.
package bench
