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
// wrong secret, caps the body, and processes the update before answering 200, so Telegram
// retries what Spindle did not take in.
//
// The bot token never leaves the process: Telegram's file URLs embed it, so each photo or
// video is downloaded into the media directory and served at <public URL>/media/<random id>
// (MediaHandler) for Meta to fetch, then deleted a grace period after the post's result.
package telegram
