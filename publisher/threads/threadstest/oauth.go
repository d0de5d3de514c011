package threadstest

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type authCode struct {
	userID      string
	redirectURI string
	scopes      []string
	expiresAt   time.Time
	used        bool
}

// SetConsentUser chooses who is "logged in" at the simulated authorize page
// and so whose code it hands out. It panics on an unknown user.
func (s *Server) SetConsentUser(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[userID]; !ok {
		panic("threadstest: SetConsentUser for unknown user " + userID)
	}
	s.consentUser = userID
}

// DenyConsent makes the authorize page answer as if the user pressed
// Cancel: a redirect with error=access_denied.
func (s *Server) DenyConsent(deny bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyConsent = deny
}

// writeBrowserError renders an error the way threads.net does for problems
// it will not redirect for: JSON in the browser. Only 1349026 is a code
// observed from Meta; the simulator uses error_code 1 for the rest.
func writeBrowserError(w http.ResponseWriter, code int, message string) {
	writeJSON(w, http.StatusBadRequest, struct {
		ErrorMessage string `json:"error_message"`
		ErrorCode    int    `json:"error_code"`
	}{message, code})
}

// handleAuthorize plays threads.net/oauth/authorize: it validates the
// request and, since the consent user always "accepts" (unless DenyConsent),
// redirects straight back with a single-use one-hour code.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.Form
	if q.Get("client_id") != s.opts.AppID {
		writeBrowserError(w, 1349026, "No application data was given: There was a problem getting data for an application. The application may not be valid or there is a temporary glitch. Please try again later.")
		return
	}
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if redirect == "" || err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" {
		writeBrowserError(w, 1, "Invalid Request: redirect_uri must be an absolute http(s) URL.")
		return
	}
	if len(s.opts.RedirectURIs) > 0 && !slices.Contains(s.opts.RedirectURIs, redirect) {
		writeBrowserError(w, 1, "Invalid Request: redirect_uri is not one of the app's valid OAuth redirect URIs (they must match exactly, including any trailing slash).")
		return
	}
	if q.Get("response_type") != "code" {
		writeBrowserError(w, 1, "Invalid Request: response_type must be code.")
		return
	}
	scopes := parseScopes(q.Get("scope"))
	if !slices.Contains(scopes, ScopeBasic) {
		writeBrowserError(w, 1, "Invalid Scopes: threads_basic is required.")
		return
	}
	if bad := unknownScope(scopes); bad != "" {
		writeBrowserError(w, 1, "Invalid Scopes: "+bad+".")
		return
	}
	state := q.Get("state")
	s.mu.Lock()
	deny, userID := s.denyConsent, s.consentUser
	var code string
	if !deny && userID != "" {
		code = "AQ" + rand.Text() + rand.Text()
		s.codes[code] = &authCode{userID: userID, redirectURI: redirect, scopes: scopes, expiresAt: s.now().Add(CodeTTL)}
	}
	s.mu.Unlock()
	if userID == "" && !deny {
		writeBrowserError(w, 1, "No user is logged in to the simulated threads.net: add one with Server.AddUser.")
		return
	}
	v := ru.Query()
	fragment := "#_"
	if deny {
		v.Set("error", "access_denied")
		v.Set("error_reason", "user_denied")
		v.Set("error_description", "The user denied your request")
		fragment = ""
	} else {
		v.Set("code", code)
	}
	if state != "" {
		v.Set("state", state)
	}
	ru.RawQuery = v.Encode()
	ru.Fragment = ""
	http.Redirect(w, r, ru.String()+fragment, http.StatusFound)
}

