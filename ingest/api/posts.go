package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// maxBody bounds a request body: a post is 500 characters and a URL or two.
const maxBody = 64 << 10

// postRequest is the body of POST /api/threads/post and /post/schedule.
type postRequest struct {
	Text        string `json:"text"`
	MediaURL    string `json:"mediaUrl"`
	MediaType   string `json:"mediaType"` // IMAGE or VIDEO; guessed from the URL when empty
	AltText     string `json:"altText"`
	ScheduledAt string `json:"scheduledAt"`
	Account     string `json:"account"`
	// ReplyToID and QuotePostID name the post to reply to or quote: a Threads media id, or the
	// id of a post Spindle published that the caller can see.
	ReplyToID   string `json:"replyToId"`
	QuotePostID string `json:"quotePostId"`
	// Thread lets a text over 500 characters go out as a chain of replies, split at
	// paragraph, sentence or word boundaries; without it such a text is refused.
	Thread bool `json:"thread"`

	bySlot bool // POST /api/threads/post/queue: the next free slot, not a time
	// The post shapes: poll, textAttachment, spoilers, spoilerMedia, replyControl, ghost,
	// topicTag, locationId, gif, long (see README); ||spoiler|| markup in text.
	ingest.Shapes
}

// postJSON is one post as the API shows it.
type postJSON struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	StatusURL   string     `json:"status_url"`
	Account     string     `json:"account"`
	Text        string     `json:"text"`
	MediaURL    string     `json:"mediaUrl,omitempty"`
	ScheduledAt time.Time  `json:"scheduledAt"`
	Attempts    int        `json:"attempts"`
	ThreadsID   string     `json:"threads_id,omitempty"`
	DeletedAt   *time.Time `json:"deletedAt,omitempty"` // status "deleted": when it was deleted from Threads
	Permalink   string     `json:"permalink,omitempty"`
	Error       string     `json:"error,omitempty"`
	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	shapeJSON
	// PollResults is a published poll's votes, once Threads reports them (GET only).
	PollResults *pollResultsJSON `json:"pollResults,omitempty"`
	// Approval is the post's approval record, for a post held for approval (GET, approve
	// and reject only).
	Approval *approvalJSON `json:"approval,omitempty"`
}

func (h *Handler) postJSON(p storage.Post, username string) postJSON {
	out := postJSON{ID: p.ID, Status: p.Status(), StatusURL: h.statusURL(p.ID), Account: "@" + username,
		Text: p.Text, ScheduledAt: p.ScheduledAt, Attempts: p.Attempts, ThreadsID: p.MediaID,
		Permalink: p.Permalink, Error: p.LastError, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		shapeJSON: shapeView(p)}
	if len(p.Media) > 0 {
		out.MediaURL = p.Media[0].URL
	}
	if !p.DeletedAt.IsZero() {
		at := p.DeletedAt.UTC()
		out.DeletedAt = &at
	}
	return out
}

// decode reads a JSON post request, answering 415, 413 or 400 itself when it cannot.
func decode(w http.ResponseWriter, r *http.Request, into any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, httperr.CodeMediaType, "send the post as JSON with Content-Type: application/json")
			return false
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, httperr.CodeTooLarge, fmt.Sprintf("the body is over %d KB; a post is 500 characters and a media URL", maxBody>>10))
		return false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, httperr.CodeInvalid, "could not read the body: "+err.Error())
		return false
	}
	if err := json.Unmarshal(body, into); err != nil {
		writeError(w, http.StatusBadRequest, httperr.CodeInvalid, "the body is not the expected JSON ({\"text\": \"…\", \"mediaUrl\": \"…\"}): "+err.Error())
		return false
	}
	return true
}

// request builds the ingest request for the caller's post.
func (h *Handler) request(r *http.Request, body postRequest, accountID int64) (ingest.Request, error) {
	req := ingest.Request{Origin: ingest.Origin{Door: ingest.DoorAPI}, AccountID: accountID, Text: body.Text,
		IdempotencyKey: r.Header.Get("Idempotency-Key"), RequestID: r.Header.Get("X-Request-Id"),
		// The key is the caller's: another token holder's "1" is another post (and the same key
		// with another body is refused, 409).
		KeyScope: keyScope(caller(r)), StrictKey: true, Thread: body.Thread}
	if err := body.Shapes.Apply(&req); err != nil {
		return req, err
	}
	var err error
	if req.ReplyToID, err = h.target(r, "replyToId", body.ReplyToID); err != nil {
		return req, err
	}
	if req.QuoteID, err = h.target(r, "quotePostId", body.QuotePostID); err != nil {
		return req, err
	}
	if body.MediaURL != "" {
		kind, err := mediaKind(body.MediaType, body.MediaURL)
		if err != nil {
			return req, err
		}
		req.Media = []ingest.Media{{Kind: kind, URL: body.MediaURL, AltText: body.AltText}}
	}
	return req, nil
}

