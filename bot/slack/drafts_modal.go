package slack

// Schedule… on a draft: a modal (views.open with the press's trigger_id) asks when, in the
// chat's <when> grammar read in the person's zone. Its submission (view_submission, signed
// like every interaction) is answered within Slack's 3 seconds: a time that does not read, or
// a post the dispatcher refuses, is shown in the modal (response_action "errors") and nothing
// is queued; success queues the post scheduled, closes the modal and replaces the preview
// with the confirmation.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/storage"
)

// The schedule modal: its callback_id, and the block_id and action_id of its one input (the
// same, so errors keyed by block_id land on it).
const (
	callbackSchedule = "draft_schedule"
	inputWhen        = "when"
	maxWhenInput     = 100 // runes; every <when> form is far shorter
	maxModalError    = 300 // runes of an error shown under the input
)

// scheduleModal is the modal asking when a draft should go out.
func scheduleModal(draftID, zone string) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	input := slack.NewPlainTextInputBlockElement(plain("tomorrow 09:00"), inputWhen)
	input.MaxLength = maxWhenInput
	block := slack.NewInputBlock(inputWhen, plain("When should it go out?"),
		plain("For example “in 2h”, “tomorrow 09:00” or “2026-12-01 09:00”, read in "+zone+"."), input)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackSchedule,
		PrivateMetadata: draftID,
		Title:           plain("Schedule the post"),
		Submit:          plain("Schedule"),
		Close:           plain("Cancel"),
		Blocks:          slack.Blocks{BlockSet: []slack.Block{block}},
	}
}

// openScheduleModal opens the modal for an open draft, with the press's trigger_id, and keeps
// the press's response_url so the submission can replace the preview.
func (d *Door) openScheduleModal(ctx context.Context, dr storage.SlackDraft, p press) {
	if dr.State != storage.DraftOpen {
		d.tell(ctx, p.responseURL, p.channel, handled(dr))
		return
	}
	zone := d.personZone(ctx, dr.Team, dr.User)
	_, err := d.api.OpenViewContext(ctx, p.triggerID, scheduleModal(dr.ID, zone.String()))
	d.record("views.open", err)
	if err != nil {
		d.log.InfoContext(ctx, "slack: the schedule window did not open", slog.String("draft", dr.ID), slog.String("error", slackErr(err)))
		d.tell(ctx, p.responseURL, p.channel, "Slack did not open the scheduling window ("+slackErr(err)+"); nothing changed. Press Schedule… again.")
		return
	}
	if err := d.store.SetSlackDraftResponseURL(ctx, dr.ID, p.responseURL); err != nil {
		d.log.WarnContext(ctx, "slack: could not keep a draft's response_url", slog.String("draft", dr.ID), slog.Any("error", err))
	}
}

// personZone is the zone a person's times are read in: cached, else asked of Slack within
// zoneBudget (the modal names it, and the time typed is read in it), else SPINDLE_TIMEZONE.
func (d *Door) personZone(ctx context.Context, team, user string) *time.Location {
	if zone, _ := d.zoneOf(ctx, team, user); zone != nil {
		return zone
	}
	zctx, cancel := context.WithTimeout(ctx, zoneBudget)
	defer cancel()
	if zone := d.fetchZone(zctx, team, user); zone != nil {
		return zone
	}
	return d.zone
}

// submission is a verified view_submission of the schedule modal.
type submission struct {
	Team, User, DraftID, When string
}

// errNotOurs is parseSubmission's answer for a view_submission of a modal Spindle did not open.
var errNotOurs = errors.New("slack: not a submission of Spindle's schedule modal")

