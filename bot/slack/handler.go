package slack

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
)

// ServeHTTP answers POST /slack/commands.
//
// Order matters: the body is limited first (413), then the signature headers are checked and
// the raw body is fed to the verifier while the form is parsed (TeeReader: the HMAC covers the
// bytes exactly as sent), and nothing happens before Ensure passes (401). A verified request
// already seen within the 5-minute window is a replay and is refused too. Application errors
// are answered 200 with an ephemeral message, as Slack asks.
func (d *Door) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	cmd, status := d.verify(w, r)
	if status != http.StatusOK {
		http.Error(w, http.StatusText(status), status)
		return
	}
	if cmd.sslCheck {
		w.WriteHeader(http.StatusOK)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ackBudget)
	defer cancel()
	in := d.incoming(ctx, cmd)
	if slowVerb(cmd.Text) && d.slackURL(cmd.ResponseURL) {
		d.answerLater(w, in, cmd)
		return
	}
	reply := d.dispatch.Handle(ctx, in)
	if d.answerDraft(ctx, w, cmd, reply) {
		return // a preview, answered as a draft with its buttons (drafts.go)
	}
	cancelable := ""
	if reply.Queued != "" && firstWord(cmd.Text) == bot.VerbSchedule {
		cancelable = reply.Queued // the confirmation carries a Cancel button (interact.go)
	}
	d.writeReply(w, reply, cancelable, cmp.Or(in.Zone, d.zone))
	d.afterAck(in, cmd, reply)
}

// command is a verified slash command.
type command struct {
	slack.SlashCommand
	sslCheck  bool
	signature string
	received  time.Time
}

// verify reads and authenticates a slash command; it returns the HTTP status to answer.
func (d *Door) verify(w http.ResponseWriter, r *http.Request) (command, int) {
	sig, status := d.authenticate(w, r, "slack command")
	if status == statusSSLCheck {
		return command{sslCheck: true}, http.StatusOK
	}
	if status != http.StatusOK {
		return command{}, status
	}
	sc, err := slack.SlashCommandParse(r) // the form authenticate parsed
	if err != nil {
		return command{}, http.StatusBadRequest
	}
	c := command{SlashCommand: sc, signature: sig, received: d.now(), sslCheck: r.PostForm.Get("ssl_check") == "1"}
	if !c.sslCheck && (sc.TeamID == "" || sc.UserID == "") {
		return command{}, http.StatusBadRequest
	}
	return c, http.StatusOK
}

// statusSSLCheck is authenticate's answer for Slack's unsigned ssl_check ping: an empty 200
// that does nothing.
const statusSSLCheck = -1

// authenticate limits the body, feeds the raw bytes to slack-go's verifier while the form is
// parsed (the HMAC covers them exactly as sent), checks the signature, and refuses a request
// already seen: in this process (the replay cache) or, after a restart or on another replica,
// in the database. It returns the canonical signature and the HTTP status to answer. what
// names the request in the log ("slack command", "slack interaction").
func (d *Door) authenticate(w http.ResponseWriter, r *http.Request, what string) (string, int) {
	r.Body = http.MaxBytesReader(w, r.Body, d.maxBody)
	sv, err := slack.NewSecretsVerifier(r.Header, d.secret)
	if err != nil {
		if isSSLCheck(r) {
			return "", statusSSLCheck
		}
		d.log.InfoContext(r.Context(), what+" refused", slog.String("reason", refusal(err)))
		return "", http.StatusUnauthorized
	}
	r.Body = io.NopCloser(io.TeeReader(r.Body, &sv))
	if status := readForm(r); status != http.StatusOK {
		return "", status
	}
	if err := sv.Ensure(); err != nil {
		d.log.InfoContext(r.Context(), what+" refused", slog.String("reason", "bad signature"))
		return "", http.StatusUnauthorized
	}
	sig := canonicalSignature(r.Header.Get("X-Slack-Signature"))
	if !d.replays.first(sig) {
		d.log.WarnContext(r.Context(), what+" refused", slog.String("reason", "replayed request"))
		return "", http.StatusUnauthorized
	}
	if fresh, err := d.store.FirstSeen(r.Context(), "slack:"+sig, d.now().Add(replayWindow)); err != nil {
		d.log.ErrorContext(r.Context(), what+" refused: could not check it against replays", slog.Any("error", err))
		return "", http.StatusServiceUnavailable
	} else if !fresh {
		d.log.WarnContext(r.Context(), what+" refused", slog.String("reason", "replayed request (seen before a restart or by another replica)"))
		return "", http.StatusUnauthorized
	}
	return sig, http.StatusOK
}

