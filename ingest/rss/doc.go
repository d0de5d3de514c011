// Package rss is Spindle's feed door: it polls RSS 0.9x/1.0/2.0, Atom and JSON Feed
// documents and turns their new items into ingest.Requests.
//
// One poll (Poller.Poll) is: fetch with the feed's stored validators (Fetcher: conditional
// GET, gzip, timeouts, a size cap, few redirects, private addresses refused at dial time by
// ingest/netguard)
// → parse with gofeed (ParseFeed) → normalize and identify items (Items: GUID, else the
// normalized link, else a hash of title and date) → ask Seen which are new → apply the
// feed's filters → on the first poll record everything and post only the backfill → apply
// the daily cap, oldest first → render and fit each post (Template.Fit: 500 characters by
// Meta's count, at most 5 links, the link never cut) → Enqueuer, with the idempotency key
// "feed:<feed id>:<item id>" so that no item is ever posted twice → Seen.Mark.
//
// The Poller keeps no state: it sees storage only through the small Seen and Enqueuer
// interfaces and reports a PollResult. The Manager is the feed door around it: it adds feeds
// (fetching once to record the existing items as seen, "Watching <title>: 37 existing items
// skipped"), lists, pauses, resumes and removes them for chat doors and the command line,
// and runs the poll round as a scheduled job (Register): each due feed's poll runs on its own,
// with bounded concurrency overall and per host and a timeout of its own, so a feed that
// hangs or panics fails only its own poll (see flights.go); validators and the next poll stored (the interval,
// with jitter, or exponential backoff on failure, never below the server's hint), a
// permanent redirect stored as the new URL, a 410 or a run of failures pausing the feed,
// and a burst of new items paced one every 24h/cap with what the cap skipped told to the
// feed's chat through Notices. What one feed may cost is bounded: the newest MaxItemsPerPoll
// entries per poll, SeenKeep remembered ids, DefaultMaxFeedsPerAccount feeds per account, and
// clipped titles and validators (bounds.go). Its Store is *storage.DB.
package rss
