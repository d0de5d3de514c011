package webhook

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// secretBytes is the entropy of a generated secret: 256 bits, inside Standard Webhooks' 24–64
// byte range and well beyond what brute force can reach.
const secretBytes = 32

// NewSecret generates a signing secret for a new source or a rotation. Standard Webhooks
// secrets are "whsec_" + base64 of 32 random bytes, the form every Standard Webhooks library
// expects. GitHub and GitLab take any string; 64 hex characters survive every shell, YAML file
// and web form they are pasted into.
func NewSecret(scheme Scheme) string {
	b := make([]byte, secretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (it crashes the program instead)
	if scheme == SchemeStandard {
		return "whsec_" + base64.StdEncoding.EncodeToString(b)
	}
	return hex.EncodeToString(b)
}

// Sign returns the headers that sign body with secret in the scheme's way, exactly as GitHub,
// GitLab and Standard Webhooks senders build them. Spindle uses it to sign the result callbacks
// it POSTs back to a source, and tests use it to build deliveries.
//
// The delivery id it sets is derived from the body, so retries of the same callback carry the
// same id (Standard Webhooks requires webhook-id to be stable across retries) without the caller
// keeping state. For SchemeGitLab the secret token travels in plain text, as GitLab itself sends
// it: callbacks to a gitlab source should go to https URLs.
func Sign(scheme Scheme, secret string, body []byte, now time.Time) (http.Header, error) {
	sum := sha256.Sum256(body)
	id := hex.EncodeToString(sum[:12])
	h := make(http.Header)
	switch scheme {
	case SchemeGitHub:
		h.Set(headerGitHubSignature, "sha256="+hex.EncodeToString(hmacSHA256([]byte(secret), body)))
		h.Set(headerGitHubDelivery, id)
	case SchemeStandard:
		key, err := standardKey(secret)
		if err != nil {
			return nil, err
		}
		id = "msg_" + id
		ts := now.Unix()
		h.Set(headerWebhookID, id)
		h.Set(headerWebhookTime, strconv.FormatInt(ts, 10))
		h.Set(headerWebhookSig, "v1,"+base64.StdEncoding.EncodeToString(standardMAC(key, id, ts, body)))
	case SchemeGitLab:
		h.Set(headerGitLabToken, secret)
		h.Set(headerIdempotencyKey, id)
	default:
		return nil, fmt.Errorf("webhook: sign: unknown scheme %q", scheme)
	}
	return h, nil
}
