package telegramtest

import (
	"strings"
	"testing"
)

// TestInlineButtonLimits: as the Bot API documents, an inline button's callback_data is 1–64
// bytes and its text is not empty, in sendMessage and both edits; a callback answer's text is
// at most 200 characters. A call past a limit is refused 400 and recorded as refused.
func TestInlineButtonLimits(t *testing.T) {
	s := NewServer("")
	defer s.Close()
	kb := func(text, data string) string {
		return `{"inline_keyboard":[[{"text":"` + text + `","callback_data":"` + data + `"}]]}`
	}
	for _, c := range []struct {
		name   string
		method string
		form   map[string]string
		ok     bool
	}{
		{"1 byte", "sendMessage", map[string]string{"chat_id": "1", "text": "hi", "reply_markup": kb("A", "a")}, true},
		{"64 bytes", "sendMessage", map[string]string{"chat_id": "1", "text": "hi", "reply_markup": kb("A", strings.Repeat("x", 64))}, true},
		{"65 bytes", "sendMessage", map[string]string{"chat_id": "1", "text": "hi", "reply_markup": kb("A", strings.Repeat("x", 65))}, false},
		{"empty data", "sendMessage", map[string]string{"chat_id": "1", "text": "hi", "reply_markup": kb("A", "")}, false},
		{"empty text", "sendMessage", map[string]string{"chat_id": "1", "text": "hi", "reply_markup": kb("", "a")}, false},
		{"65 bytes in an edit", "editMessageText", map[string]string{"chat_id": "1", "message_id": "5", "text": "hi", "reply_markup": kb("A", strings.Repeat("é", 33))}, false},
		{"buttons removed", "editMessageReplyMarkup", map[string]string{"chat_id": "1", "message_id": "5", "reply_markup": `{"inline_keyboard":[]}`}, true},
		{"65 bytes in a markup edit", "editMessageReplyMarkup", map[string]string{"chat_id": "1", "message_id": "5", "reply_markup": kb("A", strings.Repeat("x", 65))}, false},
		{"answer of 200", "answerCallbackQuery", map[string]string{"callback_query_id": "q", "text": strings.Repeat("é", 200)}, true},
		{"answer of 201", "answerCallbackQuery", map[string]string{"callback_query_id": "q", "text": strings.Repeat("é", 201)}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := len(s.Calls(c.method))
			if ok, res := call(t, s, c.method, c.form); ok != c.ok {
				t.Fatalf("%s answered ok=%v (%s), want %v", c.method, ok, res, c.ok)
			}
			calls := s.Calls(c.method)
			if len(calls) != before+1 || (calls[len(calls)-1].Refused != 0) == c.ok {
				t.Errorf("recorded %+v", calls[before:])
			}
		})
	}
}
