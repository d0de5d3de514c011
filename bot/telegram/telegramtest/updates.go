package telegramtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/go-telegram/bot/models"
)

// User returns a person with the given id and username.
func User(id int64, username string) models.User {
	return models.User{ID: id, FirstName: username, Username: username}
}

// Private is the private chat between the bot and u (its id is the user's id, as Telegram's).
func Private(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, Username: u.Username, FirstName: u.FirstName}
}

// Group is a group chat.
func Group(id int64, title string) models.Chat {
	return models.Chat{ID: id, Type: models.ChatTypeSupergroup, Title: title}
}

func (s *Server) newMessage(chat models.Chat, from models.User) *models.Message {
	s.mu.Lock()
	s.nextMsg++
	id := s.nextMsg
	s.mu.Unlock()
	f := from
	return &models.Message{ID: id, Date: int(time.Now().Unix()), Chat: chat, From: &f}
}

// Text builds a text message. A leading "/word" gets a bot_command entity, as Telegram adds
// (its length in UTF-16 code units, "@botname" included).
func (s *Server) Text(chat models.Chat, from models.User, text string) *models.Message {
	m := s.newMessage(chat, from)
	m.Text = text
	m.Entities = commandEntities(text)
	return m
}

// TextNoEntities builds a text message without entities, as some clients and forwarders send.
func (s *Server) TextNoEntities(chat models.Chat, from models.User, text string) *models.Message {
	m := s.newMessage(chat, from)
	m.Text = text
	return m
}

func commandEntities(text string) []models.MessageEntity {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	word, _, _ := strings.Cut(text, " ")
	word, _, _ = strings.Cut(word, "\n")
	return []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0,
		Length: len(utf16.Encode([]rune(word)))}}
}

// Photo builds a photo message for a file registered with AddFile, in three sizes (the file
// itself is the largest). groupID non-empty makes it an album item.
func (s *Server) Photo(chat models.Chat, from models.User, fileID, caption, groupID string) *models.Message {
	m := s.newMessage(chat, from)
	m.Photo = []models.PhotoSize{
		{FileID: "THUMB-" + fileID, FileUniqueID: "t" + fileID, Width: 90, Height: 60},
		{FileID: fileID, FileUniqueID: "u" + fileID, Width: 1280, Height: 853},
		{FileID: "MID-" + fileID, FileUniqueID: "m" + fileID, Width: 320, Height: 213},
	}
	m.Caption, m.CaptionEntities, m.MediaGroupID = caption, commandEntities(caption), groupID
	return m
}

// Video builds a video message for a file registered with AddFile.
func (s *Server) Video(chat models.Chat, from models.User, fileID, caption, groupID string) *models.Message {
	m := s.newMessage(chat, from)
	m.Video = &models.Video{FileID: fileID, FileUniqueID: "u" + fileID, Width: 1280, Height: 720,
		Duration: 5, MimeType: "video/mp4"}
	m.Caption, m.CaptionEntities, m.MediaGroupID = caption, commandEntities(caption), groupID
	return m
}

// Press builds a callback query: from pressed the button with data under the bot's message.
func (s *Server) Press(from models.User, botMessage models.Message, data string) *models.CallbackQuery {
	s.mu.Lock()
	s.nextUpd++ // ids only need to be unique
	id := fmt.Sprintf("cq%d", s.nextUpd)
	s.mu.Unlock()
	if botMessage.Date == 0 {
		botMessage.Date = int(time.Now().Unix())
	}
	return &models.CallbackQuery{ID: id, From: from, Data: data, ChatInstance: "ci",
		Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &botMessage}}
}

// Update wraps a message or callback query in an update with the next update id, without
// queueing it.
func (s *Server) Update(v any) models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.updateLocked(v)
}

func (s *Server) updateLocked(v any) models.Update {
	u := models.Update{ID: s.nextUpd}
	s.nextUpd++
	switch x := v.(type) {
	case *models.Message:
		u.Message = x
	case *models.CallbackQuery:
		u.CallbackQuery = x
	default:
		panic(fmt.Sprintf("telegramtest: cannot wrap %T in an update", v))
	}
	return u
}

// Push queues updates (messages or callback queries) for getUpdates and returns them.
func (s *Server) Push(vs ...any) []models.Update {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []models.Update
	for _, v := range vs {
		u := s.updateLocked(v)
		s.updates = append(s.updates, u)
		out = append(out, u)
	}
	s.notifyLocked()
	return out
}

// Confirmed reports whether every queued update was confirmed by a getUpdates with a higher
// offset, as Telegram counts them.
func (s *Server) Confirmed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.updates) == 0 {
		return true
	}
	last := s.updates[len(s.updates)-1].ID
	for _, c := range s.calls {
		if c.Method == "getUpdates" && c.Form.Get("offset") > "" {
			var off int64
			fmt.Sscan(c.Form.Get("offset"), &off)
			if off > last {
				return true
			}
		}
	}
	return false
}

// PostWebhook delivers u to a webhook URL the way Telegram does: a JSON POST carrying the
// secret in X-Telegram-Bot-Api-Secret-Token (omitted when secret is empty).
func PostWebhook(client *http.Client, url, secret string, u models.Update) (*http.Response, error) {
	body, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	return client.Do(req)
}

// SpoilerText builds a text message whose hidden parts carry "spoiler" entities, at the
// offsets and lengths Telegram gives them: in UTF-16 code units, so an emoji before a spoiler
// moves it by two.
func (s *Server) SpoilerText(chat models.Chat, from models.User, text string, hidden ...string) *models.Message {
	m := s.Text(chat, from, text)
	m.Entities = append(m.Entities, Spoilers(text, hidden...)...)
	return m
}

// Spoilers returns a "spoiler" entity for the first occurrence of each hidden substring of
// text (after the previous one), in UTF-16 code units as Telegram counts.
func Spoilers(text string, hidden ...string) []models.MessageEntity {
	var out []models.MessageEntity
	from := 0
	for _, h := range hidden {
		i := strings.Index(text[from:], h)
		if i < 0 {
			continue
		}
		start := from + i
		out = append(out, models.MessageEntity{Type: models.MessageEntityTypeSpoiler,
			Offset: utf16Len(text[:start]), Length: utf16Len(h)})
		from = start + len(h)
	}
	return out
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// Poll builds a message carrying a native Telegram poll (as a person sends one to the bot):
// a regular, anonymous poll with no votes yet.
func (s *Server) Poll(chat models.Chat, from models.User, question string, options ...string) *models.Message {
	m := s.newMessage(chat, from)
	p := &models.Poll{ID: fmt.Sprintf("poll%d", m.ID), Question: question, Type: "regular", IsAnonymous: true}
	for _, o := range options {
		p.Options = append(p.Options, models.PollOption{Text: o})
	}
	m.Poll = p
	return m
}