// readForm parses the form and drains what is left of the body (ParseForm stops at the
// form's end; the HMAC must cover every byte, as Slack computed it).
func readForm(r *http.Request) int {
	err := r.ParseForm()
	if err == nil {
		_, err = io.Copy(io.Discard, r.Body)
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case err != nil:
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// canonicalSignature is a verified X-Slack-Signature in one spelling, lower-case hex. slack-go
// decodes the hex before comparing, so "v0=ABC…", "v0=abc…" and "v0=AbC…" all verify; keyed on
// the header as sent, the replay cache and the post's idempotency key would take each case
// variant of a captured request for a new one (and run its command again: a second post, a
// second API token). Every spelling of one MAC maps to the same string here.
func canonicalSignature(sig string) string {
	mac, err := hex.DecodeString(strings.TrimPrefix(sig, "v0="))
	if err != nil {
		return sig // not reached: Ensure has just decoded it
	}
	return "v0=" + hex.EncodeToString(mac)
}

// isSSLCheck peeks at an unsigned body for ssl_check=1 without trusting anything in it.
func isSSLCheck(r *http.Request) bool {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false
	}
	v, err := url.ParseQuery(string(body))
	return err == nil && v.Get("ssl_check") == "1"
}

// refusal names why slack-go refused the headers, for the log (never the signature).
func refusal(err error) string {
	switch {
	case errors.Is(err, slack.ErrExpiredTimestamp):
		return "timestamp more than 5 minutes off (replay?)"
	case errors.Is(err, slack.ErrMissingHeaders):
		return "missing signature headers"
	case errors.Is(err, slack.ErrInvalidSignature):
		return "malformed signature"
	}
	return "unverifiable request"
}

// incoming turns a verified command into the dispatcher's Incoming.
func (d *Door) incoming(ctx context.Context, c command) bot.Incoming {
	ref, _ := json.Marshal(Ref{Team: c.TeamID, Channel: c.ChannelID, User: c.UserID,
		ResponseURL: c.ResponseURL, IssuedAt: c.received.UnixMilli()})
	zone, fetched := d.zoneOf(ctx, c.TeamID, c.UserID)
	switch {
	case zone == nil && slices.Contains([]string{bot.VerbSchedule, bot.VerbEdit, bot.VerbQueue, bot.VerbSlots}, firstWord(c.Text)):
		// The time must be read (schedule, edit … at), or a slot schedule set, or a slot's time
		// told, in the person's zone, so this one waits for users.info, within a budget that
		// still leaves the acknowledgement on time.
		zctx, cancel := context.WithTimeout(ctx, zoneBudget)
		zone = d.fetchZone(zctx, c.TeamID, c.UserID)
		cancel()
	case zone == nil || d.now().Sub(fetched) > zoneTTL:
		d.refreshZone(c.TeamID, c.UserID)
	}
	return bot.Incoming{
		Identity:  bot.Identity{Door: ingest.DoorSlack, Team: c.TeamID, User: c.UserID, Name: c.UserName},
		Text:      c.Text,
		Origin:    ingest.Origin{Door: ingest.DoorSlack, Ref: ref},
		Zone:      zone,
		Channel:   c.ChannelID,
		RequestID: requestID(c.signature),
		Key:       c.signature,
	}
}

// requestID is a short id for logs, derived from the signature (unique per request).
func requestID(sig string) string {
	s := strings.TrimPrefix(sig, "v0=")
	if len(s) > 12 {
		s = s[:12]
	}
	return "slack-" + s
}

func firstWord(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.ToLower(f[0])
}

// writeReply sends the acknowledgement: always ephemeral, always with a top-level text; with
// a Cancel button when cancelable names the post a schedule command queued.
func (d *Door) writeReply(w http.ResponseWriter, r bot.Reply, cancelable string, zone *time.Location) {
	msg := render(r)
	if cancelable != "" {
		withCancelButton(&msg, cancelable)
	}
	switch {
	case len(r.Cards) > 0:
		withApprovalCards(&msg, r, zone)
	case len(r.Approvals) > 0:
		withApprovalButtons(&msg, r.Approvals)
	}
	msg.ResponseType = slack.ResponseTypeEphemeral
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(msg); err != nil {
		msg = slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: escape(r.Text)}
		buf.Reset()
		_ = json.NewEncoder(&buf).Encode(msg)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
}

// afterAck does the work that may not delay the acknowledgement: a scheduled post gets a
// public confirmation in the channel, whose ts its results will be threaded under.
func (d *Door) afterAck(in bot.Incoming, c command, r bot.Reply) {
	if r.Queued == "" || firstWord(c.Text) != bot.VerbSchedule {
		return
	}
	text := "🗓️ <@" + c.UserID + "> " + strings.TrimPrefix(firstLine(r.Text), "🗓️ ")
	d.background(confirmBudget, func(ctx context.Context) {
		ch, ts, err := d.postMessage(ctx, c.ChannelID, slack.MsgOptionText(escapeKeepMentions(text), false))
		if err != nil {
			d.log.InfoContext(ctx, "slack confirmation not posted; results will not be threaded",
				slog.String("post_id", r.Queued), slog.String("error", slackErr(err)))
			return
		}
		ref, _ := json.Marshal(anchor{Channel: ch, TS: ts})
		if err := d.store.SetChatAnchor(ctx, r.Queued, string(ingest.DoorSlack), ref); err != nil {
			d.log.WarnContext(ctx, "store slack confirmation", slog.String("post_id", r.Queued), slog.Any("error", err))
		}
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
