package config

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// redacted is what every printing path shows instead of a set secret.
const redacted = "[redacted]"

// Secret holds a credential (an app secret, a bot token, a signing secret, the encryption key).
// It is a struct rather than a string so that no conversion, format verb, JSON or text
// encoding and no slog handler can print it by accident: every one of them shows "[redacted]",
// or "" when the secret is unset. The only way to the value is the explicit Reveal, which makes
// each use easy to find in review.
type Secret struct {
	value string
}

// NewSecret wraps a value as a Secret. Tests and callers that build a Config by hand use it.
func NewSecret(value string) Secret { return Secret{value: value} }

// Reveal returns the secret's value. Call it only where the value is handed to the party it is
// meant for (an HMAC key, an Authorization header), never to build a message.
func (s Secret) Reveal() string { return s.value }

// Matches reports whether v equals the secret, in constant time, so that comparing a
// presented password or token does not leak how much of it was right. An unset secret matches
// nothing.
func (s Secret) Matches(v string) bool {
	return s.value != "" && subtle.ConstantTimeCompare([]byte(s.value), []byte(v)) == 1
}

// IsSet reports whether the secret has a non-empty value.
func (s Secret) IsSet() bool { return s.value != "" }

// String returns "[redacted]" when the secret is set and "" when it is not.
func (s Secret) String() string {
	if s.value == "" {
		return ""
	}
	return redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return fmt.Sprintf("config.Secret(%q)", s.String()) }

// Format makes every verb (%v, %+v, %s, %q, %x, %d…) print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	default:
		if verb == 'v' && f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
		fmt.Fprint(f, s.String())
	}
}

// MarshalText implements encoding.TextMarshaler with the redacted form.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON implements json.Marshaler with the redacted form.
func (s Secret) MarshalJSON() ([]byte, error) { return fmt.Appendf(nil, "%q", s.String()), nil }

// LogValue implements slog.LogValuer with the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
