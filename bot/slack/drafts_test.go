package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/bot/slack/slacktest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
)

// draftEnv is a Slack door served as production mounts it (/slack/commands and
// /slack/interactions on one server), over the real dispatcher and the publishing stack with
// the Threads simulator; alice owns @spindlesim there and reads times in Europe/Paris.
type draftEnv struct {
	*env
	stack *publishertest.Stack
	mux   *httptest.Server
}

func newDraftEnv(t *testing.T) *draftEnv {
	t.Helper()
	e := newEnv(t)
	notifiers := map[string]publisher.Notifier{}
	stack := publishertest.New(t, publishertest.Options{DB: e.db, Clock: e.clock, Publisher: publisher.Options{Notifiers: notifiers}})
	acc := stack.Account("spindlesim")
	accounts := &bottest.Accounts{DB: e.db}
	if err := accounts.Link(context.Background(), alice, acc); err != nil {
		t.Fatal(err)
	}
	e.slack.SetZone("UALICE", "Europe/Paris")
	d := bot.NewDispatcher(bot.DispatcherOptions{
		Ingest:   ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now}),
		Accounts: accounts, Queue: e.db, Routes: e.db, Now: e.clock.Now,
	})
	e.door = e.newDoor(d)
	notifiers["slack"] = e.door
	mux := http.NewServeMux()
	mux.Handle("/slack/commands", e.door)
	mux.Handle("/slack/interactions", e.door.Interactions())
	de := &draftEnv{env: e, stack: stack, mux: httptest.NewServer(mux)}
	t.Cleanup(de.mux.Close)
	e.srv = de.mux
	return de
}

// preview sends `/threads preview …` as alice and returns the draft id its buttons carry.
func (e *draftEnv) preview(text string) string {
	e.t.Helper()
	if !strings.Contains(text, "--account") {
		text = "--account @spindlesim " + text // alice also has @acme, and no default
	}
	return e.previewAs(text)
}

// previewAs is preview without adding an account.
func (e *draftEnv) previewAs(text string) string {
	e.t.Helper()
	a := e.say("UALICE", "preview "+text)
	var blocks []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(a.Blocks, &blocks); err != nil {
		e.t.Fatalf("preview blocks: %v: %s", err, a.Blocks)
	}
	var actions []string
	id := ""
	for _, b := range blocks {
		for _, el := range b.Elements {
			actions = append(actions, el.ActionID)
			id = el.Value
		}
	}
	if strings.Join(actions, ",") != "draft_publish,draft_schedule,draft_discard" || !isDraftID(id) {
		e.t.Fatalf("preview has buttons %v for draft %q, want Publish, Schedule… and Discard: %s", actions, id, a.Blocks)
	}
	return id
}

// pressDraft presses a draft button as user, signed now, and returns the response_url id the
// press carried (its answer arrives there).
func (e *draftEnv) pressDraft(user, action, draftID, trigger string) string {
	e.t.Helper()
	ru := "press" + itoa(e.seq.Add(1))
	body := slacktest.ButtonPress{Team: "T1", Channel: "C1", User: user, UserName: strings.ToLower(user),
		ActionID: action, Value: draftID, ResponseURL: e.slack.ResponseURL(ru), TriggerID: trigger}.Form()
	if code := e.press(e.mux, body, testSecret, time.Now()); code != http.StatusOK {
		e.t.Fatalf("%s's %s press answered %d", user, action, code)
	}
	return ru
}

// answer waits for the message a press's response_url received.
func (e *draftEnv) answer(ru string) slacktest.Message {
	e.t.Helper()
	msgs := e.slack.WaitMessages(e.t, "an answer on "+ru, func(all []slacktest.Message) bool {
		for _, m := range all {
			if m.Channel == ru {
				return true
			}
		}
		return false
	})
	for _, m := range msgs {
		if m.Channel == ru {
			return m
		}
	}
	return slacktest.Message{}
}

