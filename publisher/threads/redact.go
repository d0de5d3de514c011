package threads

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
)

// redacted replaces a secret wherever it would be shown.
const redacted = "[REDACTED]"

// redactString removes every secret from s, raw and in its URL-escaped
// forms (an app token "TH|id|x" travels as "TH%7Cid%7Cx").
func redactString(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			s = strings.ReplaceAll(s, form, redacted)
		}
	}
	return s
}

func redactBytes(b []byte, secrets []string) []byte {
	for _, sec := range secrets {
		if sec == "" || !bytes.Contains(b, []byte(sec)) && !bytes.Contains(b, []byte(url.QueryEscape(sec))) {
			continue
		}
		return []byte(redactString(string(b), secrets))
	}
	return b
}

// redactURL blanks the secret parameters of a URL and any listed secret.
func redactURL(raw string, secrets []string) string {
	u, err := url.Parse(raw)
	if err == nil {
		q := u.Query()
		changed := false
		// Parameters whose values are always secret, whatever was listed.
		for _, k := range []string{"access_token", "client_secret", "code", "input_token"} {
			if q.Has(k) {
				q.Set(k, redacted)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
		u.User = nil
		raw = u.String()
	}
	return redactString(raw, secrets)
}

// redactErr returns err with every secret removed from its text. A
// *url.Error (which net/http returns with the request's full URL) is
// rebuilt with the URL redacted. An error whose own text holds a secret is
// replaced by a sanitized copy that still answers errors.Is for its causes
// (context.DeadlineExceeded, net timeouts) but no longer unwraps to the
// original, so errors.As cannot dig the secret back out.
func redactErr(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	if ue, ok := err.(*url.Error); ok {
		return &url.Error{Op: ue.Op, URL: redactURL(ue.URL, secrets), Err: redactErr(ue.Err, secrets)}
	}
	msg := err.Error()
	clean := redactString(msg, secrets)
	if ue, ok := asURLError(err); ok && ue.URL != "" {
		clean = strings.ReplaceAll(clean, ue.URL, redactURL(ue.URL, secrets))
	}
	if clean == msg {
		return err
	}
	return &sanitizedError{msg: clean, cause: err}
}

type sanitizedError struct {
	msg   string
	cause error
}

func (e *sanitizedError) Error() string { return e.msg }

// Is lets errors.Is see through to the causes without exposing them.
func (e *sanitizedError) Is(target error) bool { return errors.Is(e.cause, target) }

// Timeout reports whether the cause was a timeout, as net.Error does.
func (e *sanitizedError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.cause, &t) && t.Timeout()
}

func asURLError(err error) (*url.Error, bool) {
	var ue *url.Error
	ok := errors.As(err, &ue)
	return ue, ok
}
