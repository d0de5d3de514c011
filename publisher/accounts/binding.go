package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// BindingCookie names the cookie that ties an OAuth state to the browser that opened the
// connect link. It holds 32 random bytes (base64url); the state carries a hash of them, so
// the cookie alone is worth nothing and the state alone cannot be completed elsewhere.
const BindingCookie = "spindle_oauth"

const bindingRawLen = 32

// newBrowserBinding returns a fresh cookie value and the binding a state commits to.
func newBrowserBinding() (string, [bindingLen]byte) {
	b := make([]byte, bindingRawLen)
	rand.Read(b)
	v := base64.RawURLEncoding.EncodeToString(b)
	return v, bindingOf(v)
}

// bindingOf is the truncated SHA-256 of a cookie value, what a state commits to.
func bindingOf(cookie string) [bindingLen]byte {
	h := sha256.Sum256([]byte(cookie))
	var out [bindingLen]byte
	copy(out[:], h[:])
	return out
}

// boundToBrowser reports whether r carries the cookie st was bound to.
func boundToBrowser(r *http.Request, st oauthState) bool {
	c, err := r.Cookie(BindingCookie)
	if err != nil || len(c.Value) != base64.RawURLEncoding.EncodedLen(bindingRawLen) {
		return false
	}
	got := bindingOf(c.Value)
	return subtle.ConstantTimeCompare(got[:], st.Binding[:]) == 1
}

// setBinding gives the browser its binding cookie: short-lived (the state's lifetime),
// HttpOnly (no script reads it), SameSite=Lax (sent on the top-level redirect back from
// Threads, not on cross-site subrequests), Secure when Spindle is reached over https. Its
// path covers the start and the callback only. The callback leaves it in place: it is worth
// nothing once its state is spent, and a reload of the callback then says "already used"
// rather than "another browser".
func (s *Service) setBinding(w http.ResponseWriter, r *http.Request, value string) {
	http.SetCookie(w, &http.Cookie{Name: BindingCookie, Value: value, Path: StartPath,
		MaxAge: int(s.stateTTL.Seconds()), HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookie(r)})
}

func (s *Service) secureCookie(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(s.public), "https://")
}
