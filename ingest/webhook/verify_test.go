package webhook

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The documented test vectors (libraries.md §8): GitHub's "validating webhook deliveries" page
// and the Standard Webhooks reference library's webhook_test.go.
const (
	ghVectorSecret = "It's a Secret to Everybody"
	ghVectorBody   = "Hello, World!"
	ghVectorSig    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

	swVectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	swVectorID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	swVectorTS     = 1614265330
	swVectorBody   = `{"test": 2432232314}`
	swVectorSig    = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

var swVectorTime = time.Unix(swVectorTS, 0)

func hdr(kv ...string) http.Header {
	h := make(http.Header)
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func swHeader(id string, ts int64, sig string) http.Header {
	return hdr("webhook-id", id, "webhook-timestamp", strconv.FormatInt(ts, 10), "webhook-signature", sig)
}

func TestVerifyDocumentedVectors(t *testing.T) {
	v, err := Verify(SchemeGitHub, []string{ghVectorSecret},
		hdr("X-Hub-Signature-256", ghVectorSig, "X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
		[]byte(ghVectorBody), time.Now())
	if err != nil || v.DeliveryID != "72d3162e-cc78-11e3-81ab-4c9367dc0958" || v.SecretIndex != 0 {
		t.Fatalf("GitHub vector: %+v, %v", v, err)
	}
	v, err = Verify(SchemeStandard, []string{swVectorSecret}, swHeader(swVectorID, swVectorTS, swVectorSig),
		[]byte(swVectorBody), swVectorTime)
	if err != nil || v.DeliveryID != swVectorID {
		t.Fatalf("Standard Webhooks vector: %+v, %v", v, err)
	}
	// And Sign reproduces both vectors byte for byte.
	h, err := Sign(SchemeGitHub, ghVectorSecret, []byte(ghVectorBody), time.Now())
	if err != nil || h.Get("X-Hub-Signature-256") != ghVectorSig {
		t.Fatalf("Sign github = %q, %v", h.Get("X-Hub-Signature-256"), err)
	}
	key, _ := standardKey(swVectorSecret)
	if got := "v1," + base64.StdEncoding.EncodeToString(standardMAC(key, swVectorID, swVectorTS, []byte(swVectorBody))); got != swVectorSig {
		t.Fatalf("standard MAC = %q, want %q", got, swVectorSig)
	}
}

func TestVerifyTable(t *testing.T) {
	body := []byte(swVectorBody)
	ghSig := func(secret string, b []byte) string {
		return "sha256=" + hex.EncodeToString(hmacSHA256([]byte(secret), b))
	}
	tests := []struct {
		name    string
		scheme  Scheme
		secrets []string
		h       http.Header
		body    []byte
		now     time.Time
		wantErr error
		wantIdx int
		wantID  string
	}{
		{name: "github ok", scheme: SchemeGitHub, secrets: []string{"s3cret"},
			h: hdr("X-Hub-Signature-256", ghSig("s3cret", body), "X-GitHub-Delivery", "d1"), body: body, wantID: "d1"},
		{name: "github upper-case hex", scheme: SchemeGitHub, secrets: []string{"s3cret"},
			h: hdr("X-Hub-Signature-256", "sha256="+strings.ToUpper(ghSig("s3cret", body)[7:])), body: body},
		{name: "github missing header", scheme: SchemeGitHub, secrets: []string{"s3cret"},
			h: hdr(), body: body, wantErr: ErrMissingSignature},
		{name: "github sha1 only", scheme: SchemeGitHub, secrets: []string{"s3cret"},
			h: hdr("X-Hub-Signature", "sha1=0000"), body: body, wantErr: ErrMissingSignature},
		{name: "github no prefix", scheme: SchemeGitHub, secrets: []string{"s3cret"},
			h: hdr("X-Hub-Signature-256", ghSig("s3cret", body)[7:]), body: body, wantErr: ErrBadSignature},
		{name: "github wrong secret", scheme: SchemeGitHub, secrets: []string{"other"},
			h: hdr("X-Hub-Signature-256", ghSig("s3cret", body)), body: body, wantErr: ErrBadSignature},
		{name: "github body changed", scheme: SchemeGitHub, secrets: []string{"s3cret"},
			h: hdr("X-Hub-Signature-256", ghSig("s3cret", body)), body: append([]byte(" "), body...), wantErr: ErrBadSignature},
		{name: "github truncated hex", scheme: SchemeGitHub, secrets: []string{"s3cret"},
			h: hdr("X-Hub-Signature-256", ghSig("s3cret", body)[:40]), body: body, wantErr: ErrBadSignature},
		{name: "github empty secret never matches", scheme: SchemeGitHub, secrets: []string{""},
			h: hdr("X-Hub-Signature-256", ghSig("", body)), body: body, wantErr: ErrBadSignature},
		{name: "github rotation: previous secret", scheme: SchemeGitHub, secrets: []string{"new", "old"},
			h: hdr("X-Hub-Signature-256", ghSig("old", body)), body: body, wantIdx: 1},
		{name: "no secrets", scheme: SchemeGitHub, secrets: nil,
			h: hdr("X-Hub-Signature-256", ghSig("s3cret", body)), body: body, wantErr: ErrNoSecret},

		{name: "standard ok", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime, wantID: swVectorID},
		{name: "standard several entries, last matches", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, "v1a,AAAA v1,Zm9v v2,xyz "+swVectorSig), body: body, now: swVectorTime},
		{name: "standard key without whsec_ prefix", scheme: SchemeStandard, secrets: []string{strings.TrimPrefix(swVectorSecret, "whsec_")},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime},
		{name: "standard 4m59s old", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime.Add(Tolerance)},
		{name: "standard stale", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime.Add(Tolerance + time.Second), wantErr: ErrStale},
		{name: "standard future", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime.Add(-Tolerance - time.Second), wantErr: ErrStale},
		{name: "standard id changed", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader("msg_other", swVectorTS, swVectorSig), body: body, now: swVectorTime, wantErr: ErrBadSignature},
		{name: "standard timestamp changed", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS+1, swVectorSig), body: body, now: swVectorTime, wantErr: ErrBadSignature},
		{name: "standard id with dot", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader("msg.1", swVectorTS, swVectorSig), body: body, now: swVectorTime, wantErr: ErrBadSignature},
		{name: "standard missing signature", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: hdr("webhook-id", swVectorID, "webhook-timestamp", "1614265330"), body: body, now: swVectorTime, wantErr: ErrMissingSignature},
		{name: "standard missing id", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: hdr("webhook-signature", swVectorSig, "webhook-timestamp", "1614265330"), body: body, now: swVectorTime, wantErr: ErrMissingSignature},
		{name: "standard non-numeric timestamp", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: hdr("webhook-id", swVectorID, "webhook-timestamp", "1614265330.0", "webhook-signature", swVectorSig), body: body, now: swVectorTime, wantErr: ErrBadSignature},
		{name: "standard only v1a entries", scheme: SchemeStandard, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, "v1a,"+swVectorSig[3:]), body: body, now: swVectorTime, wantErr: ErrBadSignature},
		{name: "standard secret not base64", scheme: SchemeStandard, secrets: []string{"whsec_!!!"},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime, wantErr: ErrNoSecret},
		{name: "standard rotation: previous secret", scheme: SchemeStandard, secrets: []string{NewSecret(SchemeStandard), swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime, wantIdx: 1},

		{name: "gitlab token ok", scheme: SchemeGitLab, secrets: []string{"tok"},
			h: hdr("X-Gitlab-Token", "tok", "Idempotency-Key", "idem-1", "X-Gitlab-Event-UUID", "uuid-1"), body: body, wantID: "idem-1"},
		{name: "gitlab token event uuid fallback", scheme: SchemeGitLab, secrets: []string{"tok"},
			h: hdr("X-Gitlab-Token", "tok", "X-Gitlab-Event-UUID", "uuid-1"), body: body, wantID: "uuid-1"},
		{name: "gitlab token wrong", scheme: SchemeGitLab, secrets: []string{"tok"},
			h: hdr("X-Gitlab-Token", "to"), body: body, wantErr: ErrBadSignature},
		{name: "gitlab token missing", scheme: SchemeGitLab, secrets: []string{"tok"},
			h: hdr(), body: body, wantErr: ErrMissingSignature},
		{name: "gitlab token rotation", scheme: SchemeGitLab, secrets: []string{"new", "tok"},
			h: hdr("X-Gitlab-Token", "tok"), body: body, wantIdx: 1},
		{name: "gitlab signing token uses standard", scheme: SchemeGitLab, secrets: []string{swVectorSecret},
			h: swHeader(swVectorID, swVectorTS, swVectorSig), body: body, now: swVectorTime, wantID: swVectorID},
		{name: "gitlab signature beats token", scheme: SchemeGitLab, secrets: []string{swVectorSecret},
			h: func() http.Header {
				h := swHeader(swVectorID, swVectorTS, swVectorSig)
				h.Set("X-Gitlab-Token", swVectorSecret) // right token, but the signature is stale
				return h
			}(), body: body, now: swVectorTime.Add(time.Hour), wantErr: ErrStale},

		{name: "unknown scheme", scheme: "svn", secrets: []string{"x"}, h: hdr(), body: body, wantErr: ErrNoSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := tt.now
			if now.IsZero() {
				now = time.Now()
			}
			v, err := Verify(tt.scheme, tt.secrets, tt.h, tt.body, now)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if v.SecretIndex != tt.wantIdx {
				t.Errorf("SecretIndex = %d, want %d", v.SecretIndex, tt.wantIdx)
			}
			if tt.wantID != "" && v.DeliveryID != tt.wantID {
				t.Errorf("DeliveryID = %q, want %q", v.DeliveryID, tt.wantID)
			}
		})
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"p2345678","status":"posted"}`)
	for _, sc := range []Scheme{SchemeGitHub, SchemeStandard, SchemeGitLab} {
		t.Run(string(sc), func(t *testing.T) {
			secret := NewSecret(sc)
			h, err := Sign(sc, secret, body, now)
			if err != nil {
				t.Fatal(err)
			}
			v, err := Verify(sc, []string{secret}, h, body, now.Add(time.Minute))
			if err != nil {
				t.Fatalf("verify own signature: %v", err)
			}
			if v.DeliveryID == "" {
				t.Error("Sign set no delivery id")
			}
			h2, _ := Sign(sc, secret, body, now.Add(time.Hour))
			if v2, _ := Verify(sc, []string{secret}, h2, body, now.Add(time.Hour)); v2.DeliveryID != v.DeliveryID {
				t.Errorf("retry got delivery id %q, first %q: ids must be stable across retries", v2.DeliveryID, v.DeliveryID)
			}
			if _, err := Verify(sc, []string{NewSecret(sc)}, h, body, now); !errors.Is(err, ErrBadSignature) {
				t.Errorf("another secret verified: %v", err)
			}
		})
	}
	if _, err := Sign("svn", "x", body, now); err == nil {
		t.Error("Sign accepted an unknown scheme")
	}
	if _, err := Sign(SchemeStandard, "whsec_***", body, now); err == nil {
		t.Error("Sign accepted a standard secret that is not base64")
	}
}

func TestNewSecret(t *testing.T) {
	s := NewSecret(SchemeStandard)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(key) != 32 {
		t.Fatalf("standard secret %q: prefix/base64/len wrong (%v, %d bytes)", s[:8], err, len(key))
	}
	for _, sc := range []Scheme{SchemeGitHub, SchemeGitLab} {
		s := NewSecret(sc)
		if b, err := hex.DecodeString(s); err != nil || len(b) != 32 {
			t.Fatalf("%s secret is not 64 hex characters", sc)
		}
	}
	if NewSecret(SchemeGitHub) == NewSecret(SchemeGitHub) {
		t.Fatal("two secrets are equal")
	}
}

func TestParseScheme(t *testing.T) {
	for in, want := range map[string]Scheme{"github": SchemeGitHub, " Standard ": SchemeStandard, "GITLAB": SchemeGitLab} {
		if got, err := ParseScheme(in); err != nil || got != want {
			t.Errorf("ParseScheme(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseScheme("bitbucket"); err == nil || !strings.Contains(err.Error(), "github, standard or gitlab") {
		t.Errorf("ParseScheme(bitbucket) error = %v", err)
	}
}

func TestVerifyErrorsNeverHoldSecrets(t *testing.T) {
	secret := "topsecret-value-123"
	for _, h := range []http.Header{
		hdr("X-Hub-Signature-256", "sha256=00"),
		hdr("X-Hub-Signature-256", "sha256="+hex.EncodeToString(make([]byte, 32))),
	} {
		_, err := Verify(SchemeGitHub, []string{secret}, h, []byte("{}"), time.Now())
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Fatalf("err = %v", err)
		}
	}
	_, err := Verify(SchemeGitLab, []string{secret}, hdr("X-Gitlab-Token", "nope"), nil, time.Now())
	if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "nope") {
		t.Fatalf("gitlab err = %v", err)
	}
}
