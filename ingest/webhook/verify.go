package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Scheme names how a source signs its deliveries. It is chosen when the source is created and
// decides both how inbound requests are verified and how outgoing callbacks are signed.
type Scheme string

// The signature schemes Spindle understands.
const (
	// SchemeGitHub is GitHub's X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body.
	SchemeGitHub Scheme = "github"
	// SchemeStandard is Standard Webhooks (standardwebhooks.com): webhook-id, webhook-timestamp
	// and webhook-signature, an HMAC-SHA256 over "id.timestamp.body" keyed by a whsec_ secret.
	SchemeStandard Scheme = "standard"
	// SchemeGitLab is GitLab's X-Gitlab-Token plain secret token. A GitLab delivery that carries
	// webhook-signature (GitLab's HMAC signing tokens) is verified as Standard Webhooks instead.
	SchemeGitLab Scheme = "gitlab"
)

// Tolerance is how far a Standard Webhooks timestamp may be from now, in either direction.
// Five minutes is the specification's and the reference library's value: long enough for clock
// skew and a slow retry, short enough that a captured request cannot be replayed later.
const Tolerance = 5 * time.Minute

// Header names of the three schemes.
const (
	headerGitHubSignature = "X-Hub-Signature-256"
	headerGitHubDelivery  = "X-GitHub-Delivery"
	headerGitHubEvent     = "X-GitHub-Event"
	headerGitLabToken     = "X-Gitlab-Token"
	headerGitLabEvent     = "X-Gitlab-Event"
	headerGitLabEventUUID = "X-Gitlab-Event-UUID"
	headerIdempotencyKey  = "Idempotency-Key"
	headerWebhookID       = "webhook-id"
	headerWebhookTime     = "webhook-timestamp"
	headerWebhookSig      = "webhook-signature"
)

// maxSignatureEntries bounds how many space-separated entries of webhook-signature are looked
// at, so a huge header cannot make one request cost thousands of comparisons.
const maxSignatureEntries = 32

// Sentinel errors of verification; the HTTP layer answers all three with 401. They are wrapped
// with a message that names the header at fault, which is safe to show the sender: it never
// contains a secret or the expected signature.
var (
	ErrMissingSignature = errors.New("missing signature")
	ErrBadSignature     = errors.New("signature does not match")
	ErrStale            = errors.New("timestamp outside the 5-minute tolerance")
	// ErrNoSecret means the source has no usable secret: an operator's mistake, not the
	// sender's. It is answered 401 too, but logged at Error.
	ErrNoSecret = errors.New("source has no usable signing secret")
)

// ParseScheme checks an operator-supplied scheme name.
func ParseScheme(s string) (Scheme, error) {
	switch sc := Scheme(strings.ToLower(strings.TrimSpace(s))); sc {
	case SchemeGitHub, SchemeStandard, SchemeGitLab:
		return sc, nil
	}
	return "", fmt.Errorf("unknown signature scheme %q: use github, standard or gitlab", s)
}

// Verified is what a successful verification tells the caller.
type Verified struct {
	// DeliveryID identifies the delivery for replay protection: webhook-id (signed),
	// X-GitHub-Delivery, or GitLab's Idempotency-Key / X-Gitlab-Event-UUID. Empty when the
	// sender sent none.
	DeliveryID string
	// SecretIndex is the index in the secrets list of the secret that matched: 0 is the current
	// secret, higher ones are previous secrets still inside their rotation grace period.
	SecretIndex int
	// IDSigned says the signature covers the delivery id and a fresh timestamp (Standard
	// Webhooks), so only the sender can make a new delivery of the same body. Otherwise (GitHub's
	// HMAC of the body alone, GitLab's plain token) anyone holding a captured delivery can send
	// it again under a new id, and the handler remembers the body itself against replay.
	IDSigned bool
}

// Verify checks the signature of one delivery against a list of secrets (the current one first,
// then those still in a rotation grace period) and reports which one matched. body must be the
// raw bytes as received; now is injected so tests can pin the clock.
func Verify(scheme Scheme, secrets []string, h http.Header, body []byte, now time.Time) (Verified, error) {
	if len(secrets) == 0 {
		return Verified{}, ErrNoSecret
	}
	switch scheme {
	case SchemeGitHub:
		return verifyGitHub(secrets, h, body)
	case SchemeStandard:
		return verifyStandard(secrets, h, body, now)
	case SchemeGitLab:
		if h.Get(headerWebhookSig) != "" {
			return verifyStandard(secrets, h, body, now)
		}
		return verifyGitLabToken(secrets, h)
	}
	return Verified{}, fmt.Errorf("%w: unknown scheme %q", ErrNoSecret, scheme)
}

