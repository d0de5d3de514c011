package publisher

// Delivery lanes. Each destination (a door, or a callback host within the webhook door) has
// its own lane with a few workers and a short queue, so a destination that never answers ties
// up only its own lane: Slack and Telegram results keep going out beside a webhook callback
// that hangs until its timeout. Lanes exist only while they have work; their workers exit when
// the queue is empty. Within a lane the events of one post go out one after another, in the
// order they were written (a post's "posted" before its "deleted"). Everything is bounded: maxLanes lanes of laneWorkers goroutines and
// laneDepth queued events each. What does not fit stays due in the outbox and is offered again
// at the next round, so nothing is lost by refusing it here.

import (
	"context"
	"sync"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Lane limits.
const (
	laneWorkers = 4            // deliveries in flight per destination
	laneDepth   = deliverBatch // events waiting per destination beyond those in flight
	maxLanes    = 32           // destinations delivering at once
)

// Laner is implemented by a Notifier whose events go to several destinations, so each gets a
// lane of its own: the webhook door names the callback URL's host, and one unreachable CI
// server then delays only the callbacks to it. Lane is called once per event before it is
// delivered; it must be quick and must not block (no network).
type Laner interface {
	Lane(e Event) string
}

// delivery is one event handed to a lane; ctx is its caller's (the delivery job's, which ends
// at shutdown), and done, when set, is called once the event was dealt with.
type delivery struct {
	ctx  context.Context
	it   storage.OutboxItem
	e    Event
	done func()
}

// lane is one destination's queue.
type lane struct {
	queue   []delivery
	running int
	// posts are the posts whose event a worker is delivering: a post's next event waits for
	// it, so the results of one post reach its destination in the order they were written.
	posts map[string]bool
}

// next takes the oldest queued delivery whose post has no event being delivered; false when
// every queued one waits for its post (the workers delivering those take them next).
func (l *lane) next() (delivery, bool) {
	for i, d := range l.queue {
		if d.e.PostID != "" && l.posts[d.e.PostID] {
			continue
		}
		l.queue = append(l.queue[:i:i], l.queue[i+1:]...)
		if d.e.PostID != "" {
			l.posts[d.e.PostID] = true
		}
		return d, true
	}
	return delivery{}, false
}

// lanes routes deliveries to per-destination workers.
type lanes struct {
	run func(delivery) // delivers one event; must not panic (the publisher recovers inside)
	// again asks for another round of the delivery job: a lane emptied after it refused
	// events for being full, which are still waiting in the outbox.
	again    func()
	mu       sync.Mutex
	refused  bool // an event was refused for a full lane since the last again
	byKey    map[string]*lane
	inflight map[int64]time.Time // outbox ids queued or being delivered → their latest claim
	// held are the posts with an event refused this round: their younger events of the round
	// are refused too, or one accepted after a worker freed up would go out first.
	held map[string]bool
	wg   sync.WaitGroup // every worker
}

func newLanes(run func(delivery), again func()) *lanes {
	return &lanes{run: run, again: again, byKey: map[string]*lane{}, inflight: map[int64]time.Time{}, held: map[string]bool{}}
}

// newRound starts a round of submissions (one claim's events, oldest first).
func (ls *lanes) newRound() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	clear(ls.held)
}

// busy counts the events queued or in flight, so a round can ask the outbox for that many
// more than a batch and still find new ones behind them.
func (ls *lanes) busy() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.inflight)
}

// submitted is what became of a submitted event.
type submitted int

const (
	accepted  submitted = iota
	duplicate           // already queued or in flight
	full                // the lane, or the number of lanes, is full: left for a later round
)

// submit queues d on lane key, unless it is a duplicate, does not fit, or an older event of its
// post did not fit this round.
func (ls *lanes) submit(key string, d delivery) submitted {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if _, dup := ls.inflight[d.it.ID]; dup {
		ls.inflight[d.it.ID] = d.it.Claim
		ls.retoken(d.it)
		return duplicate
	}
	l := ls.byKey[key]
	if ls.held[d.e.PostID] || l == nil && len(ls.byKey) >= maxLanes || l != nil && len(l.queue)+l.running >= laneWorkers+laneDepth {
		ls.refused = true
		if d.e.PostID != "" {
			ls.held[d.e.PostID] = true
		}
		return full
	}
	if l == nil {
		l = &lane{posts: map[string]bool{}}
		ls.byKey[key] = l
	}
	ls.inflight[d.it.ID] = d.it.Claim
	l.queue = append(l.queue, d)
	if l.running < laneWorkers {
		l.running++
		ls.wg.Add(1)
		go ls.work(key, l)
	}
	return accepted
}

// retoken hands a newer claim on an event still queued to its queued delivery, so that
// delivery, not the newer claim, is the one that goes out. Under ls.mu. A delivery a worker
// has taken already reads the newer claim through latestClaim.
func (ls *lanes) retoken(it storage.OutboxItem) {
	for _, l := range ls.byKey {
		for i := range l.queue {
			if l.queue[i].it.ID == it.ID {
				l.queue[i].it.Claim = it.Claim
				return
			}
		}
	}
}

// work delivers the lane's events, oldest first and one post's one after another, until
// none is left that it may take.
func (ls *lanes) work(key string, l *lane) {
	defer ls.wg.Done()
	for {
		ls.mu.Lock()
		d, ok := l.next()
		if !ok {
			l.running--
			if l.running == 0 {
				delete(ls.byKey, key)
			}
			// An emptied queue has room again for what a full one refused.
			again := ls.refused && len(l.queue) == 0
			if again {
				ls.refused = false
			}
			ls.mu.Unlock()
			if again && ls.again != nil {
				ls.again()
			}
			return
		}
		ls.mu.Unlock()

		ls.run(d)

		ls.mu.Lock()
		delete(ls.inflight, d.it.ID)
		delete(l.posts, d.e.PostID)
		ls.mu.Unlock()
		if d.done != nil {
			d.done()
		}
	}
}

// latestClaim is the newest claim on event id this process holds (a round may claim again an
// event whose delivery a worker has just taken, before the worker renewed its claim): the
// one to renew. claim when the event is not here.
func (ls *lanes) latestClaim(id int64, claim time.Time) time.Time {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if c, ok := ls.inflight[id]; ok {
		return c
	}
	return claim
}

// wait waits for every worker to finish; the job's context ending at shutdown makes them quick.
func (ls *lanes) wait() { ls.wg.Wait() }
