package threads

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Class says what a caller should do about a failed call, following the
// retry policy of the team's Threads API reference (threads-api.md §7.5).
type Class int

// The classes of failure. The zero value is ClassPermanent, so an error that
// was never classified is not retried by accident.
const (
	// ClassPermanent: the call failed for a reason no retry will fix and
	// that fits no narrower class. Do not retry; report it.
	ClassPermanent Class = iota
	// ClassTransient: network failure, timeout, 5xx, Graph codes 1 and 2 or
	// is_transient. Retry with exponential backoff and jitter.
	ClassTransient
	// ClassRateLimited: HTTP 429 or Graph throttling codes 4, 17, 32, 341,
	// 613 (and the quota answer). Wait RetryAfter when known, else minutes.
	ClassRateLimited
	// ClassAuth: the access token is expired, revoked or invalid (190, 102),
	// or an OAuth code was bad. Refresh if possible, else link again.
	ClassAuth
	// ClassPermission: the app or token lacks a permission (10, 3,
	// 200–299). Not retried; fix the app's scopes or App Review.
	ClassPermission
	// ClassValidation: Threads refused the request's parameters (100 and
	// THREADS_API__* codes, media that could not be fetched). Not retried;
	// fix the post.
	ClassValidation
	// ClassMediaNotReady: 24/4279009 "Media Not Found" from publishing a
	// container too soon. Wait, check the container, publish it again.
	ClassMediaNotReady
	// ClassNotFound: the object does not exist or this token cannot see it
	// (100/33). Not retried.
	ClassNotFound
	// ClassRestricted: Threads restricted the account (368, 2207051,
	// 4279013). Stop publishing for the account and alert a person.
	ClassRestricted
)

func (c Class) String() string {
	switch c {
	case ClassPermanent:
		return "permanent"
	case ClassTransient:
		return "transient"
	case ClassRateLimited:
		return "rate-limited"
	case ClassAuth:
		return "auth"
	case ClassPermission:
		return "permission"
	case ClassValidation:
		return "validation"
	case ClassMediaNotReady:
		return "media-not-ready"
	case ClassNotFound:
		return "not-found"
	case ClassRestricted:
		return "restricted"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Retryable reports whether the same call may succeed if made again later:
// transient, rate-limited and media-not-ready failures.
func (c Class) Retryable() bool {
	return c == ClassTransient || c == ClassRateLimited || c == ClassMediaNotReady
}

// Error is every failure of a Client call: an error answer from Threads, an
// answer that could not be understood, or a network failure (then Err holds
// the cause, with any URL redacted). No field ever holds an access token,
// app secret or authorization code.
type Error struct {
	Op         string // what the client was doing, e.g. "publish container"
	Class      Class
	HTTPStatus int // 0 when no answer came
	// Code, Subcode, Type, Message, IsTransient and TraceID are Meta's
	// code, error_subcode, type, message, is_transient and fbtrace_id
	// (or the flat OAuth shape's error_type, code/error_code, error_message).
	Code        int
	Subcode     int
	Type        string
	Message     string
	IsTransient bool
	TraceID     string
	// APICode is a THREADS_API__* code string found in the answer, such as
	// THREADS_API__LINK_LIMIT_EXCEEDED.
	APICode string
	// RetryAfter is the wait the answer's Retry-After header asked for;
	// zero when it gave none.
	RetryAfter time.Duration
	// MaybePublished is set on a failed publish (threads_publish, or a
	// container created with auto_publish_text) whose outcome is unknown:
	// the post may be live. Never publish again blindly; check the
	// container's status and RecentThreads first.
	MaybePublished bool
	// Reason explains the failure to a person and says what to do.
	Reason string
	// Scope is the permission a refused call needs beyond threads_basic and
	// threads_content_publish (threads_delete, threads_manage_replies), set on
	// permission refusals of the calls that need one: the token most likely
	// lacks it, and linking the account again with it fixes the failure.
	Scope string
	// Err is the underlying cause of a network or decoding failure.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("threads: ")
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	var details []string
	if e.Code != 0 {
		d := fmt.Sprintf("code %d", e.Code)
		if e.Subcode != 0 {
			d += fmt.Sprintf("/%d", e.Subcode)
		}
		details = append(details, d)
	}
	if e.APICode != "" {
		details = append(details, e.APICode)
	}
	if e.HTTPStatus != 0 {
		details = append(details, fmt.Sprintf("HTTP %d", e.HTTPStatus))
	}
	if e.TraceID != "" {
		details = append(details, "fbtrace_id "+e.TraceID)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, " (Threads said: %q", e.Message)
		if len(details) > 0 {
			b.WriteString("; " + strings.Join(details, ", "))
		}
		b.WriteString(")")
	} else if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, ", ") + ")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err if it is or wraps an *Error. Any other
// non-nil error is ClassPermanent; nil is ClassPermanent too, so check err
// first.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassPermanent
}

// IsTransient reports whether err is a transient failure worth retrying
// with backoff.
func IsTransient(err error) bool { return err != nil && ClassOf(err) == ClassTransient }

// IsRateLimited reports whether err says to slow down; RetryAfter tells for
// how long when Threads said.
func IsRateLimited(err error) bool { return err != nil && ClassOf(err) == ClassRateLimited }

// IsAuth reports whether err means the token is no longer good.
func IsAuth(err error) bool { return err != nil && ClassOf(err) == ClassAuth }

// IsMediaNotReady reports whether err is the publish-too-soon 24/4279009.
func IsMediaNotReady(err error) bool { return err != nil && ClassOf(err) == ClassMediaNotReady }

// IsRetryable reports whether the same call may succeed later.
func IsRetryable(err error) bool { return err != nil && ClassOf(err).Retryable() }

// MaybePublished reports whether err comes from a publish whose outcome is
// unknown, so that the post may be live despite the error.
func MaybePublished(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.MaybePublished
}

// RetryAfter returns how long Threads asked the caller to wait, or zero.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