// handleCodeExchange is POST /oauth/access_token. GET is accepted too, as
// Meta does for at least one well-known client.
func (s *Server) handleCodeExchange(w http.ResponseWriter, r *http.Request) {
	f := r.Form
	switch f.Get("grant_type") {
	case "authorization_code":
	case "client_credentials":
		s.handleAppToken(w, f)
		return
	default:
		s.writeGraphError(w, GraphError{Code: 100, Message: "Invalid grant_type: expected authorization_code."})
		return
	}
	if !s.checkApp(w, f.Get("client_id"), f.Get("client_secret")) {
		return
	}
	code := strings.TrimSuffix(f.Get("code"), "#_")
	now := s.now()
	s.mu.Lock()
	c, ok := s.codes[code]
	if !ok || c.used || !now.Before(c.expiresAt) {
		s.mu.Unlock()
		writeFlatOAuthError(w, "Matching code was not found or was already used")
		return
	}
	if c.redirectURI != f.Get("redirect_uri") {
		s.mu.Unlock()
		s.writeGraphError(w, GraphError{Code: 100, Message: "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"})
		return
	}
	c.used = true
	t := s.newToken(c.userID, c.scopes, false)
	s.mu.Unlock()
	var uid any = jsonNumber(t.userID)
	if s.opts.UserIDAsString {
		uid = t.userID
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": t.value, "user_id": uid})
}

func (s *Server) handleAppToken(w http.ResponseWriter, f url.Values) {
	if !s.checkApp(w, f.Get("client_id"), f.Get("client_secret")) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": "TH|" + s.opts.AppID + "|" + rand.Text(), "token_type": "bearer"})
}

func (s *Server) checkApp(w http.ResponseWriter, clientID, secret string) bool {
	if clientID != s.opts.AppID {
		s.writeGraphError(w, GraphError{Code: 101, Message: "Error validating application. Invalid application ID."})
		return false
	}
	if secret != s.opts.AppSecret {
		s.writeGraphError(w, GraphError{Code: 1, Message: "Error validating client secret."})
		return false
	}
	return true
}

// handleExchange is GET /access_token?grant_type=th_exchange_token: an
// unexpired short-lived token becomes a 60-day one.
func (s *Server) handleExchange(w http.ResponseWriter, r *http.Request) {
	f := r.Form
	if f.Get("grant_type") != "th_exchange_token" {
		s.writeGraphError(w, GraphError{Code: 100, Message: "Invalid grant_type: expected th_exchange_token."})
		return
	}
	if f.Get("client_secret") != s.opts.AppSecret {
		s.writeGraphError(w, GraphError{Code: 1, Message: "Error validating client secret."})
		return
	}
	t := s.authenticate(w, r)
	if t == nil {
		return
	}
	if t.long {
		s.writeGraphError(w, GraphError{Code: 100, Message: "Invalid parameter: access_token must be a short-lived token; long-lived tokens are refreshed with th_refresh_token."})
		return
	}
	s.mu.Lock()
	nt := s.newToken(t.userID, t.scopes, true)
	s.mu.Unlock()
	s.writeLongToken(w, nt)
}

// handleRefresh is GET /refresh_access_token?grant_type=th_refresh_token: a
// long-lived token at least 24 hours old and unexpired gets a new 60-day
// token. The old token stays valid until its own expiry.
func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	if r.Form.Get("grant_type") != "th_refresh_token" {
		s.writeGraphError(w, GraphError{Code: 100, Message: "Invalid grant_type: expected th_refresh_token."})
		return
	}
	t := s.authenticate(w, r, ScopeBasic)
	if t == nil {
		return
	}
	if !t.long {
		s.writeGraphError(w, GraphError{Code: 100, Message: "Invalid parameter: short-lived tokens cannot be refreshed; exchange them with th_exchange_token first."})
		return
	}
	if s.now().Sub(t.issuedAt) < RefreshMinAge {
		e := GraphError{HTTPStatus: s.opts.AuthErrorStatus, Code: 190, Message: "Error validating access token: the token cannot be refreshed until it is at least 24 hours old."}
		if s.opts.RefreshTooYoungError != nil {
			e = *s.opts.RefreshTooYoungError
		}
		s.writeGraphError(w, e)
		return
	}
	s.mu.Lock()
	nt := s.newToken(t.userID, t.scopes, true)
	s.mu.Unlock()
	s.writeLongToken(w, nt)
}

func (s *Server) writeLongToken(w http.ResponseWriter, t *token) {
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": t.value, "token_type": "bearer",
		"expires_in": int64(t.expiresAt.Sub(s.now()) / time.Second)})
}

// jsonNumber renders a numeric id as a JSON number without float rounding.
type jsonNumber string

func (n jsonNumber) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseUint(string(n), 10, 64); err != nil {
		return nil, err
	}
	return []byte(n), nil
}
