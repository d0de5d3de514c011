package threadstest

import (
	"crypto/rand"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scopes the simulator knows (reference §2.2).
const (
	ScopeBasic            = "threads_basic"
	ScopeContentPublish   = "threads_content_publish"
	ScopeManageReplies    = "threads_manage_replies"
	ScopeReadReplies      = "threads_read_replies"
	ScopeManageInsights   = "threads_manage_insights"
	ScopeDelete           = "threads_delete"
	ScopeKeywordSearch    = "threads_keyword_search"
	ScopeManageMentions   = "threads_manage_mentions"
	ScopeLocationTagging  = "threads_location_tagging"
	ScopeProfileDiscovery = "threads_profile_discovery"
	ScopeShareToInstagram = "threads_share_to_instagram"
)

var knownScopes = []string{
	ScopeBasic, ScopeContentPublish, ScopeManageReplies, ScopeReadReplies, ScopeManageInsights,
	ScopeDelete, ScopeKeywordSearch, ScopeManageMentions, ScopeLocationTagging,
	ScopeProfileDiscovery, ScopeShareToInstagram,
}

// DefaultScopes returns what IssueToken grants when given none: the least a publishing app
// asks for. Replying (threads_manage_replies), deleting (threads_delete) and insights
// (threads_manage_insights) are refused with it, as Meta refuses them.
func DefaultScopes() []string {
	return []string{ScopeBasic, ScopeContentPublish}
}

// Token lifetimes (reference §2.8).
const (
	CodeTTL       = time.Hour
	ShortTokenTTL = time.Hour
	LongTokenTTL  = 60 * 24 * time.Hour
	// RefreshMinAge is how old a long-lived token must be before it can be
	// refreshed.
	RefreshMinAge = 24 * time.Hour
)

// User is a Threads account in the simulator.
type User struct {
	ID                string // 17-digit numeric string
	Username          string
	Name              string
	Biography         string
	ProfilePictureURL string
	IsVerified        bool
}

type token struct {
	value     string
	userID    string
	scopes    []string
	long      bool
	issuedAt  time.Time
	expiresAt time.Time
	revoked   bool
}

func (t *token) has(scope string) bool { return slices.Contains(t.scopes, scope) }

// TokenInfo describes an access token, for assertions.
type TokenInfo struct {
	UserID    string
	Scopes    []string
	LongLived bool
	IssuedAt  time.Time
	ExpiresAt time.Time
	Revoked   bool
}

// AddUser creates a user with a fresh 17-digit id. The first user added is
// the one who "logs in" at the consent page until SetConsentUser says
// otherwise.
func (s *Server) AddUser(username string) *User {
	if username == "" {
		panic("threadstest: AddUser needs a username")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUserID += 1 + s.randN(9973)
	u := &User{
		ID:                formatUint(s.nextUserID),
		Username:          username,
		Name:              username,
		Biography:         "Simulated Threads account.",
		ProfilePictureURL: "https://scontent.cdninstagram.com/sim/" + username + ".jpg",
	}
	s.users[u.ID] = u
	s.userOrder = append(s.userOrder, u.ID)
	if s.consentUser == "" {
		s.consentUser = u.ID
	}
	cp := *u
	return &cp
}

// User returns a copy of the user with the given id.
func (s *Server) User(userID string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[userID]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// UpdateUser replaces the profile of the user with u.ID (name, biography,
// picture, verification; the username too). It panics on an unknown user.
func (s *Server) UpdateUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; !ok {
		panic("threadstest: UpdateUser for unknown user " + u.ID)
	}
	cp := u
	s.users[u.ID] = &cp
}

// IssueToken returns a valid long-lived (60-day) token for userID without
// going through OAuth. With no scopes it grants DefaultScopes. It panics on
// an unknown user.
func (s *Server) IssueToken(userID string, scopes ...string) string {
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[userID]; !ok {
		panic("threadstest: IssueToken for unknown user " + userID)
	}
	return s.newToken(userID, scopes, true).value
}

// IssueShortLivedToken is IssueToken for a one-hour short-lived token, the
// kind the code exchange returns.
func (s *Server) IssueShortLivedToken(userID string, scopes ...string) string {
	if len(scopes) == 0 {
		scopes = DefaultScopes()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[userID]; !ok {
		panic("threadstest: IssueShortLivedToken for unknown user " + userID)
	}
	return s.newToken(userID, scopes, false).value
}

// newToken mints a token. Callers hold s.mu.
func (s *Server) newToken(userID string, scopes []string, long bool) *token {
	now := s.now()
	ttl := ShortTokenTTL
	if long {
		ttl = LongTokenTTL
	}
	t := &token{
		value: "THQVJ" + rand.Text() + rand.Text(), userID: userID, scopes: slices.Clone(scopes),
		long: long, issuedAt: now, expiresAt: now.Add(ttl),
	}
	s.tokens[t.value] = t
	return t
}

// RevokeTokens invalidates every token of userID, as when the user removes
// the app; later calls answer 190/460.
func (s *Server) RevokeTokens(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		if t.userID == userID {
			t.revoked = true
		}
	}
}

// TokenInfo describes a token the simulator issued.
func (s *Server) TokenInfo(accessToken string) (TokenInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[accessToken]
	if !ok {
		return TokenInfo{}, false
	}
	return TokenInfo{UserID: t.userID, Scopes: slices.Clone(t.scopes), LongLived: t.long,
		IssuedAt: t.issuedAt, ExpiresAt: t.expiresAt, Revoked: t.revoked}, true
}

// accessToken finds the token of a request: the access_token parameter
// (query or form body) or an Authorization: Bearer (or OAuth) header.
func accessToken(r *http.Request) string {
	if v := r.Form.Get("access_token"); v != "" {
		return v
	}
	h := r.Header.Get("Authorization")
	for _, p := range []string{"Bearer ", "bearer ", "OAuth "} {
		if v, ok := strings.CutPrefix(h, p); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// authenticate checks the request's token and scopes. On failure it has
// written the Graph error and returns nil.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, scopes ...string) *token {
	value := accessToken(r)
	if value == "" {
		s.writeGraphError(w, errNoToken())
		return nil
	}
	t, gerr := s.checkToken(value, scopes...)
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return nil
	}
	return t
}

func (s *Server) checkToken(value string, scopes ...string) (*token, *GraphError) {
	now := s.now()
	s.mu.Lock()
	t, ok := s.tokens[value]
	var cp token
	if ok {
		cp = *t
	}
	s.mu.Unlock()
	if !ok {
		e := errInvalidToken()
		e.HTTPStatus = s.opts.AuthErrorStatus
		return nil, &e
	}
	if cp.revoked {
		e := s.errRevoked(cp.userID)
		return nil, &e
	}
	if !now.Before(cp.expiresAt) {
		e := s.errExpired(cp.expiresAt, now)
		return nil, &e
	}
	for _, sc := range scopes {
		if !cp.has(sc) {
			e := errPermission()
			return nil, &e
		}
	}
	return &cp, nil
}

// resolveUser maps the {user-id} path segment ("me" or a numeric id) to the
// token's user. Another user's id or a username answers 100/33, as Meta does
// for nodes the token cannot load.
func (s *Server) resolveUser(w http.ResponseWriter, method, seg string, t *token) bool {
	if seg == "me" || seg == t.userID {
		return true
	}
	s.writeGraphError(w, errUnsupported(method, seg))
	return false
}

func formatUint(n uint64) string { return strconv.FormatUint(n, 10) }

func parseScopes(v string) []string {
	f := strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '+' })
	out := f[:0]
	for _, sc := range f {
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

func unknownScope(scopes []string) string {
	for _, sc := range scopes {
		if !slices.Contains(knownScopes, sc) {
			return sc
		}
	}
	return ""
}
