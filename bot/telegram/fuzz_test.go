package telegram_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
)

// Any body with the right secret is answered 200, 400 or 413, and never panics the door.
func FuzzWebhookUpdate(f *testing.F) {
	h := newHarness(f, webhook, options{})
	for _, s := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"a"},"text":"/post hi"}}`,
		`{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"a"},"text":"draft"}}`,
		`{"update_id":3,"callback_query":{"id":"q","from":{"id":5,"first_name":"a"},"data":"d:0011223344556677:p","message":{"message_id":9,"date":1,"chat":{"id":5,"type":"private"}}}}`,
		`{"update_id":4,"callback_query":{"id":"q","from":{"id":5,"first_name":"a"},"data":"d::","message":{"message_id":9,"date":0,"chat":{"id":5}}}}`,
		`{"update_id":5,"message":{"message_id":3,"date":1,"chat":{"id":-9,"type":"group"},"from":{"id":5,"first_name":"a"},"text":"/post@spindle_test_bot x"}}`,
		`{"update_id":6,"message":{"message_id":4,"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5,"first_name":"a"},"photo":[],"caption":"/post"}}`,
		`{}`, `null`, `[]`, `{"update_id":"x"}`,
	} {
		f.Add([]byte(s))
	}
	url := h.spindle.URL + telegram.WebhookPath
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		resp, err := h.spindle.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		telegramtest.DrainBody(resp.Body)
		switch resp.StatusCode {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d for %q", resp.StatusCode, body)
		}
		if strings.Contains(h.logs.String(), "panicked") {
			t.Fatalf("the door panicked on %q:\n%s", body, h.logs.String())
		}
	})
}
