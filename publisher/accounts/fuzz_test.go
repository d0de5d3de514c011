package accounts

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"
)

func FuzzDecodeState(f *testing.F) {
	k, _ := NewKeys(testSecret)
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	good, _ := k.newState(42, now.Add(time.Minute), bindingOf("cookie"))
	f.Add(good)
	f.Add(good[:len(good)-1] + "A")
	f.Add("")
	f.Add("AQ")
	f.Add(string(bytes.Repeat([]byte("A"), 87)))
	f.Fuzz(func(t *testing.T, s string) {
		st, err := k.decodeState(s, now)
		if err != nil {
			return
		}
		// Anything accepted must be exactly what we would have signed.
		if st.IdentityID <= 0 || !st.Expires.After(now) {
			t.Fatalf("accepted %q with %+v", s, st)
		}
		if again := k.encodeState(st); again != s {
			t.Fatalf("accepted %q, which re-encodes as %q", s, again)
		}
	})
}

func FuzzParseLinkToken(f *testing.F) {
	tok, _ := newLinkToken()
	f.Add(tok)
	f.Add(" " + tok + " ")
	f.Add("")
	f.Add("abc")
	f.Add(string(bytes.Repeat([]byte("8"), 32)))
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseLinkToken(s)
		if err != nil {
			return
		}
		if len(h) != 32 {
			t.Fatalf("hash of %q is %d bytes", s, len(h))
		}
		h2, err := parseLinkToken(string(bytes.ToUpper([]byte(s))))
		if err != nil || !bytes.Equal(h, h2) {
			t.Fatalf("case changes the link %q", s)
		}
	})
}

func FuzzParseAPIToken(f *testing.F) {
	f.Add("spd_" + string(bytes.Repeat([]byte("a"), 52)))
	f.Add("spd_")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseAPIToken(s)
		if err == nil && (len(h) != 32 || len(s) != apiTokenLen || s[:4] != "spd_") {
			t.Fatalf("accepted %q", s)
		}
	})
}

func TestStateRoundTrip(t *testing.T) {
	t.Parallel()
	k, _ := NewKeys(testSecret)
	other, _ := NewKeys(bytes.Repeat([]byte{1}, 32))
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s, want := k.newState(7, now.Add(15*time.Minute), bindingOf("c"))
	if got, err := k.decodeState(s, now); err != nil || got != want {
		t.Fatalf("decode = %+v, %v; want %+v", got, err, want)
	}
	if _, err := k.decodeState(s, now.Add(15*time.Minute)); err != ErrStateExpired {
		t.Errorf("at expiry: %v", err)
	}
	if _, err := other.decodeState(s, now); err != ErrStateInvalid {
		t.Errorf("another key's state: %v", err)
	}
	// A state signed with the sealing key instead of the state key does not verify: the keys
	// are derived apart.
	if bytes.Equal(k.state, testSecret) {
		t.Error("the state key is the raw secret key")
	}
}

// FuzzBoundToBrowser: a callback's cookie, being outside input, is accepted only when it is
// exactly the value the state was bound to.
func FuzzBoundToBrowser(f *testing.F) {
	value, binding := newBrowserBinding()
	st := oauthState{IdentityID: 1, Binding: binding}
	f.Add(value)
	f.Add(value[:len(value)-1] + "A")
	f.Add("")
	f.Add(" " + value)
	f.Fuzz(func(t *testing.T, cookie string) {
		r := httptest.NewRequest("GET", CallbackPath, nil)
		r.Header.Set("Cookie", BindingCookie+"="+cookie)
		if !boundToBrowser(r, st) {
			return
		}
		if c, err := r.Cookie(BindingCookie); err != nil || c.Value != value {
			t.Fatalf("cookie %q accepted for a state bound to another value", cookie)
		}
	})
}
