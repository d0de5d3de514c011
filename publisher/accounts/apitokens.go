package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/storage"
)

// API tokens are "spd_" and 32 random bytes in lowercase unpadded base32 (56 characters in
// all): the prefix lets secret scanners and people recognize them. Only the SHA-256 of the
// whole token is stored; with 256 random bits a fast hash is enough, no password hashing.
const (
	apiTokenPrefix = "spd_"
	apiTokenRaw    = 32
	apiTokenLen    = len(apiTokenPrefix) + 52
	// touchEvery bounds how often a token's last use is written, so that a busy script does
	// not cost an fsync per request.
	touchEvery = time.Minute
)

var apiTokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Caller is who an API request comes from: the token's identity, and the token (whose
// AccountID, when set, pins requests to one account).
type Caller struct {
	Identity Identity
	Token    storage.APIToken
}

// TokenOptions shape a new API token.
type TokenOptions struct {
	Name      string // a label for listings
	AccountID int64  // pin the token to this account; id must be allowed to post there
}

// CreateAPIToken makes a REST API token for id and returns it in clear: show it once, it
// cannot be read back. The `token` chat command calls it.
func (s *Service) CreateAPIToken(ctx context.Context, id Identity) (string, error) {
	plain, _, err := s.CreateAPITokenWith(ctx, id, TokenOptions{})
	return plain, err
}

// CreateAPITokenWith is CreateAPIToken with a name and an optional account pin.
func (s *Service) CreateAPITokenWith(ctx context.Context, id Identity, o TokenOptions) (string, storage.APIToken, error) {
	if id.ID == 0 {
		return "", storage.APIToken{}, fmt.Errorf("accounts: CreateAPIToken needs an identity from Identify")
	}
	if o.AccountID != 0 {
		if err := s.CanPost(ctx, id, o.AccountID); err != nil {
			return "", storage.APIToken{}, err
		}
	}
	b := make([]byte, apiTokenRaw)
	rand.Read(b)
	plain := apiTokenPrefix + apiTokenEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(plain))
	t, err := s.apiTokens.CreateAPIToken(ctx, h[:], storage.APIToken{Prefix: plain[:len(apiTokenPrefix)+8],
		IdentityID: id.ID, AccountID: o.AccountID, Name: o.Name})
	if err != nil {
		return "", storage.APIToken{}, fmt.Errorf("accounts: could not create the token, try again: %w", err)
	}
	return plain, t, nil
}

// parseAPIToken checks a bearer token's form and returns its hash.
func parseAPIToken(s string) ([]byte, error) {
	if len(s) != apiTokenLen || !strings.HasPrefix(s, apiTokenPrefix) {
		return nil, ErrTokenInvalid
	}
	if b, err := apiTokenEncoding.DecodeString(s[len(apiTokenPrefix):]); err != nil || len(b) != apiTokenRaw {
		return nil, ErrTokenInvalid
	}
	h := sha256.Sum256([]byte(s))
	return h[:], nil
}

// Authenticate checks an Authorization header value ("Bearer spd_…") and returns the caller.
// Failures wrap ErrTokenInvalid or ErrTokenRevoked and say what to do.
func (s *Service) Authenticate(ctx context.Context, header string) (Caller, error) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return Caller{}, fmt.Errorf("send the API token as Authorization: Bearer spd_…; get one with the token command in chat or spindle tokens create: %w", ErrTokenInvalid)
	}
	hash, err := parseAPIToken(strings.TrimSpace(tok))
	if err != nil {
		return Caller{}, fmt.Errorf("this is not a Spindle API token (they start with spd_ and are 56 characters); check it was copied whole: %w", ErrTokenInvalid)
	}
	t, err := s.apiTokens.APITokenByHash(ctx, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return Caller{}, fmt.Errorf("this API token is unknown to this Spindle; create a new one with the token command: %w", ErrTokenInvalid)
	}
	if err != nil {
		return Caller{}, fmt.Errorf("accounts: %w", err)
	}
	if !t.RevokedAt.IsZero() {
		return Caller{}, fmt.Errorf("this API token was revoked; create a new one with the token command: %w", ErrTokenRevoked)
	}
	id, err := s.IdentityByID(ctx, t.IdentityID)
	if err != nil {
		// A token whose identity is missing is Spindle's failure: answered 500, not 404.
		return Caller{}, fmt.Errorf("accounts: identity of API token %d: %w", t.ID, internalOnly{err})
	}
	if now := s.now(); now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.apiTokens.TouchAPIToken(ctx, t.ID, now); err != nil {
			s.log.WarnContext(ctx, "could not record api token use", slog.Int64("token_id", t.ID), slog.String("error", err.Error()))
		}
	}
	return Caller{Identity: id, Token: t}, nil
}

type callerKey struct{}

// CallerFrom returns the caller RequireToken put in the request's context.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// WithCaller returns ctx carrying c, as RequireToken does.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// RequireToken authenticates every request by its bearer API token, answering 401 with a JSON
// error otherwise, and hands the Caller to next through the context (CallerFrom).
func (s *Service) RequireToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			p := httperr.Classify(err)
			if p.Code == httperr.CodeInternal {
				p.Message = "Spindle could not check the token; try again in a moment"
			}
			httperr.Log(r, s.log, p, err, "api authentication refused")
			w.Header().Set("WWW-Authenticate", `Bearer realm="spindle"`)
			httperr.Write(w, p)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// APITokens lists id's tokens, newest first (every token when id.ID is 0: the operator).
func (s *Service) APITokens(ctx context.Context, id Identity) ([]storage.APIToken, error) {
	ts, err := s.apiTokens.APITokens(ctx, id.ID)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return ts, nil
}

// RevokeAPIToken revokes token tokenID; id must be the identity it belongs to (id.ID 0 is
// the operator, who may revoke any).
func (s *Service) RevokeAPIToken(ctx context.Context, id Identity, tokenID int64) error {
	t, err := s.apiTokens.APITokenByID(ctx, tokenID)
	if err != nil {
		return fmt.Errorf("no API token %d: %w", tokenID, err)
	}
	if id.ID != 0 && t.IdentityID != id.ID {
		return fmt.Errorf("API token %d is not yours to revoke: %w", tokenID, ErrForbidden)
	}
	if err := s.apiTokens.RevokeAPIToken(ctx, tokenID); err != nil {
		return fmt.Errorf("API token %d is already revoked or gone: %w", tokenID, err)
	}
	return nil
}
