package threadstest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// userMetrics are the metrics GET /{user-id}/threads_insights knows (threads-api.md §6.6).
var userMetrics = []string{"views", "likes", "replies", "reposts", "quotes", "clicks", "followers_count", "follower_demographics"}

// insightsEpoch is the earliest since Meta accepts for user insights (threads-api.md §6.6).
const insightsEpoch = 1712991600

// handleUserInsights is GET /{user-id}/threads_insights?metric=…&since=…&until=…: it needs
// threads_manage_insights, validates metric names and the since/until window, and answers the
// documented shape (views per day in values[] with end_time, the others as total_value). The
// simulator has no audience: every count is zero except replies, the replies published to the
// user's posts inside the window.
func (s *Server) handleUserInsights(w http.ResponseWriter, r *http.Request, id string) {
	t := s.authenticate(w, r, ScopeBasic, ScopeManageInsights)
	if t == nil || !s.resolveUser(w, "get", id, t) {
		return
	}
	if r.Form.Get("metric") == "" {
		s.writeGraphError(w, errParam("The parameter metric is required."))
		return
	}
	metrics := strings.Split(r.Form.Get("metric"), ",")
	for i, m := range metrics {
		if !slices.Contains(userMetrics, m) {
			s.writeGraphError(w, errParam("metric[%d] must be one of the following values: %s", i, strings.Join(userMetrics, ", ")))
			return
		}
		if m == "follower_demographics" && r.Form.Get("breakdown") == "" {
			s.writeGraphError(w, errParam("The parameter breakdown is required for follower_demographics."))
			return
		}
	}
	now := s.now()
	since, until := now.Add(-24*time.Hour), now
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"since", &since}, {"until", &until}} {
		v := r.Form.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < insightsEpoch {
			s.writeGraphError(w, errParam("The parameter %s must be a Unix timestamp not before %d.", p.name, insightsEpoch))
			return
		}
		*p.to = time.Unix(n, 0)
	}
	if until.Before(since) {
		s.writeGraphError(w, errParam("The parameter since must not be after until."))
		return
	}
	s.mu.Lock()
	replies := 0
	for _, m := range s.media {
		parent, ok := s.media[m.post.ReplyToID]
		if ok && parent.ownerID == t.userID && !m.deleted && !m.at.Before(since) && m.at.Before(until.Add(time.Second)) {
			replies++
		}
	}
	s.mu.Unlock()
	out := make([]map[string]any, 0, len(metrics))
	for _, name := range metrics {
		o := map[string]any{"name": name, "period": "day", "title": strings.ToUpper(name[:1]) + name[1:],
			"description": "Simulated " + name + " count.", "id": t.userID + "/insights/" + name + "/day"}
		switch name {
		case "views":
			var days []map[string]any
			for d := since.Add(24 * time.Hour); !d.After(until); d = d.Add(24 * time.Hour) {
				days = append(days, map[string]any{"value": 0, "end_time": d.UTC().Format("2006-01-02T15:04:05+0000")})
			}
			o["values"] = days
		case "replies":
			o["total_value"] = map[string]any{"value": replies}
		default:
			o["total_value"] = map[string]any{"value": 0}
		}
		out = append(out, o)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}
