package threadstest

import (
	"net/http"
	"slices"
	"strings"
)

// mediaMetrics are the metrics GET /{media-id}/insights knows (threads-api.md §6.6).
var mediaMetrics = []string{"views", "likes", "replies", "reposts", "quotes", "shares"}

// insightJSON is one metric of the insights answer.
type insightJSON struct {
	Name        string       `json:"name"`
	Period      string       `json:"period"`
	Values      []insightVal `json:"values"`
	Title       string       `json:"title"`
	Description string       `json:"description"`
	ID          string       `json:"id"`
}

type insightVal struct {
	Value int `json:"value"`
}

// handleInsights is GET /{media-id}/insights?metric=…: it needs threads_manage_insights, like
// Meta, and answers the documented shape. The simulator has no audience, so every count is
// zero except replies, which counts the replies published to the post.
func (s *Server) handleInsights(w http.ResponseWriter, r *http.Request, id string) {
	t := s.authenticate(w, r, ScopeBasic, ScopeManageInsights)
	if t == nil {
		return
	}
	metrics := strings.Split(r.Form.Get("metric"), ",")
	if r.Form.Get("metric") == "" {
		s.writeGraphError(w, errParam("The parameter metric is required."))
		return
	}
	for _, m := range metrics {
		if !slices.Contains(mediaMetrics, m) {
			s.writeGraphError(w, errParam("metric[%d] must be one of the following values: %s", slices.Index(metrics, m), strings.Join(mediaMetrics, ", ")))
			return
		}
	}
	s.mu.Lock()
	m, ok := s.media[id]
	replies := 0
	if ok {
		for _, o := range s.media {
			if o.post.ReplyToID == id && !o.deleted {
				replies++
			}
		}
	}
	s.mu.Unlock()
	if !ok || m.deleted || m.ownerID != t.userID {
		s.writeGraphError(w, errUnsupported("get", id))
		return
	}
	out := make([]insightJSON, 0, len(metrics))
	for _, name := range metrics {
		v := 0
		if name == "replies" {
			v = replies
		}
		out = append(out, insightJSON{Name: name, Period: "lifetime", Values: []insightVal{{v}},
			Title: strings.ToUpper(name[:1]) + name[1:], Description: "Simulated " + name + " count.",
			ID: id + "/insights/" + name + "/lifetime"})
	}
	writeJSON(w, http.StatusOK, struct {
		Data []insightJSON `json:"data"`
	}{out})
}