// submit posts a view_submission of view as user with when typed, signed at at; it returns the
// status and body of the answer.
func (e *draftEnv) submit(user string, view slacktest.View, when string, secret string, at time.Time) (int, string) {
	e.t.Helper()
	body := slacktest.ViewSubmission{Team: "T1", User: user, UserName: strings.ToLower(user), View: view,
		Values: map[string]map[string]string{"when": {"when": when}}}.Form()
	return e.submitRaw(body, secret, at)
}

func (e *draftEnv) submitRaw(body, secret string, at time.Time) (int, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.mux.URL+"/slack/interactions", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	slacktest.SignRequest(req, secret, body, at)
	resp, err := e.mux.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// draft reads a draft back.
func (e *draftEnv) draft(id string) storage.SlackDraft {
	e.t.Helper()
	dr, err := e.db.SlackDraft(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return dr
}

// openModal presses Schedule… with a fresh trigger_id and returns the modal Slack opened.
func (e *draftEnv) openModal(id string) slacktest.View {
	e.t.Helper()
	before := len(e.slack.Views())
	e.pressDraft("UALICE", actionDraftSchedule, id, e.slack.Trigger())
	views := e.slack.WaitViews(e.t, "the schedule modal", func(v []slacktest.View) bool { return len(v) > before })
	return views[len(views)-1]
}

// TestDraftPublishOnce: preview with options → Publish queues exactly what was previewed, it
// is published to the simulator once, and the preview is replaced with the confirmation; a
// second Publish, and a Discard after it, change nothing.
func TestDraftPublishOnce(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("--topic launches --account @spindlesim Launch day is here")
	if n := e.posts(); n != 0 {
		t.Fatalf("the preview queued %d posts", n)
	}
	ru := e.pressDraft("UALICE", actionDraftPublish, id, "")
	m := e.answer(ru)
	if !m.ReplaceOriginal || !strings.Contains(m.Text, "Queued") || !strings.Contains(m.Blocks, `"action_id":"cancel_post"`) {
		t.Fatalf("Publish answered %+v, want the preview replaced with the confirmation and its Cancel button", m)
	}
	dr := e.draft(id)
	if dr.State != storage.DraftPublished || dr.PostID == "" {
		t.Fatalf("draft after Publish: %+v", dr)
	}
	e.stack.Run("the draft published", func() bool {
		p, err := e.db.Get(context.Background(), dr.PostID)
		return err == nil && p.State == storage.StatePosted
	})
	ledger := e.stack.Sim.Ledger()
	if len(ledger) != 1 || ledger[0].Text != "Launch day is here" || ledger[0].TopicTag != "launches" {
		t.Fatalf("simulator ledger: %+v, want one post as previewed (text and topic)", ledger)
	}

	for _, action := range []string{actionDraftPublish, actionDraftDiscard, actionDraftSchedule} {
		ru := e.pressDraft("UALICE", action, id, e.slack.Trigger())
		if m := e.answer(ru); m.ReplaceOriginal || !strings.Contains(m.Text, "already published as "+dr.PostID) {
			t.Errorf("%s after Publish answered %+v, want that it was already published", action, m)
		}
	}
	if n := e.posts(); n != 1 {
		t.Errorf("%d posts after the second presses, want 1", n)
	}
	if got := e.draft(id); got.State != storage.DraftPublished {
		t.Errorf("draft is %s after the second presses", got.State)
	}
}

// TestDraftPublishRacesDiscard: Publish and Discard pressed at once act once between them.
func TestDraftPublishRacesDiscard(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Race me")
	a := e.pressDraft("UALICE", actionDraftPublish, id, "")
	b := e.pressDraft("UALICE", actionDraftDiscard, id, "")
	c := e.pressDraft("UALICE", actionDraftPublish, id, "")
	for _, ru := range []string{a, b, c} {
		e.answer(ru)
	}
	dr := e.draft(id)
	want := map[storage.DraftState]int{storage.DraftPublished: 1, storage.DraftDiscarded: 0}[dr.State]
	if n := e.posts(); n != want {
		t.Fatalf("draft %s with %d posts queued, want %d", dr.State, n, want)
	}
}

// TestDraftScheduleModal: Schedule… opens a modal with the press's trigger_id; "tomorrow 09:00"
// submitted queues the post for 09:00 in alice's zone, closes the modal and replaces the preview.
func TestDraftScheduleModal(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Good morning, Threads")
	v := e.openModal(id)
	if v.CallbackID != "draft_schedule" || v.PrivateMetadata != id || v.Title.Text == "" || len(v.Blocks) != 1 {
		t.Fatalf("modal %+v", v)
	}
	if !strings.Contains(v.Raw, "Europe/Paris") {
		t.Errorf("the modal does not say which zone times are read in: %s", v.Raw)
	}
	code, body := e.submit("UALICE", v, "tomorrow 09:00", testSecret, time.Now())
	if code != http.StatusOK || strings.TrimSpace(body) != "" {
		t.Fatalf("submission answered %d %q, want an empty 200 (the modal closes)", code, body)
	}
	dr := e.draft(id)
	if dr.State != storage.DraftScheduled || dr.PostID == "" {
		t.Fatalf("draft after the submission: %+v", dr)
	}
	p, err := e.db.Get(context.Background(), dr.PostID)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	tomorrow := e.clock.Now().In(paris).AddDate(0, 0, 1)
	want := time.Date(tomorrow.Year(), tomorrow.Month(), tomorrow.Day(), 9, 0, 0, 0, paris)
	if !p.ScheduledAt.Equal(want) || p.Text != "Good morning, Threads" {
		t.Fatalf("post %s scheduled at %s with %q, want %s", p.ID, p.ScheduledAt, p.Text, want)
	}
	m := e.replaced(1)
	if !strings.Contains(m.Text, "Scheduled "+p.ID) || !strings.Contains(m.Blocks, `"value":"`+p.ID+`"`) {
		t.Errorf("the preview was replaced with %+v, want the schedule's confirmation with Cancel", m)
	}
	if code, body := e.submit("UALICE", v, "in 3h", testSecret, time.Now()); code != http.StatusOK ||
		!strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "already scheduled") {
		t.Errorf("a second submission answered %d %s, want an error in the modal", code, body)
	}
	if n := e.posts(); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// TestDraftScheduleBadTime: a time that does not read, or is past, is shown in the modal and
// queues nothing; the draft stays open and a good time then works.
func TestDraftScheduleBadTime(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Later, maybe")
	v := e.openModal(id)
	for _, when := range []string{"someday", "", "2020-01-01 09:00", "tomorrow 09:00 and more"} {
		code, body := e.submit("UALICE", v, when, testSecret, time.Now())
		var resp struct {
			Action string            `json:"response_action"`
			Errors map[string]string `json:"errors"`
		}
		if err := json.Unmarshal([]byte(body), &resp); code != http.StatusOK || err != nil ||
			resp.Action != "errors" || resp.Errors["when"] == "" {
			t.Errorf("%q answered %d %s, want response_action errors on the when block", when, code, body)
		}
	}
	if n := e.posts(); n != 0 {
		t.Fatalf("bad times queued %d posts", n)
	}
	if dr := e.draft(id); dr.State != storage.DraftOpen {
		t.Fatalf("draft is %s after bad times, want open", dr.State)
	}
	if code, body := e.submit("UALICE", v, "in 2h", testSecret, time.Now()); code != http.StatusOK || body != "" {
		t.Fatalf("a good time after bad ones answered %d %q", code, body)
	}
	if n := e.posts(); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// TestDraftScheduleExpiredTrigger: a trigger_id older than Slack's 3 seconds is refused by
// views.open as Slack refuses it, and the person is told to press again; nothing changes.
func TestDraftScheduleExpiredTrigger(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Too slow")
	trigger := e.slack.Trigger()
	e.clock.Advance(4 * time.Second)
	ru := e.pressDraft("UALICE", actionDraftSchedule, id, trigger)
	if m := e.answer(ru); !strings.Contains(m.Text, "expired_trigger_id") || m.ReplaceOriginal {
		t.Fatalf("an expired trigger answered %+v", m)
	}
	if len(e.slack.Views()) != 0 || e.draft(id).State != storage.DraftOpen {
		t.Fatalf("views %d, draft %s", len(e.slack.Views()), e.draft(id).State)
	}
	e.openModal(id) // a fresh press works
}

// TestDraftDiscard: Discard replaces the preview and nothing is ever queued from it.
func TestDraftDiscard(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Never mind")
	if m := e.answer(e.pressDraft("UALICE", actionDraftDiscard, id, "")); !m.ReplaceOriginal || !strings.Contains(m.Text, "discarded") {
		t.Fatalf("Discard answered %+v", m)
	}
	if m := e.answer(e.pressDraft("UALICE", actionDraftPublish, id, "")); !strings.Contains(m.Text, "already discarded") {
		t.Fatalf("Publish after Discard answered %+v", m)
	}
	if n := e.posts(); n != 0 {
		t.Fatalf("%d posts after Discard", n)
	}
}

// TestDraftStrangerRefused: another person in the channel pressing alice's buttons, or
// submitting a modal naming her draft, is refused and nothing is queued; alice's message is
// not touched.
func TestDraftStrangerRefused(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Mine, not yours")
	for _, action := range []string{actionDraftPublish, actionDraftDiscard, actionDraftSchedule} {
		m := e.answer(e.pressDraft("UMALLORY", action, id, e.slack.Trigger()))
		if m.ReplaceOriginal || !strings.Contains(m.Text, "not yours") {
			t.Errorf("mallory's %s answered %+v, want a private refusal", action, m)
		}
	}
	forged := slacktest.View{ID: "V1", CallbackID: "draft_schedule", PrivateMetadata: id}
	if code, body := e.submit("UMALLORY", forged, "in 2h", testSecret, time.Now()); code != http.StatusOK ||
		!strings.Contains(body, "not yours") {
		t.Errorf("mallory's submission answered %d %s", code, body)
	}
	if n := e.posts(); n != 0 || len(e.slack.Views()) != 0 {
		t.Fatalf("a stranger's presses queued %d posts and opened %d modals", n, len(e.slack.Views()))
	}
	if dr := e.draft(id); dr.State != storage.DraftOpen {
		t.Fatalf("draft is %s after a stranger's presses", dr.State)
	}
}

// TestDraftSubmissionSigned: a view_submission forged, stale or replayed, or a Publish press
// forged or stale, is refused 401 and queues nothing.
func TestDraftSubmissionSigned(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Signed only")
	v := e.openModal(id)
	body := slacktest.ViewSubmission{Team: "T1", User: "UALICE", UserName: "ualice", View: v,
		Values: map[string]map[string]string{"when": {"when": "in 2h"}}}.Form()
	at := time.Now()
	for name, secret := range map[string]string{"forged": "not the signing secret"} {
		if code, _ := e.submitRaw(body, secret, at); code != http.StatusUnauthorized {
			t.Errorf("%s submission answered %d", name, code)
		}
	}
	if code, _ := e.submitRaw(body, testSecret, at.Add(-10*time.Minute)); code != http.StatusUnauthorized {
		t.Errorf("stale submission answered %d", code)
	}
	press := slacktest.ButtonPress{Team: "T1", Channel: "C1", User: "UALICE", UserName: "ualice",
		ActionID: actionDraftPublish, Value: id, ResponseURL: e.slack.ResponseURL("forged-press")}.Form()
	if code := e.press(e.mux, press, "not the signing secret", at); code != http.StatusUnauthorized {
		t.Errorf("a forged Publish press answered %d", code)
	}
	if code := e.press(e.mux, press, testSecret, at.Add(-10*time.Minute)); code != http.StatusUnauthorized {
		t.Errorf("a stale Publish press answered %d", code)
	}
	if n := e.posts(); n != 0 {
		t.Fatalf("refused submissions and presses queued %d posts", n)
	}
	if code, _ := e.submitRaw(body, testSecret, at); code != http.StatusOK {
		t.Fatalf("the signed submission answered %d", code)
	}
	if code, _ := e.submitRaw(body, testSecret, at); code != http.StatusUnauthorized {
		t.Errorf("the replayed submission answered %d", code)
	}
	if n := e.posts(); n != 1 {
		t.Errorf("%d posts, want 1", n)
	}
}

// TestDraftExpires: a draft's buttons stop working after DraftTTL, and the sweep deletes it.
func TestDraftExpires(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Old news")
	e.clock.Advance(DraftTTL + time.Minute)
	if m := e.answer(e.pressDraft("UALICE", actionDraftPublish, id, "")); !strings.Contains(m.Text, "expired") {
		t.Fatalf("an expired draft's Publish answered %+v", m)
	}
	if n := e.posts(); n != 0 {
		t.Fatalf("an expired draft queued %d posts", n)
	}
	if n, err := e.door.SweepDrafts(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep deleted %d, %v; want 1", n, err)
	}
	if m := e.answer(e.pressDraft("UALICE", actionDraftPublish, id, "")); !strings.Contains(m.Text, "gone") {
		t.Fatalf("a swept draft's Publish answered %+v", m)
	}
}

// TestDraftRefusedStaysOpen: when the dispatcher refuses the post (alice has two accounts and
// the preview named none), Publish shows why and keeps the buttons, Schedule… shows why in the
// modal; nothing is queued and the draft stays open for another try.
func TestDraftRefusedStaysOpen(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.previewAs("Which account?")
	m := e.answer(e.pressDraft("UALICE", actionDraftPublish, id, ""))
	if !m.ReplaceOriginal || !strings.Contains(m.Text, "several accounts") || !strings.Contains(m.Blocks, `"action_id":"draft_publish"`) {
		t.Fatalf("a refused Publish answered %+v, want the reason with the buttons kept", m)
	}
	v := e.openModal(id)
	code, body := e.submit("UALICE", v, "in 2h", testSecret, time.Now())
	if code != http.StatusOK || !strings.Contains(body, `"response_action":"errors"`) || !strings.Contains(body, "several accounts") {
		t.Fatalf("a refused schedule answered %d %s, want the reason in the modal", code, body)
	}
	if n := e.posts(); n != 0 {
		t.Fatalf("%d posts queued", n)
	}
	if dr := e.draft(id); dr.State != storage.DraftOpen || dr.PostID != "" {
		t.Fatalf("draft after refusals: %+v, want open", dr)
	}
}

// TestDraftPublishCutShort: a Publish cut short after the draft moved but before its post was
// recorded (a crash between the two) is finished by the next press, and still posts once.
func TestDraftPublishCutShort(t *testing.T) {
	t.Parallel()
	e := newDraftEnv(t)
	id := e.preview("Interrupted")
	if moved, err := e.db.MoveSlackDraft(context.Background(), id, storage.DraftOpen, storage.DraftPublished, time.Time{}); err != nil || !moved {
		t.Fatalf("move: %v %v", moved, err)
	}
	if m := e.answer(e.pressDraft("UALICE", actionDraftPublish, id, "")); !strings.Contains(m.Text, "Queued") {
		t.Fatalf("the press after a cut-short Publish answered %+v", m)
	}
	if m := e.answer(e.pressDraft("UALICE", actionDraftPublish, id, "")); !strings.Contains(m.Text, "already published as "+e.draft(id).PostID) {
		t.Fatalf("the press after that answered %+v", m)
	}
	if n := e.posts(); n != 1 {
		t.Fatalf("%d posts, want 1", n)
	}
}
