package threads

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Container media types (the media_type parameter of container creation).
const (
	MediaTypeText     = "TEXT"
	MediaTypeImage    = "IMAGE"
	MediaTypeVideo    = "VIDEO"
	MediaTypeCarousel = "CAROUSEL"
)

// Container statuses (threads-api.md §4.4).
const (
	StatusInProgress = "IN_PROGRESS"
	StatusFinished   = "FINISHED"
	StatusError      = "ERROR"
	StatusExpired    = "EXPIRED"
	StatusPublished  = "PUBLISHED"
)

// Container is what to create with POST /{user}/threads. Empty fields are
// not sent.
type Container struct {
	MediaType      string // MediaTypeText, MediaTypeImage, MediaTypeVideo or MediaTypeCarousel
	Text           string
	ImageURL       string
	VideoURL       string
	IsCarouselItem bool
	Children       []string // container ids of a carousel's items, 2–20
	ReplyToID      string
	QuoteID        string // sent as quote_post_id
	LinkAttachment string
	TopicTag       string
	ReplyControl   string
	AltText        string
	// AutoPublishText publishes a TEXT container at once: the id returned
	// is then the published media id and no Publish call is needed. It
	// avoids the publish-too-soon race for text posts.
	AutoPublishText bool

	Poll           []string // sent as poll_attachment {"option_a",…}
	TextAttachment *TextAttachment
	Spoilers       []Spoiler // sent as text_entities
	SpoilerMedia   bool      // is_spoiler_media
	Ghost          bool      // is_ghost_post
	LocationID     string    // needs threads_location_tagging
	GIF            *GIF      // gif_attachment
}

// Status is a container's processing state.
type Status struct {
	ID     string
	Status string // one of the Status* constants
	// ErrorMessage is set with StatusError: FAILED_DOWNLOADING_VIDEO,
	// UNKNOWN, INVALID_ASPEC_RATIO (sic) and the like.
	ErrorMessage string
}

// CreateContainer creates a media container and returns its id (or, with
// AutoPublishText, the published media id). userID may be "me".
//
// With AutoPublishText a failure whose outcome is unknown (network error,
// 5xx) is marked MaybePublished, as for Publish.
func (c *Client) CreateContainer(ctx context.Context, token, userID string, ct Container) (string, error) {
	const op = "create media container"
	if userID == "" {
		return "", errMissing(op, "the user id")
	}
	p := url.Values{}
	set := func(k, v string) {
		if v != "" {
			p.Set(k, v)
		}
	}
	set("media_type", ct.MediaType)
	set("text", ct.Text)
	set("image_url", ct.ImageURL)
	set("video_url", ct.VideoURL)
	if ct.IsCarouselItem {
		p.Set("is_carousel_item", "true")
	}
	set("children", strings.Join(ct.Children, ","))
	set("reply_to_id", ct.ReplyToID)
	set("quote_post_id", ct.QuoteID)
	set("link_attachment", ct.LinkAttachment)
	set("topic_tag", ct.TopicTag)
	set("reply_control", ct.ReplyControl)
	set("alt_text", ct.AltText)
	if ct.AutoPublishText {
		p.Set("auto_publish_text", "true")
	}
	if err := shapeParams(ct, p); err != nil {
		return "", &Error{Op: op, Class: ClassPermanent, Reason: err.Error()}
	}
	p.Set("access_token", token)
	var out struct {
		ID flexIDStr `json:"id"`
	}
	err := c.do(ctx, call{op: op, method: http.MethodPost, path: versioned(userID, "threads"), params: p,
		secrets: []string{token}}, &out)
	if err != nil {
		if ct.AutoPublishText {
			markMaybePublished(err)
		}
		if ct.ReplyToID != "" {
			err = needScope(err, ScopeManageReplies)
		}
		if ct.LocationID != "" {
			err = needScope(err, ScopeLocationTagging)
		}
		return "", err
	}
	if out.ID == "" {
		return "", missingField(op, "the container id")
	}
	return string(out.ID), nil
}

// ContainerStatus returns a container's status (GET /{container-id} with
// fields id,status,error_message). Only container ids have a status; a
// published media id answers a validation error.
func (c *Client) ContainerStatus(ctx context.Context, token, containerID string) (Status, error) {
	const op = "check container status"
	if containerID == "" {
		return Status{}, errMissing(op, "the container id")
	}
	p := url.Values{}
	p.Set("fields", "id,status,error_message")
	p.Set("access_token", token)
	var out struct {
		ID           flexIDStr `json:"id"`
		Status       string    `json:"status"`
		ErrorMessage string    `json:"error_message"`
	}
	err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned(containerID), params: p,
		secrets: []string{token}}, &out)
	if err != nil {
		return Status{}, err
	}
	if out.Status == "" {
		return Status{}, missingField(op, "status")
	}
	return Status{ID: string(out.ID), Status: out.Status, ErrorMessage: out.ErrorMessage}, nil
}

// Publish publishes a FINISHED container (POST /{user}/threads_publish) and
// returns the new media id, which differs from the container id.
//
// A failure whose outcome is unknown — no answer, a 5xx, any transient
// error, an unreadable answer, or code 10 (observed with the post
// nonetheless published) — is
// marked MaybePublished: check ContainerStatus and RecentThreads before
// publishing again. 24/4279009 is ClassMediaNotReady: nothing was published.
func (c *Client) Publish(ctx context.Context, token, userID, containerID string) (string, error) {
	const op = "publish container"
	if userID == "" || containerID == "" {
		return "", errMissing(op, "the user id or container id")
	}
	p := url.Values{}
	p.Set("creation_id", containerID)
	p.Set("access_token", token)
	var out struct {
		ID flexIDStr `json:"id"`
	}
	err := c.do(ctx, call{op: op, method: http.MethodPost, path: versioned(userID, "threads_publish"), params: p,
		secrets: []string{token}}, &out)
	if err != nil {
		markMaybePublished(err)
		return "", err
	}
	if out.ID == "" {
		e := missingField(op, "the media id").(*Error)
		e.MaybePublished = true
		return "", e
	}
	return string(out.ID), nil
}

// markMaybePublished flags a publish error whose outcome is unknown.
func markMaybePublished(err error) {
	e, ok := err.(*Error)
	if !ok {
		return
	}
	switch {
	case e.HTTPStatus == 0, e.HTTPStatus >= 500, e.Code == 10, e.Class == ClassTransient:
		e.MaybePublished = true
	}
}
