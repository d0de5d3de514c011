package accounts

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// Purpose labels for key derivation. Changing one makes every value under it unreadable.
const (
	purposeSeal  = "spindle/v1/token-sealing"
	purposeState = "spindle/v1/oauth-state"
	purposeKeyID = "spindle/v1/key-id"
)

// MinKeyLen is the shortest secret key accepted; config generates 32 random bytes.
const MinKeyLen = 32

// Errors of unsealing. Both mean the stored token cannot be used and the account must be
// connected again; ErrWrongKey says why in a way an operator can act on.
var (
	ErrWrongKey = errors.New("the access token was sealed under a different SPINDLE_SECRET_KEY: " +
		"the secret key changed since the account was connected; restore the old key, or connect the account again")
	ErrCorruptToken = errors.New("the sealed access token is damaged or not a Spindle token: connect the account again")
)

// sealVersion is the first byte of every sealed token, so the format can change later.
const sealVersion = 1

// Keys are the keys derived from the secret key.
type Keys struct {
	aead  cipher.AEAD
	keyID [4]byte // identifies the sealing key inside each sealed token
	state []byte  // HMAC-SHA256 key for OAuth states
}

// NewKeys derives the sealing and state keys from the secret key (SPINDLE_SECRET_KEY).
func NewKeys(secret []byte) (*Keys, error) {
	if len(secret) < MinKeyLen {
		return nil, fmt.Errorf("accounts: the secret key is %d bytes, it must be at least %d; "+
			"set SPINDLE_SECRET_KEY to 32 random bytes or let Spindle generate one in the data dir", len(secret), MinKeyLen)
	}
	derive := func(purpose string) []byte {
		k, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
		if err != nil { // only for absurd lengths
			panic("accounts: hkdf: " + err.Error())
		}
		return k
	}
	block, err := aes.NewCipher(derive(purposeSeal))
	if err != nil {
		return nil, fmt.Errorf("accounts: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("accounts: gcm: %w", err)
	}
	k := &Keys{aead: aead, state: derive(purposeState)}
	copy(k.keyID[:], derive(purposeKeyID))
	return k, nil
}

// Seal encrypts an access token. aad binds the result to its account (the Threads user id), so
// a sealed token copied onto another account's row does not open. The layout is
// version(1) | key id(4) | nonce(12) | ciphertext+tag.
func (k *Keys) Seal(token, aad string) []byte {
	out := make([]byte, 0, 1+4+k.aead.NonceSize()+len(token)+k.aead.Overhead())
	out = append(out, sealVersion)
	out = append(out, k.keyID[:]...)
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, []byte(token), k.additional(aad))
}

// Open decrypts a sealed token. A token sealed under another secret key fails with
// ErrWrongKey; anything else that does not open fails with ErrCorruptToken. Never silently.
func (k *Keys) Open(sealed []byte, aad string) (string, error) {
	ns := k.aead.NonceSize()
	if len(sealed) < 1+4+ns+k.aead.Overhead() || sealed[0] != sealVersion {
		return "", ErrCorruptToken
	}
	if !hmac.Equal(sealed[1:5], k.keyID[:]) {
		return "", ErrWrongKey
	}
	nonce, ct := sealed[5:5+ns], sealed[5+ns:]
	pt, err := k.aead.Open(nil, nonce, ct, k.additional(aad))
	if err != nil {
		return "", ErrCorruptToken
	}
	return string(pt), nil
}

func (k *Keys) additional(aad string) []byte {
	return bytes.Join([][]byte{{sealVersion}, []byte(aad)}, []byte{0})
}
