package threads

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ShortLivedToken is what the authorization-code exchange returns: a token
// valid for one hour, to be exchanged for a long-lived one at once.
type ShortLivedToken struct {
	AccessToken string
	// UserID is the Threads user id, which Meta documents as a JSON number
	// and its Postman collection shows as a string; both are accepted.
	UserID string
	// ExpiresIn is the lifetime Threads stated, or zero when it stated none
	// (the documented answer has none; the documented lifetime is 1 h).
	ExpiresIn time.Duration
}

// Token is a long-lived access token (60 days) from ExchangeLongLived or
// Refresh. Always store the token a refresh returns.
type Token struct {
	AccessToken string
	ExpiresIn   time.Duration
}

// Scopes are the permissions AuthorizeURL asks for. Threads' consent grants them all or
// nothing (its token answers carry no scope list), so they are what a completed link granted.
func (c *Client) Scopes() []string { return slices.Clone(c.scopes) }

// AuthorizeURL returns the authorize page URL to send a person to. state is
// echoed back on the redirect; pass a signed, single-use value.
func (c *Client) AuthorizeURL(state string) string {
	q := url.Values{}
	q.Set("client_id", c.appID)
	q.Set("redirect_uri", c.redirectURI)
	q.Set("scope", strings.Join(c.scopes, ","))
	q.Set("response_type", "code")
	if state != "" {
		q.Set("state", state)
	}
	sep := "?"
	if strings.Contains(c.authURL, "?") {
		sep = "&"
	}
	return c.authURL + sep + q.Encode()
}

// ExchangeCode trades the authorization code from the redirect for a
// short-lived token (POST /oauth/access_token). A trailing "#_", which
// Threads appends to the redirect and people copy along, is stripped.
func (c *Client) ExchangeCode(ctx context.Context, code string) (ShortLivedToken, error) {
	const op = "exchange authorization code"
	code = strings.TrimSuffix(strings.TrimSpace(code), "#_")
	if code == "" {
		return ShortLivedToken{}, errMissing(op, "the authorization code")
	}
	p := url.Values{}
	p.Set("client_id", c.appID)
	p.Set("client_secret", c.appSecret)
	p.Set("grant_type", "authorization_code")
	p.Set("redirect_uri", c.redirectURI)
	p.Set("code", code)
	var out struct {
		AccessToken string    `json:"access_token"`
		UserID      flexIDStr `json:"user_id"`
		ExpiresIn   flexInt   `json:"expires_in"`
	}
	err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/oauth/access_token", params: p,
		secrets: []string{c.appSecret, code}}, &out)
	if err != nil {
		return ShortLivedToken{}, credentialError(err)
	}
	if out.AccessToken == "" {
		return ShortLivedToken{}, missingField(op, "access_token")
	}
	return ShortLivedToken{AccessToken: out.AccessToken, UserID: string(out.UserID),
		ExpiresIn: time.Duration(out.ExpiresIn) * time.Second}, nil
}

// ExchangeLongLived trades an unexpired short-lived token for a 60-day one
// (GET /access_token, grant_type=th_exchange_token).
func (c *Client) ExchangeLongLived(ctx context.Context, shortToken string) (Token, error) {
	const op = "exchange for a long-lived token"
	if shortToken == "" {
		return Token{}, errMissing(op, "the short-lived token")
	}
	p := url.Values{}
	p.Set("grant_type", "th_exchange_token")
	p.Set("client_secret", c.appSecret)
	p.Set("access_token", shortToken)
	return c.token(ctx, call{op: op, method: http.MethodGet, path: "/access_token", params: p,
		secrets: []string{c.appSecret, shortToken}})
}

// Refresh extends a long-lived token by 60 days from now (GET
// /refresh_access_token, grant_type=th_refresh_token). Threads refuses
// tokens younger than 24 hours and expired ones.
func (c *Client) Refresh(ctx context.Context, token string) (Token, error) {
	const op = "refresh the access token"
	if token == "" {
		return Token{}, errMissing(op, "the access token")
	}
	p := url.Values{}
	p.Set("grant_type", "th_refresh_token")
	p.Set("access_token", token)
	return c.token(ctx, call{op: op, method: http.MethodGet, path: "/refresh_access_token", params: p,
		secrets: []string{token}})
}

func (c *Client) token(ctx context.Context, k call) (Token, error) {
	var out struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   flexInt `json:"expires_in"`
	}
	if err := c.do(ctx, k, &out); err != nil {
		return Token{}, credentialError(err)
	}
	if out.AccessToken == "" {
		return Token{}, missingField(k.op, "access_token")
	}
	return Token{AccessToken: out.AccessToken, ExpiresIn: time.Duration(out.ExpiresIn) * time.Second}, nil
}

// credentialError reclassifies Graph's answer to a wrong app id or secret
// on the token endpoints: an OAuthException with code 1 and no
// is_transient, which elsewhere would mean "unknown error, retry". Retrying
// a wrong secret never helps; the operator must fix the configuration.
func credentialError(err error) error {
	e, ok := err.(*Error)
	if ok && e.Code == 1 && e.Subcode == 0 && !e.IsTransient && e.Type == "OAuthException" {
		e.Class = ClassAuth
		e.Reason = "Threads did not accept the app credentials — check THREADS_APP_ID and THREADS_APP_SECRET are the Threads app's (App Dashboard > App settings > Basic), not the parent Meta app's"
	}
	return err
}

// missingField reports a successful answer that lacks a field the client
// needs: Threads changed or a proxy answered.
func missingField(op, field string) error {
	return &Error{Op: op, Class: ClassTransient, HTTPStatus: http.StatusOK,
		Reason: "Threads answered without " + field + " — the call can be retried; if it keeps happening the API changed"}
}

// flexIDStr decodes an id given as a JSON string or number into its digits,
// without the float rounding that decoding a 17-digit number would cause.
type flexIDStr string

func (f *flexIDStr) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexIDStr(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	if _, err := strconv.ParseUint(n.String(), 10, 64); err != nil {
		return err
	}
	*f = flexIDStr(n.String())
	return nil
}
