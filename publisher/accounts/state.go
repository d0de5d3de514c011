package accounts

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// The OAuth state is version(1) | nonce(16) | identity id(8, big endian) | expiry(8, unix
// seconds, big endian) | browser binding(16) | HMAC-SHA256 of all that under the state key,
// truncated to 16 bytes, in unpadded base64url: 87 characters. Being signed, it needs no row
// until it is used; the callback records its nonce then, which is what makes it single use.
//
// The browser binding is the SHA-256 (truncated) of a random value kept in an HttpOnly cookie
// of the browser that opened the connect link (see binding.go). Without it, whoever holds a
// state could hand its authorize URL to someone else and own their Threads account once they
// consent; with it, the callback refuses a browser that did not start the flow. Version 1
// states (no binding) are refused.
const (
	stateVersion = 2
	nonceLen     = 16
	bindingLen   = 16
	macLen       = 16
	stateRawLen  = 1 + nonceLen + 8 + 8 + bindingLen + macLen
)

// Errors of a state that cannot be accepted.
var (
	ErrStateInvalid = errors.New("invalid or tampered OAuth state")
	ErrStateExpired = errors.New("expired OAuth state")
	ErrStateUsed    = errors.New("OAuth state already used")
)

// oauthState is what a valid state says.
type oauthState struct {
	Nonce      [nonceLen]byte
	IdentityID int64
	Expires    time.Time // whole seconds
	// Binding commits to the browser cookie's value: bindingOf(cookie).
	Binding [bindingLen]byte
}

// newState returns a fresh signed state for identityID, valid until expires, bound to the
// browser holding the cookie value whose bindingOf is binding.
func (k *Keys) newState(identityID int64, expires time.Time, binding [bindingLen]byte) (string, oauthState) {
	st := oauthState{IdentityID: identityID, Expires: time.Unix(expires.Unix(), 0).UTC(), Binding: binding}
	rand.Read(st.Nonce[:])
	return k.encodeState(st), st
}

func (k *Keys) encodeState(st oauthState) string {
	b := make([]byte, 0, stateRawLen)
	b = append(b, stateVersion)
	b = append(b, st.Nonce[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(st.IdentityID))
	b = binary.BigEndian.AppendUint64(b, uint64(st.Expires.Unix()))
	b = append(b, st.Binding[:]...)
	b = append(b, k.stateMAC(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeState checks a state's form and signature and that it has not expired at now. It does
// not check single use; the caller records the nonce for that.
func (k *Keys) decodeState(s string, now time.Time) (oauthState, error) {
	if len(s) != base64.RawURLEncoding.EncodedLen(stateRawLen) {
		return oauthState{}, ErrStateInvalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != stateRawLen || b[0] != stateVersion {
		return oauthState{}, ErrStateInvalid
	}
	body, mac := b[:stateRawLen-macLen], b[stateRawLen-macLen:]
	if !hmac.Equal(mac, k.stateMAC(body)) {
		return oauthState{}, ErrStateInvalid
	}
	var st oauthState
	copy(st.Nonce[:], body[1:1+nonceLen])
	id := binary.BigEndian.Uint64(body[1+nonceLen:])
	exp := int64(binary.BigEndian.Uint64(body[1+nonceLen+8:]))
	copy(st.Binding[:], body[1+nonceLen+16:])
	if id == 0 || id > 1<<62 || exp <= 0 {
		return oauthState{}, ErrStateInvalid
	}
	st.IdentityID, st.Expires = int64(id), time.Unix(exp, 0).UTC()
	if !now.Before(st.Expires) {
		return st, ErrStateExpired
	}
	return st, nil
}

func (k *Keys) stateMAC(body []byte) []byte {
	m := hmac.New(sha256.New, k.state)
	m.Write(body)
	return m.Sum(nil)[:macLen]
}

// Connect link tokens are 20 random bytes in lowercase unpadded base32: 32 characters that
// survive chat clients, copy and paste, and URL query strings unescaped. Only their SHA-256 is
// stored.
const (
	linkRawLen   = 20
	linkTokenLen = 32
)

var linkEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// ErrLinkInvalid means a connect link's token is not one Spindle could have made.
var ErrLinkInvalid = errors.New("invalid connect link")

func newLinkToken() (token string, hash []byte) {
	b := make([]byte, linkRawLen)
	rand.Read(b)
	token = linkEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:]
}

// parseLinkToken checks a token's form and returns the hash it is stored under. Chat clients
// sometimes upper-case or pad links; case is folded and surrounding space trimmed.
func parseLinkToken(s string) ([]byte, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) != linkTokenLen {
		return nil, ErrLinkInvalid
	}
	b, err := linkEncoding.DecodeString(s)
	if err != nil || len(b) != linkRawLen {
		return nil, ErrLinkInvalid
	}
	h := sha256.Sum256([]byte(s))
	return h[:], nil
}
