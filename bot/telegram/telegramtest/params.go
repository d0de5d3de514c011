package telegramtest

import (
	"encoding/json"
	"net/url"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"
)

// The Bot API's limits the fake enforces, from its documentation: an inline button's
// callback_data is 1–64 bytes and its text is not empty; a callback answer's text is at most
// 200 characters.
const (
	maxCallbackData = 64
	maxAnswerText   = 200
)

// checkParams returns Telegram's description of what is wrong with a call's parameters, or ""
// when they are within the documented limits.
func checkParams(method string, form url.Values) string {
	switch method {
	case "sendMessage", "editMessageText", "editMessageReplyMarkup":
		return checkMarkup(form.Get("reply_markup"))
	case "answerCallbackQuery":
		if utf8.RuneCountInString(form.Get("text")) > maxAnswerText {
			return "MESSAGE_TOO_LONG: a callback answer's text is at most 200 characters"
		}
	}
	return ""
}

// checkMarkup checks an inline keyboard's buttons; other markups pass.
func checkMarkup(raw string) string {
	if raw == "" {
		return ""
	}
	var kb models.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return "can't parse reply keyboard markup JSON object"
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			switch {
			case b.Text == "":
				return "BUTTON_TEXT_EMPTY"
			case b.URL != "":
			case len(b.CallbackData) < 1 || len(b.CallbackData) > maxCallbackData:
				return "BUTTON_DATA_INVALID"
			}
		}
	}
	return ""
}
