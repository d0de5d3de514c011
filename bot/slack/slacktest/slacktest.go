// Package slacktest is a stand-in for Slack on loopback, for tests: the Web API methods the
// Slack door calls (chat.postMessage, users.info, auth.test) with Slack's {"ok":…} envelopes
// and form-encoded token, response_url endpoints that accept 5 uses within 30 minutes as
// Slack's do, rate limits answered as Slack answers them (HTTP 429, Retry-After, "ratelimited"),
// messages past Block Kit's documented limits refused (invalid_blocks), and a signer that signs slash commands exactly as Slack does (v0 HMAC-SHA256). It records
// every message it was sent.
package slacktest

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/internal/testsignal"
)

// Message is one message Slack was sent, through chat.postMessage or a response_url.
type Message struct {
	Via          string // "chat.postMessage" or "response_url"
	Channel      string // chat.postMessage: the channel; response_url: the URL's id
	Text         string
	Blocks       string // raw JSON of the blocks, if any
	ThreadTS     string
	ResponseType string // response_url: ephemeral or in_channel
	// ReplaceOriginal is set when a response_url post replaces the message it came from
	// (an interaction's answer updating the message whose button was pressed).
	ReplaceOriginal bool
	TS              string    // chat.postMessage: the ts it was given
	At              time.Time // wall-clock time it was accepted
}

// Server is the stand-in. Its zero value is not usable; call NewServer.
type Server struct {
	*httptest.Server
	token string
	now   func() time.Time

	mu        sync.Mutex
	messages  []Message
	zones     map[string]string
	chanErr   map[string]string
	responses map[string]*responseURL
	ts        int
	refused   int
	calls     map[string]int
	limits    rateLimits
	// missing are bot scopes the token was not granted (SetMissingScopes); a method that
	// needs one answers missing_scope as Slack does.
	missing map[string]bool
	// posted carries each message as it is recorded, for WaitMessages.
	posted testsignal.Signal[Message]
	// triggers are the trigger_ids issued (Trigger); views the modals views.open accepted.
	triggers map[string]*trigger
	views    []View
	opened   testsignal.Signal[View]
}

// methodScopes is the bot scope each Web API method needs, per Slack's method reference.
var methodScopes = map[string]string{"chat.postMessage": "chat:write", "users.info": "users:read"}

// SetMissingScopes makes the token lack these bot scopes: the methods that need one answer
// {"ok":false,"error":"missing_scope","needed":…}, as Slack does for an app installed
// without them.
func (s *Server) SetMissingScopes(scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missing = map[string]bool{}
	for _, sc := range scopes {
		s.missing[sc] = true
	}
}

type responseURL struct {
	issued time.Time
	uses   int
}

// NewServer starts a stand-in accepting the bot token token. now is the clock response_url
// expiry is judged by (nil: time.Now).
func NewServer(token string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{token: token, now: now, zones: map[string]string{}, chanErr: map[string]string{}, responses: map[string]*responseURL{}, calls: map[string]int{},
		limits: rateLimits{until: map[string]time.Time{}}}
	s.posted.Init()
	s.opened.Init()
	s.triggers = map[string]*trigger{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat.postMessage", s.postMessage)
	mux.HandleFunc("POST /api/users.info", s.usersInfo)
	mux.HandleFunc("POST /api/auth.test", s.authTest)
	mux.HandleFunc("POST /api/"+viewsOpenMethod, s.viewsOpen)
	mux.HandleFunc("POST /response/{id}", s.response)
	s.Server = httptest.NewServer(mux)
	return s
}

// APIURL is the Web API base, with the trailing slash slack-go needs.
func (s *Server) APIURL() string { return s.URL + "/api/" }

// ResponseURL issues a response_url valid for 30 minutes and 5 uses from now.
func (s *Server) ResponseURL(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responses[id] = &responseURL{issued: s.now()}
	return s.URL + "/response/" + id
}

// SetZone sets the tz users.info reports for a user.
func (s *Server) SetZone(user, tz string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones[user] = tz
}

// SetChannelError makes chat.postMessage to channel fail with a Slack error ("not_in_channel").
func (s *Server) SetChannelError(channel, slackErr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chanErr[channel] = slackErr
}

// WaitMessages returns the messages recorded once done holds for them, checking again as each
// message arrives; it fails the test with what after testsignal.Timeout.
func (s *Server) WaitMessages(t testsignal.TB, what string, done func([]Message) bool) []Message {
	t.Helper()
	var got []Message
	s.posted.Until(t, what, func() bool { got = s.Messages(); return done(got) })
	return got
}

// Messages returns a copy of every message accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Refused counts response_url posts refused for being used up or expired.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Calls counts the calls of a Web API method ("users.info").
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// authorized checks the bot token, which slack-go sends as a form field, and counts the call.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	s.calls[strings.TrimPrefix(r.URL.Path, "/api/")]++
	s.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_form_data"})
		return false
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if !hmac.Equal([]byte(tok), []byte(s.token)) {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return false
	}
	need := methodScopes[strings.TrimPrefix(r.URL.Path, "/api/")]
	s.mu.Lock()
	lacking := need != "" && s.missing[need]
	s.mu.Unlock()
	if lacking {
		writeJSON(w, map[string]any{"ok": false, "error": "missing_scope", "needed": need, "provided": "commands"})
		return false
	}
	return true
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	ch := r.PostForm.Get("channel")
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limits.refuse(w, "chat.postMessage:"+ch) {
		return
	}
	if e := s.chanErr[ch]; e != "" {
		writeJSON(w, map[string]any{"ok": false, "error": e})
		return
	}
	if p := checkBlocks(r.PostForm.Get("blocks")); p != "" {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks", "errors": []string{p}})
		return
	}
	s.ts++
	ts := fmt.Sprintf("1764000000.%06d", s.ts)
	s.messages = append(s.messages, Message{Via: "chat.postMessage", Channel: ch, Text: r.PostForm.Get("text"),
		Blocks: r.PostForm.Get("blocks"), ThreadTS: r.PostForm.Get("thread_ts"), TS: ts, At: time.Now()})
	s.posted.Signal(s.messages[len(s.messages)-1])
	writeJSON(w, map[string]any{"ok": true, "channel": ch, "ts": ts})
}

