package threads

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// AccountCounts are an account's totals over a window (GET /{user-id}/threads_insights,
// threads-api.md §6.6): views summed over the window's days, likes, replies, reposts and
// quotes over the window, and the follower count now.
type AccountCounts struct {
	Views, Likes, Replies, Reposts, Quotes, Followers int
}

// userMetrics are the metrics UserInsights asks for.
const userMetrics = "views,likes,replies,reposts,quotes,followers_count"

// InsightsEpoch is the earliest since Threads accepts for user insights (threads-api.md §6.6).
var InsightsEpoch = time.Unix(1712991600, 0)

// UserInsights reads an account's counts between since and until; it needs
// threads_manage_insights. views come back per day (values[] with end_time) and are summed;
// the others come back as total_value.
func (c *Client) UserInsights(ctx context.Context, token, userID string, since, until time.Time) (AccountCounts, error) {
	const op = "read account insights"
	if userID == "" {
		return AccountCounts{}, errMissing(op, "the Threads user id")
	}
	if since.Before(InsightsEpoch) {
		since = InsightsEpoch
	}
	p := url.Values{}
	p.Set("metric", userMetrics)
	p.Set("since", strconv.FormatInt(since.Unix(), 10))
	p.Set("until", strconv.FormatInt(until.Unix(), 10))
	p.Set("access_token", token)
	var out insightsAnswer
	if err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned(userID, "threads_insights"), params: p,
		secrets: []string{token}}, &out); err != nil {
		return AccountCounts{}, needScope(err, ScopeManageInsights)
	}
	var a AccountCounts
	for _, m := range out.Data {
		v := 0
		if m.TotalValue != nil {
			v = m.TotalValue.Value
		} else {
			for _, d := range m.Values {
				v += d.Value
			}
		}
		switch m.Name {
		case "views":
			a.Views = v
		case "likes":
			a.Likes = v
		case "replies":
			a.Replies = v
		case "reposts":
			a.Reposts = v
		case "quotes":
			a.Quotes = v
		case "followers_count":
			a.Followers = v
		}
	}
	return a, nil
}
