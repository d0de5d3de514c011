package threadstest

import (
	"net/http"
	"slices"
	"time"
)

// media is a published Threads media object.
type media struct {
	id, ownerID, username string
	containerID           string
	mediaType             string // TEXT_POST, IMAGE, VIDEO, CAROUSEL_ALBUM
	post                  Post
	mediaURL              string
	children              []string // media ids of a carousel's items
	shortcode, permalink  string
	at                    time.Time
	rootID                string // the thread's root post, for replies
	isChild               bool
	seq                   int // index in s.posts, for cursors
	ledger                int // index in s.ledger
	deleted               bool
	votes                 []int // poll votes per option, set by SetPollVotes
}

// Published is one post the simulator published, as a test sees it in the
// ledger.
type Published struct {
	UserID, Username string
	MediaID          string
	ContainerID      string
	MediaType        string // the container's: TEXT, IMAGE, VIDEO or CAROUSEL
	Text             string
	Media            []MediaItem // the image or video, or a carousel's items in order
	ReplyToID        string
	QuotePostID      string
	LinkAttachment   string
	TopicTag         string
	ReplyControl     string
	Shapes
	AutoPublished bool
	Permalink     string
	Time          time.Time
	Deleted       bool
	DeletedAt     time.Time
}

// MediaItem is one image or video of a published post.
type MediaItem struct {
	Kind    string // IMAGE or VIDEO
	URL     string // the image_url or video_url given at container creation
	AltText string
}

// Ledger returns every post published so far, oldest first, deleted ones
// included (marked Deleted).
func (s *Server) Ledger() []Published {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.ledger)
	for i := range out {
		out[i].Media = slices.Clone(out[i].Media)
	}
	return out
}

// handlePublish is POST /{user}/threads_publish?creation_id=.
func (s *Server) handlePublish(w http.ResponseWriter, r *http.Request, userSeg string) {
	t := s.authenticate(w, r, ScopeBasic, ScopeContentPublish)
	if t == nil || !s.resolveUser(w, "post", userSeg, t) {
		return
	}
	id := r.Form.Get("creation_id")
	if id == "" {
		s.writeGraphError(w, errParam("The parameter creation_id is required."))
		return
	}
	mediaID, gerr := s.publish(t, id)
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": mediaID})
}

func (s *Server) publish(t *token, id string) (string, *GraphError) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.containers[id]
	if !ok || c.userID != t.userID {
		e := errMediaNotFound(id)
		return "", &e
	}
	switch st := c.status(now); {
	case st == StatusPublished:
		e := GraphError{Type: "THApiException", Code: 100, Message: "The media container " + id + " has already been published; create a new container to post again."}
		if s.opts.DoublePublishError != nil {
			e = *s.opts.DoublePublishError
		}
		return "", &e
	case c.post.IsCarouselItem || c.parent != "":
		e := errParam("Media container %s is a carousel item; publish the CAROUSEL container that holds it.", id)
		return "", &e
	case st != StatusFinished, now.Before(c.readyAt.Add(s.window)):
		e := errMediaNotFound(id)
		return "", &e
	}
	if c.post.ReplyToID != "" && !t.has(ScopeManageReplies) {
		e := errPermission()
		return "", &e
	}
	if gerr := s.checkQuota(t.userID, c.post, now); gerr != nil {
		return "", gerr
	}
	return s.publishLocked(c, now), nil
}

// publishLocked turns a container into a media object, records it in the
// ledger and counts it against the quotas. Callers hold s.mu and have
// checked the quota.
func (s *Server) publishLocked(c *container, now time.Time) string {
	s.recordSpan(c, now)
	u := s.users[c.userID]
	m := s.newMedia(c, u, now)
	entry := Published{
		UserID: u.ID, Username: u.Username, MediaID: m.id, ContainerID: c.id,
		MediaType: c.post.MediaType, Text: c.post.Text, ReplyToID: c.post.ReplyToID,
		QuotePostID: c.post.QuotePostID, LinkAttachment: c.post.LinkAttachment,
		TopicTag: c.post.TopicTag, ReplyControl: c.post.ReplyControl, Shapes: c.post.Shapes,
		AutoPublished: c.post.AutoPublish, Permalink: m.permalink, Time: now,
	}
	switch c.post.MediaType {
	case "IMAGE":
		entry.Media = []MediaItem{{"IMAGE", c.post.ImageURL, c.post.AltText}}
	case "VIDEO":
		entry.Media = []MediaItem{{"VIDEO", c.post.VideoURL, c.post.AltText}}
	case "CAROUSEL":
		for _, childID := range c.post.Children {
			child := s.containers[childID]
			item := MediaItem{"IMAGE", child.post.ImageURL, child.post.AltText}
			if child.post.MediaType == "VIDEO" {
				item = MediaItem{"VIDEO", child.post.VideoURL, child.post.AltText}
			}
			entry.Media = append(entry.Media, item)
			cm := s.newMedia(child, u, now)
			cm.isChild = true
			m.children = append(m.children, cm.id)
		}
	}
	m.seq = len(s.posts)
	m.ledger = len(s.ledger)
	s.posts = append(s.posts, m)
	s.ledger = append(s.ledger, entry)
	kind := QuotaPosts
	if c.post.ReplyToID != "" {
		kind = QuotaReplies
		if s.opts.RepliesCountAsPosts {
			s.addUsage(c.userID, QuotaPosts, now, 1)
		}
	}
	s.addUsage(c.userID, kind, now, 1)
	return m.id
}

// newMedia creates the media object of a published container. Callers hold
// s.mu.
func (s *Server) newMedia(c *container, u *User, now time.Time) *media {
	m := &media{id: s.newID(), ownerID: u.ID, username: u.Username, containerID: c.id,
		post: c.post, at: now}
	m.shortcode = shortcode(m.id)
	m.permalink = "https://www.threads.net/@" + u.Username + "/post/" + m.shortcode
	switch c.post.MediaType {
	case "TEXT":
		m.mediaType = "TEXT_POST"
	case "IMAGE":
		m.mediaType = "IMAGE"
		m.mediaURL = "https://scontent.cdninstagram.com/sim/" + m.id + ".jpg"
	case "VIDEO":
		m.mediaType = "VIDEO"
		m.mediaURL = "https://scontent.cdninstagram.com/sim/" + m.id + ".mp4"
	case "CAROUSEL":
		m.mediaType = "CAROUSEL_ALBUM"
	}
	if target, ok := s.media[c.post.ReplyToID]; ok {
		m.rootID = target.id
		if target.rootID != "" {
			m.rootID = target.rootID
		}
	}
	c.mediaID = m.id
	s.media[m.id] = m
	return m
}

const shortcodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// shortcode encodes a media id the way Instagram-family shortcodes do:
// the number in a 64-letter alphabet.
func shortcode(id string) string {
	var n uint64
	for _, r := range id {
		n = n*10 + uint64(r-'0')
	}
	var b []byte
	for n > 0 {
		b = append(b, shortcodeAlphabet[n%64])
		n /= 64
	}
	slices.Reverse(b)
	return string(b)
}