func (s *Server) usersInfo(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	u := r.PostForm.Get("user")
	s.mu.Lock()
	tz, ok := s.zones[u]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": u, "name": strings.ToLower(u), "tz": tz}})
}

func (s *Server) authTest(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	writeJSON(w, map[string]any{"ok": true, "team_id": "T1", "user_id": "UBOT", "bot_id": "BBOT"})
}

// response accepts a message on a response_url: JSON, at most 5 times within 30 minutes.
func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var m struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
		ThreadTS     string          `json:"thread_ts"`
		Replace      bool            `json:"replace_original"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limits.refuse(w, "response_url:"+id) {
		return
	}
	if p := checkBlocks(string(m.Blocks)); p != "" {
		http.Error(w, "invalid_blocks: "+p, http.StatusBadRequest)
		return
	}
	ru := s.responses[id]
	if ru == nil || ru.uses >= 5 || s.now().Sub(ru.issued) > 30*time.Minute {
		s.refused++
		http.Error(w, "expired_url", http.StatusNotFound)
		return
	}
	ru.uses++
	s.messages = append(s.messages, Message{Via: "response_url", Channel: id, Text: m.Text, Blocks: string(m.Blocks),
		ThreadTS: m.ThreadTS, ResponseType: m.ResponseType, ReplaceOriginal: m.Replace, At: time.Now()})
	s.posted.Signal(s.messages[len(s.messages)-1])
	_, _ = io.WriteString(w, "ok")
}

// Sign returns the X-Slack-Signature Slack sends for body at timestamp ts.
func Sign(secret string, ts int64, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// ButtonPress is the form Slack posts to the interactivity URL when a person presses a Block Kit
// button: one field, payload, holding the block_actions JSON.
type ButtonPress struct {
	Team, Channel, User, UserName, ActionID, Value, ResponseURL string
	// TriggerID is the press's trigger_id (Server.Trigger issues one views.open accepts);
	// empty: one the server never issued.
	TriggerID string
}

// Form encodes the press as Slack does.
func (b ButtonPress) Form() string {
	payload, _ := json.Marshal(map[string]any{
		"type":         "block_actions",
		"team":         map[string]string{"id": b.Team},
		"user":         map[string]string{"id": b.User, "username": b.UserName, "name": b.UserName},
		"channel":      map[string]string{"id": b.Channel},
		"response_url": b.ResponseURL,
		"trigger_id":   cmp.Or(b.TriggerID, "1337.42.abcd"),
		"actions": []map[string]any{{"type": "button", "action_id": b.ActionID, "block_id": "b1",
			"value": b.Value, "action_ts": "1700000000.000100", "text": map[string]any{"type": "plain_text", "text": "Cancel"}}},
	})
	return url.Values{"payload": {string(payload)}}.Encode()
}

// Command is a slash command's form, as Slack posts it.
type Command struct {
	Team, Channel, User, UserName, Text, ResponseURL string
}

// Form encodes c as Slack's form body, with command /threads.
func (c Command) Form() string {
	v := url.Values{}
	v.Set("token", "deprecated-verification-token")
	v.Set("team_id", c.Team)
	v.Set("team_domain", "example")
	v.Set("channel_id", c.Channel)
	v.Set("channel_name", "general")
	v.Set("user_id", c.User)
	v.Set("user_name", c.UserName)
	v.Set("command", "/threads")
	v.Set("text", c.Text)
	v.Set("response_url", c.ResponseURL)
	v.Set("trigger_id", "13345224609.738474920.8088930838d88f008e0")
	v.Set("api_app_id", "A123456")
	return v.Encode()
}

// Request builds a signed POST of body to target, signed at time at.
func Request(target, secret, body string, at time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	SignRequest(r, secret, body, at)
	return r
}

// SignRequest sets the headers Slack signs a request with.
func SignRequest(r *http.Request, secret, body string, at time.Time) {
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(at.Unix(), 10))
	r.Header.Set("X-Slack-Signature", Sign(secret, at.Unix(), body))
}
