//go:build !linux || !cgo

package storage

// keepFreedMemory only matters for glibc's allocator; see malloc_linux.go.
func keepFreedMemory() {}
