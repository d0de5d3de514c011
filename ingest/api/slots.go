package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/ingest/slots"
	"github.com/spindle-threads/spindle/storage"
)

// Slots keeps the accounts' posting slots (publisher.Slots). The handler checks that the
// caller owns the account before Set or Clear.
type Slots interface {
	Schedule(ctx context.Context, accountID int64) (storage.SlotSchedule, error)
	Set(ctx context.Context, accountID int64, w storage.SlotWeek, setBy string) (storage.SlotChange, error)
	Clear(ctx context.Context, accountID int64) (bool, error)
	Upcoming(ctx context.Context, accountID int64, n int) ([]storage.SlotView, error)
}

// upcomingShown is how many upcoming slots GET and PUT /api/threads/slots list.
const upcomingShown = 14

// slotsHow says how a schedule is set, for the answers that need it.
const slotsHow = `set them with PUT /api/threads/slots {"slots": "mon-fri 09:00,12:30,17:00", "zone": "Europe/Berlin"} (the account's owner)`

// slotProblem answers a post the account's slots cannot take: 409 no_slots.
func slotProblem(err error) (httperr.Problem, bool) {
	p := httperr.Problem{Status: http.StatusConflict, Code: httperr.CodeNoSlots, Level: slog.LevelInfo, Field: "account"}
	switch {
	case errors.Is(err, storage.ErrNoSlots):
		p.Message = "the account has no posting slots, so nothing was queued; " + slotsHow + ", or schedule the post with POST /api/threads/post/schedule"
	case errors.Is(err, storage.ErrNoFreeSlot):
		p.Message = "every posting slot of the account for the next year is taken or over the daily posts quota, so nothing was queued; add slots with PUT /api/threads/slots, or schedule the post with POST /api/threads/post/schedule"
	default:
		return p, false
	}
	return p, true
}

// queuePost is POST /api/threads/post/queue: the body of POST /api/threads/post, put in the
// account's next free posting slot → 201 and the post, whose scheduledAt is the slot.
func (h *Handler) queuePost(w http.ResponseWriter, r *http.Request) {
	var body postRequest
	if !decode(w, r, &body) {
		return
	}
	if body.ScheduledAt != "" {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Field: "scheduledAt",
			Error: "scheduledAt belongs to POST /api/threads/post/schedule; this route picks the next free posting slot"})
		return
	}
	body.bySlot = true
	h.enqueue(w, r, body, time.Time{}, http.StatusCreated)
}

// slotsBody is the body of PUT /api/threads/slots.
type slotsBody struct {
	Slots   string `json:"slots"`   // a spec such as "mon-fri 09:00,12:30" (ingest/slots)
	Zone    string `json:"zone"`    // IANA zone the times are in; empty: SPINDLE_TIMEZONE
	Account string `json:"account"` // like the post routes' account
}

// slotJSON is one upcoming slot; PostID is empty when it is free.
type slotJSON struct {
	At     time.Time `json:"at"`
	PostID string    `json:"postId,omitempty"`
}

// slotsJSON is an account's schedule as the API shows it.
type slotsJSON struct {
	Account   string     `json:"account"`
	Slots     string     `json:"slots"`
	Zone      string     `json:"zone"`
	UpdatedAt time.Time  `json:"updatedAt"`
	Upcoming  []slotJSON `json:"upcoming"`
	Moved     []moveJSON `json:"moved,omitempty"` // PUT: posts moved to the new slots
	Kept      int        `json:"kept,omitempty"`  // PUT: placed posts with no new slot, kept at their time
}

