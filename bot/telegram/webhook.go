package telegram

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
)

// WebhookPath is where Telegram delivers updates in webhook mode.
const WebhookPath = "/telegram/webhook"

// maxUpdate caps a webhook body; updates are a few kilobytes.
const maxUpdate = 1 << 20

// WebhookHandler receives updates at POST /telegram/webhook. Unlike the library's handler
// (which answers 200 to a wrong secret and reads bodies without limit) it answers 401 to a
// missing or wrong X-Telegram-Bot-Api-Secret-Token (compared in constant time) without doing
// anything, 413 to a body over 1 MB, 400 to one that is not an update. A valid update goes to
// its chat's queue; the answer 200 waits until it was handled (at most AckWait), so an update
// Spindle failed to take in is retried by Telegram, except that a photo or video is answered
// at once and downloaded after: a slow download would otherwise outlast Telegram's patience
// and come back as a duplicate. A copy of an update already taken is answered 200 at once.
func (d *Door) WebhookHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
		if d.o.WebhookSecret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(d.o.WebhookSecret)) != 1 {
			d.log.Warn("telegram: webhook call with a wrong secret refused", slog.String("remote", r.RemoteAddr))
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u models.Update
		err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxUpdate)).Decode(&u)
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "not a Telegram update: "+err.Error(), http.StatusBadRequest)
			return
		}
		done := d.enqueue(&u)
		if !hasMedia(&u) {
			t := time.NewTimer(d.o.AckWait)
			select {
			case <-done:
			case <-t.C:
			case <-r.Context().Done():
			}
			t.Stop()
		}
		w.WriteHeader(http.StatusOK)
	})
}
