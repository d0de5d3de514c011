package threadstest

import (
	"net/http"
	"slices"
	"time"
)

// QuotaKind names one of the per-user moving-window quotas.
type QuotaKind string

// The quotas the simulator enforces.
const (
	QuotaPosts   QuotaKind = "posts"
	QuotaReplies QuotaKind = "replies"
	QuotaDeletes QuotaKind = "deletes"
)

// QuotaWindow is the length of the moving quota window.
const QuotaWindow = 24 * time.Hour

// InjectUsage records n uses of a quota by userID at the current time, as
// if other apps had published (or deleted) for the user: Meta's limits are
// per user across apps. Injected uses leave the window like real ones.
func (s *Server) InjectUsage(userID string, kind QuotaKind, n int) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUsage(userID, kind, now, n)
}

// Usage is how much of a quota userID has used in the last 24 hours.
func (s *Server) Usage(userID string, kind QuotaKind) int {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.usageCount(userID, kind, now)
}

// addUsage appends n uses at t, keeping the list sorted even if a
// ManualClock was set backwards. Callers hold s.mu.
func (s *Server) addUsage(userID string, kind QuotaKind, t time.Time, n int) {
	byKind := s.usage[userID]
	if byKind == nil {
		byKind = make(map[QuotaKind][]time.Time)
		s.usage[userID] = byKind
	}
	list := byKind[kind]
	i := len(list)
	if i > 0 && t.Before(list[i-1]) {
		i, _ = slices.BinarySearchFunc(list, t, func(a, b time.Time) int { return a.Compare(b) })
	}
	for range n {
		list = slices.Insert(list, i, t)
	}
	byKind[kind] = list
}

// usageCount counts uses inside (now-24h, now] and forgets older ones.
// Callers hold s.mu.
func (s *Server) usageCount(userID string, kind QuotaKind, now time.Time) int {
	list := s.usage[userID][kind]
	cut, _ := slices.BinarySearchFunc(list, now.Add(-QuotaWindow), func(a, b time.Time) int {
		if !a.After(b) {
			return -1
		}
		return 1
	})
	if cut > 0 {
		list = list[cut:]
		s.usage[userID][kind] = list
	}
	end, _ := slices.BinarySearchFunc(list, now, func(a, b time.Time) int {
		if !a.After(b) {
			return -1
		}
		return 1
	})
	return end
}

func (s *Server) quotaTotal(kind QuotaKind) int {
	switch kind {
	case QuotaReplies:
		return s.opts.Quotas.Replies
	case QuotaDeletes:
		return s.opts.Quotas.Deletes
	}
	return s.opts.Quotas.Posts
}

// checkQuota refuses a publish that would exceed the user's post (or
// reply) quota. Callers hold s.mu.
func (s *Server) checkQuota(userID string, p Post, now time.Time) *GraphError {
	kinds := []QuotaKind{QuotaPosts}
	if p.ReplyToID != "" {
		kinds = []QuotaKind{QuotaReplies}
		if s.opts.RepliesCountAsPosts {
			kinds = append(kinds, QuotaPosts)
		}
	}
	for _, k := range kinds {
		if s.usageCount(userID, k, now) >= s.quotaTotal(k) {
			s.refused[userID]++
			return s.quotaError()
		}
	}
	return nil
}

func (s *Server) quotaError() *GraphError {
	e := defaultQuotaError()
	if s.opts.QuotaError != nil {
		e = *s.opts.QuotaError
	}
	return &e
}

// handlePublishingLimit is GET /{user}/threads_publishing_limit. The answer
// is {"data":[{...}]} with the requested fields; quota_usage by default.
func (s *Server) handlePublishingLimit(w http.ResponseWriter, r *http.Request, userSeg string) {
	t := s.authenticate(w, r, ScopeBasic, ScopeContentPublish)
	if t == nil || !s.resolveUser(w, "get", userSeg, t) {
		return
	}
	fields, gerr := parseFields(r.Form.Get("fields"), "quota_usage")
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	now := s.now()
	config := func(total int) map[string]int {
		return map[string]int{"quota_total": total, "quota_duration": int(QuotaWindow / time.Second)}
	}
	out := map[string]any{}
	for _, f := range fields {
		var need string
		switch f.name {
		case "reply_quota_usage", "reply_config":
			need = ScopeManageReplies
		case "delete_quota_usage", "delete_config":
			need = ScopeDelete
		case "location_search_quota_usage", "location_search_config":
			need = ScopeLocationTagging
		}
		if need != "" && !t.has(need) {
			s.writeGraphError(w, errPermission())
			return
		}
		s.mu.Lock()
		switch f.name {
		case "quota_usage":
			out[f.name] = s.usageCount(t.userID, QuotaPosts, now)
		case "config":
			out[f.name] = config(s.opts.Quotas.Posts)
		case "reply_quota_usage":
			out[f.name] = s.usageCount(t.userID, QuotaReplies, now)
		case "reply_config":
			out[f.name] = config(s.opts.Quotas.Replies)
		case "delete_quota_usage":
			out[f.name] = s.usageCount(t.userID, QuotaDeletes, now)
		case "delete_config":
			out[f.name] = config(s.opts.Quotas.Deletes)
		case "location_search_quota_usage":
			out[f.name] = 0
		case "location_search_config":
			out[f.name] = config(500)
		}
		s.mu.Unlock()
		if _, ok := out[f.name]; !ok {
			s.writeGraphError(w, errNonexistingField(f.name))
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": []any{out}})
}