func verifyGitHub(secrets []string, h http.Header, body []byte) (Verified, error) {
	v := h.Get(headerGitHubSignature)
	if v == "" {
		return Verified{}, fmt.Errorf("%w: no %s header", ErrMissingSignature, headerGitHubSignature)
	}
	hexSig, ok := strings.CutPrefix(v, "sha256=")
	if !ok {
		return Verified{}, fmt.Errorf("%w: %s must start with sha256=", ErrBadSignature, headerGitHubSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return Verified{}, fmt.Errorf("%w: %s is not a hex SHA-256 HMAC", ErrBadSignature, headerGitHubSignature)
	}
	for i, s := range secrets {
		if s == "" {
			continue
		}
		if hmac.Equal(got, hmacSHA256([]byte(s), body)) {
			return Verified{DeliveryID: h.Get(headerGitHubDelivery), SecretIndex: i}, nil
		}
	}
	return Verified{}, fmt.Errorf("%w: %s", ErrBadSignature, headerGitHubSignature)
}

func verifyGitLabToken(secrets []string, h http.Header) (Verified, error) {
	tok := h.Get(headerGitLabToken)
	if tok == "" {
		return Verified{}, fmt.Errorf("%w: no %s header", ErrMissingSignature, headerGitLabToken)
	}
	for i, s := range secrets {
		// ConstantTimeCompare returns at once on a length mismatch, which leaks only the length.
		if s != "" && subtle.ConstantTimeCompare([]byte(s), []byte(tok)) == 1 {
			return Verified{DeliveryID: gitlabDeliveryID(h), SecretIndex: i}, nil
		}
	}
	return Verified{}, fmt.Errorf("%w: %s", ErrBadSignature, headerGitLabToken)
}

// gitlabDeliveryID prefers Idempotency-Key (stable across GitLab's retries) and falls back to
// X-Gitlab-Event-UUID on older GitLab versions.
func gitlabDeliveryID(h http.Header) string {
	if v := h.Get(headerIdempotencyKey); v != "" {
		return v
	}
	return h.Get(headerGitLabEventUUID)
}

// standardHeaders are the three Standard Webhooks headers after syntax checks.
type standardHeaders struct {
	id   string
	ts   int64
	sigs [][]byte // decoded v1 entries; other versions (v1a, unknown) are skipped
}

// parseStandardHeaders checks the syntax of the Standard Webhooks headers. It never looks at a
// secret, so it is safe to fuzz on its own.
func parseStandardHeaders(h http.Header) (standardHeaders, error) {
	id, tsStr, sigStr := h.Get(headerWebhookID), h.Get(headerWebhookTime), h.Get(headerWebhookSig)
	switch {
	case sigStr == "":
		return standardHeaders{}, fmt.Errorf("%w: no %s header", ErrMissingSignature, headerWebhookSig)
	case id == "":
		return standardHeaders{}, fmt.Errorf("%w: no %s header", ErrMissingSignature, headerWebhookID)
	case tsStr == "":
		return standardHeaders{}, fmt.Errorf("%w: no %s header", ErrMissingSignature, headerWebhookTime)
	case strings.Contains(id, "."):
		// The signed content is "id.timestamp.body"; a dot in the id would make it ambiguous.
		return standardHeaders{}, fmt.Errorf("%w: %s must not contain '.'", ErrBadSignature, headerWebhookID)
	}
	ts, err := strconv.ParseInt(tsStr, 10, 64)
	if err != nil {
		return standardHeaders{}, fmt.Errorf("%w: %s must be integer unix seconds", ErrBadSignature, headerWebhookTime)
	}
	out := standardHeaders{id: id, ts: ts}
	for i, entry := range strings.Fields(sigStr) {
		if i == maxSignatureEntries {
			break
		}
		version, b64, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		if sig, err := base64.StdEncoding.DecodeString(b64); err == nil && len(sig) == sha256.Size {
			out.sigs = append(out.sigs, sig)
		}
	}
	if len(out.sigs) == 0 {
		return standardHeaders{}, fmt.Errorf("%w: %s has no v1,<base64> entry", ErrBadSignature, headerWebhookSig)
	}
	return out, nil
}

func verifyStandard(secrets []string, h http.Header, body []byte, now time.Time) (Verified, error) {
	sh, err := parseStandardHeaders(h)
	if err != nil {
		return Verified{}, err
	}
	// Checked before any HMAC work: a stale delivery is refused whatever its signature.
	if d := now.Sub(time.Unix(sh.ts, 0)); d > Tolerance || d < -Tolerance {
		return Verified{}, fmt.Errorf("%w: %s is %s away from the server's clock; check the sender's clock",
			ErrStale, headerWebhookTime, d.Round(time.Second).Abs())
	}
	usable := false
	for i, s := range secrets {
		key, err := standardKey(s)
		if err != nil {
			continue
		}
		usable = true
		want := standardMAC(key, sh.id, sh.ts, body)
		for _, got := range sh.sigs {
			if hmac.Equal(got, want) {
				return Verified{DeliveryID: sh.id, SecretIndex: i, IDSigned: true}, nil
			}
		}
	}
	if !usable {
		return Verified{}, ErrNoSecret
	}
	return Verified{}, fmt.Errorf("%w: %s", ErrBadSignature, headerWebhookSig)
}

// standardKey turns a whsec_ secret into HMAC key bytes. The key is the base64-decoded part
// after the prefix, never the string itself: that is what the reference library (and every
// sender following it) does, and using the string would verify nothing they sign.
func standardKey(secret string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || len(key) == 0 {
		return nil, errors.New("webhook: standard secret is not whsec_ followed by base64")
	}
	return key, nil
}

func standardMAC(key []byte, id string, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write(strconv.AppendInt(nil, ts, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

func hmacSHA256(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}
