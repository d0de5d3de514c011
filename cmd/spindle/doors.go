package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// accountEvents is the door the publisher sends account-level events to (a token to link
// again), which belong to no post: the account's owner hears of them through their own door.
const accountEvents ingest.Door = ""

// doorOffer is what one door offers the rest of Spindle; a nil field offers nothing.
type doorOffer struct {
	// results reports how the door's posts went; the publisher's outbox delivers to it.
	results publisher.Notifier
	// people tells the door's people about their accounts ("Connected as @name").
	people accounts.IdentityNotifier
	// feedNotices tells the chat that added a feed about it (paused, items skipped, results).
	feedNotices rss.Notices
	// approvalCards shows the door's people a post waiting for their decision as a card with
	// Approve and Reject buttons; a chat door without it tells them in a plain line (people).
	approvalCards cardSender
}

// doors is the one registry of Spindle's doors, keyed by ingest.Door. serve builds every
// service first, handing them this registry where they will tell a door something; then it
// builds the doors, which need those services, and each registers once what it offers. The
// publisher (results), the accounts service (identities) and the feed manager (feed notices)
// look the door up when they have something to say. A door that never registered is not
// configured: its results and feed notices are logged and dropped.
//
// Doors register while serve builds, before anything that looks them up can run (the
// scheduler, the Telegram door and the listener start after), and the map is only read from
// then on, so it takes no lock.
type doors struct {
	log    *slog.Logger
	offers map[ingest.Door]doorOffer
}

func newDoors(log *slog.Logger) *doors {
	return &doors{log: log, offers: map[ingest.Door]doorOffer{}}
}

// register records what door offers. A door registers once: a second registration is a
// wiring bug, and panics.
func (d *doors) register(door ingest.Door, o doorOffer) {
	if _, dup := d.offers[door]; dup {
		panic(fmt.Sprintf("doors: door %q registered twice", door))
	}
	d.offers[door] = o
}

// results is the result notifier door registered; nil when it registered none or is off.
func (d *doors) results(door ingest.Door) publisher.Notifier { return d.offers[door].results }

// cards is the approval card sender door registered; nil when it offers none or is off.
func (d *doors) cards(door ingest.Door) cardSender { return d.offers[door].approvalCards }

// Notifier implements publisher.Doors. A registered door without results (the command line,
// the REST API) gets nil, so its events are marked delivered; a door that is not configured
// gets one that logs each event and drops it.
func (d *doors) Notifier(door string) publisher.Notifier {
	o, ok := d.offers[ingest.Door(door)]
	if !ok {
		return unconfigured{door: door, log: d.log}
	}
	return o.results
}

// NotifyIdentity implements accounts.IdentityNotifier: it tells id through its door. A door
// with no way to tell people (api identities, a door that is not configured) tells nothing,
// and that is not an error: the browser page and the API answer say the same.
func (d *doors) NotifyIdentity(ctx context.Context, id accounts.Identity, text string) error {
	n := d.offers[ingest.Door(id.Door)].people
	if n == nil {
		return nil
	}
	if err := n.NotifyIdentity(ctx, id, text); err != nil {
		return fmt.Errorf("tell %s through %s: %w", id, id.Door, err)
	}
	return nil
}

// FeedNotice implements rss.Notices: it sends a feed notice to the chat door named in the
// feed's ChatRef.
func (d *doors) FeedNotice(ctx context.Context, door string, ref json.RawMessage, text string) error {
	n := d.offers[ingest.Door(door)].feedNotices
	if n == nil {
		d.log.InfoContext(ctx, "feed notice for a chat door that is not configured",
			slog.String("report_door", door), slog.String("text", text))
		return nil
	}
	return n.FeedNotice(ctx, door, ref, text)
}

// unconfigured stands in for a door that is not configured: a result for it is logged and
// counts as delivered.
type unconfigured struct {
	door string
	log  *slog.Logger
}

func (u unconfigured) Notify(ctx context.Context, e publisher.Event) error {
	u.log.InfoContext(ctx, "result for a door that is not configured", slog.String("door", u.door),
		slog.String("post_id", e.PostID), slog.String("kind", string(e.Kind)))
	return nil
}

// teller is a chat door that can message a person by their user id.
type teller interface {
	Tell(ctx context.Context, user, text string) error
}

// tellPeople makes a chat door the people notifier of its identities.
func tellPeople(t teller) accounts.IdentityNotifier {
	return accounts.IdentityNotifierFunc(func(ctx context.Context, id accounts.Identity, text string) error {
		return t.Tell(ctx, id.User, text)
	})
}
