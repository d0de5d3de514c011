// Package telegramtest is a fake Telegram Bot API over real HTTP, in the manner of
// net/http/httptest, for testing the Telegram door with go-telegram/bot unchanged.
//
// It speaks the wire format the library uses: every method is POST /bot<token>/<method> with
// a multipart form, answered with {"ok":true,"result":…} or {"ok":false,"error_code":…}.
// getUpdates long-polls (honours offset, blocks up to timeout or until an update is queued);
// files registered with AddFile are served by getFile and GET /file/bot<token>/<path>. Every
// call is recorded for assertions, and helpers build the updates Telegram would send:
// messages (commands carry bot_command entities, as Telegram adds them), photos, albums,
// videos and button presses.
package telegramtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Token is the bot token the fake accepts unless NewServer is given another.
const Token = "123456:TEST-SeKrEt-token"

// Call is one request the fake received.
type Call struct {
	Method string     // "sendMessage", "getUpdates", … or "download" for a file GET
	Path   string     // the request path (it holds the token, as Telegram's does)
	Form   url.Values // the multipart form's values
	// MessageID is the id of the message a sendMessage call created.
	MessageID int
	// Refused is the error_code an injected failure answered the call with (0: answered ok).
	Refused int
}

// Server is the fake Bot API.
type Server struct {
	URL   string // base URL for bot.WithServerURL (no trailing slash)
	Token string
	Bot   models.User // what getMe answers

	srv *httptest.Server

	mu       sync.Mutex
	updates  []models.Update
	nextUpd  int64
	nextMsg  int
	calls    []Call
	files    map[string]file          // by file_id
	changed  chan struct{}            // closed and replaced whenever something is recorded
	webhook  url.Values               // last setWebhook form; nil after deleteWebhook
	failures map[string][]injected    // method → failures to answer, in order
	holds    map[string]chan struct{} // file path → closed when its downloads may go on
	polling  chan struct{}            // closed to end the getUpdates in progress with 409; nil when none
	flood    struct {
		max    int
		window time.Duration
		sent   map[int64][]time.Time // chat → times of messages sent within the window
	}
}

// injected is one failure FailNext, FailTimes or RateLimit queued.
type injected struct {
	code       int
	retryAfter int
}

type file struct {
	path string
	data []byte
}

// NewServer starts a fake for token ("" means Token) with a bot named spindle_test_bot.
func NewServer(token string) *Server {
	if token == "" {
		token = Token
	}
	s := &Server{
		Token:    token,
		Bot:      models.User{ID: 777000111, IsBot: true, FirstName: "Spindle", Username: "spindle_test_bot"},
		nextUpd:  1,
		nextMsg:  1000,
		files:    map[string]file{},
		changed:  make(chan struct{}),
		failures: map[string][]injected{},
		holds:    map[string]chan struct{}{},
	}
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down, ending any long poll in flight.
func (s *Server) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Client is an HTTP client for the fake.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// FailNext makes the next call of method answer with a Bot API error of the given code (as
// Telegram does, the HTTP status is the code too); for method "download" the next file
// download answers that HTTP status.
func (s *Server) FailNext(method string, code int) { s.FailTimes(method, 1, code) }

// FailTimes makes the next n calls of method fail as FailNext does.
func (s *Server) FailTimes(method string, n, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], injected{code: code})
	}
}

// RateLimit makes the next n calls of method answer as Telegram's flood control does:
// HTTP 429 with {"ok":false,"error_code":429,"description":"Too Many Requests: retry after N",
// "parameters":{"retry_after":N}}.
func (s *Server) RateLimit(method string, n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[method] = append(s.failures[method], injected{code: http.StatusTooManyRequests, retryAfter: retryAfter})
	}
}

// FloodControl makes sendMessage answer 429 (retry_after 1), as Telegram's flood control
// does, when a chat would get more than max messages within window.
func (s *Server) FloodControl(max int, window time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flood.max, s.flood.window, s.flood.sent = max, window, map[int64][]time.Time{}
}

