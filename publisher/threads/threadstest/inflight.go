package threadstest

import (
	"slices"
	"time"
)

// Overlap is two containers of one user that were in flight at once: Second was created
// before First was published, and both were published. Meta allows it, but Spindle promises
// one post in flight per account (its queue leases one at a time, across replicas), so a test
// that runs Spindle expects none. Containers never published (abandoned after a lost answer
// or a crash) are not in flight: they never reach the ledger.
type Overlap struct {
	UserID                string
	First, Second         string // container ids
	FirstCreated          time.Time
	FirstPublished        time.Time
	SecondCreated         time.Time
	SecondPublished       time.Time
	FirstText, SecondText string
}

// span is one published top-level container: from its creation to its publish.
type span struct {
	id, text           string
	created, published time.Time
}

// recordSpan notes that c is published at now and records an Overlap when the user's previous
// publish came after c was created. Publishes of one user are in time order, so the previous
// one is the latest; if it did not overlap c, no earlier one did. Callers hold s.mu.
func (s *Server) recordSpan(c *container, now time.Time) {
	sp := span{id: c.id, text: c.post.Text, created: c.createdAt, published: now}
	if prev, ok := s.lastSpan[c.userID]; ok && prev.published.After(c.createdAt) {
		s.overlaps = append(s.overlaps, Overlap{UserID: c.userID, First: prev.id, Second: c.id,
			FirstCreated: prev.created, FirstPublished: prev.published, SecondCreated: c.createdAt,
			SecondPublished: now, FirstText: prev.text, SecondText: c.post.Text})
	}
	s.lastSpan[c.userID] = sp
}

// Overlaps returns every time two published containers of one user were in flight at once.
func (s *Server) Overlaps() []Overlap {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.overlaps)
}

// QuotaRefusals is how many publishes of userID the simulator refused because a quota was
// used up: an app that keeps its own count exactly is never refused.
func (s *Server) QuotaRefusals(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused[userID]
}

// CallOverlap is a publishing call (container creation, status check or publish) of one user
// that arrived while another of that user's was still being answered: two workers on one
// account at once. Spindle leases one post per account at a time, so its calls for an account
// come one after another.
type CallOverlap struct {
	UserID   string
	Endpoint Endpoint
	At       time.Time
}

// publishingCall reports whether ep is part of publishing a post.
func publishingCall(ep Endpoint) bool {
	return ep == EndpointCreateContainer || ep == EndpointContainerStatus || ep == EndpointPublish
}

// enterCall marks a publishing call of the token's user as being answered and returns the
// function that ends it; calls of other endpoints or without a known token are not tracked.
func (s *Server) enterCall(ep Endpoint, accessToken string) (leave func()) {
	if !publishingCall(ep) || accessToken == "" {
		return func() {}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[accessToken]
	if !ok {
		return func() {}
	}
	user := t.userID
	s.active[user]++
	if s.active[user] > 1 {
		s.callOverlaps = append(s.callOverlaps, CallOverlap{UserID: user, Endpoint: ep, At: now})
	}
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.active[user]--
	}
}

// CallOverlaps returns every publishing call that overlapped another of the same user.
func (s *Server) CallOverlaps() []CallOverlap {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.callOverlaps)
}
