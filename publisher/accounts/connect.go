package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/storage"
)

// Routes of the OAuth flow (design.md, HTTP surface).
const (
	StartPath    = "/api/auth/threads"
	CallbackPath = "/api/auth/threads/callback"
)

// LinkFor returns a connect link for id: a URL under SPINDLE_PUBLIC_URL, valid for LinkTTL
// (15 minutes) and good for one use, that sends the browser to Threads' authorize page. id
// must come from Identify.
func (s *Service) LinkFor(ctx context.Context, id Identity) (string, error) {
	if id.ID == 0 {
		return "", fmt.Errorf("accounts: LinkFor needs an identity from Identify")
	}
	token, hash := newLinkToken()
	if err := s.links.CreateLinkToken(ctx, hash, id.ID, s.now().Add(s.linkTTL)); err != nil {
		return "", fmt.Errorf("accounts: could not make a connect link, try again: %w", err)
	}
	return s.public + StartPath + "?link=" + token, nil
}

// authorizeURL returns Threads' authorize page for id with a fresh signed state bound to the
// browser holding the cookie whose binding is given.
func (s *Service) authorizeURL(id Identity, binding [bindingLen]byte) string {
	state, _ := s.keys.newState(id.ID, s.now().Add(s.stateTTL), binding)
	return s.threads.AuthorizeURL(state)
}

// Handler serves GET /api/auth/threads and GET /api/auth/threads/callback. Mount it at both
// paths (or under /api/auth/threads).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+StartPath, s.handleStart)
	mux.HandleFunc("GET "+CallbackPath, s.handleCallback)
	return mux
}

// handleStart is GET /api/auth/threads. With ?link= (a connect link from chat) it spends the
// link, gives the browser its binding cookie and shows who is being linked, with a Continue
// link to Threads' authorize page (?mode=json answers {"url": …} instead, for the same
// client, which then holds the cookie). A person handed someone else's connect link sees
// whose it is before anything happens.
//
// With a bearer API token (scripts, as in the integration guide) there is no browser yet, so
// the answer is a fresh connect link for the token's identity (302, or {"url": …} with
// ?mode=json): the browser that opens it is the one bound.
func (s *Service) handleStart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	jsonMode := r.URL.Query().Get("mode") == "json"
	// fail answers err through httperr, the one vocabulary: a bad link or token in its own
	// words, anything else (the database, say) as a 500 with internal's words and the detail
	// only in the log.
	fail := func(err error, internal string) {
		p := httperr.Classify(err)
		if p.Code == httperr.CodeInternal {
			p.Message = internal
		}
		httperr.Log(r, s.log, p, err, "oauth start refused")
		if jsonMode {
			httperr.Write(w, p)
			return
		}
		s.page(w, p.Status, "Could not start connecting Threads", p.Message, false)
	}
	switch link := r.URL.Query().Get("link"); {
	case link != "":
		id, err := s.useLink(ctx, link)
		if err != nil {
			fail(err, "Spindle could not read its database; try the link again in a moment.")
			return
		}
		cookie, binding := newBrowserBinding()
		s.setBinding(w, r, cookie)
		u := s.authorizeURL(id, binding)
		s.log.InfoContext(ctx, "oauth started", slog.Int64("identity_id", id.ID), slog.String("door", id.Door))
		if jsonMode {
			httperr.WriteJSON(w, http.StatusOK, map[string]string{"url": u})
			return
		}
		s.confirmPage(w, id, u)
	case r.Header.Get("Authorization") != "":
		c, err := s.Authenticate(ctx, r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="spindle"`)
			fail(err, "Spindle could not check the token; try again in a moment.")
			return
		}
		u, err := s.LinkFor(ctx, c.Identity)
		if err != nil {
			fail(err, "Spindle could not make a connect link; try again in a moment.")
			return
		}
		if jsonMode {
			httperr.WriteJSON(w, http.StatusOK, map[string]string{"url": u})
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	default:
		fail(errNeedsLink, "")
	}
}

// errNeedsLink answers the start route opened with neither a connect link nor a token.
var errNeedsLink = httperr.New(http.StatusUnauthorized, httperr.CodeUnauthorized,
	"This address needs a connect link: send connect to the Spindle bot in Slack or Telegram and open the link it answers with (or call it with an API token in Authorization: Bearer).")

// badLink is a connect link a person cannot use: answered 400 link_invalid in msg's words.
func badLink(msg string) error {
	return &httperr.Error{Status: http.StatusBadRequest, Code: CodeLinkInvalid, Message: msg}
}

// CodeLinkInvalid is the code of a connect link that is malformed, unknown, expired or spent.
const CodeLinkInvalid = "link_invalid"

// useLink spends a connect link and returns its identity, or an error a person can act on. A
// database failure is returned as it is: the caller answers it 500 and logs the detail.
func (s *Service) useLink(ctx context.Context, link string) (Identity, error) {
	hash, err := parseLinkToken(link)
	if err != nil {
		return Identity{}, badLink("This connect link is not valid (it may have been cut short when copied). Send connect in chat for a new one.")
	}
	idID, err := s.links.UseLinkToken(ctx, hash)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return Identity{}, badLink("This connect link is unknown or too old. Send connect in chat for a new one.")
	case errors.Is(err, storage.ErrExpired):
		return Identity{}, badLink(fmt.Sprintf("This connect link expired (links last %d minutes). Send connect in chat for a new one.", int(s.linkTTL.Minutes())))
	case errors.Is(err, storage.ErrUsed):
		return Identity{}, badLink("This connect link was already used; each link works once. Send connect in chat for a new one.")
	case err != nil:
		return Identity{}, fmt.Errorf("accounts: spend connect link: %w", err)
	}
	id, err := s.IdentityByID(ctx, idID)
	if err != nil {
		// The link named an identity: not finding it is Spindle's failure, not the person's.
		return Identity{}, fmt.Errorf("accounts: identity of a connect link: %w", internalOnly{err})
	}
	return id, nil
}

// internalOnly hides a storage sentinel (ErrNotFound) from the mapper, so a failure of
// Spindle's own data is answered 500 rather than as the client's 404.
type internalOnly struct{ err error }

func (e internalOnly) Error() string { return e.err.Error() }

// redirectWith appends params to a configured redirect URI.
func redirectWith(base string, params url.Values) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}
