// Package rss is Spindle's feed door: it polls RSS 0.9x/1.0/2.0, Atom and JSON Feed
// documents and turns their new items into ingest.Requests.
//
// One poll (Poller.Poll) is: fetch with the feed's stored validators (Fetcher: conditional
// GET, gzip, timeouts, a size cap, few redirects, private addresses refused at dial time)
// → parse with gofeed (ParseFeed) → normalize and identify items (Items: GUID, else the
// normalized link, else a hash of title and date) → ask Seen which are new → apply the
// feed's filters → on the first poll record everything and post only the backfill → apply
// the daily cap, oldest first → render and fit each post (Template.Fit: 500 characters by
// Meta's count, at most 5 links, the link never cut) → Enqueuer, with the idempotency key
// "feed:<feed id>:<item id>" so that no item is ever posted twice → Seen.Mark.
//
// The package keeps no state. Storage (feeds, seen items, validators, failure counts) and
// scheduling (when each feed is due; NextAttempt and Backoff say how long to wait) belong
// to the caller, through the small Seen and Enqueuer interfaces and the PollResult it
// stores.
package rss
