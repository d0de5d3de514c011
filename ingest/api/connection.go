package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// connectionJSON is the guide's connection object, plus Spindle's status and the caller's role.
type connectionJSON struct {
	ID                   string    `json:"id"`
	Provider             string    `json:"provider"`
	Username             string    `json:"username"`
	ProviderUserID       string    `json:"providerUserId"`
	AccessTokenExpiresAt time.Time `json:"accessTokenExpiresAt"`
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`
	Status               string    `json:"status"` // active, needs_reconnect, disconnected
	Role                 string    `json:"role"`   // owner or grantee
}

func connection(a storage.Account, role storage.Role) connectionJSON {
	return connectionJSON{ID: strconv.FormatInt(a.ID, 10), Provider: "THREADS", Username: a.Username,
		ProviderUserID: a.ThreadsUserID, AccessTokenExpiresAt: a.TokenExpiresAt, CreatedAt: a.CreatedAt,
		UpdatedAt: a.UpdatedAt, Status: string(a.Status), Role: string(role)}
}

// errNoSuchAccount answers a named account the caller may not use, whether or not it exists.
var errNoSuchAccount = fmt.Errorf("no Threads account by that name that you may use: check the name in account=@name, or ask the account's owner to grant you access: %w", storage.ErrNotFound)

// caller returns the authenticated caller; RequireToken guarantees one.
func caller(r *http.Request) accounts.Caller {
	c, _ := accounts.CallerFrom(r.Context())
	return c
}

// account is the account a request acts on (see the package doc), checked against what the
// caller may do: post, or manage when manage is set.
func (h *Handler) account(r *http.Request, named string, manage bool) (storage.Account, storage.Role, error) {
	ctx := r.Context()
	c := caller(r)
	if named == "" {
		named = r.URL.Query().Get("account")
	}
	var (
		a   storage.Account
		err error
	)
	if pinned := c.Token.AccountID; pinned != 0 {
		if a, err = h.posts.Account(ctx, pinned); err != nil {
			return a, "", err
		}
		if named != "" && named != a.Username && named != "@"+a.Username {
			return a, "", fmt.Errorf("this API token is pinned to @%s; use a token of your own for %s: %w", a.Username, named, accounts.ErrForbidden)
		}
	} else if a, err = h.acct.ResolveAccount(ctx, c.Identity, named); err != nil {
		if named != "" && (errors.Is(err, accounts.ErrForbidden) || errors.Is(err, storage.ErrNotFound)) {
			// One answer, byte for byte, for "no such account" and "not yours": otherwise
			// anyone with a token could learn which Threads accounts this Spindle holds.
			return a, "", errNoSuchAccount
		}
		return a, "", err
	}
	role := storage.RoleGrantee
	if err := h.acct.CanManage(ctx, c.Identity, a.ID); err == nil {
		role = storage.RoleOwner
	} else if manage {
		return a, "", err
	} else if err := h.acct.CanPost(ctx, c.Identity, a.ID); err != nil {
		return a, "", err
	}
	return a, role, nil
}

// getConnection is GET /api/threads/connection: {"connection": {...}}, or {"connection": null}
// when the caller has no account yet.
func (h *Handler) getConnection(w http.ResponseWriter, r *http.Request) {
	a, role, err := h.account(r, "", false)
	if errors.Is(err, accounts.ErrNoAccount) {
		writeJSON(w, http.StatusOK, map[string]any{"connection": nil, "message": err.Error()})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"connection": connection(a, role)})
}

// deleteConnection is DELETE /api/threads/connection: the owner disconnects the account.
// Queued posts are held, not lost.
func (h *Handler) deleteConnection(w http.ResponseWriter, r *http.Request) {
	a, _, err := h.account(r, "", true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.acct.Disconnect(r.Context(), caller(r).Identity, a.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// refresh is POST /api/threads/refresh: the connection with its new expiry.
func (h *Handler) refresh(w http.ResponseWriter, r *http.Request) {
	a, role, err := h.account(r, "", false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if a, err = h.acct.Refresh(r.Context(), a.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"connection": connection(a, role)})
}

// me is GET /api/threads/me: the account's Threads profile.
func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	a, _, err := h.account(r, "", false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.acct.Profile(r.Context(), a.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"id": p.ID, "username": p.Username, "name": p.Name, "profile_picture_url": p.ProfilePictureURL,
		"biography": p.Biography, "is_verified": p.IsVerified}})
}
