package slacktest

// views.open: the modals the Slack door opens (a draft's Schedule…), with Slack's trigger_id
// and view rules, and the view_submission form Slack posts when one is submitted.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/internal/testsignal"
)

// Slack's rules for views.open (docs.slack.dev: reference/methods/views.open, reference/surfaces/
// views, reference/block-kit/blocks/input-block): a trigger_id is valid for 3 seconds and may
// be exchanged once; a modal's title, submit and close are plain_text of at most 24
// characters; it holds 1 to 100 blocks; private_metadata is at most 3000 characters and
// callback_id at most 255. The stand-in also requires a callback_id, which Slack leaves
// optional, because an app that omits it cannot tell its submissions apart.
const (
	triggerTTL      = 3e9 // nanoseconds: 3 s, judged by the server's clock
	maxViewText     = 24
	maxViewBlocks   = 100
	maxPrivateMeta  = 3000
	maxCallbackID   = 255
	maxInputLabel   = 2000
	viewsOpenMethod = "views.open"
)

// trigger is an issued trigger_id.
type trigger struct {
	issued    int64 // the server clock's unix nanoseconds
	exchanged bool
}

// View is a modal Spindle opened with views.open: the view as sent, decoded, and its raw JSON.
type View struct {
	ID              string
	Type            string `json:"type"`
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Title           text   `json:"title"`
	Submit          *text  `json:"submit"`
	Close           *text  `json:"close"`
	Blocks          []struct {
		Type    string          `json:"type"`
		BlockID string          `json:"block_id"`
		Label   *text           `json:"label"`
		Element json.RawMessage `json:"element"`
	} `json:"blocks"`
	Raw string `json:"-"`
}

type text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Trigger issues a trigger_id, as Slack puts one in every interaction payload: views.open
// accepts it once, within 3 seconds of now by the server's clock.
func (s *Server) Trigger() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	id := "13345224609.738474920." + hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	s.triggers[id] = &trigger{issued: s.now().UnixNano()}
	return id
}

// Views returns every modal views.open accepted, in order.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]View(nil), s.views...)
}