type moveJSON struct {
	ID   string    `json:"id"`
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func (h *Handler) slotsJSON(ctx context.Context, a storage.Account, s storage.SlotSchedule) (slotsJSON, error) {
	out := slotsJSON{Account: "@" + a.Username, Slots: slots.Format(s.Week.Minutes), Zone: s.Week.Zone,
		UpdatedAt: s.UpdatedAt.UTC(), Upcoming: []slotJSON{}}
	up, err := h.slots.Upcoming(ctx, a.ID, upcomingShown)
	if err != nil {
		return out, err
	}
	for _, v := range up {
		out.Upcoming = append(out.Upcoming, slotJSON{At: v.At, PostID: v.PostID})
	}
	return out, nil
}

// slotsAvailable answers 501 when the handler has no Slots.
func (h *Handler) slotsAvailable(w http.ResponseWriter) bool {
	if h.slots == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "posting slots are not available in this Spindle")
		return false
	}
	return true
}

// getSlots is GET /api/threads/slots: the account's schedule and its next slots, taken and
// free (anyone who may post to the account); 404 when it has none.
func (h *Handler) getSlots(w http.ResponseWriter, r *http.Request) {
	if !h.slotsAvailable(w) {
		return
	}
	a, _, err := h.account(r, "", false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.slots.Schedule(r.Context(), a.ID)
	if errors.Is(err, storage.ErrNotFound) {
		err = fmt.Errorf("@%s has no posting slots; %s: %w", a.Username, slotsHow, storage.ErrNotFound)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.slotsJSON(r.Context(), a, s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// putSlots is PUT /api/threads/slots: the owner replaces the schedule; posts placed by slot
// move to the new slots and their authors are told.
func (h *Handler) putSlots(w http.ResponseWriter, r *http.Request) {
	if !h.slotsAvailable(w) {
		return
	}
	var body slotsBody
	if !decodeJSON(w, r, &body, `{"slots": "mon-fri 09:00,17:00", "zone": "Europe/Berlin"}`) {
		return
	}
	minutes, err := slots.Parse(body.Slots)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Field: "slots", Error: "slots: " + err.Error()})
		return
	}
	zone := body.Zone
	if zone == "" && h.zone != nil && h.zone.String() != "Local" {
		zone = h.zone.String()
	}
	if zone == "" {
		zone = "UTC"
	}
	week := storage.SlotWeek{Zone: zone, Minutes: minutes}
	if _, err := week.Location(); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Code: httperr.CodeInvalid, Field: "zone",
			Error: fmt.Sprintf("zone %q is not a time zone name; use one such as Europe/Berlin, America/New_York or UTC", body.Zone)})
		return
	}
	a, _, err := h.account(r, body.Account, true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ch, err := h.slots.Set(r.Context(), a.ID, week, keyScope(caller(r)))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out, err := h.slotsJSON(r.Context(), a, ch.Schedule)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, m := range ch.Moved {
		out.Moved = append(out.Moved, moveJSON{ID: m.Post.ID, From: m.From.UTC(), To: m.To.UTC()})
	}
	out.Kept = ch.Kept
	writeJSON(w, http.StatusOK, out)
}

// deleteSlots is DELETE /api/threads/slots: the owner removes the schedule; placed posts keep
// their times.
func (h *Handler) deleteSlots(w http.ResponseWriter, r *http.Request) {
	if !h.slotsAvailable(w) {
		return
	}
	a, _, err := h.account(r, "", true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	had, err := h.slots.Clear(r.Context(), a.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"cleared": had})
}

// decodeJSON reads a small JSON body into into, answering 415, 413 or 400 itself when it
// cannot; example shows the expected shape in the 400's words.
func decodeJSON(w http.ResponseWriter, r *http.Request, into any, example string) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, httperr.CodeMediaType, "send the body as JSON with Content-Type: application/json")
			return false
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		writeError(w, http.StatusRequestEntityTooLarge, httperr.CodeTooLarge, fmt.Sprintf("the body is over %d KB", maxBody>>10))
		return false
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, httperr.CodeInvalid, "could not read the body: "+err.Error())
		return false
	}
	if err := json.Unmarshal(body, into); err != nil {
		writeError(w, http.StatusBadRequest, httperr.CodeInvalid, "the body is not the expected JSON ("+example+"): "+err.Error())
		return false
	}
	return true
}
