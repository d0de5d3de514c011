package threads

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// shapeFields are the media fields of the richer shapes (threads-api.md §6.3).
const shapeFields = "id,poll_attachment,text_entities,is_spoiler_media,text_attachment,gif_url,location_id,ghost_post_status"

// PollResult is a published poll as Meta reports it: the options, each one's share of the
// votes (0–1), the number of votes and when voting closes.
type PollResult struct {
	Options    []string
	Shares     []float64
	TotalVotes int
	ClosesAt   time.Time
}

// PublishedShapes is what Threads reports of a published post's richer shapes.
type PublishedShapes struct {
	Poll           *PollResult
	Spoilers       []Spoiler
	SpoilerMedia   bool
	TextAttachment *TextAttachment
	GIFURL         string
	LocationID     string
	GhostStatus    string // ACTIVE, ARCHIVED; empty for a post that is not a ghost post
}

type shapesJSON struct {
	ID   flexIDStr                  `json:"id"`
	Poll map[string]json.RawMessage `json:"poll_attachment"`
	// text_entities comes as a Graph edge ({"data":[…]}) or a bare list; both are read.
	TextEntities   json.RawMessage `json:"text_entities"`
	SpoilerMedia   flexBool        `json:"is_spoiler_media"`
	TextAttachment *TextAttachment `json:"text_attachment"`
	GIFURL         string          `json:"gif_url"`
	LocationID     flexIDStr       `json:"location_id"`
	GhostStatus    string          `json:"ghost_post_status"`
}

// Shapes reads a published post's richer shapes: its poll and votes, spoilers, text
// attachment, GIF, location and ghost status.
func (c *Client) Shapes(ctx context.Context, token, mediaID string) (PublishedShapes, error) {
	const op = "look up post shapes"
	if mediaID == "" {
		return PublishedShapes{}, errMissing(op, "the media id")
	}
	p := url.Values{}
	p.Set("fields", shapeFields)
	p.Set("access_token", token)
	var out shapesJSON
	if err := c.do(ctx, call{op: op, method: http.MethodGet, path: versioned(mediaID), params: p,
		secrets: []string{token}}, &out); err != nil {
		return PublishedShapes{}, err
	}
	s := PublishedShapes{SpoilerMedia: bool(out.SpoilerMedia), TextAttachment: out.TextAttachment,
		GIFURL: out.GIFURL, LocationID: string(out.LocationID), GhostStatus: out.GhostStatus}
	s.Poll = pollResult(out.Poll)
	s.Spoilers = spoilerEntities(out.TextEntities)
	return s, nil
}

func pollResult(raw map[string]json.RawMessage) *PollResult {
	if len(raw) == 0 {
		return nil
	}
	r := &PollResult{}
	for _, k := range []string{"option_a", "option_b", "option_c", "option_d"} {
		var opt string
		if json.Unmarshal(raw[k], &opt) != nil || opt == "" {
			break
		}
		var share float64
		_ = json.Unmarshal(raw[k+"_votes_percentage"], &share)
		r.Options, r.Shares = append(r.Options, opt), append(r.Shares, share)
	}
	_ = json.Unmarshal(raw["total_votes"], &r.TotalVotes)
	var closes string
	if json.Unmarshal(raw["expiration_timestamp"], &closes) == nil {
		r.ClosesAt = parseTimestamp(closes)
	}
	return r
}

func spoilerEntities(raw json.RawMessage) []Spoiler {
	type entity struct {
		Type   string `json:"entity_type"`
		Offset int    `json:"offset"`
		Length int    `json:"length"`
	}
	var list []entity
	if json.Unmarshal(raw, &list) != nil {
		var edge struct {
			Data []entity `json:"data"`
		}
		if json.Unmarshal(raw, &edge) != nil {
			return nil
		}
		list = edge.Data
	}
	var out []Spoiler
	for _, e := range list {
		out = append(out, Spoiler{Offset: e.Offset, Length: e.Length})
	}
	return out
}
