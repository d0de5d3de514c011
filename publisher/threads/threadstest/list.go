package threadstest

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// List limits (reference §6.1).
const (
	DefaultListLimit = 25
	MaxListLimit     = 100
	// MinSince is the earliest since Meta accepts (2023-07-05).
	MinSince = 1688540400
)

// handleListThreads is GET /{user}/threads: the user's top-level posts,
// newest first.
func (s *Server) handleListThreads(w http.ResponseWriter, r *http.Request, userSeg string) {
	s.list(w, r, userSeg, false, ScopeBasic)
}

// handleListReplies is GET /{user}/replies: the user's replies, newest
// first. Meta requires threads_read_replies for reply GETs.
func (s *Server) handleListReplies(w http.ResponseWriter, r *http.Request, userSeg string) {
	s.list(w, r, userSeg, true, ScopeBasic, ScopeReadReplies)
}

type listQuery struct {
	limit         int
	since, until  time.Time
	before, after int // seq cursors; -1 when absent
}

func parseListQuery(f url.Values) (listQuery, *GraphError) {
	q := listQuery{limit: DefaultListLimit, before: -1, after: -1}
	if v := f.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return q, ptr(errParam("Param limit must be a positive integer."))
		}
		q.limit = min(n, MaxListLimit)
	}
	var gerr *GraphError
	if q.since, gerr = parseTime(f, "since"); gerr != nil {
		return q, gerr
	}
	if q.until, gerr = parseTime(f, "until"); gerr != nil {
		return q, gerr
	}
	if !q.since.IsZero() && q.since.Unix() < MinSince {
		return q, ptr(errParam("Param since must be on or after %d (2023-07-05).", MinSince))
	}
	if !q.since.IsZero() && !q.until.IsZero() && !q.until.After(q.since) {
		return q, ptr(errParam("Param until must be later than since."))
	}
	if f.Get("before") != "" && f.Get("after") != "" {
		return q, ptr(errParam("The before and after cursors cannot be used together."))
	}
	for name, dst := range map[string]*int{"before": &q.before, "after": &q.after} {
		if v := f.Get(name); v != "" {
			n, ok := decodeCursor(v)
			if !ok {
				return q, ptr(errParam("Param %s is not a valid cursor.", name))
			}
			*dst = n
		}
	}
	return q, nil
}

// parseTime reads a Unix timestamp or a date (RFC 3339 or YYYY-MM-DD).
func parseTime(f url.Values, name string) (time.Time, *GraphError) {
	v := f.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Unix(n, 0), nil
	}
	for _, layout := range []string{time.RFC3339, TimestampLayout, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, ptr(errParam("Param %s must be a Unix timestamp or a date.", name))
}

func encodeCursor(seq int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sim:" + strconv.Itoa(seq)))
}

func decodeCursor(c string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(string(b), "sim:"))
	return n, err == nil && strings.HasPrefix(string(b), "sim:") && n >= 0
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, userSeg string, replies bool, scopes ...string) {
	t := s.authenticate(w, r, scopes...)
	if t == nil || !s.resolveUser(w, "get", userSeg, t) {
		return
	}
	q, gerr := parseListQuery(r.Form)
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	fields, gerr := parseFields(r.Form.Get("fields"), "id")
	if gerr != nil {
		s.writeGraphError(w, *gerr)
		return
	}
	s.mu.Lock()
	// Candidates newest first.
	var match []*media
	for i := len(s.posts) - 1; i >= 0; i-- {
		m := s.posts[i]
		if m.ownerID != t.userID || m.deleted || (m.rootID != "") != replies ||
			(!q.since.IsZero() && m.at.Unix() < q.since.Unix()) || (!q.until.IsZero() && m.at.Unix() > q.until.Unix()) {
			continue
		}
		match = append(match, m)
	}
	page, moreNewer, moreOlder := paginate(match, q)
	data := make([]map[string]any, 0, len(page))
	for _, m := range page {
		obj, gerr := s.renderMedia(m, fields, t.userID)
		if gerr != nil {
			s.mu.Unlock()
			s.writeGraphError(w, *gerr)
			return
		}
		data = append(data, obj)
	}
	s.mu.Unlock()
	out := map[string]any{"data": data}
	if len(page) > 0 {
		first, last := encodeCursor(page[0].seq), encodeCursor(page[len(page)-1].seq)
		paging := map[string]any{"cursors": map[string]string{"before": first, "after": last}}
		if moreOlder {
			paging["next"] = pageURL(r, "after", last)
		}
		if moreNewer {
			paging["previous"] = pageURL(r, "before", first)
		}
		out["paging"] = paging
	}
	writeJSON(w, http.StatusOK, out)
}

// paginate cuts one page out of match (newest first) according to the
// cursors, and says whether newer or older items remain outside it.
func paginate(match []*media, q listQuery) (page []*media, moreNewer, moreOlder bool) {
	start, end := 0, len(match)
	switch {
	case q.after >= 0:
		for start < len(match) && match[start].seq >= q.after {
			start++
		}
		end = min(start+q.limit, len(match))
	case q.before >= 0:
		for end > 0 && match[end-1].seq <= q.before {
			end--
		}
		start = max(0, end-q.limit)
	default:
		end = min(q.limit, len(match))
	}
	return match[start:end], start > 0, end < len(match)
}

// pageURL is the request's own URL with one cursor set, the way Graph
// builds paging.next and paging.previous (the access token included).
func pageURL(r *http.Request, cursor, value string) string {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = vs
	}
	v.Del("before")
	v.Del("after")
	v.Set(cursor, value)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path := r.URL.Path
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		path = u.Path // the path before any http.StripPrefix
	}
	return scheme + "://" + r.Host + path + "?" + v.Encode()
}