// parseSubmission reads a view_submission payload (outside input, though signed): the team
// and user, the draft id the modal carries in private_metadata, and the time typed.
func parseSubmission(payload string) (submission, error) {
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		return submission{}, errors.New("slack: view_submission payload is not JSON")
	}
	if cb.Type != slack.InteractionTypeViewSubmission || cb.Team.ID == "" || cb.User.ID == "" {
		return submission{}, errors.New("slack: not a view_submission payload")
	}
	if cb.View.CallbackID != callbackSchedule || !isDraftID(cb.View.PrivateMetadata) {
		return submission{}, errNotOurs
	}
	s := submission{Team: cb.Team.ID, User: cb.User.ID, DraftID: cb.View.PrivateMetadata}
	if cb.View.State != nil {
		s.When = strings.TrimSpace(cb.View.State.Values[inputWhen][inputWhen].Value)
	}
	if utf8.RuneCountInString(s.When) > maxWhenInput || !utf8.ValidString(s.When) {
		return submission{}, errors.New("slack: the time typed is too long")
	}
	return s, nil
}

// isDraftID reports whether s has the form of a draft id: 16 lower-case hex characters.
func isDraftID(s string) bool {
	if len(s) != 16 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// viewSubmission answers a submitted modal: the schedule modal of a draft (drafts_modal.go).
// A submission of any other view is acknowledged and does nothing.
func (d *Door) viewSubmission(w http.ResponseWriter, r *http.Request, payload, sig string) {
	s, err := parseSubmission(payload)
	switch {
	case errors.Is(err, errNotOurs):
		d.log.InfoContext(r.Context(), "slack view_submission of an unknown view ignored")
		w.WriteHeader(http.StatusOK)
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadRequest)
	default:
		d.submitSchedule(w, r, s, requestID(sig))
	}
}

// submitSchedule answers a view_submission of the schedule modal: errors in the modal, or an
// empty 200 that closes it once the post is committed.
func (d *Door) submitSchedule(w http.ResponseWriter, r *http.Request, s submission, reqID string) {
	ctx, cancel := context.WithTimeout(r.Context(), ackBudget)
	defer cancel()
	problem := d.scheduleDraft(ctx, s, reqID)
	if problem == "" {
		w.WriteHeader(http.StatusOK) // an empty 200 closes the modal
		return
	}
	resp := slack.NewErrorsViewSubmissionResponse(map[string]string{inputWhen: clip(problem, maxModalError)})
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// scheduleDraft reads the time and queues the draft scheduled; it returns what to show under
// the input when it did not ("" when it did).
func (d *Door) scheduleDraft(ctx context.Context, s submission, reqID string) string {
	dr, refusal := d.pressable(ctx, s.DraftID, s.Team, s.User)
	if refusal != "" {
		return refusal
	}
	if dr.State != storage.DraftOpen {
		return handled(dr)
	}
	zone := d.personZone(ctx, s.Team, s.User)
	if s.When == "" {
		return "Type when it should go out, such as “tomorrow 09:00”."
	}
	at, rest, err := bot.ParseWhen(s.When, d.now(), zone)
	if err != nil {
		return "I could not read that as a time: " + err.Error() + "."
	}
	if strings.TrimSpace(rest) != "" {
		return "I read “" + strings.TrimSpace(s.When[:len(s.When)-len(rest)]) + "” as the time but not “" + clip(rest, 40) + "”; type only the time, such as “tomorrow 09:00”."
	}
	moved, err := d.store.MoveSlackDraft(ctx, dr.ID, storage.DraftOpen, storage.DraftScheduled, d.now().Add(-DraftTTL))
	if err != nil {
		d.log.ErrorContext(ctx, "slack: could not move a draft", slog.String("draft", dr.ID), slog.Any("error", err))
		return "Sorry, Spindle could not schedule it because of a problem on its side; nothing was queued. Please try again in a minute."
	}
	if !moved {
		return "Nothing changed: that draft was already handled."
	}
	reply := d.runDraft(ctx, dr, dr.ResponseURL, dr.Channel, reqID, bot.VerbSchedule, at, s.When)
	if reply.Queued == "" {
		d.reopen(ctx, dr.ID, storage.DraftScheduled)
		return firstLine(reply.Text)
	}
	d.linkPost(ctx, dr.ID, reply.Queued)
	d.background(confirmBudget, func(ctx context.Context) {
		d.confirm(ctx, reply.Queued, dr.ResponseURL, dr.Channel, reply.Text)
	})
	return ""
}
