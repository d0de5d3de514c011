package threads

import (
	"context"
	"net/http"
	"net/url"
)

// Insights are a published post's lifetime counts (GET /{media-id}/insights, threads-api.md
// §6.6).
type Insights struct {
	Views, Likes, Replies, Reposts, Quotes, Shares int
}

// insightMetrics are the metrics MediaInsights asks for, in Insights' order.
const insightMetrics = "views,likes,replies,reposts,quotes,shares"

// MediaInsights reads a published post's counts; it needs threads_manage_insights. A metric
// Threads leaves out (reposts may come back as an empty list) reads zero.
func (c *Client) MediaInsights(ctx context.Context, token, mediaID string) (Insights, error) {
	const op = "read post insights"
	if mediaID == "" {
		return Insights{}, errMissing(op, "the media id")
	}
	p := url.Values{}
	p.Set("metric", insightMetrics)
	p.Set("access_token", token)
	var out insightsAnswer
	if err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned(mediaID, "insights"), params: p,
		secrets: []string{token}}, &out); err != nil {
		return Insights{}, needScope(err, ScopeManageInsights)
	}
	var in Insights
	for _, m := range out.Data {
		v := 0
		if len(m.Values) > 0 {
			v = m.Values[0].Value
		} else if m.TotalValue != nil {
			v = m.TotalValue.Value
		}
		switch m.Name {
		case "views":
			in.Views = v
		case "likes":
			in.Likes = v
		case "replies":
			in.Replies = v
		case "reposts":
			in.Reposts = v
		case "quotes":
			in.Quotes = v
		case "shares":
			in.Shares = v
		}
	}
	return in, nil
}

// insightsAnswer is the body of Meta's insights endpoints (a post's and a user's): one entry
// per metric, with per-day values or a total.
type insightsAnswer struct {
	Data []struct {
		Name   string `json:"name"`
		Values []struct {
			Value int `json:"value"`
		} `json:"values"`
		TotalValue *struct {
			Value int `json:"value"`
		} `json:"total_value"`
	} `json:"data"`
}
