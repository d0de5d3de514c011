package threadstest

import (
	"net/http"
	"strings"
)

// TimestampLayout is how Threads writes timestamps: +0000, no colon, no
// fractional seconds.
const TimestampLayout = "2006-01-02T15:04:05-0700"

// handleProfile is GET /me and GET /{user-id}: only the token's own user.
func (s *Server) handleProfile(w http.ResponseWriter, r *http.Request, id string) {
	t := s.authenticate(w, r, ScopeBasic)
	if t == nil || !s.resolveUser(w, "get", id, t) {
		return
	}
	fields, gerr := parseFields(r.Form.Get("fields"), "id")
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	u, _ := s.User(t.userID)
	out := map[string]any{}
	for _, f := range fields {
		switch f.name {
		case "id":
			out["id"] = u.ID
		case "username":
			out["username"] = u.Username
		case "name":
			out["name"] = u.Name
		case "threads_profile_picture_url":
			out["threads_profile_picture_url"] = u.ProfilePictureURL
		case "threads_biography":
			out["threads_biography"] = u.Biography
		case "is_verified":
			out["is_verified"] = u.IsVerified
		case "is_eligible_for_geo_gating":
			out["is_eligible_for_geo_gating"] = false
		case "recently_searched_keywords":
			out["recently_searched_keywords"] = []string{}
		default:
			s.writeGraphError(w, errNonexistingField(f.name))
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleMedia is GET /{media-id}. Unknown and deleted ids answer 100/33;
// container-only fields such as status answer "Tried accessing nonexisting
// field".
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request, id string) {
	t := s.authenticate(w, r, ScopeBasic)
	if t == nil {
		return
	}
	fields, gerr := parseFields(r.Form.Get("fields"), "id")
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	s.mu.Lock()
	m, ok := s.media[id]
	var out map[string]any
	if ok && !m.deleted {
		out, gerr = s.renderMedia(m, fields, t.userID)
	}
	s.mu.Unlock()
	switch {
	case !ok || m.deleted:
		s.writeGraphError(w, errUnsupported("get", id))
	case gerr != nil:
		s.writeGraphError(w, *gerr)
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// renderMedia builds a media object with the requested fields. Fields with
// no value are left out, as Graph does. Callers hold s.mu.
func (s *Server) renderMedia(m *media, fields []field, viewer string) (map[string]any, *GraphError) {
	out := map[string]any{}
	set := func(k string, v any, present bool) {
		if present {
			out[k] = v
		}
	}
	ref := func(id string) map[string]string { return map[string]string{"id": id} }
	for _, f := range fields {
		switch f.name {
		case "id":
			out["id"] = m.id
		case "media_product_type":
			out["media_product_type"] = "THREADS"
		case "media_type":
			out["media_type"] = m.mediaType
		case "media_url":
			set("media_url", m.mediaURL, m.mediaURL != "")
		case "thumbnail_url":
			set("thumbnail_url", strings.TrimSuffix(m.mediaURL, ".mp4")+"_thumb.jpg", m.mediaType == "VIDEO")
		case "permalink":
			out["permalink"] = m.permalink
		case "shortcode":
			out["shortcode"] = m.shortcode
		case "owner":
			set("owner", ref(m.ownerID), m.ownerID == viewer && m.rootID == "" && !m.isChild)
		case "username":
			out["username"] = m.username
		case "text":
			set("text", m.post.Text, m.post.Text != "" && !m.isChild)
		case "timestamp":
			out["timestamp"] = m.at.UTC().Format(TimestampLayout)
		case "is_quote_post":
			out["is_quote_post"] = m.post.QuotePostID != ""
		case "quoted_post":
			set("quoted_post", ref(m.post.QuotePostID), m.post.QuotePostID != "")
		case "is_reply":
			out["is_reply"] = m.rootID != ""
		case "replied_to":
			set("replied_to", ref(m.post.ReplyToID), m.post.ReplyToID != "")
		case "root_post":
			set("root_post", ref(m.rootID), m.rootID != "")
		case "is_reply_owned_by_me":
			set("is_reply_owned_by_me", m.ownerID == viewer, m.rootID != "")
		case "has_replies":
			out["has_replies"] = s.hasReplies(m.id)
		case "topic_tag":
			set("topic_tag", m.post.TopicTag, m.post.TopicTag != "")
		case "alt_text":
			set("alt_text", m.post.AltText, m.post.AltText != "")
		case "link_attachment_url":
			set("link_attachment_url", m.post.LinkAttachment, m.post.LinkAttachment != "")
		case "children":
			if len(m.children) > 0 {
				sub, gerr := parseFields(f.sub, "id")
				if gerr != nil {
					return nil, gerr
				}
				var data []map[string]any
				for _, cid := range m.children {
					c, gerr := s.renderMedia(s.media[cid], sub, viewer)
					if gerr != nil {
						return nil, gerr
					}
					data = append(data, c)
				}
				out["children"] = map[string]any{"data": data}
			}
		case "poll_attachment", "text_entities", "is_spoiler_media", "text_attachment", "gif_url",
			"location_id", "ghost_post_status", "ghost_post_expiration_timestamp":
			v, present, _ := m.renderShape(f.name, s.now())
			set(f.name, v, present)
		case "reply_audience", "hide_status", "reposted_post",
			"is_verified", "profile_picture_url", "location", "allowlisted_country_codes":
			// Known fields the simulator does not model: absent, as for a
			// post without them.
		default:
			return nil, ptr(errNonexistingField(f.name))
		}
	}
	return out, nil
}

func (s *Server) hasReplies(id string) bool {
	for _, m := range s.media {
		if m.post.ReplyToID == id && !m.deleted {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// handleDelete is DELETE /{media-id}: own, published, undeleted posts only,
// 100 per moving 24 hours.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, id string) {
	t := s.authenticate(w, r, ScopeBasic, ScopeDelete)
	if t == nil {
		return
	}
	now := s.now()
	s.mu.Lock()
	m, ok := s.media[id]
	var gerr *GraphError
	switch {
	case !ok || m.deleted || m.ownerID != t.userID || m.isChild:
		gerr = ptr(errUnsupported("delete", id))
	case s.usageCount(t.userID, QuotaDeletes, now) >= s.opts.Quotas.Deletes:
		gerr = s.quotaError()
	default:
		m.deleted = true
		s.ledger[m.ledger].Deleted = true
		s.ledger[m.ledger].DeletedAt = now
		s.addUsage(t.userID, QuotaDeletes, now, 1)
	}
	s.mu.Unlock()
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Success   bool   `json:"success"`
		DeletedID string `json:"deleted_id"`
	}{true, id})
}