// flooded records a message to chatID and reports whether it broke the flood limit.
func (s *Server) flooded(chatID int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flood.max == 0 {
		return false
	}
	now := time.Now()
	var recent []time.Time
	for _, t := range s.flood.sent[chatID] {
		if now.Sub(t) < s.flood.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= s.flood.max {
		s.flood.sent[chatID] = recent
		return true
	}
	s.flood.sent[chatID] = append(recent, now)
	return false
}

// takeFailure pops the next failure injected for method.
func (s *Server) takeFailure(method string) (injected, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[method]
	if len(q) == 0 {
		return injected{}, false
	}
	s.failures[method] = q[1:]
	return q[0], true
}

// HoldDownloads makes downloads of file path p hang (after they were recorded) until release
// is called or the client gives up: a slow two-minute video, without the two minutes.
func (s *Server) HoldDownloads(p string) (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.holds[p] = ch
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { close(ch) }) }
}

func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

// Calls returns the recorded calls of the given methods (all calls when none is given).
func (s *Server) Calls(methods ...string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if len(methods) == 0 || contains(methods, c.Method) {
			out = append(out, c)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// WaitCalls waits until at least n calls of method were recorded and returns them, or returns
// what there is after timeout.
func (s *Server) WaitCalls(method string, n int, timeout time.Duration) []Call {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if got := s.Calls(method); len(got) >= n {
			return got
		}
		select {
		case <-ch:
		case <-deadline:
			return s.Calls(method)
		}
	}
}

// Webhook returns the form of the last setWebhook call, nil if none or deleted since.
func (s *Server) Webhook() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook
}

// ServeHTTP implements the Bot API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p, ok := strings.CutPrefix(r.URL.Path, "/file/bot"+s.Token+"/"); ok {
		s.serveFile(w, r, p)
		return
	}
	method, ok := strings.CutPrefix(r.URL.Path, "/bot"+s.Token+"/")
	if !ok {
		fail(w, http.StatusUnauthorized, 401, "Unauthorized")
		return
	}
	if r.Method != http.MethodPost {
		fail(w, http.StatusBadRequest, 400, "Bad Request: the fake expects POST like go-telegram/bot sends")
		return
	}
	// A method without parameters (getMe) arrives as a multipart body with no parts at all.
	if err := r.ParseMultipartForm(32 << 20); err != nil && err != http.ErrNotMultipart && !errors.Is(err, io.EOF) {
		fail(w, http.StatusBadRequest, 400, "Bad Request: "+err.Error())
		return
	}
	form := url.Values{}
	if r.MultipartForm != nil {
		form = url.Values(r.MultipartForm.Value)
	} else if err := r.ParseForm(); err == nil {
		form = r.PostForm
	}
	if f, failing := s.takeFailure(method); failing {
		s.record(Call{Method: method, Path: r.URL.Path, Form: form, Refused: f.code})
		if f.code == http.StatusTooManyRequests {
			tooMany(w, f.retryAfter)
			return
		}
		fail(w, f.code, f.code, fmt.Sprintf("Error %d injected by telegramtest", f.code))
		return
	}
	if problem := checkParams(method, form); problem != "" {
		s.record(Call{Method: method, Path: r.URL.Path, Form: form, Refused: http.StatusBadRequest})
		fail(w, http.StatusBadRequest, 400, "Bad Request: "+problem)
		return
	}
	if method != "getUpdates" && method != "sendMessage" {
		s.record(Call{Method: method, Path: r.URL.Path, Form: form})
	}
	switch method {
	case "getMe":
		ok200(w, s.Bot)
	case "getUpdates":
		s.getUpdates(w, r, form)
	case "sendMessage":
		s.sendMessage(w, form)
	case "editMessageText":
		s.editMessageText(w, form)
	case "getFile":
		s.getFile(w, form)
	case "setWebhook":
		s.mu.Lock()
		s.webhook = form
		s.mu.Unlock()
		ok200(w, true)
	case "deleteWebhook":
		s.mu.Lock()
		s.webhook = nil
		s.mu.Unlock()
		ok200(w, true)
	case "editMessageReplyMarkup":
		s.editMessageReplyMarkup(w, form)
	case "answerCallbackQuery", "setMyCommands", "deleteMyCommands", "sendChatAction":
		ok200(w, true)
	default:
		fail(w, http.StatusNotFound, 404, "Not Found: method "+method+" is not faked")
	}
}

