package accounts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Failure reasons, sent as ?reason= to THREADS_FAILURE_REDIRECT_URI. Each has its own
// message, following the integration guide's troubleshooting section.
const (
	ReasonDenied           = "access_denied"
	ReasonStateInvalid     = "invalid_state"
	ReasonStateExpired     = "expired_state"
	ReasonStateUsed        = "used_state"
	ReasonNoCode           = "missing_code"
	ReasonExchangeFailed   = "token_exchange_failed"
	ReasonNoUserID         = "user_id_unavailable"
	ReasonAlreadyConnected = "already_connected"
	ReasonOtherBrowser     = "other_browser"
	ReasonInternal         = "internal_error"
)

// linkFailure is a callback that ended without an account linked.
type linkFailure struct {
	status  int
	reason  string
	message string
}

func (f *linkFailure) Error() string { return f.message }

// handleCallback is GET /api/auth/threads/callback, where Threads sends the browser back.
func (s *Service) handleCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	acct, id, err := s.complete(ctx, r)
	if err != nil {
		var f *linkFailure
		if !errors.As(err, &f) {
			f = &linkFailure{http.StatusInternalServerError, ReasonInternal, "Spindle could not finish connecting; nothing was stored. Try again in a moment."}
		}
		s.log.Log(ctx, httperr.LevelFor(f.status), "oauth callback failed", slog.String("reason", f.reason), slog.String("error", err.Error()))
		if s.failure != "" {
			http.Redirect(w, r, redirectWith(s.failure, url.Values{"reason": {f.reason}, "message": {f.message}}), http.StatusFound)
			return
		}
		s.page(w, f.status, "Threads was not connected", f.message, false)
		return
	}
	s.log.InfoContext(ctx, "threads account connected", slog.Int64("account_id", acct.ID),
		slog.String("username", acct.Username), slog.Int64("identity_id", id.ID))
	s.notify(ctx, id, "Connected as @"+acct.Username+".")
	if s.success != "" {
		http.Redirect(w, r, redirectWith(s.success, url.Values{"username": {acct.Username}}), http.StatusFound)
		return
	}
	s.page(w, http.StatusOK, "Connected as @"+acct.Username, "Connected — you can close this tab.", true)
}

