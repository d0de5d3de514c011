//go:build linux || darwin || freebsd || netbsd || openbsd

package storage

import (
	"errors"
	"net"
	"syscall"
)

// idleAlive reports whether a pooled connection, idle since its last statement, is still open
// at the server's end. An idle PostgreSQL connection has nothing to read: the server speaks
// only when asked. Bytes waiting in the socket are the server's goodbye (a FATAL error, as a
// restart or pg_terminate_backend sends) and an end of stream means it closed; either way the
// connection is dead. One non-blocking peek, nothing consumed, answers it.
func idleAlive(conn net.Conn) bool {
	if tc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = tc.NetConn() // TLS: any unread record is as telling
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return true // not a socket we can look into; the statement will tell
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	// Control, not Read: pgx may have a reader of its own parked on the socket (its background
	// reader, started when a write was slow, reads on until bytes come), which holds the read
	// lock Read would wait for, forever on an idle connection. A peek beside it takes nothing
	// from it. (What that reader already took is out of sight; the statement will tell.)
	alive := true
	var b [1]byte
	err = raw.Control(func(fd uintptr) {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EINTR):
		case err != nil, n >= 0:
			alive = false // unread bytes, the end of the stream, or a reset
		}
	})
	return err == nil && alive
}
