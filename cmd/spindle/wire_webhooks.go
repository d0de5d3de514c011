package main

import (
	"context"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// webhookParts holds what the webhooks subsystem built that others need.
type webhookParts struct {
	// webhookSources keeps the webhook sources; chat's `webhook add <name>` calls its Add,
	// which returns the secret to show once.
	webhookSources *webhookstore.Store
	// webhookNotifier reports the results of posts from door "webhook" as signed callbacks.
	// The publisher must register it for that door. wirePublisher runs before wireWebhooks,
	// so read this field when a result is delivered (or in a start step), not while wiring.
	webhookNotifier publisher.Notifier
}

// sourceCacheTTL is how long the daemon keeps a looked-up source: a rotation or removal made
// with `spindle sources` from another process is seen within it.
const sourceCacheTTL = time.Second

// wireWebhooks mounts POST /hooks/{source} (issue 8) and builds the door's result notifier.
func (a *app) wireWebhooks(ctx context.Context) error {
	keys, err := accounts.NewKeys(a.cfg.SecretKeyBytes())
	if err != nil {
		return err
	}
	store := webhookstore.New(webhookstore.Options{DB: a.db, Sealer: keys, Logger: a.log, CacheTTL: sourceCacheTTL})
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
	a.webhookNotifier = webhookstore.NewNotifier(store, sender, a.log)

	// The delivery log flushes once a second; on shutdown it flushes a last time before the
	// database (an earlier closer, so a later one to run) closes.
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
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
	return nil
}
