package rss

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/spindle-threads/spindle/ingest/netguard"
)

// Explain says in plain words why a feed could not be read, for `feeds add` refusals, `feeds
// list` and chat: Go's transport errors (`Get "…": context deadline exceeded (Client.Timeout
// exceeded while awaiting headers)`) mean nothing to the person who pasted a URL. It promises
// nothing about retrying: whether Spindle retries depends on whether the feed was added.
func Explain(err error) string {
	var (
		pe   *PanicError
		se   *StatusError
		dns  *net.DNSError
		cert *tls.CertificateVerificationError
		unk  x509.UnknownAuthorityError
		host x509.HostnameError
		ne   net.Error
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return "Spindle hit an internal error while reading this feed (details are in the server log)"
	case errors.As(err, &se):
		if se.Code == http.StatusTooManyRequests || se.Code == http.StatusServiceUnavailable {
			return fmt.Sprintf("the feed server answered %s: it asks to be polled less often", se.Status)
		}
		return strings.Replace(se.Error(), "feed server", "the feed server", 1)
	case errors.Is(err, netguard.ErrPrivateAddress):
		return "the feed URL points at a private or local network address, which Spindle does not fetch " +
			"(the operator can allow it with SPINDLE_ALLOW_PRIVATE_URLS)"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return fmt.Sprintf("the host name %s does not exist; check the feed URL for a typo", dns.Name)
		}
		return fmt.Sprintf("the host name %s could not be looked up (DNS failed)", dns.Name)
	case errors.As(err, &cert), errors.As(err, &unk), errors.As(err, &host):
		return "the feed server's HTTPS certificate is not valid, so Spindle does not trust what it sends"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the feed server refused the connection: nothing answers at that address and port"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "the feed server did not answer in time"
	case errors.Is(err, ErrNotAFeed), errors.Is(err, ErrInvalidFeed):
		return err.Error()
	}
	return err.Error()
}

// AddError is a feed that was not added: its message is Explain's, and it wraps the cause for
// errors.Is (ErrNotAFeed, ErrInvalidFeed, ErrGone, …).
type AddError struct{ err error }

func (e *AddError) Error() string {
	return "could not read the feed, so it was not added: " + e.Reason() + ". Nothing was saved; fix the URL or try again later"
}

// Reason is why the feed could not be read, in plain words, for a door that words the rest.
func (e *AddError) Reason() string { return Explain(e.err) }

func (e *AddError) Unwrap() error { return e.err }
