// Package events delivers Spindle's events (a post published, failed, deleted; an account that
// needs linking again) to the operator's own HTTPS receivers, signed per the Standard Webhooks
// specification. Events come from the publisher's durable outbox: each is fanned out to the
// matching subscriptions as one delivery row each, and every subscription has a lane of its own
// that sends its deliveries in order, retrying with backoff, so a slow or dead receiver delays
// no one else.
package events

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// secretPrefix marks a Standard Webhooks secret; the rest is the base64 of the key.
const secretPrefix = "whsec_"

// NewSecret makes a random signing secret, whsec_ and 24 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return secretPrefix + base64.StdEncoding.EncodeToString(b)
}

// secretKey is the HMAC key of a whsec_ secret.
func secretKey(secret string) ([]byte, error) {
	k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(k) == 0 {
		return nil, errors.New("the signing secret is not whsec_ followed by base64")
	}
	return k, nil
}

// Sign is the webhook-signature header value for a message: "v1," and the base64 of
// HMAC-SHA256 over "id.timestamp.body" under the secret's key.
func Sign(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := secretKey(secret)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%s.", id, strconv.FormatInt(timestamp, 10))
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil)), nil
}
