package main

import "context"

// telegramParts holds what the telegram subsystem built that others need.
type telegramParts struct{}

// wireTelegram starts the Telegram door when configured (issue 7).
func (a *app) wireTelegram(ctx context.Context) error { return nil }
