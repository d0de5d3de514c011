package threads

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Profile is the token owner's Threads profile (GET /me).
type Profile struct {
	ID                string
	Username          string
	Name              string
	ProfilePictureURL string
	Biography         string
	IsVerified        bool
}

// Me returns the profile of the user the token belongs to.
func (c *Client) Me(ctx context.Context, token string) (Profile, error) {
	const op = "get profile"
	p := url.Values{}
	p.Set("fields", "id,username,name,threads_profile_picture_url,threads_biography,is_verified")
	p.Set("access_token", token)
	var out struct {
		ID                flexIDStr `json:"id"`
		Username          string    `json:"username"`
		Name              string    `json:"name"`
		ProfilePictureURL string    `json:"threads_profile_picture_url"`
		Biography         string    `json:"threads_biography"`
		IsVerified        flexBool  `json:"is_verified"`
	}
	if err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned("me"), params: p,
		secrets: []string{token}}, &out); err != nil {
		return Profile{}, err
	}
	if out.ID == "" {
		return Profile{}, missingField(op, "id")
	}
	return Profile{ID: string(out.ID), Username: out.Username, Name: out.Name, ProfilePictureURL: out.ProfilePictureURL,
		Biography: out.Biography, IsVerified: bool(out.IsVerified)}, nil
}

// Quota is one moving-window quota as Threads reports it.
type Quota struct {
	// Reported is false when Threads did not report this quota (the token
	// lacks the permission to read it); the other fields are then zero.
	Reported bool
	Usage    int           // uses in the last Duration
	Total    int           // the limit over Duration
	Duration time.Duration // the window, 24 h
}

// Remaining is how many uses are left, never negative.
func (q Quota) Remaining() int { return max(q.Total-q.Usage, 0) }

// Meta's publishing limits per account over a moving 24 hours. They are declared here, once:
// configuration uses them as defaults and refuses anything higher, and the publisher, the
// status page and the chat quota view read the configured limits, never these numbers.
const (
	MaxPosts   = 250  // carousels count once
	MaxReplies = 1000 // replies, in chains and to others
	MaxDeletes = 100  // deletions
)

// Limits are the user's publishing quotas (threads_publishing_limit).
type Limits struct {
	Posts   Quota // MaxPosts a day; carousels count once
	Replies Quota // MaxReplies a day; needs threads_manage_replies to read
	Deletes Quota // MaxDeletes a day; needs threads_delete to read
}

// PublishingLimit reads the user's quotas. Reading the reply and delete
// quotas needs threads_manage_replies and threads_delete; when the token
// lacks them Threads refuses the whole call, so the client asks again for
// the post quota alone and marks the others not Reported.
func (c *Client) PublishingLimit(ctx context.Context, token, userID string) (Limits, error) {
	const op = "read publishing limits"
	if userID == "" {
		return Limits{}, errMissing(op, "the user id")
	}
	l, err := c.publishingLimit(ctx, op, token, userID,
		"quota_usage,config,reply_quota_usage,reply_config,delete_quota_usage,delete_config")
	if ClassOf(err) == ClassPermission {
		l, err = c.publishingLimit(ctx, op, token, userID, "quota_usage,config")
	}
	return l, err
}

type quotaConfig struct {
	Total    flexInt `json:"quota_total"`
	Duration flexInt `json:"quota_duration"` // seconds
}

func (c *Client) publishingLimit(ctx context.Context, op, token, userID, fields string) (Limits, error) {
	p := url.Values{}
	p.Set("fields", fields)
	p.Set("access_token", token)
	// The answer is wrapped: {"data":[{...}]}, an array of one object.
	var out struct {
		Data []struct {
			Usage        *flexInt     `json:"quota_usage"`
			Config       *quotaConfig `json:"config"`
			ReplyUsage   *flexInt     `json:"reply_quota_usage"`
			ReplyConfig  *quotaConfig `json:"reply_config"`
			DeleteUsage  *flexInt     `json:"delete_quota_usage"`
			DeleteConfig *quotaConfig `json:"delete_config"`
		} `json:"data"`
	}
	if err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned(userID, "threads_publishing_limit"),
		params: p, secrets: []string{token}}, &out); err != nil {
		return Limits{}, err
	}
	if len(out.Data) == 0 {
		return Limits{}, missingField(op, "data")
	}
	d := out.Data[0]
	return Limits{
		Posts:   quota(d.Usage, d.Config),
		Replies: quota(d.ReplyUsage, d.ReplyConfig),
		Deletes: quota(d.DeleteUsage, d.DeleteConfig),
	}, nil
}

func quota(usage *flexInt, cfg *quotaConfig) Quota {
	if usage == nil && cfg == nil {
		return Quota{}
	}
	q := Quota{Reported: true}
	if usage != nil {
		q.Usage = int(*usage)
	}
	if cfg != nil {
		q.Total = int(cfg.Total)
		q.Duration = time.Duration(cfg.Duration) * time.Second
	}
	return q
}