// mediaKind is the kind mediaType names, or, when it is empty, the one the URL suggests.
func mediaKind(mediaType, url string) (ingest.MediaKind, error) {
	switch strings.ToUpper(mediaType) {
	case "VIDEO":
		return ingest.MediaVideo, nil
	case "IMAGE":
		return ingest.MediaImage, nil
	case "":
		if isVideo(url) {
			return ingest.MediaVideo, nil
		}
		return ingest.MediaImage, nil
	}
	return "", &ingest.InvalidError{Field: "mediaType", Reason: "mediaType must be IMAGE or VIDEO"}
}

// target resolves replyToId or quotePostId to a Threads media id: a Spindle post id must name
// a published, undeleted post the caller can see; other digits are a media id already.
func (h *Handler) target(r *http.Request, field, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	p, _, err := h.visiblePost(r, id, false)
	switch {
	case errors.Is(err, storage.ErrNotFound) && isMediaID(id):
		return id, nil // Meta's ids are 15–19 digits; a Spindle id that happened to be digits came first
	case errors.Is(err, storage.ErrNotFound):
		return "", &ingest.InvalidError{Field: field, Reason: field + " is neither a Threads media id (digits) nor the id of a post of yours"}
	case err != nil:
		return "", err
	}
	mediaID, err := p.Target()
	if err != nil {
		return "", &ingest.InvalidError{Field: field, Reason: strings.TrimPrefix(err.Error(), storage.ErrNoTarget.Error()+": ")}
	}
	return mediaID, nil
}

func isMediaID(s string) bool {
	return len(s) <= ingest.MaxMediaIDLen && strings.Trim(s, "0123456789") == ""
}

// keyScope is whose Idempotency-Key a request carries: the token's identity, which every token
// has. The token id stands in should an identity ever be missing, never an empty scope, which
// would share keys with rows from before scopes existed.
func keyScope(c accounts.Caller) string {
	if c.Identity.User != "" {
		return c.Identity.Key()
	}
	return fmt.Sprintf("token:%d", c.Token.ID)
}

func isVideo(u string) bool {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	switch strings.ToLower(path.Ext(u)) {
	case ".mp4", ".mov", ".m4v", ".webm":
		return true
	}
	return false
}

// createPost is POST /api/threads/post. It answers 202 once the post is committed to the
// queue (see the package doc for why not 200 after publishing).
func (h *Handler) createPost(w http.ResponseWriter, r *http.Request) {
	var body postRequest
	if !decode(w, r, &body) {
		return
	}
	if body.ScheduledAt != "" {
		writeError(w, http.StatusBadRequest, httperr.CodeInvalid, "scheduledAt belongs to POST /api/threads/post/schedule; this route posts now")
		return
	}
	h.enqueue(w, r, body, time.Time{}, http.StatusAccepted)
}

// schedulePost is POST /api/threads/post/schedule: {text, scheduledAt, mediaUrl} → 201 and
// the scheduled post.
func (h *Handler) schedulePost(w http.ResponseWriter, r *http.Request) {
	var body postRequest
	if !decode(w, r, &body) {
		return
	}
	if body.ScheduledAt == "" {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Error: "scheduledAt is required, as RFC 3339 (2025-12-01T12:00:00Z)", Field: "scheduledAt"})
		return
	}
	at, err := time.Parse(time.RFC3339, body.ScheduledAt)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Error: fmt.Sprintf("scheduledAt %q is not an RFC 3339 time such as 2025-12-01T12:00:00Z", body.ScheduledAt), Field: "scheduledAt"})
		return
	}
	if !at.After(h.now()) {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Error: fmt.Sprintf("scheduledAt %s is in the past; pick a future time, or use POST /api/threads/post to post now", at.UTC().Format(time.RFC3339)), Field: "scheduledAt"})
		return
	}
	h.enqueue(w, r, body, at, http.StatusCreated)
}

