//go:build linux && cgo

package storage

/*
#include <malloc.h>

// SQLite allocates and frees about a hundred kilobytes for every statement that sorts or
// returns rows through a temporary b-tree (ORDER BY without an index, RETURNING). glibc then
// hands the memory back to the kernel (madvise, a TLB flush on every core) and faults it in
// again on the next statement: on this project's machine that tripled the cost of a small
// List. Keeping up to 8 MiB free per arena stops the churn; it is memory SQLite asks for
// again at once. Other C libraries (musl) have no such knob, and skip this.
static void keep_freed_memory(void) {
#if defined(__GLIBC__) && defined(M_TRIM_THRESHOLD)
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
#endif
}
*/
import "C"

import "sync"

var tuneAllocator sync.Once

// keepFreedMemory applies keep_freed_memory once per process; Open calls it.
func keepFreedMemory() { tuneAllocator.Do(func() { C.keep_freed_memory() }) }
