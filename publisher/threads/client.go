package threads

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for Options.
const (
	// DefaultBaseURL is the Graph API host (THREADS_API_URL).
	DefaultBaseURL = "https://graph.threads.net"
	// DefaultAuthURL is the authorize page (THREADS_AUTH_URL).
	DefaultAuthURL = "https://threads.net/oauth/authorize"
	// DefaultTimeout bounds one HTTP exchange of the default HTTP client.
	// Meta answers in well under a second normally; 30 s leaves room for a
	// slow container creation (Meta fetches image_url synchronously) while
	// still failing a hung connection in time for the publisher's lease.
	DefaultTimeout = 30 * time.Second
	// APIVersion prefixes every Graph path except the token endpoints.
	APIVersion = "v1.0"
)

// maxBody caps how much of an answer is read: Threads' JSON answers are a
// few KB; a proxy's error page should not fill memory.
const maxBody = 1 << 20

// Options configures a Client. Zero values mean the documented defaults.
type Options struct {
	// BaseURL is the API's scheme and host, DefaultBaseURL when empty;
	// config's THREADS_API_URL. Tests point it at a threadstest.Server.
	BaseURL string
	// AuthURL is the authorize page, DefaultAuthURL when empty; config's
	// THREADS_AUTH_URL.
	AuthURL string
	// AppID and AppSecret are the Threads app's id and secret (not the
	// parent Meta app's). Needed only for the OAuth calls.
	AppID, AppSecret string
	// RedirectURI is the OAuth callback; it must match the App Dashboard's
	// exactly, trailing slash included.
	RedirectURI string
	// Scopes requested at authorization; DefaultScopes when empty.
	Scopes []string
	// HTTPClient makes the requests; a client with DefaultTimeout when nil.
	HTTPClient *http.Client
	// Logger receives one Debug line per request (never a token); discarded
	// when nil.
	Logger *slog.Logger
}

// Client calls the Threads Graph API. It is safe for concurrent use. Every
// call takes the access token explicitly, since one Spindle serves several
// linked accounts.
type Client struct {
	base        *url.URL
	authURL     string
	appID       string
	appSecret   string
	redirectURI string
	scopes      []string
	hc          *http.Client
	log         *slog.Logger
}

// New returns a Client. It panics if BaseURL or AuthURL is not an absolute
// URL: that is a programming or wiring error, which config validation should
// already have reported to the operator.
func New(opts Options) *Client {
	base, err := url.Parse(cmp.Or(opts.BaseURL, DefaultBaseURL))
	if err != nil || base.Scheme == "" || base.Host == "" {
		panic(fmt.Sprintf("threads: New: BaseURL %q is not an absolute URL", opts.BaseURL))
	}
	base.Path = strings.TrimSuffix(base.Path, "/")
	authURL := cmp.Or(opts.AuthURL, DefaultAuthURL)
	if u, err := url.Parse(authURL); err != nil || u.Scheme == "" || u.Host == "" {
		panic(fmt.Sprintf("threads: New: AuthURL %q is not an absolute URL", opts.AuthURL))
	}
	c := &Client{
		base:        base,
		authURL:     authURL,
		appID:       opts.AppID,
		appSecret:   opts.AppSecret,
		redirectURI: opts.RedirectURI,
		scopes:      opts.Scopes,
		hc:          opts.HTTPClient,
		log:         opts.Logger,
	}
	if len(c.scopes) == 0 {
		c.scopes = DefaultScopes()
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: DefaultTimeout}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// call is one API request. Secrets lists every secret value in it (the
// access token, the app secret, an authorization code): they are redacted
// from anything the call returns or logs.
type call struct {
	op      string
	method  string
	path    string // with leading slash; versioned by the caller
	params  url.Values
	secrets []string
}

// do sends the call and decodes a successful JSON answer into out (if not
// nil). GET and DELETE carry the parameters in the query, as Meta's docs
// show; POST sends them form-encoded in the body, which keeps the token out
// of URLs that proxies log.
func (c *Client) do(ctx context.Context, k call, out any) error {
	u := *c.base
	u.Path = c.base.Path + k.path
	var body io.Reader
	if k.method == http.MethodPost {
		body = strings.NewReader(k.params.Encode())
	} else {
		u.RawQuery = k.params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u.String(), body)
	if err != nil {
		return &Error{Op: k.op, Class: ClassPermanent, Reason: "could not build the request", Err: redactErr(err, k.secrets)}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}

	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "threads request failed", slog.String("op", k.op), slog.String("method", k.method),
			slog.String("path", k.path), slog.Duration("elapsed", time.Since(start)))
		return networkError(ctx, k, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	c.log.DebugContext(ctx, "threads request", slog.String("op", k.op), slog.String("method", k.method),
		slog.String("path", k.path), slog.Int("status", resp.StatusCode), slog.Duration("elapsed", time.Since(start)))
	if err != nil {
		return networkError(ctx, k, err)
	}
	raw = redactBytes(raw, k.secrets)

	if resp.StatusCode < 200 || resp.StatusCode > 299 || hasErrorKey(raw) {
		return parseError(k.op, resp.StatusCode, resp.Header, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return &Error{Op: k.op, Class: ClassTransient, HTTPStatus: resp.StatusCode,
			Reason: "Threads answered with something that is not the expected JSON — the call can be retried",
			Err:    err}
	}
	return nil
}

// networkError wraps a failure to get an answer. The *url.Error from
// net/http carries the full URL, query and token included: it is replaced by
// one with the URL redacted, keeping the cause for errors.Is (timeouts,
// context cancellation).
func networkError(ctx context.Context, k call, err error) *Error {
	e := &Error{Op: k.op, Class: ClassTransient, Reason: "could not reach Threads (network error or timeout) — the call can be retried"}
	if ctx.Err() != nil {
		e.Reason = "the call was cancelled or ran out of time before Threads answered"
	}
	e.Err = redactErr(err, k.secrets)
	return e
}

// hasErrorKey reports whether a 2xx body is nonetheless a Graph error
// envelope, which Graph has been seen to send with status 200.
func hasErrorKey(raw []byte) bool {
	var probe struct {
		Error json.RawMessage `json:"error"`
	}
	return json.Unmarshal(raw, &probe) == nil && len(probe.Error) > 0 && string(probe.Error) != "null"
}

// versioned returns the Graph path /v1.0/<parts...>, each part escaped.
func versioned(parts ...string) string {
	var b strings.Builder
	b.WriteString("/" + APIVersion)
	for _, p := range parts {
		b.WriteString("/")
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// errMissing reports a programming error: a required argument left empty.
func errMissing(op, what string) error {
	return &Error{Op: op, Class: ClassPermanent, Reason: what + " is empty — this is a bug in the caller"}
}
