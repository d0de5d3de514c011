package slack

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// Notify reports an event about a post that came through Slack, where its command came from:
// on the command's response_url while it is valid (each use is counted in storage before it
// is spent, so a restart never makes a sixth), else with chat.postMessage in the same channel,
// threaded under the post's confirmation if it has one, else in the person's DM with the app
// when the bot cannot write to the channel. An event already shown (same outbox id) is not
// shown again. An error means "try again later" to the outbox.
func (d *Door) Notify(ctx context.Context, e publisher.Event) error {
	if !e.Kind.ForDoors() {
		return nil // webhook-only kinds: the chat already heard (queued) or did it (cancelled)
	}
	if e.ID != 0 {
		done, err := d.store.Delivered(ctx, string(ingest.DoorSlack), e.ID)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	var ref Ref
	if err := json.Unmarshal(e.OriginRef, &ref); err != nil || ref.Channel == "" && ref.User == "" {
		// Nothing to answer to; retrying would not help.
		d.log.WarnContext(ctx, "slack event without a reply address", slog.String("post_id", e.PostID))
		return nil
	}
	zone, _ := d.zoneOf(ctx, ref.Team, ref.User)
	if zone == nil {
		zone = d.zone
	}
	text := escapeKeepMentions(bot.FormatEvent(e, zone))
	var thread anchor
	if _, raw, err := d.store.ChatAnchor(ctx, e.PostID); err == nil {
		_ = json.Unmarshal(raw, &thread)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	sent, err := d.viaResponseURL(ctx, ref, text, thread.TS)
	if err != nil {
		return err
	}
	if !sent {
		if err := d.viaChat(ctx, ref, text, thread); err != nil {
			return err
		}
	}
	if e.ID != 0 {
		return d.store.MarkDelivered(ctx, string(ingest.DoorSlack), e.ID)
	}
	return nil
}

// viaResponseURL posts on the command's response_url if it still has a use left. It reports
// false, with no error, when the URL is gone (expired, used up, refused by Slack, or not a
// Slack URL), so the caller falls back to chat.postMessage.
func (d *Door) viaResponseURL(ctx context.Context, ref Ref, text, threadTS string) (bool, error) {
	if !d.slackURL(ref.ResponseURL) {
		return false, nil
	}
	ok, err := d.store.ClaimResponseURL(ctx, ref.ResponseURL, time.UnixMilli(ref.IssuedAt), ResponseURLUses, ResponseURLTTL)
	if err != nil || !ok {
		return false, err
	}
	msg := slack.WebhookMessage{Text: text, ResponseType: slack.ResponseTypeInChannel, ThreadTimestamp: threadTS}
	var status int
	err = d.paced(ctx, cmp.Or(ref.Channel, ref.User), "response_url", func(ctx context.Context) error {
		var err error
		status, err = d.postJSON(ctx, ref.ResponseURL, msg)
		return err
	})
	if _, limited := errors.AsType[*RateLimitedError](err); limited {
		return false, err
	}
	switch {
	case err != nil:
		return false, fmt.Errorf("slack: post to response_url: %s", errText(err))
	case status == http.StatusOK:
		return true, nil
	case status >= 500:
		return false, fmt.Errorf("slack: response_url answered %d; will retry", status)
	}
	// Slack refused the URL for good (expired, used up): spend it and go the other way.
	d.log.InfoContext(ctx, "slack response_url refused; falling back to chat.postMessage", slog.Int("status", status))
	return false, d.store.SpendResponseURL(ctx, ref.ResponseURL, ResponseURLUses)
}

// postJSON posts msg and returns the status; a 429 is a *slack.RateLimitedError with Slack's
// Retry-After, as slack-go reports it for the Web API. Its errors never include the URL.
func (d *Door) postJSON(ctx context.Context, target string, msg slack.WebhookMessage) (int, error) {
	body, err := json.Marshal(msg)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, errors.New("bad response_url")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode == http.StatusTooManyRequests {
		return resp.StatusCode, &slack.RateLimitedError{RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}
	}
	return resp.StatusCode, nil
}

// viaChat posts with the bot token in the channel (threaded under the anchor when there is
// one), or in the person's DM with the app when the bot may not write to the channel.
func (d *Door) viaChat(ctx context.Context, ref Ref, text string, thread anchor) error {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	channel := ref.Channel
	if thread.TS != "" && thread.Channel != "" {
		channel = thread.Channel
		opts = append(opts, slack.MsgOptionTS(thread.TS))
	}
	if channel != "" {
		_, _, err := d.postMessage(ctx, channel, opts...)
		if err == nil {
			return nil
		}
		if !channelUnusable(err) || ref.User == "" {
			return sendErr("chat.postMessage", err)
		}
	}
	_, _, err := d.postMessage(ctx, ref.User, slack.MsgOptionText(text, false))
	if err != nil {
		return sendErr("chat.postMessage to the user", err)
	}
	return nil
}

// sendErr describes a failed send without its URL, keeping a *RateLimitedError findable (the
// outbox reads its Retry-After).
func sendErr(what string, err error) error {
	if rl, ok := errors.AsType[*RateLimitedError](err); ok {
		return fmt.Errorf("slack: %s: %w", what, rl)
	}
	return fmt.Errorf("slack: %s: %s", what, slackErr(err))
}

// channelUnusable tells errors after which the same channel will not work, however often we
// retry: the bot is not in it, it is gone or archived.
func channelUnusable(err error) bool {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return false
	}
	switch se.Err {
	case "not_in_channel", "channel_not_found", "is_archived", "restricted_action", "thread_not_found":
		return true
	}
	return false
}

// asErr is errors.As for the value and pointer error types slack-go returns.
func asErr[T any](err error, target *T) bool { return errors.As(err, target) }

// errText describes a transport error without the URL it was for.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}

// FeedNotice tells the chat that added a feed something about it (rss.Notices): posted with
// the bot token in the channel the feed was added from, or the person's DM.
func (d *Door) FeedNotice(ctx context.Context, door string, raw json.RawMessage, text string) error {
	var ref Ref
	if door != string(ingest.DoorSlack) || json.Unmarshal(raw, &ref) != nil || ref.Channel == "" && ref.User == "" {
		return nil
	}
	return d.viaChat(ctx, ref, escapeKeepMentions(text), anchor{})
}

// Tell sends text to a Slack user as a direct message from the bot. The accounts service uses
// it to say "Connected as @name" and to ask an owner to reconnect.
func (d *Door) Tell(ctx context.Context, user, text string) error {
	if _, _, err := d.postMessage(ctx, user, slack.MsgOptionText(text, false)); err != nil {
		return sendErr("message to "+user, err)
	}
	return nil
}
