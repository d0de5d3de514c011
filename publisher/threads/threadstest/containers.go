package threadstest

import (
	"net/http"
	"slices"
	"time"
)

// Container statuses (reference §4.4).
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusPublished  = "PUBLISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
)

// ContainerTTL is how long an unpublished container lives before EXPIRED.
const ContainerTTL = 24 * time.Hour

// Post is the content of a container as the simulator understood the
// request's parameters.
type Post struct {
	MediaType      string // TEXT, IMAGE, VIDEO or CAROUSEL
	Text           string
	ImageURL       string
	VideoURL       string
	IsCarouselItem bool
	Children       []string // container ids of a CAROUSEL
	ReplyToID      string
	QuotePostID    string
	LinkAttachment string
	TopicTag       string
	ReplyControl   string
	AltText        string
	AutoPublish    bool
	Shapes
}

type container struct {
	id, userID   string
	post         Post
	createdAt    time.Time
	readyAt      time.Time
	errorMessage string
	mediaID      string // set once published
	parent       string // the carousel that took this item
}

// status computes a container's state at now. Readiness, expiry and
// failure are all functions of the clock, so nothing runs in the
// background and a ManualClock drives every transition.
func (c *container) status(now time.Time) string {
	switch {
	case c.mediaID != "":
		return StatusPublished
	case now.Before(c.readyAt) && now.Before(c.createdAt.Add(ContainerTTL)):
		return StatusInProgress
	case c.errorMessage != "":
		return StatusError
	case !now.Before(c.createdAt.Add(ContainerTTL)):
		return StatusExpired
	}
	return StatusFinished
}

// ContainerInfo is a container's state, for assertions.
type ContainerInfo struct {
	ID, UserID   string
	Post         Post
	Status       string
	ErrorMessage string
	MediaID      string
	CreatedAt    time.Time
}

// Container returns the state of a container the simulator created.
func (s *Server) Container(id string) (ContainerInfo, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.containers[id]
	if !ok {
		return ContainerInfo{}, false
	}
	p := c.post
	p.Children = slices.Clone(p.Children)
	info := ContainerInfo{ID: c.id, UserID: c.userID, Post: p, Status: c.status(now), MediaID: c.mediaID, CreatedAt: c.createdAt}
	if info.Status == StatusError {
		info.ErrorMessage = c.errorMessage
	}
	return info, true
}

// handleCreate is POST /{user}/threads: validate, fetch media like Meta
// does, then store an IN_PROGRESS container (or publish at once with
// auto_publish_text).
func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, userSeg string) {
	t := s.authenticate(w, r, ScopeBasic, ScopeContentPublish)
	if t == nil || !s.resolveUser(w, "post", userSeg, t) {
		return
	}
	p, gerr := parsePost(r.Form)
	if gerr == nil {
		gerr = validatePost(p, r.Form)
	}
	if gerr == nil && (p.ReplyToID != "" && !t.has(ScopeManageReplies) || p.LocationID != "" && !t.has(ScopeLocationTagging)) {
		e := errPermission()
		gerr = &e
	}
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	var errorMessage string
	switch p.MediaType {
	case "IMAGE":
		if f := s.fetchMedia(r.Context(), "IMAGE", p.ImageURL); f.Err != "" {
			s.writeGraphError(w, errImageFetch(p.ImageURL))
			return
		}
	case "VIDEO":
		if f := s.fetchMedia(r.Context(), "VIDEO", p.VideoURL); f.Err != "" {
			errorMessage = f.errorMessage
		}
	}
	s.mu.Lock()
	fn := s.contErr
	s.mu.Unlock()
	if fn != nil && errorMessage == "" {
		errorMessage = fn(t.userID, p)
	}
	id, gerr := s.storeContainer(t, p, errorMessage)
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

// storeContainer runs the checks that need the simulator's state (children,
// reply and quote targets), stores the container, and for auto_publish_text
// publishes it. It returns the id to answer with.
func (s *Server) storeContainer(t *token, p Post, errorMessage string) (string, *GraphError) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if gerr := s.checkReferences(t, p, now); gerr != nil {
		return "", gerr
	}
	c := &container{id: s.newID(), userID: t.userID, post: p, createdAt: now,
		readyAt: now.Add(s.delayFor(p.MediaType)), errorMessage: errorMessage}
	s.containers[c.id] = c
	for _, child := range p.Children {
		s.containers[child].parent = c.id
	}
	if !p.AutoPublish {
		return c.id, nil
	}
	c.readyAt = now
	if gerr := s.checkQuota(t.userID, p, now); gerr != nil {
		return "", gerr
	}
	return s.publishLocked(c, now), nil
}

func (s *Server) delayFor(mediaType string) time.Duration {
	switch mediaType {
	case "IMAGE":
		return s.delays.Image
	case "VIDEO":
		return s.delays.Video
	case "CAROUSEL":
		return s.delays.Carousel
	}
	return s.delays.Text
}

// checkReferences validates ids a container points at. Callers hold s.mu.
func (s *Server) checkReferences(t *token, p Post, now time.Time) *GraphError {
	for i, id := range p.Children {
		if slices.Contains(p.Children[:i], id) {
			e := errParam("Param children contains %s twice.", id)
			return &e
		}
		c, ok := s.containers[id]
		if !ok || c.userID != t.userID {
			e := errParam("Param children contains %s, which is not a media container of this user.", id)
			return &e
		}
		if !c.post.IsCarouselItem {
			e := errParam("Param children contains %s, which was not created with is_carousel_item=true.", id)
			return &e
		}
		if c.parent != "" {
			e := errParam("Param children contains %s, which already belongs to carousel %s.", id, c.parent)
			return &e
		}
		if st := c.status(now); st != StatusFinished {
			e := errParam("Carousel item %s is not ready to be used (status %s); wait until every item is FINISHED.", id, st)
			return &e
		}
	}
	if p.ReplyToID != "" {
		m, ok := s.media[p.ReplyToID]
		if !ok || m.deleted {
			e := errParam("Param reply_to_id must be the id of an existing Threads post or reply (%s is not).", p.ReplyToID)
			return &e
		}
		root := m
		if m.rootID != "" {
			root = s.media[m.rootID]
		}
		if root.ownerID != t.userID && !t.has(ScopeKeywordSearch) && !t.has(ScopeManageMentions) {
			e := errPermission()
			return &e
		}
	}
	if p.QuotePostID != "" {
		if m, ok := s.media[p.QuotePostID]; !ok || m.deleted {
			e := errParam("Param quote_post_id must be the id of an existing Threads post (%s is not).", p.QuotePostID)
			return &e
		}
	}
	return nil
}

// handleContainerStatus is GET /{container-id}?fields=id,status,error_message.
func (s *Server) handleContainerStatus(w http.ResponseWriter, r *http.Request, id string) {
	t := s.authenticate(w, r, ScopeBasic)
	if t == nil {
		return
	}
	fields, gerr := parseFields(r.Form.Get("fields"), "id,status")
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.containers[id]
	var owner, st, msg string
	if ok {
		owner, st, msg = c.userID, c.status(now), c.errorMessage
	}
	s.mu.Unlock()
	if !ok || owner != t.userID {
		s.writeGraphError(w, errUnsupported("get", id))
		return
	}
	out := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			out["id"] = id
		case "status":
			out["status"] = st
		case "error_message":
			if st == StatusError {
				out["error_message"] = msg
			}
		default:
			s.writeGraphError(w, errNonexistingField(f.name))
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}
