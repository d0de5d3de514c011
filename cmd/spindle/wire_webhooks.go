package main

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// sourceCacheTTL is how long the daemon keeps a looked-up source: a rotation or removal made
// with `spindle sources` from another process is seen within it.
const sourceCacheTTL = time.Second

// buildWebhooks mounts POST /hooks/{source} (issue 8), the door "webhook", which registers its
// results as signed callbacks.
func (a *app) buildWebhooks(keys *accounts.Keys) {
	store := webhookstore.New(webhookstore.Options{DB: a.db, Sealer: keys, Logger: a.log, CacheTTL: sourceCacheTTL,
		Now: a.db.Now}) // a rotated secret's grace ends by the database's clock on every replica
	deliveries := webhook.NewDeliveryLog(store.FlushDeliveries, time.Second, a.log)
	h := webhook.NewHandler(webhook.Options{
		Sources:               store,
		Enqueuer:              webhookstore.Enqueuer{Ingest: a.ingest},
		StatusURL:             func(id string) string { return a.cfg.PublicURL + "/api/posts/" + id },
		SourceName:            func(r *http.Request) string { return mux.Vars(r)["source"] },
		AllowPrivateCallbacks: a.cfg.AllowPrivateURLs,
		Deliveries:            a.metrics.WebhookDeliveries(deliveries),
		Logger:                a.log,
	})
	a.router.Handle("/hooks/{source}", h)

	// A few quick tries per callback; past them the publisher's outbox retries the event
	// later, durably.
	sender := webhook.NewCallbackSender(webhook.CallbackOptions{AllowPrivate: a.cfg.AllowPrivateURLs, Attempts: 3, Logger: a.log})
	a.webhookSources = store
	a.doors.register(ingest.DoorWebhook, doorOffer{results: webhookstore.NewNotifier(store, sender, a.log)})

	// The delivery log flushes once a second; on shutdown it flushes a last time before the
	// database (an earlier closer, so a later one to run) closes.
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		deliveries.Run(runCtx)
	}()
	a.closers = append(a.closers, func(context.Context) error {
		stop()
		<-done
		return nil
	})
}
