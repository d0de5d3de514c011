// Package telegram is Spindle's Telegram door, built on github.com/go-telegram/bot.
//
// Commands (/post, /schedule, /list, … the shared grammar of package bot) go to the shared
// bot.Dispatcher. Plain text sent in a private chat becomes a draft answered with a preview and
// [Publish] [Schedule…] [Discard] buttons; a photo or video becomes a media draft, and an album
// (media_group_id) of 2–20 items one carousel. Results come back as replies to the person's
// own message through Notify (a publisher.Notifier).
//
// Updates arrive by long polling, or, when a webhook secret is configured, at
// POST /telegram/webhook through WebhookHandler, which (unlike the library's) answers 401 to a
// wrong secret and caps the body. Either way each update joins its chat's queue: one chat is
// served in order, chats in parallel, so one person's slow video download holds up nobody
// else. A webhook call waits (up to Options.AckWait) for a command to be handled before
// answering 200, so Telegram retries what Spindle did not take in; a photo or video is
// acknowledged first and downloaded after. Update ids already taken are ignored, and a
// message that already made a draft is answered from it, so a redelivery is never a second
// post. Every Bot API call is paced per chat and overall (golang.org/x/time/rate) and retried
// after the retry_after of a 429. setWebhook is retried with backoff; Health reports the link.
//
// The bot token never leaves the process: Telegram's file URLs embed it, so each photo or
// video is downloaded into the media directory and served at <public URL>/media/<random id>
// (MediaHandler) for Meta to fetch, then deleted a grace period after the post's result. So
// that this relay is no free file host and no page of Spindle's origin: nothing is fetched for
// a sender the bot would not post for (not allowed, or without an account); each person's held
// media is capped (files and bytes); only JPEG, PNG, MP4 and MOV bytes are kept, and served with
// that type, nosniff and a sandboxing CSP; open drafts expire after a day and housekeeping
// (Sweep) deletes the media of expired drafts and ended posts in small batches.
package telegram