// viewsOpen is views.open: a JSON body {"trigger_id", "view"} with the bot token as bearer.
func (s *Server) viewsOpen(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req struct {
		TriggerID string          `json:"trigger_id"`
		View      json.RawMessage `json:"view"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		if f, ferr := url.ParseQuery(string(body)); ferr == nil && f.Get("trigger_id") != "" {
			req.TriggerID, req.View = f.Get("trigger_id"), json.RawMessage(f.Get("view"))
		} else {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_json"})
			return
		}
	}
	if req.TriggerID == "" || len(req.View) == 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments",
			"response_metadata": map[string]any{"messages": []string{"[ERROR] missing required field: trigger_id or view"}}})
		return
	}
	var v View
	if err := json.Unmarshal(req.View, &v); err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments",
			"response_metadata": map[string]any{"messages": []string{"[ERROR] view is not a JSON object [json-pointer:/view]"}}})
		return
	}
	if problems := v.problems(); len(problems) > 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_arguments",
			"response_metadata": map[string]any{"messages": problems}})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tr := s.triggers[req.TriggerID]
	switch {
	case tr == nil:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_trigger_id"})
		return
	case tr.exchanged:
		writeJSON(w, map[string]any{"ok": false, "error": "exchanged_trigger_id"})
		return
	case s.now().UnixNano()-tr.issued > triggerTTL:
		writeJSON(w, map[string]any{"ok": false, "error": "expired_trigger_id"})
		return
	}
	tr.exchanged = true
	v.ID = fmt.Sprintf("V%08d", len(s.views)+1)
	v.Raw = string(req.View)
	s.views = append(s.views, v)
	s.opened.Signal(v)
	writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": v.ID, "type": v.Type,
		"callback_id": v.CallbackID, "private_metadata": v.PrivateMetadata}})
}

// problems lists what Slack would refuse in a modal, in its "[ERROR] … [json-pointer:…]" form.
func (v View) problems() []string {
	var out []string
	bad := func(msg, ptr string) { out = append(out, "[ERROR] "+msg+" [json-pointer:/view"+ptr+"]") }
	plain := func(t *text, ptr string, required bool) {
		switch {
		case t == nil && required:
			bad("missing required field: "+ptr[1:], ptr)
		case t == nil:
		case t.Type != "plain_text":
			bad("must be a plain_text text object", ptr+"/type")
		case t.Text == "":
			bad("must be at least 1 character", ptr+"/text")
		case utf8.RuneCountInString(t.Text) > maxViewText:
			bad(fmt.Sprintf("must be less than %d characters", maxViewText+1), ptr+"/text")
		}
	}
	if v.Type != "modal" {
		bad("must be modal", "/type")
	}
	plain(&v.Title, "/title", true)
	plain(v.Close, "/close", false)
	switch n := utf8.RuneCountInString(v.CallbackID); {
	case n == 0:
		bad("missing required field: callback_id (the stand-in requires it)", "/callback_id")
	case n > maxCallbackID:
		bad(fmt.Sprintf("must be less than %d characters", maxCallbackID+1), "/callback_id")
	}
	if utf8.RuneCountInString(v.PrivateMetadata) > maxPrivateMeta {
		bad(fmt.Sprintf("must be less than %d characters", maxPrivateMeta+1), "/private_metadata")
	}
	if len(v.Blocks) == 0 || len(v.Blocks) > maxViewBlocks {
		bad(fmt.Sprintf("must have between 1 and %d blocks", maxViewBlocks), "/blocks")
	}
	inputs := 0
	for i, b := range v.Blocks {
		if b.Type != "input" {
			continue
		}
		inputs++
		ptr := fmt.Sprintf("/blocks/%d", i)
		if b.Label == nil || b.Label.Text == "" || utf8.RuneCountInString(b.Label.Text) > maxInputLabel {
			bad("an input block needs a plain_text label of 1 to 2000 characters", ptr+"/label")
		}
		if len(b.Element) == 0 {
			bad("missing required field: element", ptr+"/element")
		}
	}
	plain(v.Submit, "/submit", inputs > 0)
	return out
}

// WaitViews returns the modals opened once done holds for them, checking again as each opens;
// it fails the test with what after testsignal.Timeout.
func (s *Server) WaitViews(t testsignal.TB, what string, done func([]View) bool) []View {
	t.Helper()
	var got []View
	s.opened.Until(t, what, func() bool { got = s.Views(); return done(got) })
	return got
}

// ViewSubmission is the form Slack posts to the interactivity URL when a person submits a
// modal: one field, payload, holding the view_submission JSON with the view's state values.
type ViewSubmission struct {
	Team, User, UserName string
	View                 View
	// Values are the inputs' values by block_id and action_id, as the person typed them.
	Values map[string]map[string]string
}

// Form encodes the submission as Slack does.
func (v ViewSubmission) Form() string {
	values := map[string]map[string]any{}
	for block, actions := range v.Values {
		values[block] = map[string]any{}
		for action, val := range actions {
			values[block][action] = map[string]any{"type": "plain_text_input", "value": val}
		}
	}
	payload, _ := json.Marshal(map[string]any{
		"type":       "view_submission",
		"team":       map[string]string{"id": v.Team, "domain": "example"},
		"user":       map[string]string{"id": v.User, "username": v.UserName, "name": v.UserName, "team_id": v.Team},
		"api_app_id": "A123456",
		"trigger_id": "13345224609.738474920.submitted",
		"view": map[string]any{"id": v.View.ID, "type": "modal", "callback_id": v.View.CallbackID,
			"private_metadata": v.View.PrivateMetadata, "team_id": v.Team,
			"state": map[string]any{"values": values}},
		"response_urls": []any{},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}