func (h *Handler) enqueue(w http.ResponseWriter, r *http.Request, body postRequest, at time.Time, status int) {
	a, role, err := h.account(r, body.Account, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if a.Status == storage.AccountDisconnected {
		h.fail(w, r, fmt.Errorf("@%s is disconnected; its owner must connect it again before posting: %w", a.Username, accounts.ErrNotConnected))
		return
	}
	req, err := h.request(r, body, a.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	req.ScheduledAt, req.BySlot = at, body.bySlot
	// A grantee's post is held when the owner asked for approval, whichever door it came by.
	req.Grantee, req.Author = role == storage.RoleGrantee, caller(r).Identity.Key()
	acc, err := h.enq.Enqueue(r.Context(), req)
	if err != nil && !body.Thread && !body.Long && threads.CountChars(body.Text) > threads.MaxTextChars {
		err = fmt.Errorf("%w (or send \"thread\": true to publish it as a chain of replies, or \"long\": true as one post with a text attachment)", err)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := h.postJSON(acc.Post, a.Username)
	if acc.Existed {
		status = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, status, struct {
		postJSON
		Data map[string]string `json:"data"`
	}{p, map[string]string{"id": p.ID, "status": p.Status, "status_url": p.StatusURL}})
}

// visiblePost finds a post by Spindle id (or, with byMediaID, by Threads media id) that the
// caller may act on. A post on an account the caller has no right to is answered as not found,
// so ids of other people's posts cannot be probed.
func (h *Handler) visiblePost(r *http.Request, id string, byMediaID bool) (storage.Post, storage.Account, error) {
	ctx := r.Context()
	p, err := h.posts.Get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) && byMediaID {
		p, err = h.posts.PostByMediaID(ctx, id)
	}
	notFound := fmt.Errorf("no post %s that you can see: %w", id, storage.ErrNotFound)
	if errors.Is(err, storage.ErrNotFound) {
		return p, storage.Account{}, notFound
	}
	if err != nil {
		return p, storage.Account{}, err
	}
	c := caller(r)
	if c.Token.AccountID != 0 && c.Token.AccountID != p.AccountID {
		return p, storage.Account{}, notFound
	}
	if err := h.acct.CanPost(ctx, c.Identity, p.AccountID); err != nil {
		return p, storage.Account{}, notFound
	}
	a, err := h.posts.Account(ctx, p.AccountID)
	return p, a, err
}

// getPost is GET /api/posts/{id}.
func (h *Handler) getPost(w http.ResponseWriter, r *http.Request) {
	p, a, err := h.visiblePost(r, r.PathValue("id"), false)
	if errors.Is(err, storage.ErrNotFound) {
		if q, b, ok := h.approverSees(r, r.PathValue("id")); ok {
			p, a, err = q, b, nil
		}
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := h.postJSON(p, a.Username)
	out.PollResults = h.pollResults(r, p)
	out.Approval = h.approvalOf(r, p.ID)
	writeJSON(w, http.StatusOK, out)
}

// listScheduled is GET /api/threads/post/schedule: the caller's queued posts, soonest first,
// on the named or pinned account, else on every account it may post to.
func (h *Handler) listScheduled(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	accts, err := h.listedAccounts(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []postJSON{}
	for _, a := range accts {
		ps, err := h.posts.List(ctx, storage.ListFilter{AccountID: a.ID, States: []storage.State{storage.StateQueued}, Limit: 1000})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, p := range ps {
			out = append(out, h.postJSON(p, a.Username))
		}
	}
	sortBySchedule(out)
	writeJSON(w, http.StatusOK, out)
}

// cancelScheduled is DELETE /api/threads/post/schedule/{id}: only queued posts can be
// cancelled (409 otherwise).
func (h *Handler) cancelScheduled(w http.ResponseWriter, r *http.Request) {
	p, _, err := h.visiblePost(r, r.PathValue("id"), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.posts.Cancel(r.Context(), p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// deletePost is DELETE /api/threads/post/{id}: deletes a post Spindle published, named by its
// Spindle id or its Threads media id. Posts Spindle did not publish are not found.
func (h *Handler) deletePost(w http.ResponseWriter, r *http.Request) {
	p, _, err := h.visiblePost(r, r.PathValue("id"), true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if p.State != storage.StatePosted {
		writeError(w, http.StatusConflict, httperr.CodeWrongState, fmt.Sprintf("post %s is %s, not published; cancel a queued post with DELETE /api/threads/post/schedule/%s", p.ID, p.State, p.ID))
		return
	}
	if p.Status() == storage.StatusDeleted {
		writeError(w, http.StatusGone, httperr.CodeGone, fmt.Sprintf("post %s was already deleted from Threads at %s", p.ID, p.DeletedAt.UTC().Format(time.RFC3339)))
		return
	}
	if h.del == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "deleting posts is not available in this Spindle")
		return
	}
	if err := h.del.Delete(r.Context(), p.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func sortBySchedule(ps []postJSON) {
	slices.SortStableFunc(ps, func(a, b postJSON) int { return a.ScheduledAt.Compare(b.ScheduledAt) })
}

// listedAccounts are the accounts a list answers for: the named or pinned account, else every
// account the caller may post to.
func (h *Handler) listedAccounts(r *http.Request) ([]storage.Account, error) {
	c := caller(r)
	if c.Token.AccountID != 0 || r.URL.Query().Get("account") != "" {
		a, _, err := h.account(r, "", false)
		if err != nil {
			return nil, err
		}
		return []storage.Account{a}, nil
	}
	access, err := h.acct.AccountsFor(r.Context(), c.Identity)
	if err != nil {
		return nil, err
	}
	accts := make([]storage.Account, 0, len(access))
	for _, x := range access {
		accts = append(accts, x.Account)
	}
	return accts, nil
}