// complete runs the callback: state, browser binding, code exchanges, profile, storage. It
// stores nothing unless every step succeeded, and a state presented by a browser that did not
// open its connect link is refused before it is spent.
func (s *Service) complete(ctx context.Context, r *http.Request) (storage.Account, Identity, error) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		msg := "You cancelled connecting Threads (or Threads refused it), so nothing was stored. Send connect in chat to try again."
		if e != "access_denied" {
			msg = fmt.Sprintf("Threads answered %q instead of a sign-in, so nothing was stored. Send connect in chat to try again.", e)
		}
		return storage.Account{}, Identity{}, &linkFailure{http.StatusBadRequest, ReasonDenied, msg}
	}
	st, err := s.keys.decodeState(q.Get("state"), s.now())
	switch {
	case errors.Is(err, ErrStateExpired):
		return s.fail(http.StatusBadRequest, ReasonStateExpired, "Invalid or expired OAuth state: this sign-in took longer than %d minutes. Send connect in chat for a new link (and check the server's clock is synchronized).", int(s.stateTTL.Minutes()))
	case err != nil:
		return s.fail(http.StatusBadRequest, ReasonStateInvalid, "Invalid or expired OAuth state: the address was altered or does not come from this Spindle. Start again from a connect link (send connect in chat).")
	}
	if !boundToBrowser(r, st) {
		return s.fail(http.StatusForbidden, ReasonOtherBrowser, "This sign-in was started in another browser, so nothing was linked. If you did not ask to connect a Threads account, someone may have sent you their link: just close this tab. Otherwise send connect in chat and open the new link in this browser.")
	}
	if err := s.links.UseOAuthState(ctx, st.Nonce[:], st.Expires); errors.Is(err, storage.ErrUsed) {
		return s.fail(http.StatusBadRequest, ReasonStateUsed, "Invalid or expired OAuth state: this sign-in was already completed or attempted (the page may have been reloaded). Send connect in chat if the account is not connected.")
	} else if err != nil {
		return storage.Account{}, Identity{}, err
	}
	id, err := s.IdentityByID(ctx, st.IdentityID)
	if err != nil {
		return storage.Account{}, Identity{}, err
	}
	code := q.Get("code")
	if code == "" {
		return s.fail(http.StatusBadRequest, ReasonNoCode, "Threads did not send an authorization code, so nothing was stored. Send connect in chat to try again.")
	}
	short, err := s.threads.ExchangeCode(ctx, code)
	if err != nil {
		return s.exchangeFailed(ctx, err)
	}
	long, err := s.threads.ExchangeLongLived(ctx, short.AccessToken)
	if err != nil {
		return s.exchangeFailed(ctx, err)
	}
	prof, err := s.threads.Me(ctx, long.AccessToken)
	if err != nil || prof.ID == "" || prof.Username == "" {
		msg := "Unable to get Threads user ID: Threads did not say which account this is. Try connecting again in a moment."
		if threads.ClassOf(err) == threads.ClassPermission || threads.ClassOf(err) == threads.ClassAuth {
			msg = "Unable to get Threads user ID: the sign-in did not grant the threads_basic permission. Connect again and allow every permission Spindle asks for."
		}
		if err != nil {
			s.log.WarnContext(ctx, "threads profile failed", slog.String("error", err.Error()))
		}
		return s.fail(http.StatusBadGateway, ReasonNoUserID, "%s", msg)
	}
	if short.UserID != "" && short.UserID != prof.ID {
		return s.fail(http.StatusBadGateway, ReasonNoUserID, "Unable to get Threads user ID: Threads named two different accounts during sign-in. Try connecting again.")
	}
	ttl := long.ExpiresIn
	if ttl <= 0 {
		ttl = 60 * 24 * time.Hour // the documented lifetime, when Threads states none
	}
	now := s.now()
	acct, err := s.link(ctx, storage.Account{ThreadsUserID: prof.ID, Username: prof.Username,
		TokenSealed: s.keys.Seal(long.AccessToken, prof.ID), TokenExpiresAt: now.Add(ttl), TokenRefreshedAt: now,
		Scopes: s.grantedScopes()}, id)
	if errors.Is(err, storage.ErrOwnedByOther) {
		return s.fail(http.StatusConflict, ReasonAlreadyConnected, "This Threads account is already connected to another user. Ask them to disconnect it first, or use a different Threads account. Nothing was changed.")
	}
	if err != nil {
		return storage.Account{}, Identity{}, err
	}
	if cur, err := s.ids.Identity(ctx, id.ID); err == nil && cur.DefaultAccountID == 0 {
		_ = s.ids.SetDefaultAccount(ctx, id.ID, acct.ID)
	}
	return acct, id, nil
}

func (s *Service) fail(status int, reason, format string, args ...any) (storage.Account, Identity, error) {
	return storage.Account{}, Identity{}, &linkFailure{status, reason, fmt.Sprintf(format, args...)}
}

func (s *Service) exchangeFailed(ctx context.Context, err error) (storage.Account, Identity, error) {
	s.log.WarnContext(ctx, "threads token exchange failed", slog.String("error", err.Error()))
	msg := "Threads token exchange failed, so nothing was stored. Send connect in chat to try again; if it keeps failing, the operator should check that THREADS_APP_ID and THREADS_APP_SECRET are the Threads app's, and that THREADS_REDIRECT_URI matches the app's Valid OAuth Redirect URI exactly. (An authorization code works once and expires after an hour.)"
	return s.fail(http.StatusBadGateway, ReasonExchangeFailed, "%s", msg)
}

// scoped is a Threads client that says which permissions its authorize URL asks for
// (*threads.Client does).
type scoped interface{ Scopes() []string }

// grantedScopes are the permissions a completed link granted: those the authorize URL asked
// for, since Threads' consent grants all of them or none. nil (unknown) for a client that does
// not say; then nothing is refused at the doors before Threads refuses it.
func (s *Service) grantedScopes() []string {
	if c, ok := s.threads.(scoped); ok {
		return c.Scopes()
	}
	return nil
}
