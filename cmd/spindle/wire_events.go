package main

import (
	"context"
	"net/http"

	"github.com/spindle-threads/spindle/ingest/netguard"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/storage"
)

// buildEvents builds the outbound event webhooks (issue 20): the deliverer, which runs from
// the listener's start to shutdown, and the doors the publisher tells, which fan every outbox
// event out to the subscriptions first. Receivers are called through the network guard:
// private addresses only with SPINDLE_ALLOW_PRIVATE_URLS. Redirects are not followed (the
// signed POST goes to the URL the operator gave, or fails).
func (a *app) buildEvents(keys *accounts.Keys) publisher.Doors {
	guard := netguard.New(netguard.Options{AllowPrivate: a.cfg.AllowPrivateURLs})
	client := &http.Client{
		Transport:     guard.Transport(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	a.eventSubs = events.Subscriptions{Store: a.db, Sealer: keys, Now: a.db.Now}
	d := events.NewDeliverer(events.Options{Store: a.db, Now: a.db.Now, Sealer: keys, Client: client, Logger: a.log})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	a.starts = append(a.starts, func(context.Context) error {
		go func() { defer close(done); _ = d.Run(ctx) }()
		return nil
	})
	a.closers = append(a.closers, func(context.Context) error {
		stop()
		select {
		case <-done:
		default: // never started
		}
		return nil
	})
	return events.Doors(a.doors, events.Fanout{Store: a.db, Kick: d.Kick})
}

// eventHooks is the REST API's view of the event webhooks: the subscriptions' secrets through
// events.Subscriptions, the rest straight from the database.
type eventHooks struct {
	events.Subscriptions
	*storage.DB
}
