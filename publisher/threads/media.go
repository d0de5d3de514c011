package threads

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// TimestampLayout is how Threads writes timestamps: "+0000", no colon, no
// fractional seconds.
const TimestampLayout = "2006-01-02T15:04:05-0700"

// mediaFields are the fields asked for a media object: the documented set
// of threads-api.md §6.2 minus children, whose shape is unconfirmed.
const mediaFields = "id,media_product_type,media_type,media_url,permalink,owner,username,text,topic_tag,timestamp,shortcode,thumbnail_url,is_quote_post"

// MediaObject is a published post (GET /{media-id}). Fields Threads leaves
// out (a flagged post has no permalink) are empty.
type MediaObject struct {
	ID               string
	MediaProductType string // THREADS
	// MediaType is the retrieval value: TEXT_POST, IMAGE, VIDEO,
	// CAROUSEL_ALBUM, AUDIO or REPOST_FACADE (not the creation values).
	MediaType    string
	MediaURL     string
	Permalink    string
	OwnerID      string
	Username     string
	Text         string
	TopicTag     string
	Shortcode    string
	ThumbnailURL string
	IsQuotePost  bool
	Timestamp    time.Time
}

// mediaJSON is the wire shape of a media object.
type mediaJSON struct {
	ID               flexIDStr `json:"id"`
	MediaProductType string    `json:"media_product_type"`
	MediaType        string    `json:"media_type"`
	MediaURL         string    `json:"media_url"`
	Permalink        string    `json:"permalink"`
	Owner            *struct {
		ID flexIDStr `json:"id"`
	} `json:"owner"`
	Username     string          `json:"username"`
	Text         string          `json:"text"`
	TopicTag     string          `json:"topic_tag"`
	Timestamp    string          `json:"timestamp"`
	Shortcode    string          `json:"shortcode"`
	ThumbnailURL string          `json:"thumbnail_url"`
	IsQuotePost  json.RawMessage `json:"is_quote_post"`
}

func (m mediaJSON) object() MediaObject {
	o := MediaObject{
		ID: string(m.ID), MediaProductType: m.MediaProductType, MediaType: m.MediaType,
		MediaURL: m.MediaURL, Permalink: m.Permalink, Username: m.Username, Text: m.Text,
		TopicTag: m.TopicTag, Shortcode: m.Shortcode, ThumbnailURL: m.ThumbnailURL,
		Timestamp: parseTimestamp(m.Timestamp),
	}
	if m.Owner != nil {
		o.OwnerID = string(m.Owner.ID)
	}
	var q flexBool
	if len(m.IsQuotePost) > 0 && q.UnmarshalJSON(m.IsQuotePost) == nil {
		o.IsQuotePost = bool(q)
	}
	return o
}

// parseTimestamp reads Threads' "+0000" layout, and RFC 3339 in case Meta
// ever adds the colon; anything else is the zero time.
func parseTimestamp(s string) time.Time {
	for _, layout := range []string{TimestampLayout, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// Media looks up a published post by media id, for its permalink after a
// publish. A container id is not a media id.
func (c *Client) Media(ctx context.Context, token, mediaID string) (MediaObject, error) {
	const op = "look up post"
	if mediaID == "" {
		return MediaObject{}, errMissing(op, "the media id")
	}
	p := url.Values{}
	p.Set("fields", mediaFields)
	p.Set("access_token", token)
	var out mediaJSON
	if err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned(mediaID), params: p,
		secrets: []string{token}}, &out); err != nil {
		return MediaObject{}, err
	}
	if out.ID == "" {
		return MediaObject{}, missingField(op, "id")
	}
	return out.object(), nil
}

// Delete deletes a published post (DELETE /{media-id}); it needs the
// threads_delete permission and counts against 100 deletions a day.
func (c *Client) Delete(ctx context.Context, token, mediaID string) error {
	const op = "delete post"
	if mediaID == "" {
		return errMissing(op, "the media id")
	}
	p := url.Values{}
	p.Set("access_token", token)
	var out struct {
		Success flexBool `json:"success"`
	}
	if err := c.do(ctx, call{op: op, method: http.MethodDelete, path: versioned(mediaID), params: p,
		secrets: []string{token}}, &out); err != nil {
		return needScope(err, ScopeDelete)
	}
	if !out.Success {
		return &Error{Op: op, Class: ClassPermanent, HTTPStatus: http.StatusOK,
			Reason: "Threads answered that the post was not deleted — check that it still exists and belongs to this account"}
	}
	return nil
}

// maxRecentPages bounds how many pages RecentThreads follows, so that a
// server repeating a cursor cannot loop it forever.
const maxRecentPages = 20

// minSince is the earliest since Threads accepts (threads-api.md §6.1).
const minSince = 1688540400

// RecentThreads lists the user's posts published since the given time,
// newest first, at most limit of them (25 when limit < 1), following the
// paging cursors. It exists to reconcile a publish whose answer was lost:
// look for the post among those published since the publish began.
func (c *Client) RecentThreads(ctx context.Context, token, userID string, since time.Time, limit int) ([]MediaObject, error) {
	const op = "list recent posts"
	if userID == "" {
		return nil, errMissing(op, "the user id")
	}
	if limit < 1 {
		limit = 25
	}
	var posts []MediaObject
	after := ""
	for page := 0; page < maxRecentPages && len(posts) < limit; page++ {
		p := url.Values{}
		p.Set("fields", mediaFields)
		if !since.IsZero() {
			// Threads refuses a since before its launch (2023-07-05).
			p.Set("since", strconv.FormatInt(max(since.Unix(), minSince), 10))
		}
		p.Set("limit", strconv.Itoa(min(limit-len(posts), 100)))
		if after != "" {
			p.Set("after", after)
		}
		p.Set("access_token", token)
		var out struct {
			Data   []mediaJSON `json:"data"`
			Paging struct {
				Cursors struct {
					After string `json:"after"`
				} `json:"cursors"`
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned(userID, "threads"), params: p,
			secrets: []string{token}}, &out); err != nil {
			return nil, err
		}
		for _, m := range out.Data {
			posts = append(posts, m.object())
		}
		next := out.Paging.Cursors.After
		// Graph marks the last page by leaving out paging.next.
		if len(out.Data) == 0 || out.Paging.Next == "" || next == "" || next == after {
			break
		}
		after = next
	}
	if len(posts) > limit {
		posts = posts[:limit]
	}
	return posts, nil
}