func ok200(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": v})
}

func fail(w http.ResponseWriter, status, code int, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": code, "description": desc})
}

// tooMany answers as Telegram's flood control does.
func tooMany(w http.ResponseWriter, retryAfter int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error_code": 429,
		"description": fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		"parameters":  map[string]int{"retry_after": retryAfter}})
}

// getUpdates long-polls. As Telegram does, a second getUpdates while one is in progress ends
// the first with 409 Conflict ("terminated by other getUpdates request"): a bot has one
// poller, and two pollers (two replicas, say) take each other's turn, which Conflicts counts.
func (s *Server) getUpdates(w http.ResponseWriter, r *http.Request, form url.Values) {
	offset, _ := strconv.ParseInt(form.Get("offset"), 10, 64)
	secs, _ := strconv.Atoi(form.Get("timeout"))
	deadline := time.After(time.Duration(secs) * time.Second)
	mine := make(chan struct{})
	s.mu.Lock()
	if s.polling != nil {
		close(s.polling)
	}
	s.polling = mine
	// "An update is considered confirmed as soon as getUpdates is called with an offset
	// higher than its update_id" (Bot API), and Telegram no longer holds it: a poller asking
	// for a lower offset later (a new leader) does not get it back.
	if offset > 0 {
		s.updates = slices.DeleteFunc(s.updates, func(u models.Update) bool { return u.ID < offset })
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.polling == mine {
			s.polling = nil
		}
		s.mu.Unlock()
	}()
	s.record(Call{Method: "getUpdates", Path: r.URL.Path, Form: form})
	for {
		s.mu.Lock()
		ch := s.changed
		var out []models.Update
		for _, u := range s.updates {
			if u.ID >= offset {
				out = append(out, u)
			}
		}
		s.mu.Unlock()
		if len(out) > 0 {
			ok200(w, out)
			return
		}
		select {
		case <-ch:
		case <-mine:
			s.record(Call{Method: "getUpdates", Path: r.URL.Path, Form: form, Refused: http.StatusConflict})
			fail(w, http.StatusConflict, http.StatusConflict,
				"Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
			return
		case <-deadline:
			ok200(w, []models.Update{})
			return
		case <-r.Context().Done():
			return
		}
	}
}

// Conflicts counts the getUpdates calls ended with 409 because another one started.
func (s *Server) Conflicts() int {
	n := 0
	for _, c := range s.Calls("getUpdates") {
		if c.Refused == http.StatusConflict {
			n++
		}
	}
	return n
}

func (s *Server) sendMessage(w http.ResponseWriter, form url.Values) {
	chatID, err := strconv.ParseInt(form.Get("chat_id"), 10, 64)
	if err != nil || form.Get("text") == "" {
		s.record(Call{Method: "sendMessage", Path: "/bot" + s.Token + "/sendMessage", Form: form})
		fail(w, http.StatusBadRequest, 400, "Bad Request: chat_id and text are required")
		return
	}
	if s.flooded(chatID) {
		s.record(Call{Method: "sendMessage", Path: "/bot" + s.Token + "/sendMessage", Form: form, Refused: http.StatusTooManyRequests})
		tooMany(w, 1)
		return
	}
	s.mu.Lock()
	s.nextMsg++
	id := s.nextMsg
	s.mu.Unlock()
	s.record(Call{Method: "sendMessage", Path: "/bot" + s.Token + "/sendMessage", Form: form, MessageID: id})
	ok200(w, models.Message{ID: id, Date: int(time.Now().Unix()), Chat: models.Chat{ID: chatID},
		From: &s.Bot, Text: form.Get("text")})
}

func (s *Server) editMessageText(w http.ResponseWriter, form url.Values) {
	chatID, err1 := strconv.ParseInt(form.Get("chat_id"), 10, 64)
	msgID, err2 := strconv.Atoi(form.Get("message_id"))
	if err1 != nil || err2 != nil || form.Get("text") == "" {
		fail(w, http.StatusBadRequest, 400, "Bad Request: chat_id, message_id and text are required")
		return
	}
	ok200(w, models.Message{ID: msgID, Date: int(time.Now().Unix()), Chat: models.Chat{ID: chatID},
		From: &s.Bot, Text: form.Get("text")})
}

// editMessageReplyMarkup changes only the buttons of a message (none: an empty keyboard).
func (s *Server) editMessageReplyMarkup(w http.ResponseWriter, form url.Values) {
	chatID, err1 := strconv.ParseInt(form.Get("chat_id"), 10, 64)
	msgID, err2 := strconv.Atoi(form.Get("message_id"))
	if err1 != nil || err2 != nil {
		fail(w, http.StatusBadRequest, 400, "Bad Request: chat_id and message_id are required")
		return
	}
	ok200(w, models.Message{ID: msgID, Date: int(time.Now().Unix()), Chat: models.Chat{ID: chatID}, From: &s.Bot})
}

func (s *Server) getFile(w http.ResponseWriter, form url.Values) {
	id := form.Get("file_id")
	s.mu.Lock()
	f, ok := s.files[id]
	s.mu.Unlock()
	if !ok {
		fail(w, http.StatusBadRequest, 400, "Bad Request: invalid file_id")
		return
	}
	ok200(w, models.File{FileID: id, FileUniqueID: "u" + id, FileSize: int64(len(f.data)), FilePath: f.path})
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, p string) {
	s.record(Call{Method: "download", Path: r.URL.Path})
	if f, ok := s.takeFailure("download"); ok {
		http.Error(w, "injected by telegramtest", f.code)
		return
	}
	s.mu.Lock()
	hold := s.holds[p]
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	s.mu.Lock()
	var data []byte
	found := false
	for _, f := range s.files {
		if f.path == p {
			data, found = f.data, true
			break
		}
	}
	s.mu.Unlock()
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(data)
}

// AddFile registers bytes under a new file id, downloadable at file path p (e.g.
// "photos/file_1.jpg"), and returns the file id.
func (s *Server) AddFile(p string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("FILE%d", len(s.files)+1)
	s.files[id] = file{path: p, data: append([]byte(nil), data...)}
	return id
}

// DrainBody reads and closes a response body; a helper for webhook posts.
func DrainBody(r io.ReadCloser) {
	_, _ = io.Copy(io.Discard, r)
	_ = r.Close()
}

// Sent is one message the bot sent, decoded from a sendMessage call.
type Sent struct {
	ChatID    int64
	MessageID int // the id the fake gave it
	Text      string
	ReplyTo   int                           // reply_parameters.message_id, 0 if none
	Buttons   []models.InlineKeyboardButton // inline buttons, in order
}

// Sent returns the messages the bot sent, oldest first.
func (s *Server) Sent() []Sent {
	var out []Sent
	for _, c := range s.Calls("sendMessage") {
		if c.Refused == 0 {
			out = append(out, decodeSent(c))
		}
	}
	return out
}

func decodeSent(c Call) Sent {
	m := Sent{MessageID: c.MessageID, Text: c.Form.Get("text")}
	m.ChatID, _ = strconv.ParseInt(c.Form.Get("chat_id"), 10, 64)
	var rp struct {
		MessageID int `json:"message_id"`
	}
	if json.Unmarshal([]byte(c.Form.Get("reply_parameters")), &rp) == nil {
		m.ReplyTo = rp.MessageID
	}
	var kb models.InlineKeyboardMarkup
	if json.Unmarshal([]byte(c.Form.Get("reply_markup")), &kb) == nil {
		for _, row := range kb.InlineKeyboard {
			m.Buttons = append(m.Buttons, row...)
		}
	}
	return m
}

// WaitSent waits until a sent message satisfies match and returns it; ok is false after
// timeout.
func (s *Server) WaitSent(timeout time.Duration, match func(Sent) bool) (Sent, bool) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		for _, m := range s.Sent() {
			if match(m) {
				return m, true
			}
		}
		select {
		case <-ch:
		case <-deadline:
			return Sent{}, false
		}
	}
}

// Message is the bot message a Sent was, as a callback query carries it.
func (m Sent) Message() models.Message {
	return models.Message{ID: m.MessageID, Date: int(time.Now().Unix()), Chat: models.Chat{ID: m.ChatID, Type: models.ChatTypePrivate}, Text: m.Text}
}
