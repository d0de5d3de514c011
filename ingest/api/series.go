package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/storage"
)

// Series creates and manages recurring posts; *recur.Service implements it.
type Series interface {
	Create(ctx context.Context, ns recur.NewSeries) (storage.Series, storage.Post, error)
	Series(ctx context.Context, id int64) (storage.Series, error)
	List(ctx context.Context, accountID int64) ([]storage.Series, error)
	SetState(ctx context.Context, id int64, to storage.SeriesState) (storage.Series, []string, error)
}

// seriesRequest is the body of POST /api/threads/series.
type seriesRequest struct {
	// Rule is what follows "every" in chat: "monday 09:00", "2 weeks friday 17:00 times 6";
	// a leading "every" is allowed.
	Rule string `json:"rule"`
	// Text, or Texts to rotate through (one per occurrence, in turn).
	Text     string   `json:"text"`
	Texts    []string `json:"texts"`
	Timezone string   `json:"timezone"` // IANA zone the rule's times are in; default UTC
	Account  string   `json:"account"`
	Thread   bool     `json:"thread"`
}

// seriesJSON is one series as the API shows it.
type seriesJSON struct {
	ID          string     `json:"id"`
	Account     string     `json:"account"`
	Rule        string     `json:"rule"`
	Description string     `json:"description"`
	Timezone    string     `json:"timezone"`
	State       string     `json:"state"`
	Texts       []string   `json:"texts"`
	Made        int        `json:"made"`
	NextAt      *time.Time `json:"nextAt,omitempty"`
	FirstPost   *postJSON  `json:"firstPost,omitempty"`
}

func (h *Handler) seriesJSON(s storage.Series, username string) seriesJSON {
	out := seriesJSON{ID: s.Ref(), Account: "@" + username, Rule: "every " + s.Rule, Description: s.Rule,
		Timezone: s.Zone, State: string(s.State), Texts: s.Texts, Made: s.Made}
	if rule, _, err := recur.Parse(s.Rule); err == nil {
		out.Description = rule.Describe()
	}
	if s.LastAt.After(h.now()) {
		at := s.LastAt.UTC()
		out.NextAt = &at
	}
	return out
}

// createSeries is POST /api/threads/series: 201 with the series and its first post.
func (h *Handler) createSeries(w http.ResponseWriter, r *http.Request) {
	if h.series == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "recurring posts are not available in this Spindle")
		return
	}
	var body seriesRequest
	if !decode(w, r, &body) {
		return
	}
	a, _, err := h.account(r, body.Account, false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ns, err := seriesOf(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := caller(r)
	ns.AccountID, ns.Origin, ns.CreatedBy = a.ID, ingest.Origin{Door: ingest.DoorAPI}, keyScope(c)
	s, first, err := h.series.Create(r.Context(), ns)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := h.seriesJSON(s, a.Username)
	if first.ID != "" {
		p := h.postJSON(first, a.Username)
		out.FirstPost = &p
	}
	writeJSON(w, http.StatusCreated, out)
}

// seriesOf reads a series request; its errors are *ingest.InvalidError.
func seriesOf(body seriesRequest) (recur.NewSeries, error) {
	rule := strings.TrimSpace(body.Rule)
	if w, rest, _ := strings.Cut(rule, " "); strings.EqualFold(w, "every") {
		rule = rest
	}
	parsed, rest, err := recur.Parse(rule)
	if err != nil {
		return recur.NewSeries{}, &ingest.InvalidError{Field: "rule", Reason: "rule: " + err.Error()}
	}
	if strings.TrimSpace(rest) != "" {
		return recur.NewSeries{}, &ingest.InvalidError{Field: "rule", Reason: fmt.Sprintf("rule: %q after the rule is not part of it; put the text in \"text\"", rest)}
	}
	loc := time.UTC
	if body.Timezone != "" {
		if loc, err = time.LoadLocation(body.Timezone); err != nil || strings.Contains(body.Timezone, "..") {
			return recur.NewSeries{}, &ingest.InvalidError{Field: "timezone", Reason: fmt.Sprintf("timezone %q is not an IANA zone such as Europe/Berlin", body.Timezone)}
		}
	}
	text := body.Text
	if len(body.Texts) > 0 {
		if text != "" {
			return recur.NewSeries{}, &ingest.InvalidError{Field: "texts", Reason: "give \"text\" or \"texts\", not both"}
		}
		for _, t := range body.Texts {
			if strings.Contains("\n"+t+"\n", "\n---\n") {
				return recur.NewSeries{}, &ingest.InvalidError{Field: "texts", Reason: "a text in \"texts\" cannot hold a line \"---\", which separates texts"}
			}
		}
		text = strings.Join(body.Texts, "\n---\n")
	}
	return recur.NewSeries{Rule: parsed, Zone: loc, Text: text, Thread: body.Thread}, nil
}

// listSeries is GET /api/threads/series: the active and paused series on the named or pinned
// account, else on every account the caller may post to.
func (h *Handler) listSeries(w http.ResponseWriter, r *http.Request) {
	if h.series == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "recurring posts are not available in this Spindle")
		return
	}
	ctx := r.Context()
	accts, err := h.listedAccounts(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []seriesJSON{}
	for _, a := range accts {
		list, err := h.series.List(ctx, a.ID)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, s := range list {
			out = append(out, h.seriesJSON(s, a.Username))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelSeries is DELETE /api/threads/series/{id}: ends the series and cancels its waiting
// post. 404 for a series the caller cannot see, 409 if it already ended.
func (h *Handler) cancelSeries(w http.ResponseWriter, r *http.Request) {
	if h.series == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "recurring posts are not available in this Spindle")
		return
	}
	ctx := r.Context()
	ref := r.PathValue("id")
	notFound := fmt.Errorf("no series %s that you can see: %w", ref, storage.ErrNotFound)
	id, ok := storage.ParseSeriesRef(ref)
	if !ok {
		h.fail(w, r, notFound)
		return
	}
	s, err := h.series.Series(ctx, id)
	if err == nil {
		c := caller(r)
		if (c.Token.AccountID != 0 && c.Token.AccountID != s.AccountID) || h.acct.CanPost(ctx, c.Identity, s.AccountID) != nil {
			err = notFound
		}
	}
	if errors.Is(err, storage.ErrNotFound) {
		err = notFound
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, cancelled, err := h.series.SetState(ctx, id, storage.SeriesCancelled)
	if se, ok := errors.AsType[*storage.SeriesStateError](err); ok {
		writeError(w, http.StatusConflict, httperr.CodeWrongState, se.Error())
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if cancelled == nil {
		cancelled = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "id": s.Ref(), "state": s.State, "cancelledPosts": cancelled})
}
